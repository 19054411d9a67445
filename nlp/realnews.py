"""The realnews data: real U.S. coverage of Mexico and Mexican coverage of the U.S., labelled by annotators.

Two kinds of rows (see `../shared/data/realnews/README.md` and its PROTOCOL.md):
    sentences   one sentence of an article, the outlet's `target` country (MX for U.S. outlets, US for
                Mexican ones) and the sentence's `label` toward it: negative / neutral / positive / n/a
    passages    one article: a summary of 3-6 sentences, its codebook `frames` (1-3, most important
                first) and its `tone` toward the target (null where the two annotators differed)

Espejo scores *mentions*, so a sentence is read the way the pipeline reads it: the gazetteer finds
the mentions of the target country in it (`find_mentions`); a sentence where it finds none is one the
pipeline would not score at all ("not a mention"). A sentence's predicted label is the arg-max of the
mean probabilities over its mentions, as an article's stance is the mean over its mentions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from espejo.records import SENTIMENT_LABELS, Sentence

from .mentions import find_mentions, sentences_and_mentions

REALNEWS_LABELS = (*SENTIMENT_LABELS, "n/a")  # n/a: the sentence does not refer to the target country
NOT_A_MENTION = REALNEWS_LABELS.index("n/a")
REQUIRED_SENTENCE_FIELDS = ("id", "passage", "language", "target", "sentence", "label")
REQUIRED_PASSAGE_FIELDS = ("id", "language", "outlet_country", "summary", "frames")


class RealnewsFormatError(ValueError):
    """A realnews file has a row Espejo cannot read; the message names the file and line."""


@dataclass(frozen=True)
class RealnewsSentence:
    id: str
    passage: str
    language: str  # "en" | "es"
    target: str  # "MX" | "US"
    text: str
    label: int  # index into REALNEWS_LABELS
    mentions: tuple[tuple[int, int], ...]  # offsets of the target's mentions the gazetteer finds

    @property
    def direction(self) -> str:
        return "us->mx" if self.target == "MX" else "mx->us"


@dataclass(frozen=True)
class RealnewsPassage:
    id: str
    language: str
    outlet_country: str  # "US" | "MX"
    summary: str
    frames: tuple[str, ...]  # most important first
    tone: int | None  # index into SENTIMENT_LABELS; None where the annotators differed
    domain: str = ""

    @property
    def target(self) -> str:
        return "MX" if self.outlet_country == "US" else "US"


def _rows(path: str | Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict]]:
    path = Path(path)
    try:
        handle = open(path, encoding="utf-8")
    except OSError as error:
        raise RealnewsFormatError(f"{path}: cannot read ({error.strerror})") from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise RealnewsFormatError(f"{path}:{number}: not JSON ({error.msg})") from None
            if not isinstance(row, dict):
                raise RealnewsFormatError(f"{path}:{number}: expected a JSON object")
            if missing := [name for name in required if name not in row]:
                raise RealnewsFormatError(f"{path}:{number}: missing {', '.join(missing)} "
                                          f"(is this a realnews {('sentences' if 'sentence' in required else 'passages')} file?)")
            yield number, row


def target_mentions(text: str, language: str, target: str) -> tuple[tuple[int, int], ...]:
    """Offsets of the mentions of `target` that the pipeline would score in this one sentence."""
    sentences = [Sentence(index=0, start=0, end=len(text), text=text)]
    return tuple((m.start, m.end) for m in find_mentions(text, sentences, language) if m.target == target)


def read_sentences(path: str | Path) -> list[RealnewsSentence]:
    rows = []
    for number, row in _rows(path, REQUIRED_SENTENCE_FIELDS):
        label = str(row["label"])
        if label not in REALNEWS_LABELS:
            raise RealnewsFormatError(f"{path}:{number}: label {label!r}; expected one of {', '.join(REALNEWS_LABELS)}")
        if row["language"] not in ("en", "es") or row["target"] not in ("MX", "US"):
            raise RealnewsFormatError(f"{path}:{number}: language must be en/es and target MX/US, "
                                      f"got {row['language']!r}/{row['target']!r}")
        text = str(row["sentence"])
        rows.append(RealnewsSentence(
            id=str(row["id"]), passage=str(row["passage"]), language=row["language"], target=row["target"],
            text=text, label=REALNEWS_LABELS.index(label),
            mentions=target_mentions(text, row["language"], row["target"]),
        ))
    return rows


def read_passages(path: str | Path) -> list[RealnewsPassage]:
    rows = []
    for number, row in _rows(path, REQUIRED_PASSAGE_FIELDS):
        tone = row.get("tone")
        if tone is not None and tone not in SENTIMENT_LABELS:
            raise RealnewsFormatError(f"{path}:{number}: tone {tone!r}; expected one of {', '.join(SENTIMENT_LABELS)} or null")
        if row["outlet_country"] not in ("US", "MX"):
            raise RealnewsFormatError(f"{path}:{number}: outlet_country must be US or MX, got {row['outlet_country']!r}")
        frames = row["frames"]
        if not isinstance(frames, list) or not all(isinstance(f, str) for f in frames):
            raise RealnewsFormatError(f"{path}:{number}: frames must be a list of codebook keys")
        rows.append(RealnewsPassage(
            id=str(row["id"]), language=str(row["language"]), outlet_country=row["outlet_country"],
            summary=str(row["summary"]), frames=tuple(frames),
            tone=None if tone is None else SENTIMENT_LABELS.index(tone), domain=str(row.get("domain", "")),
        ))
    return rows


def passages_path_for(sentences_path: str | Path) -> Path:
    """`dev_sentences.jsonl` -> `dev_passages.jsonl` (the articles the sentences come from)."""
    path = Path(sentences_path)
    return path.with_name(path.name.replace("_sentences", "_passages"))


def dataset_name(path: str | Path) -> str:
    """`dev_sentences.jsonl` or `dev_passages.jsonl` -> `realnews-dev`: the name its figures are recorded under."""
    return "realnews-" + Path(path).name.split("_")[0]


def mention_items(sentences: list[RealnewsSentence]) -> tuple[list[tuple[str, int, int]], list[int]]:
    """Every scored mention as (sentence, start, end), and the index of the sentence it belongs to."""
    items, owners = [], []
    for number, sentence in enumerate(sentences):
        for start, end in sentence.mentions:
            items.append((sentence.text, start, end))
            owners.append(number)
    return items, owners


def sentence_probabilities(sentences: list[RealnewsSentence], mention_probabilities) -> list:
    """Per sentence the mean of its mentions' probabilities ([3] array), or None where it has no mention."""
    import numpy as np

    _, owners = mention_items(sentences)
    sums = [None] * len(sentences)
    counts = [0] * len(sentences)
    for owner, row in zip(owners, np.asarray(mention_probabilities, dtype=float), strict=True):
        sums[owner] = row if sums[owner] is None else sums[owner] + row
        counts[owner] += 1
    return [None if s is None else s / c for s, c in zip(sums, counts)]


