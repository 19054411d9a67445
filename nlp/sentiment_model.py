"""The trained target-sentiment scorer: multilingual-e5-small + a LoRA adapter + a linear head.

The model reads `query: ` + the sentence (cropped around the target) with the target wrapped in
markers, runs the first 9 of e5-small's 12 layers, and classifies the sentiment expressed toward the
target from the concatenation of the mean over all tokens and the mean over the target's tokens.
Only a LoRA adapter (rank 32 on query/key/value and every dense layer of layers 5-8) and the head
were trained; the backbone is the rebuilt e5-small (`backbone.ensure_backbone`), so the committed
artifact is 3.6 MB. At load the adapter is merged into the weights. See
`nlp/models/target-sentiment/MODEL_CARD.md` and `nlp/training.py`.

Public API:
    TrainedSentimentScorer(models_dir)       the `Scorer` (sentiment; frames delegated if given one)
    load_trained_sentiment(models_dir)       the same, cached once per process
    encode_inputs(...)                       the exact input preparation shared with training
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from espejo.settings import models_dir as default_models_dir
from espejo.records import SENTIMENT_LABELS, SentimentScore

from . import backbone
from .scoring import MentionInput, crop_around, mark_target

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_ARTIFACT_DIR = PACKAGE_DIR / "models" / "target-sentiment"
# The nightly model before its latest retraining, kept so `espejo eval` can show it beside the new one
# and `espejo rescore` can reproduce scores made with it.
PREVIOUS_ARTIFACT_DIR = PACKAGE_DIR / "models" / "target-sentiment-previous"
ADAPTER_FILE = "adapter_model.safetensors"
SETTINGS_FILE = "espejo-sentiment.json"
SCORER_NAME = "trained"
SCORED_HEAD = "scored"  # the name of head 0 in an artifact's settings


@dataclass(frozen=True)
class InputSettings:
    """How a mention becomes model input; stored with the artifact so training and scoring agree."""

    prefix: str = backbone.QUERY_PREFIX
    marker_open: str = "["
    marker_close: str = "]"
    context_chars: int = 200  # characters kept on each side of the target (cut at a space)
    max_length: int = 96  # tokens, prefix and special tokens included
    num_layers: int = 9  # e5 layers used (the first N of 12)

    def to_dict(self) -> dict:
        return dict(prefix=self.prefix, marker_open=self.marker_open, marker_close=self.marker_close,
                    context_chars=self.context_chars, max_length=self.max_length, num_layers=self.num_layers)

    @classmethod
    def from_dict(cls, data: dict) -> "InputSettings":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def prepare_text(sentence: str, start: int, end: int, settings: InputSettings) -> tuple[str, int, int]:
    """Crop around the target, mark it, prepend the prefix; return the text and the target's offsets in it."""
    cropped, start, end = crop_around(sentence, start, end, settings.context_chars)
    marked, start, end = mark_target(cropped, start, end, settings.marker_open, settings.marker_close)
    shift = len(settings.prefix)
    return settings.prefix + marked, start + shift, end + shift


def distinct_inputs(items: Sequence[tuple[str, int, int]], settings: InputSettings
                    ) -> tuple[list[int], list[tuple[str, int, int]]]:
    """Mentions the model would read identically (the same marked text around the target: a repeated sentence,
    wire copy, a boilerplate line), so each is scored once: per item its row, and one item per row."""
    row_of: dict[tuple[str, int, int], int] = {}
    rows, unique = [], []
    for item in items:
        row = row_of.setdefault(prepare_text(*item, settings), len(row_of))
        if row == len(unique):
            unique.append(item)
        rows.append(row)
    return rows, unique


