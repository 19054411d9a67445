"""A trained multi-label frame scorer: one logistic-regression head per frame on frozen e5-small
sentence embeddings, plus a per-frame term-list feature, trained on the codebook itself.

Training data (nothing else): every frame's exemplars in both languages, its two definitions and its
two term lists (the latter four with a lower weight), from `nlp/frames.toml`. A text is a positive
for its own frame and for the policy frames its stereotype frame implies (`[implies]` table), and a
negative for every other frame. Each head sees the sentence embedding and one extra input: whether
the sentence contains one of that frame's indicative terms (English or Spanish).

Per-frame thresholds come from 5-fold cross-validation on the same codebook texts (out-of-fold F1
per frame, shrunk half-way towards the global best threshold) and are folded into the score, so a
score of 0.5 is each frame's decision point, as `warehouse/aggregate.py` expects.

An article is scored by embedding its title and sentences once; a frame's article score is its
highest sentence score (title included) and its evidence is the body sentence with the highest
score. Stereotype frames are scored only for their direction (source "US" -> "us->mx" frames,
"MX" -> "mx->us").

Recipe (seconds on 2 CPU cores; fixed seeds, deterministic):

    python -m espejo.nlp.frames_model train --out nlp/models/frames

The artifact (`frames_head.npz` + `frames_head.json`, ~45 kB) records the SHA-256 of the codebook and
of the backbone weights it was trained with. When either differs at load time, the scorer retrains
in memory from the current codebook (or raises, with `on_stale="error"`), so editing the codebook
never leaves a head whose columns no longer match its frames.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
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
DEFAULT_FRAMES_MODEL_DIR = PACKAGE_DIR / "models" / "frames"
HEAD_WEIGHTS = "frames_head.npz"
HEAD_METADATA = "frames_head.json"
MIN_EXEMPLARS = 5  # per language per frame; stricter than scoring.MIN_EXEMPLARS_PER_LANGUAGE
ARTIFACT_FORMAT = 1


@dataclass(frozen=True)
class TrainConfig:
    l2: float = 1e-3  # L2 penalty on the embedding weights (mean-loss scale)
    steps: int = 600  # full-batch Adam steps
    learning_rate: float = 0.05
    aux_weight: float = 0.5  # weight of definitions and term lists relative to exemplars
    folds: int = 5
    threshold_shrink: float = 0.5  # per-frame threshold = mix of own CV optimum and the global one
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
    v: np.ndarray  # [F]
    b: np.ndarray  # [F]
    thresholds: np.ndarray  # [F]
    metadata: dict

    def scores(self, features: np.ndarray, terms: np.ndarray) -> np.ndarray:
        """[n, F] scores in (0, 1) with each frame's threshold moved to 0.5."""
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
        with np.load(model_dir / HEAD_WEIGHTS) as arrays:
            return cls(list(metadata["frames"]), arrays["w"], arrays["v"], arrays["b"], arrays["thresholds"], metadata)


def _weights_id(model: str | Path) -> str:
    metadata = backbone.read_backbone_metadata(Path(model)) if Path(str(model)).exists() else None
    return metadata["weights_sha256"] if metadata else str(model)


def train_frames(codebook_path: Path = DEFAULT_CODEBOOK, models_dir_or_model: str | Path | None = None,
                 out_dir: Path | None = None, config: TrainConfig = TrainConfig(),
                 max_length: int = 128, batch_size: int = 32) -> TrainedHead:
    """Train the frame heads on the codebook; save them to `out_dir` when given. Deterministic."""
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


# --------------------------------------------------------------------------------------------------
# The scorer


class StaleFrameModel(RuntimeError):
    """The saved frame head was trained on another codebook or backbone."""