def predicted_labels(probabilities: list) -> list[int]:
    """Arg-max per sentence; a sentence without a scored mention is predicted n/a."""
    import numpy as np

    return [NOT_A_MENTION if p is None else int(np.argmax(p)) for p in probabilities]


# --------------------------------------------------------------------------------------------------
# Measuring a sentiment scorer on realnews: sentence labels, article stance vs annotated tone, calibration


def _f1_table(gold: list[int], predicted: list[int]) -> dict:
    """Macro-F1 over the three sentiment labels, with n/a a fourth row and column of the confusion matrix.

    A sentence the pipeline would not score (no mention found) is predicted n/a, which costs recall; an
    n/a sentence given a sentiment costs precision. Accuracy counts all four labels.
    """
    k = len(REALNEWS_LABELS)
    confusion = [[0] * k for _ in range(k)]
    for g, p in zip(gold, predicted, strict=True):
        confusion[g][p] += 1
    per_label, f1s = {}, []
    for i, label in enumerate(REALNEWS_LABELS):
        tp = confusion[i][i]
        predicted_i = sum(row[i] for row in confusion)
        support = sum(confusion[i])
        precision = tp / predicted_i if predicted_i else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
        if label != "n/a":
            f1s.append(f1)
    n = len(gold)
    return {"n": n, "macro_f1": sum(f1s) / len(f1s) if n else 0.0,
            "accuracy": sum(confusion[i][i] for i in range(k)) / n if n else 0.0,
            "per_label": per_label, "confusion": confusion}


