"""Measuring frame scorers: on real news (realnews passages) and on the in-house gold set.

**realnews** (`evaluate_realnews_frames`): U.S. outlets on Mexico (English) and Mexican outlets on the
U.S. (Spanish), each article with 1-3 frames chosen by two annotators (`../shared/data/realnews/`).
An article is its summary split into sentences (`split_sentences`, no title), scored as one article
with its outlet's country; its predicted frames are its *leading frames*, the product's rule
(`leading_frames`). Micro- and macro-F1 and per-frame precision/recall/F1 with support, overall and
per language (en = us->mx, es = mx->us), n = articles. The train split is trained on: report dev.

**In-house gold set** (`evaluate_frames`, `nlp/gold/frames_gold.jsonl`).

The gold set was labelled in-house (by an AI model following `nlp/gold/PROTOCOL.md`), not by
independent annotators: treat its figures as development figures.

Sentence level: each gold sentence is scored as a one-sentence article whose title is the sentence
itself (so a scorer that mixes title and body sees only that sentence). The outlet country follows the
sentence's direction ("us->mx" -> "US", "mx->us" -> "MX"); for "any" sentences (shared-data sentences
not about the other country) only the 15 policy frames are scored and counted. A frame is predicted
with the product's rule (`warehouse/aggregate.py`): score >= threshold and among the top_k frames of
that sentence.

    from espejo.nlp.frames_eval import evaluate_frames, format_report
    report = evaluate_frames(GOLD_PATH, scorer)            # FrameEvalReport
    print(format_report(report)); report.to_dict()         # printable / JSON-ready
    reports = {name: evaluate_realnews_frames(DEV, s) for name, s in frame_systems(model).items()}
    print(format_realnews_comparison(reports))
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

from espejo.records import FrameScore, direction

from .scoring import ANY_DIRECTION, DEFAULT_CODEBOOK, FrameInput, load_codebook

GOLD_PATH = Path(__file__).resolve().parent / "gold" / "frames_gold.jsonl"
FRAME_THRESHOLD = 0.5  # as warehouse.aggregate.FRAME_THRESHOLD
FRAME_TOP_K = 3  # as warehouse.aggregate.FRAME_TOP_K


def leading_frames(scores: Sequence[FrameScore], threshold: float = FRAME_THRESHOLD,
                   top_k: int | None = FRAME_TOP_K) -> set[str]:
    """An article's leading frames, the dashboard's rule (`fill_leading_frames` in
    warehouse/sql/aggregate_dashboard.sql): score >= threshold and among its top_k frames, ranked by
    score, ties by frame key. top_k=None: threshold only."""
    ranked = sorted(scores, key=lambda s: (-s.score, s.frame))
    return {s.frame for s in (ranked[:top_k] if top_k else ranked) if s.score >= threshold}
_COUNTRY = {"us->mx": "US", "mx->us": "MX", ANY_DIRECTION: "US"}


@dataclass(frozen=True)
class GoldSentence:
    id: str
    language: str
    source: str
    text: str
    direction: str
    frames: tuple[str, ...]


def load_gold(path: Path = GOLD_PATH) -> list[GoldSentence]:
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            data = json.loads(line)
            try:
                rows.append(GoldSentence(data["id"], data["language"], data["source"], data["text"],
                                         data["direction"], tuple(data["frames"])))
            except KeyError as missing:
                raise ValueError(f"{path}:{number}: missing field {missing}") from None
    return rows


@dataclass
class FrameMetrics:
    frame: str
    support: int  # gold sentences carrying the frame
    predicted: int
    tp: int
    precision: float
    recall: float
    f1: float


@dataclass
class FrameEvalReport:
    scorer: str  # model_version
    n_sentences: int
    n_by_language: dict[str, int]
    rule: str
    micro_precision: float
    micro_recall: float
    micro_f1: float
    macro_f1: float  # mean over frames with support > 0
    per_frame: list[FrameMetrics]
    micro_f1_by_language: dict[str, float]
    micro_f1_by_source: dict[str, float]  # newsweb / newsmtsc / es-headlines
    note: str = "in-house gold set (AI-labelled, nlp/gold/PROTOCOL.md); development figures"
    predictions: list[dict] = field(default_factory=list)  # per sentence: id, gold, predicted

    def to_dict(self, with_predictions: bool = False) -> dict:
        data = asdict(self)
        if not with_predictions:
            data.pop("predictions")
        return data


def _prf(tp: int, predicted: int, support: int) -> tuple[float, float, float]:
    precision = tp / predicted if predicted else 0.0
    recall = tp / support if support else 0.0
    f1 = 2 * tp / (predicted + support) if predicted + support else 0.0
    return precision, recall, f1


def _micro(pairs: Sequence[tuple[set, set]]) -> tuple[float, float, float]:
    tp = sum(len(g & p) for g, p in pairs)
    return _prf(tp, sum(len(p) for _, p in pairs), sum(len(g) for g, _ in pairs))


def evaluate_frames(gold_path: Path = GOLD_PATH, scorer=None, *, codebook_path: Path = DEFAULT_CODEBOOK,
                    threshold: float = FRAME_THRESHOLD, top_k: int | None = FRAME_TOP_K,
                    languages: Sequence[str] | None = None) -> FrameEvalReport:
    """Sentence-level precision/recall/F1 per frame, micro and macro F1, of `scorer` on the gold set.

    `scorer` is anything with `score_frames(list[FrameInput]) -> list[list[FrameScore]]` and a
    `model_version`. top_k=None drops the top-k part of the rule (threshold only).
    """
    if scorer is None:
        raise ValueError("evaluate_frames needs a scorer")
    codebook = load_codebook(codebook_path)
    direction_of = {frame.key: frame.direction for frame in codebook.frames}
    gold = [g for g in load_gold(gold_path) if languages is None or g.language in languages]
    unknown = sorted({f for g in gold for f in g.frames} - set(direction_of))
    if unknown:
        raise ValueError(f"{gold_path}: frames not in the codebook: {unknown}")
    inputs = [FrameInput(title=g.text, sentences=[g.text], language=g.language, source_country=_COUNTRY[g.direction])
              for g in gold]
    outputs = scorer.score_frames(inputs)
    pairs: list[tuple[set, set]] = []
    predictions = []
    for g, scores in zip(gold, outputs):
        allowed = {ANY_DIRECTION} if g.direction == ANY_DIRECTION else {ANY_DIRECTION, g.direction}
        scores = [s for s in scores if direction_of.get(s.frame) in allowed]
        ranked = sorted(scores, key=lambda s: (-s.score, s.frame))
        predicted = leading_frames(scores, threshold, top_k)
        truth = {f for f in g.frames if direction_of[f] in allowed}
        pairs.append((truth, predicted))
        predictions.append({"id": g.id, "gold": sorted(truth), "predicted": sorted(predicted),
                            "scores": {s.frame: round(s.score, 3) for s in ranked[:5]}})
    per_frame = []
    for frame in codebook.frames:
        support = sum(frame.key in t for t, _ in pairs)
        predicted_n = sum(frame.key in p for _, p in pairs)
        tp = sum(frame.key in t and frame.key in p for t, p in pairs)
        per_frame.append(FrameMetrics(frame.key, support, predicted_n, tp, *_prf(tp, predicted_n, support)))
    micro_p, micro_r, micro_f1 = _micro(pairs)
    supported = [m.f1 for m in per_frame if m.support > 0]

    def subset(select) -> float:
        chosen = [pair for g, pair in zip(gold, pairs) if select(g)]
        return round(_micro(chosen)[2], 4) if chosen else float("nan")

    languages_seen = sorted({g.language for g in gold})
    sources_seen = sorted({g.source.split(":")[0] for g in gold})
    return FrameEvalReport(
        scorer=getattr(scorer, "model_version", type(scorer).__name__),
        n_sentences=len(gold),
        n_by_language={lang: sum(g.language == lang for g in gold) for lang in languages_seen},
        rule=f"score >= {threshold}" + (f" and among the sentence's top {top_k}" if top_k else ""),
        micro_precision=round(micro_p, 4), micro_recall=round(micro_r, 4), micro_f1=round(micro_f1, 4),
        macro_f1=round(sum(supported) / len(supported), 4) if supported else 0.0,
        per_frame=per_frame,
        micro_f1_by_language={lang: subset(lambda g, lang=lang: g.language == lang) for lang in languages_seen},
        micro_f1_by_source={src: subset(lambda g, src=src: g.source.split(":")[0] == src) for src in sources_seen},
        predictions=predictions,
    )


def format_report(report: FrameEvalReport) -> str:
    lines = [f"Frames on the gold set: {report.scorer}",
             f"  {report.n_sentences} sentences {report.n_by_language}; predicted = {report.rule}",
             f"  micro P {report.micro_precision:.3f}  R {report.micro_recall:.3f}  F1 {report.micro_f1:.3f}   "
             f"macro F1 {report.macro_f1:.3f}",
             "  micro F1 by language: " + ", ".join(f"{k} {v:.3f}" for k, v in report.micro_f1_by_language.items()),
             "  micro F1 by source:   " + ", ".join(f"{k} {v:.3f}" for k, v in report.micro_f1_by_source.items()),
             f"  {'frame':34s} {'n':>4s} {'pred':>5s} {'P':>6s} {'R':>6s} {'F1':>6s}"]
    for m in report.per_frame:
        lines.append(f"  {m.frame:34s} {m.support:4d} {m.predicted:5d} {m.precision:6.3f} {m.recall:6.3f} {m.f1:6.3f}")
    lines.append(f"  ({report.note})")
    return "\n".join(lines)


def compare_frame_scorers(scorers: dict, gold_path: Path = GOLD_PATH, **options) -> dict[str, FrameEvalReport]:
    """{name: report} for several scorers on the same gold set and rule."""
    return {name: evaluate_frames(gold_path, scorer, **options) for name, scorer in scorers.items()}


def format_comparison(reports: dict[str, FrameEvalReport]) -> str:
    names = list(reports)
    first = reports[names[0]]
    lines = [f"Frames on the gold set ({first.n_sentences} sentences {first.n_by_language}; {first.rule})",
             f"  {'frame':34s} {'n':>4s} " + " ".join(f"{name[:12]:>12s}" for name in names)]
    for i, m in enumerate(first.per_frame):
        lines.append(f"  {m.frame:34s} {m.support:4d} " + " ".join(f"{reports[n].per_frame[i].f1:12.3f}" for n in names))
    lines.append(f"  {'micro F1':34s} {'':4s} " + " ".join(f"{reports[n].micro_f1:12.3f}" for n in names))
    lines.append(f"  {'macro F1':34s} {'':4s} " + " ".join(f"{reports[n].macro_f1:12.3f}" for n in names))
    for n in names:
        lines.append(f"  {n}: {reports[n].scorer}; by language {reports[n].micro_f1_by_language}; "
                     f"by source {reports[n].micro_f1_by_source}")
    lines.append(f"  ({first.note})")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# realnews: real articles with annotated frames


@dataclass
class RealnewsFrameReport:
    scorer: str  # model_version
    data: str  # the passages file's name
    rule: str
    n: int  # articles
    micro_precision: float
    micro_recall: float
    micro_f1: float
    macro_f1: float  # mean over frames with support > 0
    per_frame: list[FrameMetrics]
    per_language: dict[str, dict]  # {"en": {"direction", "n", "micro_*", "macro_f1", "per_frame"}, "es": ...}
    note: str = "realnews (two annotators per article); dev figures are development figures"
    predictions: list[dict] = field(default_factory=list)  # per article: id, language, gold, predicted

    def to_dict(self, with_predictions: bool = False) -> dict:
        data = asdict(self)
        if not with_predictions:
            data.pop("predictions")
        return data

    def summary(self) -> dict:
        """The figures `espejo eval frames --json` prints for one system."""
        return {
            "model_version": self.scorer, "micro_f1": self.micro_f1, "macro_f1": self.macro_f1, "n": self.n,
            "per_language": {language: {k: part[k] for k in ("direction", "micro_f1", "macro_f1", "n")}
                             for language, part in self.per_language.items()},
        }


def _figures(pairs: Sequence[tuple[set, set]], keys: Sequence[str]) -> dict:
    per_frame = []
    for key in keys:
        support = sum(key in t for t, _ in pairs)
        predicted = sum(key in p for _, p in pairs)
        tp = sum(key in t and key in p for t, p in pairs)
        per_frame.append(FrameMetrics(key, support, predicted, tp, *(round(x, 4) for x in _prf(tp, predicted, support))))
    micro_p, micro_r, micro_f1 = _micro(pairs)
    supported = [m.f1 for m in per_frame if m.support > 0]
    return {"n": len(pairs), "micro_precision": round(micro_p, 4), "micro_recall": round(micro_r, 4),
            "micro_f1": round(micro_f1, 4), "macro_f1": round(sum(supported) / len(supported), 4) if supported else 0.0,
            "per_frame": per_frame}


def evaluate_realnews_frames(passages_path: Path, scorer, *, codebook_path: Path = DEFAULT_CODEBOOK,
                             threshold: float = FRAME_THRESHOLD, top_k: int | None = FRAME_TOP_K) -> RealnewsFrameReport:
    """Leading frames of `scorer` on every article of a realnews passages file, against the annotated frames.

    `scorer`: anything with `score_frames(list[FrameInput]) -> list[list[FrameScore]]` and a `model_version`.
    """
    from .realnews import read_passages
    from .sentences import split_sentences

    if scorer is None:
        raise ValueError("evaluate_realnews_frames needs a scorer")
    keys = [frame.key for frame in load_codebook(codebook_path).frames]
    passages = read_passages(passages_path)
    unknown = sorted({f for p in passages for f in p.frames} - set(keys))
    if unknown:
        raise ValueError(f"{passages_path}: frames not in the codebook: {unknown}")
    inputs = [FrameInput(title="", sentences=[s.text for s in split_sentences(p.summary, p.language)] or [p.summary],
                         language=p.language, source_country=p.outlet_country) for p in passages]
    outputs = scorer.score_frames(inputs)
    pairs, predictions = [], []
    for passage, scores in zip(passages, outputs, strict=True):
        truth, predicted = set(passage.frames), leading_frames(scores, threshold, top_k)
        pairs.append((truth, predicted))
        ranked = sorted(scores, key=lambda s: (-s.score, s.frame))
        predictions.append({"id": passage.id, "language": passage.language, "gold": list(passage.frames),
                            "predicted": sorted(predicted), "scores": {s.frame: round(s.score, 3) for s in ranked[:5]}})
    overall = _figures(pairs, keys)
    per_language = {}
    for language in sorted({p.language for p in passages}):
        mine = [pair for passage, pair in zip(passages, pairs) if passage.language == language]
        directions = sorted({direction(p.outlet_country) for p in passages if p.language == language})
        per_language[language] = {"direction": "+".join(directions), **_figures(mine, keys)}
    return RealnewsFrameReport(
        scorer=getattr(scorer, "model_version", type(scorer).__name__), data=Path(passages_path).name,
        rule=f"score >= {threshold}" + (f" and among the article's top {top_k}" if top_k else ""),
        n=overall["n"], micro_precision=overall["micro_precision"], micro_recall=overall["micro_recall"],
        micro_f1=overall["micro_f1"], macro_f1=overall["macro_f1"], per_frame=overall["per_frame"],
        per_language=per_language, predictions=predictions,
    )


def realnews_quality_rows(report: RealnewsFrameReport, dataset: str = "realnews-dev") -> list[dict]:
    """A system's realnews figures as `espejo/quality.py` rows: micro- and macro-F1 (articles) per direction."""
    rows = []
    for language, part in report.per_language.items():
        for metric in ("micro_f1", "macro_f1"):
            rows.append({"component": "frames", "dataset": dataset, "direction": part["direction"], "language": language,
                         "metric": metric, "value": part[metric], "n": part["n"], "unit": "articles"})
    return rows


