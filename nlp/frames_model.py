"""Trained multi-label frame scorers: one logistic-regression head per frame on frozen e5-small
sentence embeddings. Two kinds of head share this module, told apart by the artifact's `pooling`:

**Article heads** (`pooling: "mean"`, the nightly default; `train_frames(..., realnews_train=PATH)`).
Trained on the realnews train articles (U.S. outlets on Mexico, Mexican outlets on the U.S.; each with
1-3 annotated codebook frames) together with the codebook texts. An article is represented by the
L2-normalised mean of its sentence embeddings (title included when it has one); each head is a
logistic regression on that vector, and its probability is the article's frame score. The evidence
sentence of a frame is the body sentence the same head scores highest on its own (a linear head: the
sentence that pulls the article's score up most), so every FrameScore keeps `evidence_sentence_index`.

**Codebook heads** (`pooling: "max"`, the recipe before realnews, kept for the previous nightly model
in `nlp/models/frames-previous/` and as the fallback without realnews). Trained on the codebook only:
every frame's exemplars in both languages, its two definitions and its two term lists (the latter four
with a lower weight). Each head sees the sentence embedding plus whether the sentence holds one of the
frame's indicative terms; an article's frame score is the highest sentence score (title included),
evidence the best body sentence. Per-frame thresholds come from 5-fold cross-validation on the
exemplars.

In both, a codebook text is a positive for its own frame and for the policy frames its stereotype frame
implies (`[implies]` table), a negative for every other frame; classes are balanced per frame; each
frame's decision point is folded into the score so that 0.5 is where the frame is decided, as
`warehouse/aggregate.py` expects (leading frames: score >= 0.5 and among the article's top 3).
Stereotype frames are scored only for their direction (source "US" -> "us->mx" frames, "MX" ->
"mx->us").

Recipes (fixed seeds, deterministic, CPU; most of the time is embedding):

    python -m espejo.nlp.frames_model train --realnews ../shared/data/realnews/train_passages.jsonl \
        --out nlp/models/frames                  # article heads, about 3 minutes on 2 cores
    python -m espejo.nlp.frames_model train --out DIR   # codebook heads only, about a minute

The artifact (`frames_head.npz` + `frames_head.json`, ~45 kB) records the SHA-256 of the codebook and
of the backbone weights it was trained with (and of the realnews file). When the codebook or backbone
differs at load time, the scorer retrains in memory with the same recipe (article heads need the
realnews file it names; without it the scorer falls back to codebook heads and says so), or raises
with `on_stale="error"`, so editing the codebook never leaves a head whose columns no longer match its
frames.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from espejo.records import FrameScore, direction

from . import backbone
from .scoring import ANY_DIRECTION, DEFAULT_CODEBOOK, Codebook, CodebookError, FrameInput, parse_codebook, resolve_model

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
DEFAULT_FRAMES_MODEL_DIR = PACKAGE_DIR / "models" / "frames"
PREVIOUS_FRAMES_MODEL_DIR = PACKAGE_DIR / "models" / "frames-previous"  # the nightly model before it, for `espejo eval`
HEAD_WEIGHTS = "frames_head.npz"
HEAD_METADATA = "frames_head.json"
MIN_EXEMPLARS = 5  # per language per frame; stricter than scoring.MIN_EXEMPLARS_PER_LANGUAGE
ARTIFACT_FORMAT = 1  # codebook heads (max pooling over sentences)
ARTICLE_ARTIFACT_FORMAT = 2  # article heads (mean pooling), trained on realnews + the codebook


@dataclass(frozen=True)
class TrainConfig:
    l2: float = 1e-3  # L2 penalty on the embedding weights (mean-loss scale)
    steps: int = 600  # full-batch Adam steps
    learning_rate: float = 0.05
    aux_weight: float = 0.5  # weight of definitions and term lists relative to exemplars
    folds: int = 5
    threshold_shrink: float = 0.5  # per-frame threshold = mix of own CV optimum and the global one
    seed: int = 0


@dataclass(frozen=True)
class ArticleTrainConfig:
    """The article heads' recipe. Chosen on realnews dev (micro-F1 of the leading frames; see the model card)."""

    l2: float = 3e-5  # L2 penalty on the embedding weights (mean-loss scale)
    steps: int = 600  # full-batch Adam steps
    learning_rate: float = 0.05
    codebook_weight: float = 0.5  # one codebook exemplar relative to one realnews article
    coded_weight: float = 2.0  # one article a researcher coded (few, and of the very kind scored)
    aux_weight: float = 0.5  # definitions and term lists relative to an exemplar
    threshold: float = 0.5  # each frame's decision point on its probability (folded into the score)
    seed: int = 0


