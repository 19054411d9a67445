"""The systems `espejo eval sentiment` compares, as (model version, MentionInput list -> probabilities).

    trained    the nightly target-sentiment model (nlp/models/target-sentiment, or --artifact)
    previous   the nightly model before it (nlp/models/target-sentiment-previous), when present
    zeroshot   the prototype scorer (label descriptions + exemplars, no training)
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np

from .sentiment_model import DEFAULT_ARTIFACT_DIR, PREVIOUS_ARTIFACT_DIR, ADAPTER_FILE, load_trained_sentiment


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
    from . import realnews

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

    from .realnews import quality_rows

    for report in reports.values():
        record_quality(report["model_version"], quality_rows(report, dataset), command=command, path=path)
    return path