def format_realnews_comparison(reports: dict[str, RealnewsFrameReport]) -> str:
    """Several systems on the same realnews file: per language micro/macro-F1, then F1 per frame."""
    names = list(reports)
    first = reports[names[0]]
    languages = list(first.per_language)
    lines = [f"Frames on {first.data}: {first.n} articles "
             + ", ".join(f"{lang} {part['direction']} {part['n']}" for lang, part in first.per_language.items())
             + f"; predicted = the leading frames ({first.rule})",
             f"  {'system':10s} {'model version':32s} {'micro F1':>9s} {'macro F1':>9s} "
             + " ".join(f"{lang + ' micro':>9s} {lang + ' macro':>9s}" for lang in languages)]
    for name in names:
        r = reports[name]
        lines.append(f"  {name:10s} {r.scorer[:32]:32s} {r.micro_f1:9.3f} {r.macro_f1:9.3f} "
                     + " ".join(f"{r.per_language[lang]['micro_f1']:9.3f} {r.per_language[lang]['macro_f1']:9.3f}"
                                for lang in languages))
    last = reports[names[-1]]
    lines.append(f"  F1 per frame (n = articles carrying it; P/R of {names[-1]}):")
    lines.append(f"  {'frame':32s} {'n':>4s} " + " ".join(f"{'n ' + lang:>5s}" for lang in languages) + " "
                 + " ".join(f"{name[:10]:>10s}" for name in names) + f" {'P':>6s} {'R':>6s}")
    for i, m in enumerate(first.per_frame):
        if m.support == 0 and all(reports[n].per_frame[i].predicted == 0 for n in names):
            continue
        own = last.per_frame[i]
        lines.append(f"  {m.frame:32s} {m.support:4d} "
                     + " ".join(f"{first.per_language[lang]['per_frame'][i].support:5d}" for lang in languages) + " "
                     + " ".join(f"{reports[n].per_frame[i].f1:10.3f}" for n in names)
                     + f" {own.precision:6.3f} {own.recall:6.3f}")
    lines.append(f"  ({first.note})")
    return "\n".join(lines)


