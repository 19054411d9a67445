"""Scorers: target sentiment toward a country mention, and frames of an article.

`Scorer` is the interface the pipeline calls; `ZeroShotScorer` implements it with the e5-small
encoder and prototypes built from two editable data files, `sentiment_prompts.toml` and
`frames.toml`. A trained model can replace it later by implementing the same two methods and
registering under a name in `SCORERS`.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from espejo.records import SENTIMENT_LABELS, FrameScore, SentimentScore, direction

from . import backbone

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_PROMPTS = PACKAGE_DIR / "sentiment_prompts.toml"
DEFAULT_CODEBOOK = PACKAGE_DIR / "frames.toml"
LANGUAGES = ("en", "es")
ANY_DIRECTION = "any"
FRAME_DIRECTIONS = (ANY_DIRECTION, direction("US"), direction("MX"))
MIN_EXEMPLARS_PER_LANGUAGE = 3


@dataclass(frozen=True)
class MentionInput:
    """One target mention to score: the sentence and the target's offsets within that sentence."""

    sentence: str
    start: int
    end: int
    target: str  # "US" | "MX"
    language: str  # "en" | "es"


@dataclass(frozen=True)
class FrameInput:
    """One article to frame: its title and sentence texts (in order), language and outlet country."""

    title: str
    sentences: Sequence[str]
    language: str
    source_country: str  # "US" | "MX"


class Scorer(Protocol):
    model_version: str  # recorded with every score so results from different models never mix

    def score_mentions(self, items: list[MentionInput]) -> list[SentimentScore]: ...

    def score_frames(self, articles: list[FrameInput]) -> list[list[FrameScore]]: ...


# --------------------------------------------------------------------------------------------------
# Frame codebook


class CodebookError(ValueError):
    """The frame codebook is malformed; the message names the frame and the field."""


@dataclass(frozen=True)
class Frame:
    key: str
    direction: str  # "any", "us->mx" or "mx->us"
    label_en: str
    label_es: str
    definition: str
    definition_es: str
    terms_en: tuple[str, ...]
    terms_es: tuple[str, ...]
    exemplars_en: tuple[str, ...]
    exemplars_es: tuple[str, ...]

    @property
    def exemplars(self) -> tuple[str, ...]:
        return self.exemplars_en + self.exemplars_es

    def prototype_texts(self) -> list[str]:
        """Definitions, term lists and exemplars of both languages: the encoder is multilingual."""
        return [
            self.definition,
            self.definition_es,
            ", ".join(self.terms_en),
            ", ".join(self.terms_es),
            *self.exemplars,
        ]


@dataclass(frozen=True)
class Codebook:
    frames: tuple[Frame, ...]
    top_k: int  # an article's evidence for a frame is the mean of its top_k sentence similarities

    def frames_for(self, source_country: str) -> list[Frame]:
        """Policy frames plus the stereotype frames of this outlet country's direction."""
        wanted = (ANY_DIRECTION, direction(source_country))
        return [frame for frame in self.frames if frame.direction in wanted]


def load_codebook(path: Path = DEFAULT_CODEBOOK) -> Codebook:
    with open(path, "rb") as handle:
        return parse_codebook(tomllib.load(handle), origin=str(path))


