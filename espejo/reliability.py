"""How far the researchers' own coders agree with each other, and the model with them: pure statistics.

The codings store (`espejo.warehouse.codings`) hands this module plain lists and data frames; it answers
with plain dicts that `json.dumps` takes as they are (floats rounded to 4 places, undefined values None),
so the CLI can print them and the dashboard can show them without knowing any statistics.

- Inter-coder reliability is Krippendorff's alpha at the nominal level (the `krippendorff` package), with a
  percentile bootstrap interval over units (items).
- The model is compared with the coders' majority: accuracy, macro-F1, per-label precision/recall/F1 and
  the confusion matrix (rows: the coders' majority, columns: the model), with percentile bootstrap
  intervals over items.
- Articles add one alpha per frame (each coder chose the frame or not), frame F1 of the model's leading
  frames against the frames a strict majority of the item's coders chose, the model's tone (from its
  stance) against the coders' tone, and the Spearman correlation of the stance with that tone.

Every bootstrap draws from a numpy Generator seeded by the caller, so a report is reproducible.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence

import krippendorff
import numpy as np
import pandas as pd
from scipy import stats

TONES: tuple[str, ...] = ("negative", "neutral", "positive")
NOT_ABOUT_THE_COUNTRY = "n/a"  # a coder's verdict that the mention is not about the other country at all
DIRECTIONS: tuple[str, ...] = ("us->mx", "mx->us")
LANGUAGES: tuple[str, ...] = ("en", "es")
ROLES: tuple[str, ...] = ("train", "holdout")
STANCE_THRESHOLD = 1 / 3  # |stance| above it reads as a negative or positive tone, as in the codings' strata
TONE_SCORES = {"negative": -1, "neutral": 0, "positive": 1}
PRESENT, ABSENT = "present", "absent"
DIGITS = 4


def alpha_nominal(units: Mapping[Hashable, Sequence[str]]) -> float:
    """Krippendorff's alpha (nominal) of `units` ({item id: the labels its coders gave}).

    A unit with fewer than two labels cannot be paired and is dropped. The result is nan, never an error,
    when fewer than two units remain or when they hold a single value (alpha is undefined then)."""
    matrix, n_values = _reliability_matrix(units)
    return _alpha_of_matrix(matrix, n_values)


def alpha_with_interval(units: Mapping[Hashable, Sequence[str]], *, n_boot: int = 1000, seed: int = 0,
                        level: float = 0.95) -> dict:
    """{"alpha", "low", "high", "units", "codings"}: `alpha_nominal(units)` with a percentile bootstrap
    interval at `level`, resampling the pairable units with replacement (replicates where alpha is
    undefined are skipped). "units" and "codings" count the pairable units and their labels, the ones
    alpha is computed from. Undefined figures are None."""
    matrix, n_values = _reliability_matrix(units)
    alpha = _alpha_of_matrix(matrix, n_values)
    low = high = math.nan
    n_units = matrix.shape[1]
    if not math.isnan(alpha) and n_boot > 0:
        value_counts = np.stack([(matrix == value).sum(axis=0) for value in range(n_values)], axis=1)
        rng = np.random.default_rng(seed)
        replicates = []
        for _ in range(n_boot):
            picked = rng.integers(0, n_units, size=n_units)
            # a replicate holding one value only has no alpha: skip it without asking the package
            if np.count_nonzero(value_counts[picked].sum(axis=0)) >= 2:
                replicates.append(_krippendorff(matrix[:, picked], n_values))
        low, high = _percentile_interval(replicates, level)
    return _jsonable({"alpha": alpha, "low": low, "high": high, "units": n_units,
                      "codings": int(np.count_nonzero(~np.isnan(matrix)))})


def majority(labels: Iterable[str]) -> str | None:
    """The label given more often than any other (a strict plurality); None on a tie or with no labels.
    A single coding is its own majority."""
    ranked = Counter(labels).most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def tone_from_stance(stance: float) -> str:
    """The tone an article's stance (-1..1) reads as: below -1/3 negative, above 1/3 positive, else neutral."""
    if stance < -STANCE_THRESHOLD:
        return "negative"
    if stance > STANCE_THRESHOLD:
        return "positive"
    return "neutral"