# --------------------------------------------------------------------------------------------------
# Codebook with the trained scorer's extras


@dataclass(frozen=True)
class FrameCodebook:
    codebook: Codebook
    implies: dict[str, tuple[str, ...]]
    sha256: str

    @property
    def keys(self) -> list[str]:
        return [frame.key for frame in self.codebook.frames]


def load_frame_codebook(path: Path = DEFAULT_CODEBOOK, min_exemplars: int = MIN_EXEMPLARS) -> FrameCodebook:
    """The codebook as `scoring.load_codebook` reads it, plus `[implies]`, checked for >= min_exemplars."""
    raw = Path(path).read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    codebook = parse_codebook(data, origin=str(path))
    keys = {frame.key for frame in codebook.frames}
    for frame in codebook.frames:
        for field in ("exemplars_en", "exemplars_es"):
            count = len(getattr(frame, field))
            if count < min_exemplars:
                raise CodebookError(f"{path}: frame {frame.key!r}: {field} has {count} exemplars, at least {min_exemplars} needed")
    implies: dict[str, tuple[str, ...]] = {}
    for key, targets in data.get("implies", {}).items():
        if key not in keys:
            raise CodebookError(f"{path}: [implies] names unknown frame {key!r}")
        if not isinstance(targets, list) or any(t not in keys or t == key for t in targets):
            raise CodebookError(f"{path}: [implies].{key} must list other known frame keys")
        implies[key] = tuple(targets)
    return FrameCodebook(codebook, implies, hashlib.sha256(raw).hexdigest())


# --------------------------------------------------------------------------------------------------
# Term matching


def _fold(text: str) -> str:
    """Lower case without accents, so "Economía" matches "economia" and "económico"'s stem."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def _term_pattern(terms: tuple[str, ...]) -> re.Pattern:
    # A term matches as a whole word or with up to three more letters ("tariff" -> "tariffs").
    alternatives = sorted({re.escape(_fold(t)) for t in terms}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")\w{0,3}(?!\w)")


class TermMatcher:
    def __init__(self, codebook: Codebook) -> None:
        self.patterns = [_term_pattern(frame.terms_en + frame.terms_es) for frame in codebook.frames]

    def __call__(self, texts: list[str]) -> np.ndarray:
        """[len(texts), n_frames] 1.0 where the text holds one of the frame's terms."""
        out = np.zeros((len(texts), len(self.patterns)), np.float32)
        for i, text in enumerate(texts):
            folded = _fold(text)
            for j, pattern in enumerate(self.patterns):
                if pattern.search(folded):
                    out[i, j] = 1.0
        return out


# --------------------------------------------------------------------------------------------------
# Training


def training_set(fcb: FrameCodebook, config: TrainConfig = TrainConfig()):
    """texts, labels [n, F] in {0,1}, sample weights [n], fold ids [n] (-1: always in training)."""
    keys = fcb.keys
    index = {k: i for i, k in enumerate(keys)}
    texts, labels, weights, folds = [], [], [], []
    for frame in fcb.codebook.frames:
        row = np.zeros(len(keys), np.float32)
        row[index[frame.key]] = 1.0
        for implied in fcb.implies.get(frame.key, ()):
            row[index[implied]] = 1.0
        for language_exemplars in (frame.exemplars_en, frame.exemplars_es):
            for position, text in enumerate(language_exemplars):
                texts.append(text), labels.append(row), weights.append(1.0), folds.append(position % config.folds)
        for text in (frame.definition, frame.definition_es, ", ".join(frame.terms_en), ", ".join(frame.terms_es)):
            texts.append(text), labels.append(row), weights.append(config.aux_weight), folds.append(-1)
    return texts, np.stack(labels), np.array(weights, np.float32), np.array(folds)