def encode_inputs(tokenizer, items: Sequence[tuple[str, int, int]], settings: InputSettings):
    """Tokenise (sentence, start, end) triples: input_ids, attention_mask and the target-token mask.

    The target span includes the markers, so the target mask is never empty unless truncation cut
    the target off (then it falls back to the whole input, see `TargetSentimentModel`).
    """
    import torch

    texts, spans = [], []
    for sentence, start, end in items:
        text, t_start, t_end = prepare_text(sentence, start, end, settings)
        texts.append(text)
        spans.append((t_start - len(settings.marker_open), t_end + len(settings.marker_close)))
    encoded = tokenizer(texts, padding=True, truncation=True, max_length=settings.max_length,
                        return_tensors="pt", return_offsets_mapping=True)
    offsets = encoded.pop("offset_mapping")
    mask = encoded["attention_mask"]
    begins = torch.tensor([s[0] for s in spans]).unsqueeze(1)
    ends = torch.tensor([s[1] for s in spans]).unsqueeze(1)
    # Special tokens have (0, 0) offsets and never overlap a non-empty span.
    target_mask = (offsets[:, :, 0] < ends) & (offsets[:, :, 1] > begins) & (mask == 1)
    return encoded["input_ids"], mask, target_mask.to(mask.dtype)


def _masked_mean(hidden, mask):
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)