def agreement(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str], *, n_boot: int = 1000,
              seed: int = 0, level: float = 0.95) -> dict:
    """The model (`predicted`) against the coders (`truth`), item by item.

    {"n", "accuracy", "accuracy_low", "accuracy_high", "macro_f1", "macro_f1_low", "macro_f1_high",
     "per_label": {label: {"precision", "recall", "f1", "support"}},
     "confusion": {"labels": [...], "matrix": [[...]]}}   # rows: truth, columns: predicted, in `labels` order

    Macro-F1 averages the F1 of the labels that appear in `truth` or in `predicted`: a label nobody used
    says nothing about the model and would drag the average to zero. Per label, precision is None when the
    model never predicted it, recall None when the coders never gave it, F1 None when neither happened.
    Intervals: percentile bootstrap at `level` over items. Every label must be one of `labels`."""
    labels = list(dict.fromkeys(labels))
    if len(truth) != len(predicted):
        raise ValueError(f"truth has {len(truth)} labels but predicted has {len(predicted)}")
    index = {label: number for number, label in enumerate(labels)}
    if unknown := sorted({str(label) for label in (*truth, *predicted) if label not in index}):
        raise ValueError(f"unknown labels {unknown} (expected one of {labels})")
    k, n = len(labels), len(truth)
    cells = np.array([index[t] * k + index[p] for t, p in zip(truth, predicted)], dtype=np.int64)
    confusion = np.bincount(cells, minlength=k * k).reshape(k, k)
    accuracy, macro_f1 = (x[0] for x in _accuracy_and_macro_f1(confusion.reshape(1, k * k), k))
    intervals = {"accuracy": (math.nan, math.nan), "macro_f1": (math.nan, math.nan)}
    if n and n_boot > 0:
        # bootstrap by item weights: a replicate's confusion matrix is its weights times the one-hot cells
        weights = _bootstrap_weights(n, n_boot, seed)
        one_hot = np.zeros((n, k * k))
        one_hot[np.arange(n), cells] = 1
        boot_accuracy, boot_f1 = _accuracy_and_macro_f1(weights @ one_hot, k)
        intervals = {"accuracy": _percentile_interval(boot_accuracy, level),
                     "macro_f1": _percentile_interval(boot_f1, level)}
    true_positives = np.diag(confusion)
    per_label = {label: _precision_recall_f1(true_positives[i], confusion[:, i].sum(), confusion[i].sum())
                 for i, label in enumerate(labels)}
    return _jsonable({
        "n": n,
        "accuracy": accuracy, "accuracy_low": intervals["accuracy"][0], "accuracy_high": intervals["accuracy"][1],
        "macro_f1": macro_f1, "macro_f1_low": intervals["macro_f1"][0], "macro_f1_high": intervals["macro_f1"][1],
        "per_label": per_label,
        "confusion": {"labels": labels, "matrix": confusion.tolist()},
    })