def _fit(features: np.ndarray, terms: np.ndarray, labels: np.ndarray, weights: np.ndarray,
         config: TrainConfig) -> dict[str, np.ndarray]:
    """Per-frame weighted logistic regressions, fitted together by full-batch Adam (deterministic)."""
    n, d = features.shape
    f = labels.shape[1]
    rng = np.random.default_rng(config.seed)
    w = rng.normal(0.0, 0.01, (d, f)).astype(np.float64)
    v = np.zeros(f)  # term feature weight per frame
    b = np.zeros(f)
    # Balance classes per frame: positives and negatives carry equal total weight.
    pos = (labels * weights[:, None]).sum(axis=0)
    neg = ((1 - labels) * weights[:, None]).sum(axis=0)
    sample = weights[:, None] * np.where(labels > 0, 0.5 / np.maximum(pos, 1e-9), 0.5 / np.maximum(neg, 1e-9))
    params = [w, v, b]
    moments = [np.zeros_like(p) for p in params]
    squares = [np.zeros_like(p) for p in params]
    x = features.astype(np.float64)
    for step in range(1, config.steps + 1):
        logits = x @ w + terms * v + b
        probs = 1.0 / (1.0 + np.exp(-logits))
        grad_logits = (probs - labels) * sample  # [n, f]
        grads = [x.T @ grad_logits + 2 * config.l2 * w, (grad_logits * terms).sum(axis=0), grad_logits.sum(axis=0)]
        for p, g, m, s in zip(params, grads, moments, squares):
            m *= 0.9
            m += 0.1 * g
            s *= 0.999
            s += 0.001 * g * g
            p -= config.learning_rate * (m / (1 - 0.9**step)) / (np.sqrt(s / (1 - 0.999**step)) + 1e-8)
    return {"w": w.astype(np.float32), "v": v.astype(np.float32), "b": b.astype(np.float32)}


def _probabilities(head: dict[str, np.ndarray], features: np.ndarray, terms: np.ndarray) -> np.ndarray:
    logits = features.astype(np.float64) @ head["w"] + terms * head["v"] + head["b"]
    return 1.0 / (1.0 + np.exp(-logits))


_GRID = np.round(np.arange(0.05, 0.96, 0.025), 3)