def expected_calibration_error(probabilities: list, gold: list[int], bins: int = 10) -> float:
    """ECE of the arg-max confidence over equal-width bins (sentences with a prediction and a sentiment label)."""
    import numpy as np

    pairs = [(p, g) for p, g in zip(probabilities, gold) if p is not None and g != NOT_A_MENTION]
    if not pairs:
        return 0.0
    confidence = np.array([float(np.max(p)) for p, _ in pairs])
    correct = np.array([int(np.argmax(p)) == g for p, g in pairs], dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        chosen = which == b
        if chosen.any():
            total += chosen.sum() / len(pairs) * abs(confidence[chosen].mean() - correct[chosen].mean())
    return float(total)


def article_stances(sentences: list[RealnewsSentence], mention_probabilities, passages: list[RealnewsPassage],
                    summary_probabilities: dict[str, list] | None = None) -> dict[str, float | None]:
    """Per passage: mean over its mentions of P(positive) - P(negative), as the pipeline computes stance.

    The mentions are those of its labelled sentences and, when `summary_probabilities` (passage id -> the
    mention probabilities of its summary) is given, of its summary too: all the text we have of the article.
    """
    import numpy as np

    _, owners = mention_items(sentences)
    values: dict[str, list[float]] = {p.id: [] for p in passages}
    for owner, row in zip(owners, np.asarray(mention_probabilities, dtype=float), strict=True):
        values.setdefault(sentences[owner].passage, []).append(row[2] - row[0])
    for passage_id, rows in (summary_probabilities or {}).items():
        values.setdefault(passage_id, []).extend(float(r[2] - r[0]) for r in rows)
    return {p.id: (float(np.mean(values[p.id])) if values[p.id] else None) for p in passages}


def stance_correlation(stances: dict[str, float | None], passages: list[RealnewsPassage]) -> dict:
    """Spearman's rho between article stance and annotated tone (negative < neutral < positive).

    Passages without an agreed tone are left out; an article without any scored mention has stance 0
    (the pipeline would show it as unscored; here it counts as "no portrayal found").
    """
    from scipy.stats import spearmanr

    pairs = [(stances.get(p.id) or 0.0, p.tone) for p in passages if p.tone is not None]
    if len(pairs) < 3:
        return {"spearman": None, "p_value": None, "n": len(pairs)}
    result = spearmanr([s for s, _ in pairs], [t for _, t in pairs])
    return {"spearman": float(result.statistic), "p_value": float(result.pvalue), "n": len(pairs)}


def summary_items(passage: RealnewsPassage) -> list[tuple[str, int, int]]:
    """The target's mentions in a passage's summary, as (sentence, start, end) like the pipeline scores them."""
    summary_sentences, mentions = sentences_and_mentions(passage.summary, passage.language)
    items = []
    for mention in mentions:
        if mention.target == passage.target:
            sentence = summary_sentences[mention.sentence_index]
            items.append((sentence.text, mention.start - sentence.start, mention.end - sentence.start))
    return items


def evaluate_sentiment(sentences: list[RealnewsSentence], passages: list[RealnewsPassage], systems: dict,
                       progress=None) -> dict[str, dict]:
    """Each system on the realnews sentences (labels) and passages (stance vs tone), overall and per language.

    `systems`: name -> (model version, function from a list of `MentionInput` to an [n, 3] array of
    probabilities in SENTIMENT_LABELS order). Every system scores the same mentions.
    """
    import numpy as np

    from .scoring import MentionInput

    items, owners = mention_items(sentences)
    inputs = [MentionInput(text, start, end, sentences[o].target, sentences[o].language)
              for (text, start, end), o in zip(items, owners)]
    summaries = {p.id: summary_items(p) for p in passages}
    by_id = {p.id: p for p in passages}
    inputs += [MentionInput(text, start, end, by_id[pid].target, by_id[pid].language)
               for pid, rows in summaries.items() for text, start, end in rows]
    results = {}
    for name, (version, predict) in systems.items():
        if progress:
            progress(f"{name} ({version}): {len(items)} mentions in {len(sentences)} sentences, "
                     f"{len(inputs) - len(items)} in {len(passages)} article summaries")
        probabilities = np.asarray(predict(inputs), dtype=float).reshape(-1, len(SENTIMENT_LABELS))
        results[name] = _report(version, sentences, passages, summaries, probabilities)
    return results


def _report(version, sentences, passages, summaries, probabilities) -> dict:
    items, _ = mention_items(sentences)
    sentence_part, summary_part = probabilities[: len(items)], probabilities[len(items):]
    per_summary, offset = {}, 0
    for passage_id, rows in summaries.items():
        per_summary[passage_id] = summary_part[offset: offset + len(rows)]
        offset += len(rows)
    by_sentence = sentence_probabilities(sentences, sentence_part)
    predicted = predicted_labels(by_sentence)
    gold = [s.label for s in sentences]
    stances = article_stances(sentences, sentence_part, passages, per_summary)
    report = {"model_version": version, **_f1_table(gold, predicted),
              "ece": expected_calibration_error(by_sentence, gold),
              "stance": stance_correlation(stances, passages), "per_language": {},
              "predicted_share": {label: predicted.count(i) / len(predicted) for i, label in enumerate(REALNEWS_LABELS)}}
    for language in sorted({s.language for s in sentences}):
        chosen = [i for i, s in enumerate(sentences) if s.language == language]
        report["per_language"][language] = {
            "direction": sentences[chosen[0]].direction,
            **_f1_table([gold[i] for i in chosen], [predicted[i] for i in chosen]),
            "ece": expected_calibration_error([by_sentence[i] for i in chosen], [gold[i] for i in chosen]),
            "stance": stance_correlation(stances, [p for p in passages if p.language == language]),
        }
    return report


def quality_rows(report: dict, dataset: str = "realnews-dev") -> list[dict]:
    """A system's report as `espejo/quality.py` rows: macro-F1 (sentences) and stance rho (articles) per direction."""
    rows = []
    for language, part in report["per_language"].items():
        common = {"component": "sentiment", "dataset": dataset, "direction": part["direction"], "language": language}
        rows.append({**common, "metric": "macro_f1", "value": round(part["macro_f1"], 4), "n": part["n"],
                     "unit": "sentences"})
        if part["stance"]["spearman"] is not None:
            rows.append({**common, "metric": "stance_spearman", "value": round(part["stance"]["spearman"], 4),
                         "n": part["stance"]["n"], "unit": "articles"})
        rows.append({**common, "metric": "ece", "value": round(part["ece"], 4), "n": part["n"], "unit": "sentences"})
    return rows


def format_report(name: str, report: dict) -> str:
    """Plain-text summary of one system: per language macro-F1, accuracy, stance rho, ECE; the confusion matrix."""
    lines = [f"{name} ({report['model_version']})"]
    for language, part in report["per_language"].items():
        stance = part["stance"]
        rho = "n/a" if stance["spearman"] is None else f"{stance['spearman']:.3f}"
        lines.append(f"  {language} {part['direction']}: macro-F1 {part['macro_f1']:.3f}  accuracy {part['accuracy']:.3f}  "
                     f"n {part['n']} sentences | stance vs tone Spearman {rho} (n {stance['n']} articles) | "
                     f"ECE {part['ece']:.3f}")
    shares = ", ".join(f"{label} {share:.0%}" for label, share in report["predicted_share"].items())
    lines.append(f"  predicted: {shares}")
    width = 10
    lines.append("  gold \\ predicted".ljust(20) + "".join(label.rjust(width) for label in REALNEWS_LABELS))
    for label, row in zip(REALNEWS_LABELS, report["confusion"]):
        lines.append(f"  {label}".ljust(20) + "".join(str(v).rjust(width) for v in row))
    return "\n".join(lines)