def frame_systems(models_dir_or_model=None) -> dict:
    """{"previous": the previous nightly head (when present), "zeroshot": the prototype scorer, "trained": the
    nightly head} on one backbone, in the order `espejo eval frames` prints them."""
    from .frames_model import PREVIOUS_FRAMES_MODEL_DIR, HEAD_WEIGHTS, TrainedFrameScorer
    from .scoring import ZeroShotScorer

    trained = TrainedFrameScorer(models_dir_or_model)
    systems = {}
    if (PREVIOUS_FRAMES_MODEL_DIR / HEAD_WEIGHTS).is_file():
        previous = TrainedFrameScorer(trained.model, frames_model_dir=PREVIOUS_FRAMES_MODEL_DIR)
        if previous.model_version != trained.model_version:
            systems["previous"] = previous
    systems["zeroshot"] = ZeroShotScorer(trained.model)
    systems["trained"] = trained
    return systems


def gold_summary(reports: dict[str, FrameEvalReport]) -> dict:
    """The one JSON object `espejo eval frames --json` ends with on the gold set: the nightly scorer's figures,
    the others as baselines."""
    new = reports["trained"]
    return {"micro_f1": new.micro_f1, "macro_f1": new.macro_f1, "model_version": new.scorer,
            "per_language": {lang: {"micro_f1": f1, "n": new.n_by_language[lang]}
                             for lang, f1 in new.micro_f1_by_language.items()},
            "baselines": {name: {"micro_f1": r.micro_f1, "macro_f1": r.macro_f1, "model_version": r.scorer}
                          for name, r in reports.items() if name != "trained"}}