def parse_codebook(data: dict, origin: str = "codebook") -> Codebook:
    """Validate a parsed codebook; every problem is reported with the frame key and field."""
    tables = data.get("frames")
    if not isinstance(tables, dict) or not tables:
        raise CodebookError(f"{origin}: no [frames.<key>] tables")
    top_k = data.get("scoring", {}).get("top_k", 2)
    if not isinstance(top_k, int) or top_k < 1:
        raise CodebookError(f"{origin}: scoring.top_k must be a positive integer, got {top_k!r}")
    frames = []
    for key, table in tables.items():
        where = f"{origin}: frame {key!r}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            raise CodebookError(f"{where}: keys are lower_snake_case")
        frame_direction = table.get("direction")
        if frame_direction not in FRAME_DIRECTIONS:
            raise CodebookError(f"{where}: unknown direction {frame_direction!r}, expected one of {FRAME_DIRECTIONS}")
        texts = {}
        for field in ("label_en", "label_es", "definition", "definition_es"):
            value = table.get(field)
            if not isinstance(value, str) or not value.strip():
                raise CodebookError(f"{where}: missing {field}")
            texts[field] = value.strip()
        lists = {}
        for field in ("terms_en", "terms_es", "exemplars_en", "exemplars_es"):
            value = table.get(field, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise CodebookError(f"{where}: {field} must be a list of non-empty strings")
            lists[field] = tuple(v.strip() for v in value)
        for field in ("terms_en", "terms_es"):
            if not lists[field]:
                raise CodebookError(f"{where}: no {field}")
        for field in ("exemplars_en", "exemplars_es"):
            if len(lists[field]) < MIN_EXEMPLARS_PER_LANGUAGE:
                raise CodebookError(
                    f"{where}: {field} has {len(lists[field])} exemplars, at least {MIN_EXEMPLARS_PER_LANGUAGE} needed"
                )
        unknown = set(table) - {"direction", *texts, *lists}
        if unknown:
            raise CodebookError(f"{where}: unknown fields {sorted(unknown)}")
        frames.append(Frame(key=key, direction=frame_direction, **texts, **lists))
    return Codebook(frames=tuple(frames), top_k=top_k)


# --------------------------------------------------------------------------------------------------
# Sentiment prompts

_BRACKETED = re.compile(r"\[([^\[\]]+)\]")


@dataclass(frozen=True)
class SentimentPrompts:
    temperature: float
    marker_open: str
    marker_close: str
    # label -> language -> texts in bracket notation ("[Mexico] ..."); descriptions first
    examples: dict[str, dict[str, tuple[str, ...]]]


def load_sentiment_prompts(path: Path = DEFAULT_PROMPTS) -> SentimentPrompts:
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    where = str(path)
    temperature = data.get("temperature")
    if not isinstance(temperature, (int, float)) or temperature <= 0:
        raise ValueError(f"{where}: temperature must be a positive number")
    marker = data.get("marker", {})
    labels = data.get("labels", {})
    if set(labels) != set(SENTIMENT_LABELS):
        raise ValueError(f"{where}: [labels.*] must be exactly {SENTIMENT_LABELS}, found {sorted(labels)}")
    examples: dict[str, dict[str, tuple[str, ...]]] = {}
    for label in SENTIMENT_LABELS:
        examples[label] = {}
        for language in LANGUAGES:
            texts = tuple(labels[label].get(f"descriptions_{language}", [])) + tuple(
                labels[label].get(f"exemplars_{language}", [])
            )
            if not texts:
                raise ValueError(f"{where}: label {label!r} has no descriptions or exemplars in {language!r}")
            for text in texts:
                split_bracketed(text, where=f"{where}: label {label!r}")
            examples[label][language] = texts
    return SentimentPrompts(
        temperature=float(temperature),
        marker_open=marker.get("open", "["),
        marker_close=marker.get("close", "]"),
        examples=examples,
    )


def split_bracketed(text: str, where: str = "text") -> tuple[str, int, int]:
    """"A [target] here" -> ("A target here", 2, 8): the plain text and the target's offsets."""
    matches = list(_BRACKETED.finditer(text))
    if len(matches) != 1:
        raise ValueError(f"{where}: exactly one [target] expected in {text!r}")
    match = matches[0]
    plain = text[: match.start()] + match.group(1) + text[match.end() :]
    return plain, match.start(), match.start() + len(match.group(1))


def mark_target(sentence: str, start: int, end: int, open_marker: str, close_marker: str) -> tuple[str, int, int]:
    """Wrap sentence[start:end] in the markers; return the marked text and the target's new offsets."""
    if not 0 <= start < end <= len(sentence):
        raise ValueError(f"target span ({start}, {end}) outside a sentence of {len(sentence)} characters")
    marked = sentence[:start] + open_marker + sentence[start:end] + close_marker + sentence[end:]
    return marked, start + len(open_marker), end + len(open_marker)


def crop_around(sentence: str, start: int, end: int, context_chars: int) -> tuple[str, int, int]:
    """Keep at most `context_chars` on each side of the target (cut at a space), so truncation never drops it."""
    left = max(0, start - context_chars)
    right = min(len(sentence), end + context_chars)
    if left > 0:
        space = sentence.find(" ", left, start)
        left = space + 1 if space != -1 else left
    if right < len(sentence):
        space = sentence.rfind(" ", end, right)
        right = space if space != -1 else right
    return sentence[left:right], start - left, end - left


# --------------------------------------------------------------------------------------------------
# The zero-shot scorer


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)


def resolve_model(models_dir_or_model: str | Path | None) -> str | Path:
    """A `Path` (or an existing path string) holding config.json is a model directory; any other
    `Path` or existing directory is a models directory where the e5 backbone is (re)built; None means
    the default models directory; any other string is a hub id."""
    if models_dir_or_model is None:
        return backbone.ensure_backbone()  # the default models folder
    if isinstance(models_dir_or_model, Path) or Path(models_dir_or_model).exists():
        path = Path(models_dir_or_model)
        return path if (path / "config.json").is_file() else backbone.ensure_backbone(path)
    return models_dir_or_model


