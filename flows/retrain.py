"""Feed a researcher's codings back into the models: `espejo train sentiment|frames --with-codings NAME...`.

The coded items of the named samples (codings store, `espejo.warehouse.codings`) become training examples
under each item's coders' majority (n/a and items without a majority are left out). A fixed share of them,
chosen by a hash of the item, is held out: it is never trained on, so the comparison of the old and new
model versions on it is a test; the rest is reported as training items. Which item played which role is
recorded in the codings store under the new artifact's version, where `espejo codings report` and the
Validation page read it.

The new artifact goes under `<data_dir>/models/<name>/` (never over the committed models), next to a model
configuration `<data_dir>/models/<name>.toml` of nlp/models.toml's form: `espejo rescore --model` that file
scores the warehouse under the new version, which the dashboard's model-version selector then lists.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from espejo.nlp.analyse import MAX_FRAME_SENTENCES
from espejo.nlp.frames_model import CodedArticle
from espejo.nlp.scorers import MODELS_CONFIG, load_models_config
from espejo.nlp.training import CODINGS_SOURCE, FineTuneConfig, TargetExample, fine_tune_sentiment, read_realnews
from espejo.records import SENTIMENT_LABELS
from espejo.reliability import agreement, majority
from espejo.warehouse import codings

HOLDOUT_SHARE = 0.25
REPLAY_PER_CODED = 4  # realnews train mentions replayed per coded mention, when ../shared is present


@dataclass(frozen=True)
class CodedItems:
    train: list
    holdout: list
    left_out: int  # n/a, or no majority among the coders
    samples: tuple[str, ...]
    coders: tuple[str, ...]


def models_root(data_dir: Path) -> Path:
    return Path(data_dir) / "models"


def default_name(samples: Sequence[str]) -> str:
    return "codings-" + "-".join(samples)


def holdout_role(sample: str, item_id: str, share: float) -> str:
    """'holdout' for a fixed share of items, by a hash of the item: the same item keeps its role in every run."""
    digest = hashlib.sha256(f"holdout:{sample}:{item_id}".encode()).digest()
    return "holdout" if int.from_bytes(digest[:8], "big") / 2**64 < share else "train"


def coded_items(data_dir: Path, samples: Sequence[str], kind: str, holdout_share: float) -> CodedItems:
    """The majority coding of every coded item of `kind` in the samples, split into train and holdout."""
    train, holdout, left_out, coders = [], [], 0, set()
    for sample in samples:
        items = codings.sample_items(data_dir, sample, kind).set_index("item_id")
        coded = codings.codings(data_dir, sample)
        coded = coded[coded["kind"] == kind]
        coders.update(coded["coder"])
        for item_id, rows in coded.groupby("item_id", sort=True):
            item = items.loc[item_id]
            role = holdout_role(sample, str(item_id), holdout_share)
            if kind == "mention":
                label = majority(list(rows["label"]))
                if label is None or label not in SENTIMENT_LABELS:
                    left_out += 1
                    continue
                example = (sample, str(item_id), TargetExample(
                    str(item["sentence"]), int(item["target_start"]), int(item["target_end"]),
                    SENTIMENT_LABELS.index(label), str(item["language"]), CODINGS_SOURCE))
            else:
                chosen = _majority_frames([list(f) for f in rows["frames"]])
                if not chosen:
                    left_out += 1
                    continue
                example = (sample, str(item_id), CodedArticle(
                    str(item_id), str(item["article_text"]), str(item["language"]), tuple(chosen),
                    title=str(item["title"] or ""), source_country=str(item["direction"])[:2].upper()))
            (holdout if role == "holdout" else train).append(example)
    return CodedItems(train, holdout, left_out, tuple(samples), tuple(sorted(coders)))


def _items_to_train_on(data_dir: Path, samples: Sequence[str], kind: str, holdout_share: float,
                       echo: Callable[[str], None]) -> CodedItems:
    items = coded_items(data_dir, samples, kind, holdout_share)
    why = "n/a or no majority" if kind == "mention" else "no frame chosen by a majority"
    echo(f"coded {kind}s: {len(items.train)} to train on, {len(items.holdout)} held out, {items.left_out} left out "
         f"({why}); coders {', '.join(items.coders) or '-'}")
    if not items.train:
        raise codings.CodingsError(f"no coded {kind}s to train on in {', '.join(samples)}")
    return items


def _majority_frames(frame_lists: list[list[str]]) -> list[str]:
    """The frames more than half of an item's coders chose."""
    counts: dict[str, int] = {}
    for frames in frame_lists:
        for frame in set(frames):
            counts[frame] = counts.get(frame, 0) + 1
    return sorted(f for f, n in counts.items() if n * 2 > len(frame_lists))


