"""`espejo eval sentiment`: the systems it compares, on realnews files and on the public labelled sets.

On realnews (`evaluate_realnews`), as (model version, MentionInput list -> probabilities):
    trained    the nightly target-sentiment model (nlp/models/target-sentiment, or --artifact)
    previous   the nightly model before it (nlp/models/target-sentiment-previous), when present
    zeroshot   the prototype scorer (label descriptions + exemplars, no training)
On NewsMTSC and es-headlines (`evaluate_sentiment_file`): the trained model, the zero-shot scorer and a
lexicon baseline; when the trained artifact has a head of the file's own source (a head trained on that
set's labels beside the scored one), that head too, as `trained:<source> head`.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np

from espejo.records import SENTIMENT_LABELS
from espejo.settings import quality_file

from . import realnews, training
from .sentiment_model import DEFAULT_ARTIFACT_DIR, PREVIOUS_ARTIFACT_DIR, ADAPTER_FILE, TrainedSentimentScorer, \
    load_trained_sentiment


class EvaluationDataError(ValueError):
    """A labelled file gave nothing to evaluate."""


def _with_progress(score, echo, label: str):
    """Wrap a scorer's `score_mentions` into a probabilities function that logs how far it got."""
    def predict(inputs) -> np.ndarray:
        done = [0]

        def tick(n):
            done[0] += n
            if done[0] % 320 < n or done[0] == len(inputs):
                echo(f"  {label}: {done[0]}/{len(inputs)}")

        if "progress" in inspect.signature(score).parameters:
            scores = score(inputs, progress=tick)
        else:
            scores = score(inputs)
            tick(len(inputs))
        return np.array([[s.p_negative, s.p_neutral, s.p_positive] for s in scores])
    return predict


def realnews_systems(models_dir: Path | None = None, artifact_dir: Path | None = None, echo=print) -> dict:
    from .scoring import ZeroShotScorer

    systems = {}
    trained = load_trained_sentiment(models_dir, artifact_dir)
    systems["trained"] = (trained.model_version, _with_progress(trained.score_mentions, echo, "trained"))
    chosen = Path(artifact_dir or DEFAULT_ARTIFACT_DIR).resolve()
    if (PREVIOUS_ARTIFACT_DIR / ADAPTER_FILE).is_file() and PREVIOUS_ARTIFACT_DIR.resolve() != chosen:
        previous = load_trained_sentiment(models_dir, PREVIOUS_ARTIFACT_DIR)
        systems["previous"] = (previous.model_version, _with_progress(previous.score_mentions, echo, "previous"))
    zeroshot = ZeroShotScorer(models_dir)
    systems["zeroshot"] = (zeroshot.model_version, _with_progress(zeroshot.score_mentions, echo, "zeroshot"))
    return systems


def calibrate_on_realnews(scorer, sentences, folds: int = 5, echo=print) -> dict:
    """Fit the temperature of `scorer` (a TrainedSentimentScorer) on realnews sentences; report ECE before/after.

    The temperature is fitted on every mention of a sentence with a sentiment label, each mention taking its
    sentence's label. ECE is measured on sentences (mean of their mentions' probabilities, as stance uses
    them). "after" is cross-fitted: each fold's ECE with a temperature fitted on the other folds (split by
    article), so it is not measured on the data that chose it; the shipped temperature uses all of them.
    """
    from scipy.special import softmax

    from .evaluation import fit_temperature
    from .realnews import NOT_A_MENTION, expected_calibration_error, mention_items, sentence_probabilities

    items, owners = mention_items(sentences)
    echo(f"calibration: scoring {len(items)} mentions ...")
    logits = scorer.predict_logits(items)
    gold = np.array([sentences[o].label for o in owners])
    usable = gold != NOT_A_MENTION
    temperature = fit_temperature(logits[usable], gold[usable])
    labels = [s.label for s in sentences]
    passages = sorted({s.passage for s in sentences})
    fold_of = {p: i % folds for i, p in enumerate(passages)}
    mention_fold = np.array([fold_of[sentences[o].passage] for o in owners])
    crossfit = np.zeros_like(logits)
    for fold in range(folds):
        fit_on = usable & (mention_fold != fold)
        crossfit[mention_fold == fold] = logits[mention_fold == fold] / fit_temperature(logits[fit_on], gold[fit_on])

    def ece(scaled) -> float:
        return expected_calibration_error(sentence_probabilities(sentences, softmax(scaled, axis=1)), labels)

    return {"temperature": round(temperature, 4), "ece_before": round(ece(logits), 4),
            "ece_after": round(ece(crossfit), 4), "ece_after_in_sample": round(ece(logits / temperature), 4),
            "mentions": int(usable.sum()), "folds": folds}


def evaluate_realnews_files(sentences_path: Path, passages_path: Path, models_dir: Path | None = None,
                            artifact_dir: Path | None = None, echo=print) -> dict[str, dict]:
    """Read a realnews sentences file and its passages, score them with every system, print each report.

    Raises `RealnewsFormatError` for an unreadable row. Returns name -> report (`realnews.evaluate_sentiment`).
    """
    sentences = realnews.read_sentences(sentences_path)
    passages = realnews.read_passages(passages_path)
    echo(f"{sentences_path}: {len(sentences)} sentences, {sum(len(s.mentions) for s in sentences)} mentions of the "
         f"other country; {passages_path}: {len(passages)} articles")
    reports = realnews.evaluate_sentiment(sentences, passages, realnews_systems(models_dir, artifact_dir, echo),
                                          progress=echo)
    for name, report in reports.items():
        echo("\n" + realnews.format_report(name, report))
    return reports