def mention_report(items: pd.DataFrame, codings: pd.DataFrame, predicted: Mapping[Hashable, str],
                   roles: Mapping[Hashable, str] | None = None, *, n_boot: int = 1000, seed: int = 0) -> dict:
    """Reliability and model agreement on the mentions of a sample.

    `items`: item_id, direction, language (one row per sampled mention); `codings`: item_id, coder, label
    (negative | neutral | positive | n/a; rows of items not in `items` are ignored); `predicted`: {item id:
    the model's label}; `roles`: {item id: "train" | "holdout"} for coded items the model was trained with.

    {"items", "coded_items", "coders": {coder: codings},
     "alpha": {"all", "us->mx", "mx->us", "en", "es", any other direction or language: alpha_with_interval},
     "majority": {"items": coded items, "negative", "neutral", "positive", "n/a", "no_majority": counts},
     "model": {the same keys as "alpha", and with `roles` "train" and "holdout": agreement(...)}}

    Alpha counts n/a as a label like any other. The model is compared on the items whose coders' majority
    is a tone and that the model scored: n/a means the model's mention was not about the country at all,
    so no tone was right; an item whose coders tie has no answer to compare with."""
    items, codings = _restrict(items, codings)
    labels_by_item = _labels_by_item(codings)
    majorities = {item: majority(labels) for item, labels in labels_by_item.items()}
    groups = _groups(items)
    compared = sorted((item for item, label in majorities.items()
                       if label in TONES and predicted.get(item) in TONES), key=str)
    model_groups = dict(groups) | _role_groups(roles, items)
    return _jsonable({
        "items": len(items),
        "coded_items": len(labels_by_item),
        "coders": _coder_counts(codings),
        "alpha": {name: alpha_with_interval({item: labels_by_item[item] for item in members
                                             if item in labels_by_item}, n_boot=n_boot, seed=seed)
                  for name, members in groups.items()},
        "majority": {"items": len(majorities),
                     **{label: sum(1 for m in majorities.values() if m == label)
                        for label in (*TONES, NOT_ABOUT_THE_COUNTRY)},
                     "no_majority": sum(1 for m in majorities.values() if m is None)},
        "model": {name: _agreement_on(_among(compared, members), majorities, predicted, n_boot=n_boot, seed=seed)
                  for name, members in model_groups.items()},
    })


def article_report(items: pd.DataFrame, codings: pd.DataFrame, predicted_frames: Mapping[Hashable, Sequence[str]],
                   stance: Mapping[Hashable, float], frame_keys: Sequence[str],
                   roles: Mapping[Hashable, str] | None = None, *, n_boot: int = 1000, seed: int = 0) -> dict:
    """Reliability and model agreement on the articles of a sample.

    `items`: item_id, direction, language; `codings`: item_id, coder, label (the tone), frames (the 1-3 frame
    keys the coder chose); `predicted_frames`: {item id: the model's leading frames}; `stance`: {item id:
    the model's stance, -1..1}; `frame_keys`: the codebook's keys, in the order to report them.

    {"items", "coded_items", "coders",
     "tone_alpha": alpha_with_interval of the coders' tones,
     "frame_alpha": {frame: alpha_with_interval of present/absent per coder}, for the frames anyone chose,
     "frames": {"n", "no_majority", "micro_f1" (+ _low/_high), "macro_f1" (+ _low/_high),
                "per_frame": {frame: {"precision", "recall", "f1", "support"}}},
     "tone": agreement(coders' majority tone, tone_from_stance(stance)),
     "stance_spearman": {"rho", "p", "n"},
     "by_group": {"us->mx", "mx->us", "en", "es", any other, and with `roles` "train" and "holdout":
                  {"items", "tone_alpha", "frames", "tone", "stance_spearman"}}}

    Frame F1 compares, per article the model scored, the model's leading frames with the frames chosen by
    more than half of the article's coders; articles where no frame reached a majority have no answer to
    compare with and are counted in "no_majority". Macro-F1 averages the frames that appear on either side
    (as `agreement` does). The tone comparison and the Spearman correlation (tone coded -1/0/+1; None
    with fewer than 3 articles or a constant side) use the articles with a majority tone and a stance."""
    items, codings = _restrict(items, codings)
    tones_by_item = _labels_by_item(codings)
    frames_by_item = _frames_by_item(codings)
    chosen = {frame for choices in frames_by_item.values() for coder_frames in choices for frame in coder_frames}
    frames = [key for key in frame_keys if key in chosen] + sorted(chosen - set(frame_keys))

    def model_figures(members: Iterable[Hashable]) -> dict:
        members = [item for item in members if item in tones_by_item]
        return {
            "frames": _frame_scores(members, frames_by_item, predicted_frames, frame_keys,
                                    n_boot=n_boot, seed=seed),
            "tone": _tone_agreement(members, tones_by_item, stance, n_boot=n_boot, seed=seed),
            "stance_spearman": _stance_spearman(members, tones_by_item, stance),
        }

    groups = _groups(items)
    parts = {name: members for name, members in groups.items() if name != "all"} | _role_groups(roles, items)
    by_group = {name: {"items": len(members),
                       "tone_alpha": alpha_with_interval({item: tones_by_item[item] for item in members
                                                          if item in tones_by_item}, n_boot=n_boot, seed=seed),
                       **model_figures(members)}
                for name, members in parts.items()}
    return _jsonable({
        "items": len(items),
        "coded_items": len(tones_by_item),
        "coders": _coder_counts(codings),
        "tone_alpha": alpha_with_interval(tones_by_item, n_boot=n_boot, seed=seed),
        "frame_alpha": {frame: alpha_with_interval(
                            {item: [PRESENT if frame in coder_frames else ABSENT for coder_frames in choices]
                             for item, choices in frames_by_item.items()}, n_boot=n_boot, seed=seed)
                        for frame in frames},
        **model_figures(groups["all"]),
        "by_group": by_group,
    })