@dataclass(frozen=True)
class _FrameCalibration:
    """Per frame: the similarity halfway between in-frame and out-of-frame exemplars, and a slope."""

    centre: np.ndarray  # [n_frames]
    scale: np.ndarray  # [n_frames]


# (version, model, max_length) -> (prototypes, calibration): the zero-shot frames, embedded once per process.
_FRAME_PROTOTYPES: dict[tuple, tuple] = {}


class ZeroShotScorer:
    """Sentiment and frames by similarity to prototypes embedded from the data files.

    Sentiment: the target is marked in the sentence; each input is represented by its sentence
    embedding concatenated with the mean of the target's tokens; labels are scored by cosine to
    per-language prototypes (descriptions + exemplars) and turned into probabilities by a softmax
    with the prompts file's temperature.

    Frames: each sentence (and the title) is compared with each frame's prototype; the mean of the
    top-k similarities is mapped to [0, 1] by a logistic curve calibrated on the codebook itself
    (0.9 at the typical similarity of a frame's own exemplars, held out, to its prototype; 0.1 at
    the typical similarity of other frames' exemplars). Evidence is the most similar sentence.
    """

    SCORER_NAME = "zeroshot"
    # Beyond this many characters on either side of a target, context is cropped so the target
    # always survives truncation at max_length tokens.
    CONTEXT_CHARS = 300

    def __init__(
        self,
        models_dir_or_model: str | Path | None = None,
        *,
        prompts_path: Path = DEFAULT_PROMPTS,
        codebook_path: Path = DEFAULT_CODEBOOK,
        max_length: int = 128,
        batch_size: int = 32,
    ) -> None:
        self.model = resolve_model(models_dir_or_model)
        self.prompts = load_sentiment_prompts(prompts_path)
        self.codebook = load_codebook(codebook_path)
        self.max_length = max_length
        self.batch_size = batch_size
        self.model_version = self._version(Path(prompts_path), Path(codebook_path))
        self._sentiment_prototypes: dict[str, np.ndarray] | None = None

    def _version(self, prompts_path: Path, codebook_path: Path) -> str:
        """Changes whenever the weights, the prompts or the codebook change."""
        metadata = backbone.read_backbone_metadata(Path(self.model)) if Path(self.model).exists() else None
        if metadata is not None:
            tag, weights_id = "e5small-q4", metadata["weights_sha256"]
        else:
            tag = re.sub(r"[^a-z0-9]+", "-", Path(str(self.model)).name.lower()).strip("-")
            weights_id = str(self.model)
        digest = hashlib.sha256()
        for part in (prompts_path.read_bytes(), codebook_path.read_bytes(), weights_id.encode()):
            digest.update(hashlib.sha256(part).digest())
        return f"{self.SCORER_NAME}-{tag}-{digest.hexdigest()[:8]}"

    def _embed(self, texts: list[str]) -> np.ndarray:
        return backbone.embed(texts, self.model, max_length=self.max_length, batch_size=self.batch_size)

    # ---------------------------------------------------------------- sentiment

    def _mention_features(self, items: Sequence[tuple[str, int, int]]) -> np.ndarray:
        """[sentence mean ; target-token mean] per (sentence, start, end), as unit vectors."""
        texts, spans = [], []
        for sentence, start, end in items:
            sentence, start, end = crop_around(sentence, start, end, self.CONTEXT_CHARS)
            marked, start, end = mark_target(sentence, start, end, self.prompts.marker_open, self.prompts.marker_close)
            texts.append(marked)
            spans.append((start, end))
        sentences, targets = backbone.embed_spans(
            texts, spans, self.model, max_length=self.max_length, batch_size=self.batch_size
        )
        return _unit(np.concatenate([sentences, targets], axis=1))

    def sentiment_prototypes(self) -> dict[str, np.ndarray]:
        """language -> [3, 2*hidden] unit prototypes in SENTIMENT_LABELS order, embedded once."""
        if self._sentiment_prototypes is None:
            prototypes = {}
            for language in LANGUAGES:
                rows = []
                for label in SENTIMENT_LABELS:
                    examples = [split_bracketed(text) for text in self.prompts.examples[label][language]]
                    rows.append(self._mention_features(examples).mean(axis=0))
                prototypes[language] = _unit(np.stack(rows))
            self._sentiment_prototypes = prototypes
        return self._sentiment_prototypes

    def _prototypes_for(self, language: str) -> np.ndarray:
        prototypes = self.sentiment_prototypes()
        if language in prototypes:
            return prototypes[language]
        return _unit(np.mean([prototypes[lang] for lang in LANGUAGES], axis=0))  # other languages: both

    def score_mentions(self, items: list[MentionInput]) -> list[SentimentScore]:
        if not items:
            return []
        features = self._mention_features([(item.sentence, item.start, item.end) for item in items])
        scores = []
        for item, feature in zip(items, features):
            similarities = self._prototypes_for(item.language) @ feature
            probabilities = _softmax(similarities / self.prompts.temperature)
            scores.append(
                SentimentScore(
                    label=SENTIMENT_LABELS[int(np.argmax(probabilities))],
                    p_negative=float(probabilities[0]),
                    p_neutral=float(probabilities[1]),
                    p_positive=float(probabilities[2]),
                )
            )
        return scores

    # ---------------------------------------------------------------- frames

    def _frame_prototypes_and_calibration(self) -> tuple[np.ndarray, _FrameCalibration]:
        # The same weights, prompts and codebook (the version) give the same prototypes: each process
        # embeds the codebook's texts once, however many scorers it makes (a rescore, then an eval).
        key = (self.model_version, str(self.model), self.max_length)
        if key not in _FRAME_PROTOTYPES:
            _FRAME_PROTOTYPES[key] = self._embed_frame_prototypes()
        return _FRAME_PROTOTYPES[key]

    def _embed_frame_prototypes(self) -> tuple[np.ndarray, _FrameCalibration]:
        frames = self.codebook.frames
        texts = [frame.prototype_texts() for frame in frames]
        vectors = self._embed([text for group in texts for text in group])
        bounds = np.cumsum([0] + [len(group) for group in texts])
        sums = np.stack([vectors[a:b].sum(axis=0) for a, b in zip(bounds[:-1], bounds[1:])])
        prototypes = _unit(sums)
        # Exemplars sit at the end of each frame's text group.
        centre, scale = [], []
        for index, frame in enumerate(frames):
            own = vectors[bounds[index + 1] - len(frame.exemplars) : bounds[index + 1]]
            held_out = _unit(sums[index] - own)  # prototype without that exemplar
            in_frame = np.median(np.sum(held_out * own, axis=1))
            others = np.concatenate(
                [vectors[bounds[j + 1] - len(f.exemplars) : bounds[j + 1]] for j, f in enumerate(frames) if j != index]
            )
            out_frame = np.median(others @ prototypes[index])
            centre.append((in_frame + out_frame) / 2)
            # 0.9 at in_frame, 0.1 at out_frame; a frame whose exemplars do not separate gets a flat curve.
            scale.append(max(in_frame - out_frame, 1e-3) / (2 * math.log(9)))
        return prototypes, _FrameCalibration(np.array(centre), np.array(scale))

    def score_frames(self, articles: list[FrameInput]) -> list[list[FrameScore]]:
        """Per article, one FrameScore per applicable frame (codebook order); [] for an article without sentences."""
        prototypes, calibration = self._frame_prototypes_and_calibration()
        index_of = {frame.key: i for i, frame in enumerate(self.codebook.frames)}
        # One embedding call for all titles and sentences of the batch: batches then sort by length.
        texts, owners = [], []
        for number, article in enumerate(articles):
            for text in [article.title, *article.sentences]:
                texts.append(text)
                owners.append(number)
        vectors = self._embed(texts) if texts else np.zeros((0, prototypes.shape[1]), np.float32)
        similarities = vectors @ prototypes.T
        owners_array = np.array(owners)
        results = []
        for number, article in enumerate(articles):
            if not article.sentences:
                results.append([])
                continue
            rows = similarities[owners_array == number]  # row 0 is the title
            article_scores = []
            for frame in self.codebook.frames_for(article.source_country):
                column = index_of[frame.key]
                values = rows[:, column]
                top = np.sort(values)[-self.codebook.top_k :]
                score = _sigmoid((top.mean() - calibration.centre[column]) / calibration.scale[column])
                evidence = int(np.argmax(values[1:]))  # body sentences only: indices match the article's
                article_scores.append(FrameScore(frame=frame.key, score=float(score), evidence_sentence_index=evidence))
            results.append(article_scores)
        return results


# --------------------------------------------------------------------------------------------------
# Factories

SCORERS: dict[str, type] = {ZeroShotScorer.SCORER_NAME: ZeroShotScorer}


def scorer_from_config(name: str = ZeroShotScorer.SCORER_NAME, models_dir_or_model: str | Path | None = None,
                       **options) -> Scorer:
    """The scorer registered as `name`, built with `options` (e.g. max_length, batch_size)."""
    try:
        factory = SCORERS[name]
    except KeyError:
        raise ValueError(f"unknown scorer {name!r}; known: {sorted(SCORERS)}") from None
    return factory(models_dir_or_model, **options)
