"""Language identification (English / Spanish / undetermined) with lingua.

Articles arrive with an outlet's declared language as a hint; we trust the text over the hint
when the detector is confident, and the hint when the text is too short to tell.
"""

from __future__ import annotations

import functools
import re

from lingua import ConfidenceValue, Language, LanguageDetector, LanguageDetectorBuilder

SAMPLE_CHARS = 1500  # the first paragraphs decide; scoring the whole article only costs time
MIN_LETTERS = 20  # below this lingua guesses; the hint is more reliable
MIN_CONFIDENCE = 0.6  # confidence needed on its own
MIN_CONFIDENCE_WITH_HINT = 0.4  # confidence needed when the detector agrees with the hint

# Besides English and Spanish we load the languages the press in our sources most often
# quotes or is confused with, so that such text comes out "und" instead of a forced guess.
_OTHER_LANGUAGES = (Language.PORTUGUESE, Language.FRENCH, Language.ITALIAN, Language.GERMAN)
_CODES = {Language.ENGLISH: "en", Language.SPANISH: "es"}
_LETTER = re.compile(r"[^\W\d_]")


@functools.cache
def _detector() -> LanguageDetector:
    """Built once, on first use: loading the language models takes a moment."""
    return LanguageDetectorBuilder.from_languages(*_CODES, *_OTHER_LANGUAGES).build()


def _hint_code(hint: str | None) -> str | None:
    """"es-MX", "en_US", "EN" -> "es", "en", "en"; anything else -> None."""
    if not hint:
        return None
    code = hint.strip().lower()[:2]
    return code if code in ("en", "es") else None


def detect_language(text: str, hint: str | None = None) -> str:
    """"en", "es" or "und" for `text`; `hint` (e.g. the page's <html lang>) decides short text."""
    hint_code = _hint_code(hint)
    sample = text[:SAMPLE_CHARS]
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return hint_code or "und"
    best: ConfidenceValue = _detector().compute_language_confidence_values(sample)[0]
    code = _CODES.get(best.language)
    if code is None:
        return "und"
    threshold = MIN_CONFIDENCE_WITH_HINT if code == hint_code else MIN_CONFIDENCE
    return code if best.value >= threshold else "und"