def build_model(encoder, dropout: float = 0.1, heads: int = 1):
    """The classifier around an encoder: [mean of all tokens ; mean of target tokens] -> 3 logits per head.

    Head 0 is the one Espejo scores with (sentiment toward a country in the news); a model trained with
    `heads` > 1 gave some training sources heads of their own (see `TrainConfig.separate_heads`), so labels
    meant differently there (sentiment toward a person in NewsMTSC) do not blur head 0. `forward` returns
    head `scoring_head`'s logits; `top`, used in training, returns every head's."""
    import torch
    from torch import nn
    from transformers.masking_utils import create_bidirectional_mask

    class TargetSentimentModel(nn.Module):
        def __init__(self, encoder, dropout, heads):
            super().__init__()
            self.encoder = encoder
            self.dropout = nn.Dropout(dropout)
            self.classifier = nn.Linear(2 * encoder.config.hidden_size, len(SENTIMENT_LABELS) * heads)
            self.scoring_head = 0

        def head_logits(self, logits, head: int):
            width = len(SENTIMENT_LABELS)
            return logits[..., head * width : (head + 1) * width]

        def head(self, hidden, attention_mask, target_mask):
            sentence = _masked_mean(hidden, attention_mask)
            has_target = target_mask.sum(dim=1, keepdim=True) > 0
            target = torch.where(has_target, _masked_mean(hidden, target_mask), sentence)
            return self.classifier(self.dropout(torch.cat([sentence, target], dim=-1)))

        def forward(self, input_ids, attention_mask, target_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            return self.head_logits(self.head(hidden, attention_mask, target_mask), self.scoring_head)

        # Training runs the frozen lower layers once (`bottom`) and only the adapted ones per step (`top`).
        def _layers(self, hidden, attention_mask, layers):
            mask = create_bidirectional_mask(config=self.encoder.config, inputs_embeds=hidden,
                                             attention_mask=attention_mask)
            for layer in layers:
                hidden = layer(hidden, mask)
            return hidden

        def bottom(self, input_ids, attention_mask, upto: int):
            hidden = self.encoder.embeddings(input_ids=input_ids)
            return self._layers(hidden, attention_mask, self.encoder.encoder.layer[:upto])

        def top(self, hidden, attention_mask, target_mask, start: int):
            hidden = self._layers(hidden, attention_mask, self.encoder.encoder.layer[start:])
            return self.head(hidden, attention_mask, target_mask)

    return TargetSentimentModel(encoder, dropout, heads)


def truncate_encoder(encoder, num_layers: int | None):
    """Keep the first `num_layers` transformer layers (the upper e5 layers are not used)."""
    if num_layers and num_layers < len(encoder.encoder.layer):
        from torch import nn

        encoder.encoder.layer = nn.ModuleList(list(encoder.encoder.layer)[:num_layers])
        encoder.config.num_hidden_layers = num_layers
    return encoder


def load_backbone_encoder(backbone_dir: Path):
    """A fresh (never shared) copy of the rebuilt e5 encoder without its unused pooler, and its tokenizer
    (a copy too: this model tokenises with its own maximum length, which a fast tokenizer keeps as state)."""
    import copy
    import warnings

    from transformers import BertModel
    from transformers.utils import logging as hf_logging

    tokenizer = copy.deepcopy(backbone.load_tokenizer(backbone_dir))
    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()  # "pooler weights not used" is expected: e5 has no pooler
    hf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            encoder = BertModel.from_pretrained(str(backbone_dir), add_pooling_layer=False)
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
    return tokenizer, encoder


def artifact_sha256(artifact_dir: Path = DEFAULT_ARTIFACT_DIR) -> str:
    return backbone.sha256_file(Path(artifact_dir) / ADAPTER_FILE)


def read_calibration(artifact_dir: Path = DEFAULT_ARTIFACT_DIR) -> dict | None:
    """The artifact's calibration ({"temperature": T, ...}), or None for an uncalibrated one."""
    meta = json.loads((Path(artifact_dir) / SETTINGS_FILE).read_text(encoding="utf-8"))
    return meta.get("calibration")


def model_version_for(artifact_dir: Path = DEFAULT_ARTIFACT_DIR) -> str:
    """Weights and calibration name the version: a new temperature changes every probability, so the version too."""
    digest = artifact_sha256(artifact_dir)
    calibration = read_calibration(artifact_dir)
    if calibration:
        import hashlib

        digest = hashlib.sha256(f"{digest}:temperature={calibration['temperature']!r}".encode()).hexdigest()
    return f"sentiment-e5small-lora-{digest[:8]}"


class TrainedSentimentScorer:
    """The trained target-sentiment `Scorer`.

    `models_dir_or_model`: where the e5 backbone is (re)built (a models dir, as for `ZeroShotScorer`),
    or the rebuilt backbone directory itself; None means the default models dir. `artifact_dir`:
    the adapter + head (default: the one committed with Espejo). `frames`: an optional scorer whose
    `score_frames` this one delegates to (this model scores sentiment only). `head`: for an artifact trained
    with several heads, the one to score with (default: the first, which Espejo uses; the others exist to
    measure the shared encoder on their own data, e.g. `espejo eval sentiment --head newsmtsc`).
    """

    SCORER_NAME = SCORER_NAME

    def __init__(self, models_dir_or_model: str | Path | None = None, *, artifact_dir: str | Path | None = None,
                 batch_size: int = 32, frames=None, precision: str | None = None, head: str | None = None) -> None:
        path = Path(models_dir_or_model) if models_dir_or_model is not None else None
        if path is not None and (path / "config.json").is_file():
            self.backbone_dir = path
        else:
            self.backbone_dir = backbone.ensure_backbone(path)
        self.artifact_dir = Path(artifact_dir) if artifact_dir else DEFAULT_ARTIFACT_DIR
        if not (self.artifact_dir / ADAPTER_FILE).is_file():
            raise FileNotFoundError(f"{self.artifact_dir}: no {ADAPTER_FILE}; run `espejo train sentiment`")
        meta = json.loads((self.artifact_dir / SETTINGS_FILE).read_text(encoding="utf-8"))
        self.settings = InputSettings.from_dict(meta["input"])
        self.labels = tuple(meta["labels"])
        if self.labels != SENTIMENT_LABELS:
            raise ValueError(f"{self.artifact_dir}: labels {self.labels} differ from {SENTIMENT_LABELS}")
        expected = meta.get("backbone_weights_sha256")
        found = (backbone.read_backbone_metadata(self.backbone_dir) or {}).get("weights_sha256")
        if expected and found and expected != found:
            raise ValueError(f"the adapter in {self.artifact_dir} was trained on backbone weights {expected[:12]}, "
                             f"but {self.backbone_dir} holds {found[:12]}")
        self.batch_size = batch_size
        self.precision = precision or backbone.inference_precision()  # see backbone.inference_precision
        self.frames = frames
        calibration = meta.get("calibration") or {}
        self.temperature = float(calibration.get("temperature", 1.0))
        self.heads = tuple(meta.get("heads") or (SCORED_HEAD,))
        if head is not None and head not in self.heads:
            raise ValueError(f"{self.artifact_dir}: no head {head!r}; its heads are {', '.join(self.heads)}")
        self.head = head or self.heads[0]
        self.model_version = model_version_for(self.artifact_dir)
        if self.head != self.heads[0]:
            # Another head gives other probabilities: never mistaken for the scored version. The temperature
            # was fitted for head 0, so this one reads its logits uncalibrated.
            self.model_version += f"-head-{self.head}"
            self.temperature = 1.0
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                import torch
                from peft import PeftModel

                backbone.configure_torch_threads()
                tokenizer, encoder = load_backbone_encoder(self.backbone_dir)
                model = build_model(truncate_encoder(encoder, self.settings.num_layers), heads=len(self.heads))
                peft_model = PeftModel.from_pretrained(model, str(self.artifact_dir))
                model = peft_model.merge_and_unload()  # plain weights: inference as fast as the base model
                model.scoring_head = self.heads.index(self.head)
                model.eval()
                self._tokenizer, self._model = tokenizer, model
                self._torch = torch
        return self._tokenizer, self._model

    def predict_proba(self, items: Sequence[tuple[str, int, int]], progress=None) -> np.ndarray:
        """[len(items), 3] probabilities (SENTIMENT_LABELS order) for (sentence, start, end) triples,
        calibrated with the artifact's temperature."""
        logits = self.predict_logits(items, progress) / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        return probabilities / probabilities.sum(axis=1, keepdims=True)

    def predict_logits(self, items: Sequence[tuple[str, int, int]], progress=None) -> np.ndarray:
        """[len(items), 3] raw logits (before the temperature) for (sentence, start, end) triples."""
        tokenizer, model = self._load()
        torch = self._torch
        rows, unique = distinct_inputs(items, self.settings)
        covers = np.bincount(np.asarray(rows, dtype=np.int64), minlength=len(unique))
        out = np.zeros((len(unique), len(SENTIMENT_LABELS)), np.float64)
        # Longest first, by the length of what the model will actually read.
        lengths = [min(len(s), e - st + 2 * self.settings.context_chars) for s, st, e in unique]
        order = sorted(range(len(unique)), key=lambda i: lengths[i], reverse=True)
        with torch.inference_mode(), backbone.precision_context(self.precision):
            for begin in range(0, len(order), self.batch_size):
                batch = order[begin : begin + self.batch_size]
                input_ids, mask, target_mask = encode_inputs(tokenizer, [unique[i] for i in batch], self.settings)
                out[batch] = model(input_ids, mask, target_mask).float().double().numpy()
                if progress is not None:
                    progress(int(covers[batch].sum()))
        return out[rows]

    def score_mentions(self, items: list[MentionInput], progress=None) -> list[SentimentScore]:
        if not items:
            return []
        probabilities = self.predict_proba([(item.sentence, item.start, item.end) for item in items], progress)
        scores = []
        for row in probabilities:
            row = row / row.sum()
            scores.append(SentimentScore(label=SENTIMENT_LABELS[int(np.argmax(row))], p_negative=float(row[0]),
                                         p_neutral=float(row[1]), p_positive=float(row[2])))
        return scores

    def score_frames(self, articles):
        if self.frames is None:
            raise NotImplementedError("TrainedSentimentScorer scores sentiment only; pass frames=<a frame scorer>")
        return self.frames.score_frames(articles)


_loaded: dict[tuple[str, str], TrainedSentimentScorer] = {}
_loaded_lock = threading.Lock()


def load_trained_sentiment(models_dir: str | Path | None = None, artifact_dir: str | Path | None = None
                           ) -> TrainedSentimentScorer:
    """The trained scorer, built once per process per (models dir, artifact dir)."""
    models_path = Path(models_dir) if models_dir is not None else default_models_dir()
    artifact = Path(artifact_dir) if artifact_dir else DEFAULT_ARTIFACT_DIR
    key = (str(models_path.resolve()), str(artifact.resolve()))
    with _loaded_lock:
        if key not in _loaded:
            _loaded[key] = TrainedSentimentScorer(models_path, artifact_dir=artifact)
        return _loaded[key]