# --- helpers -------------------------------------------------------------------------------------------------

def _reliability_matrix(units: Mapping[Hashable, Sequence[str]]) -> tuple[np.ndarray, int]:
    """The pairable units as a coders x units matrix of integer codes (nan where a unit has fewer labels):
    alpha depends only on each unit's labels, not on who gave them. Also the number of distinct values.
    Units go in item id order, so a bootstrap does not depend on the order the codings came in."""
    pairable = [[label for label in units[unit] if label is not None] for unit in sorted(units, key=str)]
    pairable = [labels for labels in pairable if len(labels) >= 2]
    values = sorted({label for labels in pairable for label in labels})
    code = {value: number for number, value in enumerate(values)}
    matrix = np.full((max((len(labels) for labels in pairable), default=0), len(pairable)), np.nan)
    for column, labels in enumerate(pairable):
        matrix[:len(labels), column] = [code[label] for label in labels]
    return matrix, len(values)


def _alpha_of_matrix(matrix: np.ndarray, n_values: int) -> float:
    if matrix.shape[1] < 2 or n_values < 2:
        return math.nan
    return _krippendorff(matrix, n_values)


def _krippendorff(matrix: np.ndarray, n_values: int) -> float:
    return float(krippendorff.alpha(reliability_data=matrix, value_domain=list(range(n_values)),
                                    level_of_measurement="nominal"))


def _bootstrap_weights(n: int, n_boot: int, seed: int) -> np.ndarray:
    """n_boot x n: how many times each item is drawn in each replicate (n draws with replacement)."""
    rng = np.random.default_rng(seed)
    picked = rng.integers(0, n, size=(n_boot, n))
    weights = np.zeros((n_boot, n))
    np.add.at(weights, (np.repeat(np.arange(n_boot), n), picked.ravel()), 1)
    return weights


