"""Measuring target-sentiment scorers against labelled data: metrics, confusion matrix, baselines.

Systems compared by `evaluate_sentiment` (and `espejo eval sentiment`):
    trained    the LoRA model in nlp/models/target-sentiment (`TrainedSentimentScorer`)
    zeroshot   the prototype scorer (`ZeroShotScorer`)
    lexicon    English: VADER (vaderSentiment) compound score of the sentence, the usual cut-offs
               (>= 0.05 positive, <= -0.05 negative, else neutral); it ignores the target.
               Spanish: no Spanish sentiment lexicon is available offline here, so VADER is run on the
               Spanish text as is (it only catches English words, emoji and punctuation): a weak floor,
               reported so, not a fair Spanish lexicon baseline.
Labels are indices into SENTIMENT_LABELS (0 negative, 1 neutral, 2 positive).
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from espejo.records import SENTIMENT_LABELS


def classification_report(gold: Sequence[int], predicted: Sequence[int]) -> dict:
    """Accuracy, macro-F1 (over the 3 labels), per-label precision/recall/F1 and the confusion matrix.

    confusion[i][j]: examples of gold label i predicted as j (SENTIMENT_LABELS order).
    """
    k = len(SENTIMENT_LABELS)
    confusion = np.zeros((k, k), dtype=int)
    for g, p in zip(gold, predicted):
        confusion[int(g), int(p)] += 1
    n = int(confusion.sum())
    per_label = {}
    f1s = []
    for i, label in enumerate(SENTIMENT_LABELS):
        tp = confusion[i, i]
        precision = tp / confusion[:, i].sum() if confusion[:, i].sum() else 0.0
        recall = tp / confusion[i, :].sum() if confusion[i, :].sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {"precision": float(precision), "recall": float(recall), "f1": float(f1),
                            "support": int(confusion[i, :].sum())}
        f1s.append(f1)
    return {
        "n": n,
        "accuracy": float(np.trace(confusion) / n) if n else 0.0,
        "macro_f1": float(np.mean(f1s)) if n else 0.0,
        "per_label": per_label,
        "confusion": confusion.tolist(),
    }


def format_confusion(confusion: list[list[int]]) -> str:
    width = max(8, max(len(str(v)) for row in confusion for v in row) + 1)
    lines = ["gold \\ predicted".ljust(18) + "".join(label[:3].rjust(width) for label in SENTIMENT_LABELS)]
    for label, row in zip(SENTIMENT_LABELS, confusion):
        lines.append(label.ljust(18) + "".join(str(v).rjust(width) for v in row))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Baselines


def vader_predict(sentences: Sequence[str]) -> list[int]:
    """VADER compound score per sentence -> label index (>= 0.05 positive, <= -0.05 negative)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    labels = []
    for sentence in sentences:
        compound = analyzer.polarity_scores(sentence)["compound"]
        labels.append(2 if compound >= 0.05 else 0 if compound <= -0.05 else 1)
    return labels


LEXICON_NOTES = {
    "en": "VADER 3.3.2 compound score of the sentence (>= 0.05 positive, <= -0.05 negative); ignores the target",
    "es": "no Spanish sentiment lexicon available offline: VADER (English lexicon) on the Spanish text, a weak floor",
}


def evaluate_sentiment(
    examples: list,
    systems: dict[str, Callable[[list], list[int]]],
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict]:
    """Run each system (examples -> predicted label indices) and report on it; the order is kept."""
    gold = [example.label for example in examples]
    results = {}
    for name, system in systems.items():
        if progress:
            progress(f"scoring {len(examples)} targets with {name} ...")
        predicted = system(examples)
        results[name] = classification_report(gold, predicted)
    return results


# --------------------------------------------------------------------------------------------------
# Calibration


def fit_temperature(logits, labels) -> float:
    """The temperature T minimising the negative log-likelihood of softmax(logits / T) (Guo et al. 2017).

    One scalar: it changes how confident the probabilities are, never which label wins.
    """
    from scipy.optimize import minimize_scalar
    from scipy.special import log_softmax

    logits = np.asarray(logits, dtype=float)
    labels = np.asarray(labels, dtype=int)
    if not len(labels):
        return 1.0

    def nll(log_t: float) -> float:
        return float(-log_softmax(logits / np.exp(log_t), axis=1)[np.arange(len(labels)), labels].mean())

    best = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(best.x))