class TrainedFrameScorer:
    """Multi-label frames from the trained heads. Implements `score_frames` of the `Scorer` protocol."""

    SCORER_NAME = "frames-lr"

    def __init__(self, models_dir_or_model: str | Path | None = None, *,
                 frames_model_dir: Path = DEFAULT_FRAMES_MODEL_DIR, codebook_path: Path = DEFAULT_CODEBOOK,
                 on_stale: str = "retrain", max_length: int = 128, batch_size: int = 32) -> None:
        if on_stale not in ("retrain", "error"):
            raise ValueError("on_stale must be 'retrain' or 'error'")
        self.model = resolve_model(models_dir_or_model)
        self.fcb = load_frame_codebook(codebook_path)
        self.max_length = max_length
        self.batch_size = batch_size
        self.terms = TermMatcher(self.fcb.codebook)
        self.head = self._load_or_train(Path(frames_model_dir), Path(codebook_path), on_stale)
        digest = hashlib.sha256()
        for part in (self.head.w.tobytes(), self.head.v.tobytes(), self.head.b.tobytes(),
                     self.head.thresholds.tobytes(), self.fcb.sha256.encode(), _weights_id(self.model).encode()):
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
            raise StaleFrameModel(problem + "; retrain: python -m espejo.nlp.frames_model train --out " + str(frames_model_dir))
        log.warning("%s; training a head in memory from the codebook (a few seconds)", problem)
        return train_frames(codebook_path, self.model, None, TrainConfig(**{
            k: v for k, v in (head.metadata.get("config", {}) if head else {}).items() if k in TrainConfig.__dataclass_fields__
        }), max_length=self.max_length, batch_size=self.batch_size)

    def sentence_scores(self, texts: list[str]) -> np.ndarray:
        """[len(texts), n_frames] scores (0.5 = the frame's threshold), codebook order, all directions."""
        if not texts:
            return np.zeros((0, len(self.head.keys)), np.float32)
        unique = list(dict.fromkeys(texts))  # a repeated text (e.g. a title that is also the lead) is embedded once
        features = backbone.embed(unique, self.model, max_length=self.max_length, batch_size=self.batch_size)
        scores = self.head.scores(features, self.terms(unique))
        row = {text: i for i, text in enumerate(unique)}
        return scores[[row[text] for text in texts]]

    def score_frames(self, articles: list[FrameInput]) -> list[list[FrameScore]]:
        """Per article, one FrameScore per applicable frame (codebook order); [] for an article without sentences."""
        texts, owners = [], []
        for number, article in enumerate(articles):
            if not article.sentences:
                continue
            for text in [article.title or "", *article.sentences]:
                texts.append(text)
                owners.append(number)
        scores = self.sentence_scores(texts)  # every title and sentence embedded once, in one call
        owners_array = np.array(owners, dtype=int)
        index_of = {key: i for i, key in enumerate(self.head.keys)}
        results = []
        for number, article in enumerate(articles):
            if not article.sentences:
                results.append([])
                continue
            rows = scores[owners_array == number]  # row 0 is the title
            if not (article.title or "").strip():
                rows = rows.copy()
                rows[0] = 0.0
            wanted = (ANY_DIRECTION, direction(article.source_country))
            article_scores = []
            for frame in self.fcb.codebook.frames:
                if frame.direction not in wanted:
                    continue
                column = rows[:, index_of[frame.key]]
                evidence = int(np.argmax(column[1:]))  # body sentences only: indices match the article's
                article_scores.append(FrameScore(frame=frame.key, score=float(column.max()), evidence_sentence_index=evidence))
            results.append(article_scores)
        return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m espejo.nlp.frames_model", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train the frame heads on the codebook and save them")
    train.add_argument("--out", type=Path, default=DEFAULT_FRAMES_MODEL_DIR)
    train.add_argument("--codebook", type=Path, default=DEFAULT_CODEBOOK)
    train.add_argument("--models-dir", type=Path, default=None, help="where the e5 backbone is (re)built")
    args = parser.parse_args(argv)
    head = train_frames(args.codebook, args.models_dir, args.out)
    print(json.dumps({k: head.metadata[k] for k in ("training_texts", "global_threshold", "cv_micro_f1_codebook_exemplars")}))
    print(f"saved to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