def _best_threshold(probs: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    best = (0.5, -1.0)
    for t in _GRID:
        predicted = probs >= t
        tp = float((predicted & (truth > 0)).sum())
        fp = float((predicted & (truth == 0)).sum())
        fn = float((~predicted & (truth > 0)).sum())
        f1 = 2 * tp / max(2 * tp + fp + fn, 1e-9)
        if f1 > best[1] + 1e-9:
            best = (float(t), f1)
    return best


def _thresholds(oof: np.ndarray, labels: np.ndarray, shrink: float) -> tuple[np.ndarray, float]:
    global_t, _ = _best_threshold(oof.ravel(), labels.ravel())
    own = np.array([_best_threshold(oof[:, j], labels[:, j])[0] for j in range(labels.shape[1])])
    return np.clip(shrink * global_t + (1 - shrink) * own, 0.05, 0.95), global_t


@dataclass
class TrainedHead:
    keys: list[str]
    w: np.ndarray  # [hidden, F]
    v: np.ndarray  # [F] (term feature weights; zero for article heads)
    b: np.ndarray  # [F]
    thresholds: np.ndarray  # [F]
    metadata: dict

    @property
    def pooling(self) -> str:
        """"max": an article's score is its best sentence's (codebook heads); "mean": the head reads the mean
        of its sentence embeddings (article heads)."""
        return self.metadata.get("pooling", "max")

    @property
    def uses_terms(self) -> bool:
        return self.pooling == "max"

    def scores(self, features: np.ndarray, terms: np.ndarray | None = None) -> np.ndarray:
        """[n, F] scores in (0, 1) with each frame's threshold moved to 0.5."""
        if terms is None:
            terms = np.zeros((features.shape[0], len(self.keys)), np.float32)
        probs = np.clip(_probabilities({"w": self.w, "v": self.v, "b": self.b}, features, terms), 1e-7, 1 - 1e-7)
        t = self.thresholds
        shifted = np.log(probs / (1 - probs)) - np.log(t / (1 - t))
        return 1.0 / (1.0 + np.exp(-shifted))

    def save(self, out_dir: Path) -> Path:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(out_dir / HEAD_WEIGHTS, w=self.w, v=self.v, b=self.b, thresholds=self.thresholds)
        (out_dir / HEAD_METADATA).write_text(json.dumps(self.metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return out_dir

    @classmethod
    def load(cls, model_dir: Path) -> "TrainedHead":
        model_dir = Path(model_dir)
        metadata = json.loads((model_dir / HEAD_METADATA).read_text(encoding="utf-8"))
        if metadata.get("format", 1) not in (ARTIFACT_FORMAT, ARTICLE_ARTIFACT_FORMAT):
            raise ValueError(f"{model_dir / HEAD_METADATA}: unknown format {metadata.get('format')!r}")
        if metadata.get("pooling", "max") not in ("max", "mean"):
            raise ValueError(f"{model_dir / HEAD_METADATA}: unknown pooling {metadata.get('pooling')!r}")
        with np.load(model_dir / HEAD_WEIGHTS) as arrays:
            return cls(list(metadata["frames"]), arrays["w"], arrays["v"], arrays["b"], arrays["thresholds"], metadata)


def _weights_id(model: str | Path) -> str:
    metadata = backbone.read_backbone_metadata(Path(model)) if Path(str(model)).exists() else None
    return metadata["weights_sha256"] if metadata else str(model)


def article_vectors(embeddings: np.ndarray, owners: np.ndarray, n: int) -> np.ndarray:
    """[n, hidden]: per article the L2-normalised mean of its rows of `embeddings` (owners[i] = article of row i)."""
    sums = np.zeros((n, embeddings.shape[1]), np.float64)
    np.add.at(sums, owners, embeddings.astype(np.float64))
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.maximum(norms, 1e-12)).astype(np.float32)


def train_frames(codebook_path: Path = DEFAULT_CODEBOOK, models_dir_or_model: str | Path | None = None,
                 out_dir: Path | None = None, config: TrainConfig | ArticleTrainConfig | None = None,
                 max_length: int = 128, batch_size: int = 32, *, realnews_train: Path | None = None,
                 coded_articles: list[CodedArticle] | None = None) -> TrainedHead:
    """Train the frame heads; save them to `out_dir` when given. Deterministic.

    With `realnews_train` (a realnews passages file, e.g. ../shared/data/realnews/train_passages.jsonl)
    and/or `coded_articles` (a researcher's own codings): article heads on those articles and the codebook
    texts (`ArticleTrainConfig`). Without either: codebook heads on the codebook alone (`TrainConfig`), the
    recipe before realnews.
    """
    if realnews_train is None and not coded_articles:
        return _train_codebook_heads(codebook_path, models_dir_or_model, out_dir, config or TrainConfig(),
                                     max_length, batch_size)
    return _train_article_heads(codebook_path, models_dir_or_model, out_dir, config or ArticleTrainConfig(),
                                None if realnews_train is None else Path(realnews_train), max_length, batch_size,
                                coded_articles or [])


@dataclass(frozen=True)
class CodedArticle:
    """An article a researcher coded: its text, language and the frames the coders chose."""

    item_id: str
    text: str
    language: str
    frames: tuple[str, ...]
    title: str = ""
    source_country: str = ""  # "US" | "MX"


def _train_codebook_heads(codebook_path: Path, models_dir_or_model, out_dir: Path | None, config: TrainConfig,
                          max_length: int, batch_size: int) -> TrainedHead:
    if not isinstance(config, TrainConfig):
        raise TypeError("codebook heads take a TrainConfig")
    fcb = load_frame_codebook(codebook_path)
    model = resolve_model(models_dir_or_model)
    texts, labels, weights, folds = training_set(fcb, config)
    features = backbone.embed(texts, model, max_length=max_length, batch_size=batch_size)
    terms = TermMatcher(fcb.codebook)(texts)
    # Out-of-fold probabilities of the exemplars pick the thresholds.
    oof = np.full(labels.shape, np.nan)
    for fold in range(config.folds):
        train = folds != fold
        head = _fit(features[train], terms[train], labels[train], weights[train], config)
        held = folds == fold
        oof[held] = _probabilities(head, features[held], terms[held])
    scored = folds >= 0
    thresholds, global_t = _thresholds(oof[scored], labels[scored], config.threshold_shrink)
    cv_predicted = oof[scored] >= thresholds
    truth = labels[scored] > 0
    tp = float((cv_predicted & truth).sum())
    cv_micro_f1 = 2 * tp / max(2 * tp + float((cv_predicted & ~truth).sum()) + float((~cv_predicted & truth).sum()), 1e-9)
    head = _fit(features, terms, labels, weights, config)
    metadata = {
        "format": ARTIFACT_FORMAT,
        "frames": fcb.keys,
        "codebook_sha256": fcb.sha256,
        "backbone_weights_sha256": _weights_id(model),
        "hidden_size": int(features.shape[1]),
        "training_texts": len(texts),
        "config": config.__dict__,
        "global_threshold": global_t,
        "cv_micro_f1_codebook_exemplars": round(cv_micro_f1, 4),
        "max_length": max_length,
    }
    trained = TrainedHead(fcb.keys, head["w"], head["v"], head["b"], thresholds.astype(np.float32), metadata)
    if out_dir is not None:
        trained.save(out_dir)
    return trained


def realnews_frame_labels(path: Path, keys: list[str]):
    """The articles of a realnews passages file: (passages, sentence texts per article, labels [n, F])."""
    from .realnews import read_passages
    from .sentences import split_sentences

    passages = read_passages(path)
    index = {key: i for i, key in enumerate(keys)}
    labels = np.zeros((len(passages), len(keys)), np.float32)
    sentences = []
    for number, passage in enumerate(passages):
        if unknown := [f for f in passage.frames if f not in index]:
            raise CodebookError(f"{path}: article {passage.id}: frames not in the codebook: {unknown}")
        labels[number, [index[f] for f in passage.frames]] = 1.0
        sentences.append([s.text for s in split_sentences(passage.summary, passage.language)] or [passage.summary])
    return passages, sentences, labels


def _relative_to_repo(path: Path) -> str:
    return os.path.relpath(Path(path).resolve(), REPO_DIR)


def _train_article_heads(codebook_path: Path, models_dir_or_model, out_dir: Path | None, config: ArticleTrainConfig,
                         realnews_train: Path | None, max_length: int, batch_size: int,
                         coded_articles: list[CodedArticle] = ()) -> TrainedHead:
    from .analyse import MAX_FRAME_SENTENCES  # the part of an article the frames read
    from .sentences import split_sentences

    if not isinstance(config, ArticleTrainConfig):
        raise TypeError("article heads take an ArticleTrainConfig")
    fcb = load_frame_codebook(codebook_path)
    model = resolve_model(models_dir_or_model)
    if realnews_train is not None:
        passages, sentences, article_labels = realnews_frame_labels(realnews_train, fcb.keys)
    else:
        passages, sentences, article_labels = [], [], np.zeros((0, len(fcb.keys)), np.float32)
    if coded_articles:
        index = {key: i for i, key in enumerate(fcb.keys)}
        coded_labels = np.zeros((len(coded_articles), len(fcb.keys)), np.float32)
        for number, article in enumerate(coded_articles):
            if unknown := [f for f in article.frames if f not in index]:
                raise CodebookError(f"coded article {article.item_id}: frames not in the codebook: {unknown}")
            coded_labels[number, [index[f] for f in article.frames]] = 1.0
            # As the scorer reads an article: its first sentences only.
            split = [s.text for s in split_sentences(article.text, article.language)][:MAX_FRAME_SENTENCES]
            sentences.append(split or [article.text[:4000]])
        article_labels = np.vstack([article_labels, coded_labels])
    texts, codebook_labels, codebook_weights, _ = training_set(fcb, TrainConfig(aux_weight=config.aux_weight))
    flat = [text for article in sentences for text in article]
    owners = np.repeat(np.arange(len(sentences)), [len(article) for article in sentences])
    # One embedding call for every realnews sentence and codebook text (batches sort by length).
    embedded = backbone.embed(flat + texts, model, max_length=max_length, batch_size=batch_size)
    features = np.vstack([article_vectors(embedded[: len(flat)], owners, len(sentences)), embedded[len(flat):]])
    labels = np.vstack([article_labels, codebook_labels])
    article_weights = np.ones(len(sentences), np.float32)
    article_weights[len(passages):] = config.coded_weight  # the researcher's own articles
    weights = np.concatenate([article_weights, config.codebook_weight * codebook_weights])
    head = _fit(features, np.zeros(labels.shape, np.float32), labels, weights, config)
    by_language: dict[str, int] = {}
    for passage in passages:
        by_language[passage.language] = by_language.get(passage.language, 0) + 1
    metadata = {
        "format": ARTICLE_ARTIFACT_FORMAT,
        "pooling": "mean",
        "frames": fcb.keys,
        "codebook_sha256": fcb.sha256,
        "backbone_weights_sha256": _weights_id(model),
        "hidden_size": int(features.shape[1]),
        "realnews_train": None if realnews_train is None else _relative_to_repo(realnews_train),
        "realnews_train_sha256": None if realnews_train is None else hashlib.sha256(
            Path(realnews_train).read_bytes()).hexdigest(),
        "training_articles": len(passages),
        "coded_articles": len(coded_articles),
        "training_articles_by_language": dict(sorted(by_language.items())),
        "training_sentences": len(flat),
        "training_codebook_texts": len(texts),
        "config": config.__dict__,
        "max_length": max_length,
    }
    thresholds = np.full(len(fcb.keys), config.threshold, np.float32)
    trained = TrainedHead(fcb.keys, head["w"], np.zeros(len(fcb.keys), np.float32), head["b"], thresholds, metadata)
    if out_dir is not None:
        trained.save(out_dir)
    return trained


# --------------------------------------------------------------------------------------------------
# The scorer


class StaleFrameModel(RuntimeError):
    """The saved frame head was trained on another codebook or backbone."""


class TrainedFrameScorer:
    """Multi-label frames from the trained heads. Implements `score_frames` of the `Scorer` protocol."""

    SCORER_NAME = "frames-lr"

    def __init__(self, models_dir_or_model: str | Path | None = None, *,
                 frames_model_dir: Path = DEFAULT_FRAMES_MODEL_DIR, codebook_path: Path = DEFAULT_CODEBOOK,
                 on_stale: str = "retrain", max_length: int = 128, batch_size: int = 32,
                 precision: str | None = None) -> None:
        if on_stale not in ("retrain", "error"):
            raise ValueError("on_stale must be 'retrain' or 'error'")
        self.model = resolve_model(models_dir_or_model)
        self.fcb = load_frame_codebook(codebook_path)
        self.max_length = max_length
        self.batch_size = batch_size
        self.precision = precision or backbone.inference_precision()
        self.terms = TermMatcher(self.fcb.codebook)
        self.head = self._load_or_train(Path(frames_model_dir), Path(codebook_path), on_stale)
        digest = hashlib.sha256()
        parts = [self.head.w.tobytes(), self.head.v.tobytes(), self.head.b.tobytes(),
                 self.head.thresholds.tobytes(), self.fcb.sha256.encode(), _weights_id(self.model).encode()]
        if self.head.pooling != "max":  # (codebook heads keep the version they always had)
            parts.append(f"pooling={self.head.pooling}".encode())
        for part in parts:
            digest.update(hashlib.sha256(part).digest())
        self.model_version = f"{self.SCORER_NAME}-e5small-q4-{digest.hexdigest()[:8]}"

    def _load_or_train(self, frames_model_dir: Path, codebook_path: Path, on_stale: str) -> TrainedHead:
        problem = None
        try:
            head = TrainedHead.load(frames_model_dir)
        except (OSError, ValueError, KeyError) as error:
            head, problem = None, f"no frame head at {frames_model_dir} ({error})"
        if head is not None:
            if head.metadata.get("codebook_sha256") != self.fcb.sha256 or head.keys != self.fcb.keys:
                problem = f"the frame head at {frames_model_dir} was trained on another version of {codebook_path}"
            elif head.metadata.get("backbone_weights_sha256") != _weights_id(self.model):
                problem = f"the frame head at {frames_model_dir} was trained on other backbone weights"
        if problem is None:
            return head
        if on_stale == "error":
            retrain = "python -m espejo.nlp.frames_model train --out " + str(frames_model_dir)
            if head is not None and head.pooling == "mean":
                retrain += " --realnews " + str(head.metadata.get("realnews_train", "TRAIN_PASSAGES"))
            raise StaleFrameModel(problem + "; retrain: " + retrain)
        saved = head.metadata.get("config", {}) if head else {}
        realnews_train = REPO_DIR / head.metadata["realnews_train"] if head and head.metadata.get("realnews_train") else None
        if head is not None and head.pooling == "mean" and realnews_train is not None and realnews_train.is_file():
            log.warning("%s; training article heads in memory from the codebook and %s (a few minutes)", problem, realnews_train)
            config = ArticleTrainConfig(**{k: v for k, v in saved.items() if k in ArticleTrainConfig.__dataclass_fields__})
            return train_frames(codebook_path, self.model, None, config, max_length=self.max_length,
                                batch_size=self.batch_size, realnews_train=realnews_train)
        if head is not None and head.pooling == "mean":
            log.warning("%s, and its realnews training file %s is not here; training codebook-only heads in memory "
                        "(weaker on real news: retrain and commit the artifact)", problem, realnews_train)
            saved = {}
        else:
            log.warning("%s; training a head in memory from the codebook (a few seconds)", problem)
        config = TrainConfig(**{k: v for k, v in saved.items() if k in TrainConfig.__dataclass_fields__})
        return train_frames(codebook_path, self.model, None, config, max_length=self.max_length, batch_size=self.batch_size)

    def _embed(self, texts: list[str]) -> np.ndarray:
        unique = list(dict.fromkeys(texts))  # a repeated text (e.g. a title that is also the lead) is embedded once
        features = backbone.embed(unique, self.model, max_length=self.max_length, batch_size=self.batch_size,
                                  precision=self.precision)
        row = {text: i for i, text in enumerate(unique)}
        return features[[row[text] for text in texts]]

    def _head_scores(self, texts: list[str], features: np.ndarray) -> np.ndarray:
        return self.head.scores(features, self.terms(texts) if self.head.uses_terms else None)

    def sentence_scores(self, texts: list[str]) -> np.ndarray:
        """[len(texts), n_frames] each text's scores on its own (0.5 = the frame's threshold), codebook order,
        all directions."""
        if not texts:
            return np.zeros((0, len(self.head.keys)), np.float32)
        return self._head_scores(texts, self._embed(texts))

    def score_frames(self, articles: list[FrameInput]) -> list[list[FrameScore]]:
        """Per article, one FrameScore per applicable frame (codebook order); [] for an article without sentences."""
        texts, owners = [], []
        for number, article in enumerate(articles):
            if not article.sentences:
                continue
            for text in [article.title or "", *article.sentences]:
                texts.append(text)
                owners.append(number)
        features = self._embed(texts) if texts else np.zeros((0, 1), np.float32)  # every text embedded once
        scores = self._head_scores(texts, features) if texts else features
        owners_array = np.array(owners, dtype=int)
        index_of = {key: i for i, key in enumerate(self.head.keys)}
        results = []
        for number, article in enumerate(articles):
            if not article.sentences:
                results.append([])
                continue
            mine = owners_array == number
            rows = scores[mine]  # row 0 is the title
            has_title = bool((article.title or "").strip())
            if self.head.pooling == "mean":
                vectors = features[mine] if has_title else features[mine][1:]
                article_row = self.head.scores(article_vectors(vectors, np.zeros(len(vectors), int), 1))[0]
            else:
                if not has_title:
                    rows = rows.copy()
                    rows[0] = 0.0
                article_row = rows.max(axis=0)
            wanted = (ANY_DIRECTION, direction(article.source_country))
            article_scores = []
            for frame in self.fcb.codebook.frames:
                if frame.direction not in wanted:
                    continue
                j = index_of[frame.key]
                evidence = int(np.argmax(rows[1:, j]))  # body sentences only: indices match the article's
                article_scores.append(FrameScore(frame=frame.key, score=float(article_row[j]), evidence_sentence_index=evidence))
            results.append(article_scores)
        return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m espejo.nlp.frames_model", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train the frame heads and save them")
    train.add_argument("--out", type=Path, default=DEFAULT_FRAMES_MODEL_DIR)
    train.add_argument("--codebook", type=Path, default=DEFAULT_CODEBOOK)
    train.add_argument("--realnews", type=Path, default=None,
                       help="realnews train passages (article heads); without it, codebook heads only")
    train.add_argument("--models-dir", type=Path, default=None, help="where the e5 backbone is (re)built")
    args = parser.parse_args(argv)
    head = train_frames(args.codebook, args.models_dir, args.out, realnews_train=args.realnews)
    shown = ("training_articles", "training_articles_by_language", "training_sentences", "training_codebook_texts",
             "training_texts", "global_threshold", "cv_micro_f1_codebook_exemplars")
    print(json.dumps({k: head.metadata[k] for k in shown if k in head.metadata}))
    print(f"saved to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