def evaluate_realnews_systems(passages_path: Path, systems: dict, record: bool = False,
                              echo=print) -> dict[str, RealnewsFrameReport]:
    """`espejo eval frames --data`: every system on a realnews passages file, the comparison printed; with
    `record`, every system's figures stored by model version in the quality file the dashboard reads."""
    reports = {name: evaluate_realnews_frames(passages_path, scorer) for name, scorer in systems.items()}
    echo(format_realnews_comparison(reports))
    if record:
        from espejo.quality import record_quality
        from espejo.settings import quality_file

        from .realnews import dataset_name

        dataset = dataset_name(passages_path)
        command = f"espejo eval frames --data {Path(passages_path).name} --record"
        for report in reports.values():
            path = record_quality(report.scorer, realnews_quality_rows(report, dataset), command=command,
                                  path=quality_file())
        echo(f"figures recorded in {path} ({dataset})")
    return reports


def realnews_summary(reports: dict[str, RealnewsFrameReport]) -> dict:
    """The one JSON object `espejo eval frames --data ... --json` ends with."""
    new = reports["trained"]
    return {**new.summary(), "per_frame": new.to_dict()["per_frame"],
            "baselines": {name: r.summary() for name, r in reports.items() if name != "trained"}}


def train_frames_from_file(realnews_path: Path, out_dir: Path | None = None, models_dir: Path | None = None,
                           echo=print):
    """`espejo train frames`: the frame heads trained on realnews train articles and the codebook, written to
    `out_dir` (default: the ones Espejo loads); then, for those, the realnews dev articles beside the file
    scored with the new heads, the previous ones and the zero-shot scorer, and the figures recorded."""
    from .backbone import ensure_backbone
    from .frames_model import DEFAULT_FRAMES_MODEL_DIR, train_frames

    out_dir = out_dir or DEFAULT_FRAMES_MODEL_DIR
    echo(f"training the frame heads on {realnews_path} and the codebook ...")
    head = train_frames(models_dir_or_model=models_dir, out_dir=out_dir, realnews_train=Path(realnews_path))
    echo(f"frame heads written to {out_dir} ({head.metadata.get('training_texts')} training texts)")
    dev = Path(realnews_path).with_name("dev_passages.jsonl")
    if dev.is_file() and Path(out_dir).resolve() == DEFAULT_FRAMES_MODEL_DIR.resolve():
        evaluate_realnews_systems(dev, frame_systems(ensure_backbone(models_dir)), record=True, echo=echo)
    return head