def _percentile_interval(replicates: Sequence[float] | np.ndarray, level: float) -> tuple[float, float]:
    replicates = np.asarray(replicates, dtype=float)
    replicates = replicates[~np.isnan(replicates)]
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1, not {level}")
    if replicates.size == 0:
        return math.nan, math.nan
    low, high = np.quantile(replicates, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def _f1_per_label(true_positives, predicted_counts, true_counts):
    """2TP / (2TP + FP + FN), nan where the label appears on neither side (the denominator is 0)."""
    denominator = predicted_counts + true_counts  # (TP + FP) + (TP + FN)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, 2 * true_positives / np.where(denominator > 0, denominator, 1), np.nan)


def _accuracy_and_macro_f1(confusions: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """For each row (a flattened k x k confusion matrix): accuracy and macro-F1 over the labels present."""
    matrices = confusions.reshape(-1, k, k)
    totals = matrices.sum(axis=(1, 2))
    true_positives = np.einsum("bii->bi", matrices)
    f1 = _f1_per_label(true_positives, matrices.sum(axis=1), matrices.sum(axis=2))
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.where(totals > 0, true_positives.sum(axis=1) / np.where(totals > 0, totals, 1), np.nan)
    return accuracy, _macro(f1)


def _macro(f1: np.ndarray) -> np.ndarray:
    """Row means of F1 over the labels present (not nan); nan for a row with none."""
    present = ~np.isnan(f1)
    return np.where(present.any(axis=1),
                    np.where(present, f1, 0).sum(axis=1) / np.maximum(present.sum(axis=1), 1), np.nan)


def _precision_recall_f1(true_positives, predicted_count, support) -> dict:
    return {
        "precision": true_positives / predicted_count if predicted_count else None,
        "recall": true_positives / support if support else None,
        "f1": float(_f1_per_label(np.float64(true_positives), predicted_count, support)),
        "support": int(support),
    }


def _restrict(items: pd.DataFrame, codings: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The codings of these items only (a caller may hand every coding of the sample)."""
    return items, codings[codings["item_id"].isin(set(items["item_id"]))]


def _labels_by_item(codings: pd.DataFrame) -> dict[Hashable, list[str]]:
    labels: dict[Hashable, list[str]] = {}
    for item, label in zip(codings["item_id"], codings["label"]):
        if isinstance(label, str):
            labels.setdefault(item, []).append(label)
    return labels


def _frames_by_item(codings: pd.DataFrame) -> dict[Hashable, list[set[str]]]:
    """{item: one set of frames per coder of the item}."""
    frames: dict[Hashable, list[set[str]]] = {}
    for item, chosen in zip(codings["item_id"], codings["frames"]):
        frames.setdefault(item, []).append(set(_frame_list(chosen)))
    return frames


def _frame_list(value) -> list[str]:
    """Frames as DuckDB (a numpy array), a list, a CSV cell ("a;b") or nothing hand them over."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return [str(frame) for frame in value]


def _coder_counts(codings: pd.DataFrame) -> dict[str, int]:
    return {str(coder): int(count) for coder, count in sorted(Counter(codings["coder"]).items())}


def _groups(items: pd.DataFrame) -> dict[str, list[Hashable]]:
    """"all", then each direction and each language (the two of each that Espejo knows always, empty or not,
    and any other value that appears)."""
    groups = {"all": sorted(items["item_id"], key=str)}
    for column, known in (("direction", DIRECTIONS), ("language", LANGUAGES)):
        seen = {value for value in items[column] if isinstance(value, str)}
        for value in [*known, *sorted(seen - set(known))]:
            groups[value] = sorted(items.loc[items[column] == value, "item_id"], key=str)
    return groups


def _among(ordered: Sequence[Hashable], members: Iterable[Hashable]) -> list[Hashable]:
    members = set(members)
    return [item for item in ordered if item in members]


def _role_groups(roles: Mapping[Hashable, str] | None, items: pd.DataFrame) -> dict[str, list[Hashable]]:
    """{"train": [...], "holdout": [...]} among `items` (the roles may cover the sample's other kind too)."""
    if roles is None:
        return {}
    return {role: sorted((item for item in items["item_id"] if roles.get(item) == role), key=str) for role in ROLES}


def _agreement_on(members: Sequence[Hashable], truth: Mapping[Hashable, str], predicted: Mapping[Hashable, str],
                  *, n_boot: int, seed: int) -> dict:
    return agreement([truth[item] for item in members], [predicted[item] for item in members], TONES,
                     n_boot=n_boot, seed=seed)


def _scored_stance(item: Hashable, stance: Mapping[Hashable, float]) -> float | None:
    value = stance.get(item)
    return None if value is None or pd.isna(value) or not math.isfinite(float(value)) else float(value)


def _tone_pairs(members: Iterable[Hashable], tones_by_item: Mapping[Hashable, list[str]],
                stance: Mapping[Hashable, float]) -> list[tuple[str, float]]:
    pairs = []
    for item in members:
        tone, value = majority(tones_by_item.get(item, [])), _scored_stance(item, stance)
        if tone in TONES and value is not None:
            pairs.append((tone, value))
    return pairs


def _tone_agreement(members, tones_by_item, stance, *, n_boot: int, seed: int) -> dict:
    pairs = _tone_pairs(members, tones_by_item, stance)
    return agreement([tone for tone, _ in pairs], [tone_from_stance(value) for _, value in pairs], TONES,
                     n_boot=n_boot, seed=seed)


def _stance_spearman(members, tones_by_item, stance) -> dict:
    pairs = _tone_pairs(members, tones_by_item, stance)
    tones = [TONE_SCORES[tone] for tone, _ in pairs]
    stances = [value for _, value in pairs]
    if len(pairs) < 3 or len(set(tones)) < 2 or len(set(stances)) < 2:
        return {"rho": None, "p": None, "n": len(pairs)}
    result = stats.spearmanr(stances, tones)
    return {"rho": float(result.statistic), "p": float(result.pvalue), "n": len(pairs)}


def _frame_scores(members, frames_by_item, predicted_frames, frame_keys, *, n_boot: int, seed: int) -> dict:
    """Multi-label F1 of the model's leading frames against the coders' majority frames."""
    compared, no_majority = [], 0
    for item in members:
        if item not in predicted_frames or item not in frames_by_item:
            continue
        choices = frames_by_item[item]
        agreed = {frame for frame in set().union(*choices)
                  if sum(frame in coder_frames for coder_frames in choices) * 2 > len(choices)}
        if agreed:
            compared.append((agreed, set(_frame_list(predicted_frames[item]))))
        else:
            no_majority += 1
    keys = list(dict.fromkeys([*frame_keys, *sorted({f for pair in compared for side in pair for f in side}
                                                     - set(frame_keys))]))
    truth = np.array([[key in agreed for key in keys] for agreed, _ in compared], dtype=float).reshape(-1, len(keys))
    model = np.array([[key in said for key in keys] for _, said in compared], dtype=float).reshape(-1, len(keys))
    counts = np.stack([truth * model, (1 - truth) * model, truth * (1 - model)])  # TP, FP, FN per item x frame

    def micro_and_macro(tp, fp, fn):  # arrays: replicates x frames
        micro_denominator = (2 * tp + fp + fn).sum(axis=1)
        micro = np.where(micro_denominator > 0, 2 * tp.sum(axis=1) / np.maximum(micro_denominator, 1), np.nan)
        return micro, _macro(_f1_per_label(tp, tp + fp, tp + fn))

    tp, fp, fn = (side.sum(axis=0, keepdims=True) for side in counts)
    micro, macro = (x[0] for x in micro_and_macro(tp, fp, fn))
    intervals = {"micro": (math.nan, math.nan), "macro": (math.nan, math.nan)}
    if compared and n_boot > 0:
        weights = _bootstrap_weights(len(compared), n_boot, seed)
        boot_micro, boot_macro = micro_and_macro(*(weights @ side for side in counts))
        intervals = {"micro": _percentile_interval(boot_micro, 0.95), "macro": _percentile_interval(boot_macro, 0.95)}
    per_frame = {}
    for column, key in enumerate(keys):
        found, said, given = tp[0, column], tp[0, column] + fp[0, column], tp[0, column] + fn[0, column]
        if said or given:
            per_frame[key] = _precision_recall_f1(found, said, given)
    return {
        "n": len(compared), "no_majority": no_majority,
        "micro_f1": micro, "micro_f1_low": intervals["micro"][0], "micro_f1_high": intervals["micro"][1],
        "macro_f1": macro, "macro_f1_low": intervals["macro"][0], "macro_f1_high": intervals["macro"][1],
        "per_frame": per_frame,
    }


def _jsonable(value):
    """Rounded plain Python: floats to DIGITS places, nan and inf to None, numpy scalars unwrapped."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return round(float(value), DIGITS) if math.isfinite(value) else None
    return value