def record_realnews(reports: dict[str, dict], dataset: str, command: str, path: Path) -> Path:
    """Store every system's figures under its own model version in the quality file at `path`."""
    from espejo.quality import record_quality

    for report in reports.values():
        record_quality(report["model_version"], realnews.quality_rows(report, dataset), command=command, path=path)
    return path


def evaluate_realnews(sentences_path: Path, passages_path: Path, models_dir: Path | None = None,
                      artifact_dir: Path | None = None, record: bool = False, echo=print) -> dict[str, dict]:
    """`espejo eval sentiment --format realnews`: every system on a realnews file, printed; with `record`, their
    figures stored by model version in the quality file the dashboard reads."""
    reports = evaluate_realnews_files(sentences_path, passages_path, models_dir, artifact_dir, echo)
    if record:
        command = f"espejo eval sentiment --data {Path(sentences_path).name} --format realnews --record"
        path = record_realnews(reports, realnews.dataset_name(sentences_path), command, quality_file())
        echo(f"figures recorded in {path}")
    return reports


def realnews_summary(reports: dict[str, dict]) -> dict:
    """The one JSON object `espejo eval sentiment --format realnews --json` ends with: the trained model's
    figures, the other systems as baselines."""
    def summary(report):
        return {"model_version": report["model_version"], "macro_f1": round(report["macro_f1"], 4),
                "accuracy": round(report["accuracy"], 4), "n": report["n"], "ece": round(report["ece"], 4),
                "stance_spearman": report["stance"]["spearman"],
                "per_language": {language: {"direction": part["direction"], "macro_f1": round(part["macro_f1"], 4),
                                            "accuracy": round(part["accuracy"], 4), "n": part["n"],
                                            "ece": round(part["ece"], 4), "stance_spearman": part["stance"]["spearman"],
                                            "stance_n": part["stance"]["n"]}
                                 for language, part in report["per_language"].items()}}

    new = reports["trained"]
    return {**summary(new), "confusion": new["confusion"], "labels": list(realnews.REALNEWS_LABELS),
            "baselines": {name: summary(r) for name, r in reports.items() if name != "trained"}}


def evaluate_sentiment_file(path: Path, data_format: str, models_dir: Path | None = None, limit: int = 0,
                            trained=None, artifact_dir: Path | None = None, head: str | None = None,
                            echo=print) -> dict:
    """Trained model (`trained`, else the one in `artifact_dir` scoring with `head`), zero-shot scorer and
    lexicon baseline on one NewsMTSC or es-headlines file, plus the artifact's head for this source if it has
    one; prints as it goes. Raises `EvaluationDataError` when no target is read."""
    from .evaluation import LEXICON_NOTES, evaluate_sentiment, format_confusion, vader_predict
    from .scoring import MentionInput, ZeroShotScorer

    stats = training.ReadStats()
    examples = training.read_labelled(path, data_format, stats)
    if limit:
        examples = examples[:limit]
    if not examples:
        raise EvaluationDataError(f"{path}: no targets read as {data_format}")
    language = examples[0].language
    echo(f"{path}: {len(examples)} targets ({stats.skipped} skipped: not located), language {language}")
    if trained is None:
        trained = (TrainedSentimentScorer(models_dir, artifact_dir=artifact_dir, head=head) if head
                   else load_trained_sentiment(models_dir, artifact_dir))
    own_head = None  # this set's own head, scored beside the chosen one
    if data_format in trained.heads and data_format != trained.head:
        own_head = TrainedSentimentScorer(trained.backbone_dir, artifact_dir=trained.artifact_dir, head=data_format,
                                          precision=trained.precision)
    zeroshot = ZeroShotScorer(models_dir)

    def with_progress(scorer):
        def run(items):
            done = [0]

            def tick(n):
                done[0] += n
                if done[0] % 320 < n or done[0] == len(items):
                    echo(f"  {done[0]}/{len(items)}")

            inputs = [MentionInput(e.sentence, e.start, e.end, "MX", e.language) for e in items]
            if "progress" in inspect.signature(scorer.score_mentions).parameters:
                scores = scorer.score_mentions(inputs, progress=tick)
            else:  # scorers without a progress hook
                scores = scorer.score_mentions(inputs)
            return [SENTIMENT_LABELS.index(s.label) for s in scores]
        return run

    systems = {"trained": with_progress(trained), "zeroshot": with_progress(zeroshot),
               "lexicon": lambda items: vader_predict([e.sentence for e in items])}
    names = {"trained": trained.model_version, "zeroshot": zeroshot.model_version,
             "lexicon": LEXICON_NOTES[language]}
    if own_head is not None:
        systems[f"trained:{data_format} head"] = with_progress(own_head)
        names[f"trained:{data_format} head"] = own_head.model_version
    results = evaluate_sentiment(examples, systems, progress=echo)
    for name, report in results.items():
        echo(f"\n{name} ({names[name]}): macro-F1 {report['macro_f1']:.4f}  accuracy {report['accuracy']:.4f}  "
             f"n {report['n']}")
        echo(format_confusion(report["confusion"]))
    return {"file": str(path), "format": data_format, "n": len(examples), "skipped": stats.skipped,
            "systems": {name: {"name": names[name], **report} for name, report in results.items()}}


def file_summary(result: dict) -> dict:
    """The one JSON object `espejo eval sentiment --json` ends with on a NewsMTSC or es-headlines file."""
    systems = result["systems"]
    trained = systems["trained"]
    return {
        "macro_f1": round(trained["macro_f1"], 4), "accuracy": round(trained["accuracy"], 4), "n": trained["n"],
        "model_version": trained["name"], "confusion": trained["confusion"],
        "baselines": {name: {"macro_f1": round(s["macro_f1"], 4), "accuracy": round(s["accuracy"], 4),
                             "n": s["n"], "name": s["name"]}
                      for name, s in systems.items() if name != "trained"},
    }