def write_models_config(data_dir: Path, name: str, table: str, artifact: Path) -> Path:
    """`<data_dir>/models/<name>.toml`: the nightly configuration with `table`'s artifact replaced (a config
    written earlier under the same name keeps its other table, so sentiment and frames can both be retrained)."""
    path = models_root(data_dir) / f"{name}.toml"
    base = load_models_config(path if path.is_file() else MODELS_CONFIG)
    artifacts = {"sentiment": base.sentiment_artifact, "frames": base.frames_artifact, table: artifact}
    scorers = {"sentiment": base.sentiment, "frames": base.frames, table: "trained"}
    lines = [f"# Written by `espejo train {table} --with-codings` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
             "# Score the warehouse with it: espejo rescore --model " + str(path), "",
             "[backbone]", f"model = {json.dumps(base.backbone)}"]
    for part in ("sentiment", "frames"):
        lines += ["", f"[{part}]", f"scorer = {json.dumps(scorers[part])}"]
        if artifacts[part] is not None:
            folder = Path(artifacts[part]).resolve()
            relative = folder.relative_to(path.parent.resolve()) if folder.is_relative_to(path.parent.resolve()) else folder
            lines.append(f"artifact = {json.dumps(str(relative))}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load_models_config(path)  # written as it will be read
    return path


def retrain_sentiment(data_dir: Path, samples: Sequence[str], *, name: str | None = None,
                      holdout_share: float = HOLDOUT_SHARE, models_dir: Path | None = None,
                      replay_file: Path | None = None, config: FineTuneConfig = FineTuneConfig(),
                      echo: Callable[[str], None] = print) -> dict:
    """Fine-tune the committed sentiment adapter on the samples' coded mentions; returns what was done."""
    from espejo.nlp.sentiment_model import DEFAULT_ARTIFACT_DIR, TrainedSentimentScorer

    name = name or default_name(samples)
    items = _items_to_train_on(data_dir, samples, "mention", holdout_share, echo)
    replay: list[TargetExample] = []
    if replay_file is not None and Path(replay_file).is_file():
        import random

        shipped = read_realnews(replay_file)
        replay = random.Random(config.seed).sample(shipped, min(len(shipped), REPLAY_PER_CODED * len(items.train)))
        echo(f"replaying {len(replay)} mentions of {replay_file} beside them")
    out_dir = models_root(data_dir) / name / "target-sentiment"
    notes = {"codings": {"samples": list(samples), "coders": list(items.coders), "train_items": len(items.train),
                         "holdout_items": len(items.holdout), "left_out": items.left_out,
                         "holdout_share": holdout_share, "data_dir": str(data_dir)},
             "replay": {"file": None if not replay else Path(replay_file).name, "mentions": len(replay)}}
    summary = fine_tune_sentiment([e for _, _, e in items.train], out_dir, base_artifact=DEFAULT_ARTIFACT_DIR,
                                  replay=replay, models_dir=models_dir, config=config, notes=notes, log=echo)
    version = summary["model_version"]
    codings.record_training_use(data_dir, version, [("mention", s, i, "train") for s, i, _ in items.train]
                                + [("mention", s, i, "holdout") for s, i, _ in items.holdout])
    config_path = write_models_config(data_dir, name, "sentiment", out_dir)
    result = {"kind": "sentiment", "model_version": version, "base_model_version": summary["base_model_version"],
              "artifact": str(out_dir), "models_config": str(config_path), "train_items": len(items.train),
              "holdout_items": len(items.holdout), "left_out": items.left_out, "samples": list(samples),
              "training_minutes": summary["training_minutes"]}
    if items.holdout:
        truth = [SENTIMENT_LABELS[e.label] for _, _, e in items.holdout]
        inputs = [(e.sentence, e.start, e.end) for _, _, e in items.holdout]
        result["holdout"] = {}
        for role, artifact in (("before", DEFAULT_ARTIFACT_DIR), ("after", out_dir)):
            scorer = TrainedSentimentScorer(models_dir, artifact_dir=artifact)
            predicted = [SENTIMENT_LABELS[int(row.argmax())] for row in scorer.predict_proba(inputs)]
            result["holdout"][role] = {"model_version": scorer.model_version,
                                       **agreement(truth, predicted, SENTIMENT_LABELS)}
    _write_card(out_dir, result, notes)
    return result


def retrain_frames(data_dir: Path, samples: Sequence[str], *, name: str | None = None,
                   holdout_share: float = HOLDOUT_SHARE, models_dir: Path | None = None,
                   realnews_train: Path | None = None, echo: Callable[[str], None] = print) -> dict:
    """Retrain the frame heads with the samples' coded articles beside realnews train (when present)."""
    from espejo.nlp.frames_model import DEFAULT_FRAMES_MODEL_DIR, TrainedFrameScorer, train_frames
    from espejo.nlp.scoring import resolve_model

    name = name or default_name(samples)
    items = _items_to_train_on(data_dir, samples, "article", holdout_share, echo)
    if realnews_train is not None and not Path(realnews_train).is_file():
        realnews_train = None
    echo("training the frame heads on " + ("realnews train, " if realnews_train else "")
         + "the coded articles and the codebook ...")
    out_dir = models_root(data_dir) / name / "frames"
    model = resolve_model(models_dir)  # once: each resolution hashes the backbone's weights again
    train_frames(models_dir_or_model=model, out_dir=out_dir, realnews_train=realnews_train,
                 coded_articles=[a for _, _, a in items.train])
    new = TrainedFrameScorer(model, frames_model_dir=out_dir, on_stale="error")
    version = new.model_version
    codings.record_training_use(data_dir, version, [("article", s, i, "train") for s, i, _ in items.train]
                                + [("article", s, i, "holdout") for s, i, _ in items.holdout])
    config_path = write_models_config(data_dir, name, "frames", out_dir)
    result = {"kind": "frames", "model_version": version, "artifact": str(out_dir), "models_config": str(config_path),
              "train_items": len(items.train), "holdout_items": len(items.holdout), "left_out": items.left_out,
              "samples": list(samples), "realnews_train": None if realnews_train is None else str(realnews_train)}
    old = TrainedFrameScorer(model, frames_model_dir=DEFAULT_FRAMES_MODEL_DIR)
    result["base_model_version"] = old.model_version
    if items.holdout:
        result["holdout"] = {role: {"model_version": scorer.model_version,
                                    **_frames_agreement(scorer, [a for _, _, a in items.holdout])}
                             for role, scorer in (("before", old), ("after", new))}
    _write_card(out_dir, result, {"realnews_train": result["realnews_train"]})
    return result


def _frames_agreement(scorer, articles: list[CodedArticle]) -> dict:
    """Micro-F1 of the scorer's leading frames against the coders' majority frames."""
    from espejo.nlp.frames_eval import _micro, leading_frames
    from espejo.nlp.scoring import FrameInput
    from espejo.nlp.sentences import split_sentences

    inputs = [FrameInput(title=a.title,
                         sentences=[s.text for s in split_sentences(a.text, a.language)][:MAX_FRAME_SENTENCES] or [a.text],
                         language=a.language, source_country=a.source_country) for a in articles]
    pairs = [(set(article.frames), set(leading_frames(scores)))
             for article, scores in zip(articles, scorer.score_frames(inputs), strict=True)]
    return {"n": len(articles), "micro_f1": round(_micro(pairs)[2], 4)}


def _write_card(out_dir: Path, result: dict, notes: dict) -> None:
    """MODEL_CARD.md beside the weights: what they were trained from, and the held-out figures."""
    lines = [f"# Espejo {result['kind']} model `{result['model_version']}` (retrained with codings)", "",
             f"- Trained from: `{result['base_model_version']}` (the committed model) with the codings of the "
             f"samples {', '.join(result['samples'])} ({result['train_items']} items; {result['holdout_items']} "
             f"held out and never trained on; {result['left_out']} left out: n/a or no majority).",
             f"- Model configuration: `{result['models_config']}` (`espejo rescore --model` it).",
             f"- Notes: `{json.dumps(notes, sort_keys=True)}`", ""]
    if result.get("holdout"):
        lines += ["## Held-out coded items (a test: these items were not trained on)", "",
                  "| model | version | n | " + ("macro-F1 | accuracy |" if result["kind"] == "sentiment" else "micro-F1 |"),
                  "|---|---|---|---|" + ("---|" if result["kind"] == "sentiment" else "")]
        for role, figures in result["holdout"].items():
            values = ([figures["macro_f1"], figures["accuracy"]] if result["kind"] == "sentiment"
                      else [figures["micro_f1"]])
            lines.append(f"| {role} | `{figures['model_version']}` | {figures['n']} | "
                         + " | ".join("—" if v is None else f"{v:.3f}" for v in values) + " |")
    else:
        lines.append("No coded item was held out: no test figures (every coded item was trained on).")
    (Path(out_dir) / "MODEL_CARD.md").write_text("\n".join(lines) + "\n", encoding="utf-8")

