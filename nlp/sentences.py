"""Rule-based sentence splitting with offsets into the original text.

A sentence ends at a paragraph break ("\n") or at . ! ? … (plus closing quotes/brackets) followed
by whitespace and a word that can start a sentence. Periods after abbreviations, initials and
acronyms do not end a sentence; decimals never qualify because no whitespace follows their point.
Spans the caller names (`keep_together`: the country mentions) are never cut: see `split_sentences`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from espejo.records import Sentence

# Titles and abbreviations that are virtually never the last word of a sentence (lowercase,
# without the final period). Both languages share one table: news in either quotes the other.
_NEVER_FINAL = frozenset(
    """
    mr mrs ms dr dra prof profa gov gob sen rep rev gen gral lt col sgt capt cap cmdr adm supt
    atty hon pres pdte dip sr sra srta sres lic ing mtro mtra arq st sto sta mt ft av ave blvd
    dept depto edo cía vs v approx aprox ud uds vd pág pag ee jan feb apr aug sept oct nov
    dec ene abr dic
    """.split()
)
# Abbreviations that can end a sentence: split after them only before a typical sentence opener.
# Acronyms with inner periods (U.S., EE.UU., a.m., D.C.) are treated the same way by pattern;
# "uu" is the second half of "EE. UU.".
_SOMETIMES_FINAL = frozenset(
    """
    uu etc inc corp co ltd jr
    ala ariz ark calif colo conn del fla ga ill ind kan ky la md mass mich minn miss mo mont
    neb nev okla ore pa tenn tex va vt wash wis wyo
    """.split()
)
# Abbreviations that only precede a number ("No. 5", "núm. 3"); "no." before a word is the word.
_BEFORE_NUMBER = frozenset("no nos núm num nro art vol fig p pp".split())

_OPENERS_EN = """
    a after also an and as at both but by each even for from he her his how however i if in it
    its last many meanwhile more most my no not now of on one only other our she since so some
    still that the their then there these they this those though to today two we what when
    where while who why with yesterday yet you
"""
_OPENERS_ES = """
    a además al algunos ante asimismo así aunque ayer cada como con cuando de del desde después
    durante e el ella ellas ellos en entonces entre esa ese eso esta este esto estos hay hoy
    incluso la las le les lo los luego mientras muchos nadie ni no nos otra otro para pero por
    porque que quien se según si sin sobre su sus también tampoco todo todos tras un una uno y ya
"""
_SENTENCE_OPENERS = {
    "en": frozenset(_OPENERS_EN.split()),
    "es": frozenset(_OPENERS_ES.split()),
}
_ANY_OPENER = _SENTENCE_OPENERS["en"] | _SENTENCE_OPENERS["es"]

_PARAGRAPH = re.compile(r"[^\n]+")
# Terminal punctuation, closing quotes/brackets, then whitespace (required: "3.5", "EE.UU" inside).
_TERMINATOR = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
# The next word after the terminator, skipping opening quotes, ¿ ¡, brackets and dialogue dashes.
_NEXT_WORD = re.compile(r"\s+[\"'“‘«¿¡(\[—–-]*(\w+)")
_ACRONYM = re.compile(r"(?:[^\W\d_]{1,3}\.)+[^\W\d_]{1,3}")  # letters only: not "3.5"
_LEADING_PUNCTUATION = "\"'“‘«¿¡([—–-"


def split_sentences(
    text: str, language: str, keep_together: Sequence[tuple[int, int]] = ()
) -> list[Sentence]:
    """Sentences of `text`, in order; `text[s.start:s.end] == s.text`, edges stripped.

    `keep_together`: sorted, disjoint (start, end) spans that no sentence boundary may cut. The pipeline
    passes the country mentions: a paragraph never ends inside a name, so a line break there ("EE.\nUU.",
    "Estados\nUnidos", left by a page that wraps its lines) joins the two lines into one sentence, and the
    mention is scored in the sentence it belongs to.
    """
    openers = _SENTENCE_OPENERS.get(language, _ANY_OPENER)
    spans: list[tuple[int, int]] = []
    for paragraph in _PARAGRAPH.finditer(text):
        start = paragraph.start()
        for terminator in _TERMINATOR.finditer(text, paragraph.start(), paragraph.end()):
            if _ends_sentence(text, terminator, paragraph.start(), paragraph.end(), openers):
                spans.append((start, terminator.end()))
                start = terminator.end()
        spans.append((start, paragraph.end()))
    if keep_together:
        spans = _join_cut_spans(spans, keep_together)
    sentences: list[Sentence] = []
    for start, end in spans:
        start, end = _strip(text, start, end)
        if start < end:
            sentences.append(Sentence(len(sentences), start, end, text[start:end]))
    return sentences


def _join_cut_spans(spans: list[tuple[int, int]], keep: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join consecutive spans whose boundary falls inside one of the `keep` spans."""
    starts = [start for start, _ in keep]
    joined = [spans[0]] if spans else []
    for start, end in spans[1:]:
        # The kept span that starts last before this span does ends last too (they are disjoint).
        last = bisect_left(starts, start) - 1
        if last >= 0 and keep[last][1] > joined[-1][1]:
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _ends_sentence(
    text: str, terminator: re.Match[str], par_start: int, par_end: int, openers: frozenset[str]
) -> bool:
    next_word = _NEXT_WORD.match(text, terminator.end(), par_end)
    if next_word is None:  # only whitespace or symbols follow: the paragraph is ending anyway
        return True
    word = next_word.group(1)
    if word[0].islower():  # "¿Por qué? —preguntó", "Why?" he asked, "etc. y"
        return False
    marks = terminator.group().rstrip("\"'”’»)]")
    if marks != ".":  # ! ? … and runs such as "?!" or "..."
        return True
    token = _token_before(text, terminator.start(), par_start)
    key = token.lower()
    if key in _BEFORE_NUMBER:
        return not word[0].isdigit()
    if key in _NEVER_FINAL or (len(token) == 1 and token.isupper()):  # titles, initials "J."
        return False
    if key in _SOMETIMES_FINAL or _ACRONYM.fullmatch(token):
        return word.lower() in openers
    if token.isdigit() and text[par_start:terminator.start() - len(token)].strip() == "":
        return False  # a numbered list item: "1. Introduction"
    return True


def _token_before(text: str, end: int, floor: int) -> str:
    """The word that the period closes, without leading quotes or brackets."""
    start = end
    while start > floor and not text[start - 1].isspace():
        start -= 1
    return text[start:end].lstrip(_LEADING_PUNCTUATION)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
