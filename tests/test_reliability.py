"""espejo.reliability against figures worked out by hand: Krippendorff's alpha from coincidence matrices,
precision/recall/F1 from confusion matrices, and the reports' splits by direction, language and role.

Nominal alpha, as computed by hand below: every pairable unit u with m_u labels adds, for each ordered pair of
its labels (c, k) from two different coders, 1/(m_u - 1) to the coincidence o_ck. With n_c = sum_k o_ck and
n = sum_c n_c (the pairable labels),

    alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k,   sum_{c != k} n_c n_k = n^2 - sum_c n_c^2.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from espejo.reliability import (
    agreement,
    alpha_nominal,
    alpha_with_interval,
    article_report,
    majority,
    mention_report,
    tone_from_stance,
)

FAST = 200  # bootstrap replicates where the interval itself is not under test


def test_alpha_two_coders_binary_textbook_example():
    # Krippendorff's two-observer binary example (ten units):
    #   coder A: 0 1 0 0 0 0 0 0 1 0
    #   coder B: 1 1 1 0 0 1 0 0 0 0
    # agreeing units: five on 0 (o_00 = 5 * 2 = 10), one on 1 (o_11 = 2); units 1, 3, 6 and 9 disagree
    # (o_01 = o_10 = 4). n_0 = 14, n_1 = 6, n = 20.
    # alpha = 1 - 19 * 8 / (400 - 196 - 36) = 1 - 152/168 = 0.095238
    coder_a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    coder_b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    name = {0: "neutral", 1: "positive"}
    units = {f"u{i}": [name[a], name[b]] for i, (a, b) in enumerate(zip(coder_a, coder_b))}
    assert alpha_nominal(units) == pytest.approx(1 - 152 / 168)
    assert alpha_with_interval(units, n_boot=FAST)["alpha"] == 0.0952


def test_alpha_three_values_varying_coders_and_an_unpairable_unit():
    # u1 a a a: o_aa += 3 * 2 / 2 = 3
    # u2 a b:   o_ab += 1, o_ba += 1
    # u3 b b:   o_bb += 2
    # u4 a a b: (a,a) pairs 2/2 -> o_aa += 1; (a,b) 2/2 -> o_ab += 1; (b,a) -> o_ba += 1
    # u5 b:     one label, not pairable: dropped
    # u6 c c:   o_cc += 2
    # n_a = 6, n_b = 4, n_c = 2, n = 12; disagreements sum_{c != k} o_ck = 4
    # alpha = 1 - 11 * 4 / (144 - 36 - 16 - 4) = 1 - 44/88 = 0.5
    units = {"u1": ["a", "a", "a"], "u2": ["a", "b"], "u3": ["b", "b"], "u4": ["a", "a", "b"], "u5": ["b"],
             "u6": ["c", "c"]}
    assert alpha_nominal(units) == pytest.approx(0.5)
    without_single = {unit: labels for unit, labels in units.items() if unit != "u5"}
    assert alpha_nominal(without_single) == pytest.approx(0.5)
    result = alpha_with_interval(units, n_boot=FAST)
    assert (result["alpha"], result["units"], result["codings"]) == (0.5, 5, 12)


def test_alpha_agrees_with_krippendorffs_four_coder_example():
    # The package's and Krippendorff's reference data (four coders, missing values): nominal alpha 0.743.
    rows = ["1 2 3 3 2 1 4 1 2 . . .", "1 2 3 3 2 2 4 1 2 5 . 3", ". 3 3 3 2 3 4 2 2 5 1 .",
            "1 2 3 3 2 4 4 1 2 5 1 ."]
    cells = [row.split() for row in rows]
    units = {unit: [coder[unit] for coder in cells if coder[unit] != "."] for unit in range(12)}
    assert alpha_nominal(units) == pytest.approx(0.743, abs=5e-4)


@pytest.mark.parametrize("units", [
    {},
    {"u1": ["negative", "positive"]},                          # one pairable unit
    {"u1": ["negative", "positive"], "u2": ["neutral"]},       # ... the other one unpairable
    {"u1": ["neutral", "neutral"], "u2": ["neutral", "neutral", "neutral"]},  # one value only
    {"u1": ["n/a", "n/a"], "u2": ["n/a", "n/a"], "u3": ["n/a"]},
])
def test_alpha_undefined_is_nan_and_none_never_an_error(units):
    assert math.isnan(alpha_nominal(units))
    result = alpha_with_interval(units, n_boot=FAST)
    assert (result["alpha"], result["low"], result["high"]) == (None, None, None)


def test_alpha_interval_brackets_the_estimate_and_is_reproducible():
    units = {f"u{i}": labels for i, labels in enumerate(
        [["negative", "negative"], ["neutral", "neutral"], ["positive", "positive"], ["negative", "neutral"],
         ["positive", "positive", "neutral"], ["neutral", "neutral"], ["negative", "negative"],
         ["positive", "neutral"], ["negative", "negative", "negative"], ["neutral", "positive"]] * 3)}
    first = alpha_with_interval(units, n_boot=500, seed=7)
    assert first["low"] <= first["alpha"] <= first["high"]
    assert first["low"] < first["high"]
    assert alpha_with_interval(units, n_boot=500, seed=7) == first
    assert alpha_with_interval(units, n_boot=500, seed=8) != first


@pytest.mark.parametrize(("labels", "expected"), [
    (["positive"], "positive"),               # a single coding is its own majority
    (["negative", "negative", "neutral"], "negative"),
    (["negative", "neutral"], None),          # two coders who disagree
    (["negative", "neutral", "positive"], None),
    (["n/a", "n/a", "neutral", "neutral", "positive"], None),
    (["n/a", "n/a", "neutral", "positive"], "n/a"),  # a strict plurality is enough
    ([], None),
])
def test_majority_is_a_strict_plurality(labels, expected):
    assert majority(labels) == expected


def confusion_fixture(matrix, labels=("negative", "neutral", "positive")):
    """truth and predicted lists with exactly this confusion matrix (rows truth, columns predicted)."""
    truth, predicted = [], []
    for row, truth_label in zip(matrix, labels):
        for count, predicted_label in zip(row, labels):
            truth += [truth_label] * count
            predicted += [predicted_label] * count
    return truth, predicted


def test_agreement_three_by_three_by_hand():
    #             predicted neg neu pos | support
    # truth neg            3   1   0   |   4
    # truth neu            2   2   1   |   5
    # truth pos            0   0   1   |   1
    # predicted totals     5   3   2      n = 10, accuracy = 6/10
    # neg: P = 3/5, R = 3/4, F1 = 2*3/(2*3 + 2 + 1) = 6/9
    # neu: P = 2/3, R = 2/5, F1 = 4/(4 + 1 + 3) = 1/2
    # pos: P = 1/2, R = 1/1, F1 = 2/(2 + 1 + 0) = 2/3
    # macro-F1 = (2/3 + 1/2 + 2/3) / 3 = 11/18
    truth, predicted = confusion_fixture([[3, 1, 0], [2, 2, 1], [0, 0, 1]])
    result = agreement(truth, predicted, ("negative", "neutral", "positive"), n_boot=FAST)
    assert result["n"] == 10
    assert result["accuracy"] == 0.6
    assert result["macro_f1"] == round(11 / 18, 4)
    assert result["per_label"] == {
        "negative": {"precision": 0.6, "recall": 0.75, "f1": 0.6667, "support": 4},
        "neutral": {"precision": 0.6667, "recall": 0.4, "f1": 0.5, "support": 5},
        "positive": {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "support": 1},
    }
    assert result["confusion"] == {"labels": ["negative", "neutral", "positive"],
                                   "matrix": [[3, 1, 0], [2, 2, 1], [0, 0, 1]]}


def test_macro_f1_skips_a_label_nobody_used():
    # truth neg neg neu neu, predicted neg neu neu neu; nobody said positive.
    # neg: TP 1, FN 1 -> F1 = 2/(2 + 0 + 1) = 2/3; neu: TP 2, FP 1 -> F1 = 4/(4 + 1 + 0) = 4/5
    # macro-F1 = (2/3 + 4/5) / 2 = 11/15 = 0.7333 (with positive counted as 0 it would be 0.4889)
    result = agreement(["negative", "negative", "neutral", "neutral"], ["negative", "neutral", "neutral", "neutral"],
                       ("negative", "neutral", "positive"), n_boot=FAST)
    assert result["macro_f1"] == 0.7333
    assert result["per_label"]["positive"] == {"precision": None, "recall": None, "f1": None, "support": 0}
    assert result["confusion"]["matrix"] == [[1, 1, 0], [0, 2, 0], [0, 0, 0]]


def test_macro_f1_counts_a_label_only_the_model_used():
    # truth neg neg, predicted neg pos: neg F1 = 2/(2 + 0 + 1) = 2/3; pos F1 = 0/(0 + 1 + 0) = 0
    # macro-F1 = 1/3; positive's recall is undefined (no support), its precision 0
    result = agreement(["negative", "negative"], ["negative", "positive"], ("negative", "neutral", "positive"),
                       n_boot=FAST)
    assert result["macro_f1"] == 0.3333
    assert result["per_label"]["positive"] == {"precision": 0.0, "recall": None, "f1": 0.0, "support": 0}


def test_agreement_intervals_bracket_the_estimates_and_are_reproducible():
    truth, predicted = confusion_fixture([[12, 3, 1], [4, 15, 3], [1, 2, 9]])
    first = agreement(truth, predicted, ("negative", "neutral", "positive"), seed=3)
    assert first["accuracy_low"] <= first["accuracy"] <= first["accuracy_high"]
    assert first["macro_f1_low"] <= first["macro_f1"] <= first["macro_f1_high"]
    assert first["accuracy_low"] < first["accuracy_high"]
    assert agreement(truth, predicted, ("negative", "neutral", "positive"), seed=3) == first


def test_agreement_on_nothing_and_on_unknown_labels():
    empty = agreement([], [], ("negative", "neutral", "positive"))
    assert empty["n"] == 0
    assert empty["accuracy"] is None and empty["macro_f1"] is None and empty["macro_f1_low"] is None
    with pytest.raises(ValueError, match="postive"):
        agreement(["postive"], ["positive"], ("negative", "neutral", "positive"))
    with pytest.raises(ValueError, match="1 labels but predicted has 2"):
        agreement(["positive"], ["positive", "neutral"], ("negative", "neutral", "positive"))


@pytest.mark.parametrize(("stance", "tone"), [(-0.9, "negative"), (-0.34, "negative"), (-1 / 3, "neutral"),
                                               (0.0, "neutral"), (1 / 3, "neutral"), (0.34, "positive")])
def test_tone_from_stance(stance, tone):
    assert tone_from_stance(stance) == tone


# --- mentions ------------------------------------------------------------------------------------------------

MENTION_ITEMS = pd.DataFrame({
    "item_id": ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"],
    "direction": ["us->mx"] * 4 + ["mx->us"] * 4,
    "language": ["en", "en", "es", "en", "es", "es", "es", "en"],
})
MENTION_CODINGS = pd.DataFrame(
    [("m1", "ana", "negative"), ("m1", "ben", "negative"),
     ("m2", "ana", "positive"), ("m2", "ben", "neutral"),   # tie
     ("m3", "ana", "neutral"), ("m3", "ben", "neutral"),
     ("m4", "ana", "n/a"), ("m4", "ben", "n/a"),             # not about the country
     ("m5", "ana", "negative"), ("m5", "ben", "positive"),  # tie
     ("m6", "ana", "positive"), ("m6", "ben", "positive"),
     ("m7", "ana", "neutral"),                               # one coder only; m8 nobody
     ("a9", "ana", "positive")],                             # an article's coding: not a mention, ignored
    columns=["item_id", "coder", "label"])
MENTION_PREDICTED = {"m1": "negative", "m2": "positive", "m3": "positive", "m4": "neutral", "m5": "negative",
                     "m6": "positive", "m7": "neutral", "m8": "negative"}


def test_mention_report_by_hand():
    report = mention_report(MENTION_ITEMS, MENTION_CODINGS, MENTION_PREDICTED, n_boot=FAST)
    assert (report["items"], report["coded_items"], report["coders"]) == (8, 7, {"ana": 7, "ben": 6})
    assert report["majority"] == {"items": 7, "negative": 1, "neutral": 2, "positive": 1, "n/a": 1,
                                  "no_majority": 2}
    alpha = {group: figures["alpha"] for group, figures in report["alpha"].items()}
    assert list(alpha) == ["all", "us->mx", "mx->us", "en", "es"]
    # all: m1..m6 pair (m7 has one coding). n_neg 3, n_neu 3, n_pos 4, n_na 2, n = 12; m2 and m5 disagree: 4
    #   alpha = 1 - 11 * 4 / (144 - 9 - 9 - 16 - 4) = 1 - 44/106
    # us->mx: m1..m4, n = 8, n_neg 2, n_pos 1, n_neu 3, n_na 2; m2 disagrees: 2
    #   alpha = 1 - 7 * 2 / (64 - 4 - 1 - 9 - 4) = 1 - 14/46
    # mx->us: m5, m6 (m7 unpairable), n = 4, n_neg 1, n_pos 3; m5 disagrees: 2  -> 1 - 3 * 2 / (16 - 1 - 9) = 0
    # en: m1, m2, m4, n = 6, n_neg 2, n_pos 1, n_neu 1, n_na 2 -> 1 - 5 * 2 / (36 - 4 - 1 - 1 - 4) = 1 - 10/26
    # es: m3, m5, m6, n = 6, n_neu 2, n_neg 1, n_pos 3 -> 1 - 5 * 2 / (36 - 4 - 1 - 9) = 1 - 10/22
    assert alpha == {"all": round(1 - 44 / 106, 4), "us->mx": round(1 - 14 / 46, 4), "mx->us": 0.0,
                     "en": round(1 - 10 / 26, 4), "es": round(1 - 10 / 22, 4)}
    assert report["alpha"]["mx->us"]["units"] == 2
    # the model against the majority on m1 (neg/neg), m3 (neu/pos), m6 (pos/pos), m7 (neu/neu):
    # m2 and m5 tie, m4 is n/a, m8 is uncoded
    model = report["model"]
    assert set(model) == {"all", "us->mx", "mx->us", "en", "es"}
    assert (model["all"]["n"], model["all"]["accuracy"]) == (4, 0.75)
    assert model["all"]["confusion"]["matrix"] == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    assert (model["us->mx"]["n"], model["us->mx"]["accuracy"]) == (2, 0.5)    # m1, m3
    assert (model["mx->us"]["n"], model["mx->us"]["accuracy"]) == (2, 1.0)    # m6, m7
    assert (model["en"]["n"], model["es"]["n"], model["es"]["accuracy"]) == (1, 3, 0.6667)
    json.dumps(report, allow_nan=False)


def test_mention_report_splits_training_roles():
    roles = {"m1": "train", "m3": "train", "m6": "holdout", "m7": "holdout", "m8": "train", "a9": "train"}
    model = mention_report(MENTION_ITEMS, MENTION_CODINGS, MENTION_PREDICTED, roles, n_boot=FAST)["model"]
    assert (model["all"]["n"], model["all"]["accuracy"]) == (4, 0.75)        # all stays all
    assert (model["train"]["n"], model["train"]["accuracy"]) == (2, 0.5)      # m1, m3 (m8 uncoded)
    assert (model["holdout"]["n"], model["holdout"]["accuracy"]) == (2, 1.0)  # m6, m7


def test_mention_report_when_everything_is_n_a_or_unscored():
    codings = pd.DataFrame([(item, coder, "n/a") for item in ("m1", "m2", "m3") for coder in ("ana", "ben")],
                           columns=["item_id", "coder", "label"])
    report = mention_report(MENTION_ITEMS, codings, MENTION_PREDICTED, n_boot=FAST)
    assert report["majority"]["n/a"] == 3
    assert report["alpha"]["all"]["alpha"] is None   # one value only
    assert report["model"]["all"]["n"] == 0 and report["model"]["all"]["macro_f1"] is None
    unscored = mention_report(MENTION_ITEMS, MENTION_CODINGS, {}, n_boot=FAST)
    assert unscored["model"]["all"]["n"] == 0
    nothing = mention_report(MENTION_ITEMS, MENTION_CODINGS.iloc[0:0], MENTION_PREDICTED, n_boot=FAST)
    assert nothing["coded_items"] == 0 and nothing["alpha"]["all"]["alpha"] is None
    for result in (report, unscored, nothing):
        json.dumps(result, allow_nan=False)


def test_mention_report_groups_languages_it_has_not_met():
    items = pd.DataFrame({"item_id": ["x1", "x2"], "direction": ["us->mx", "us->mx"], "language": ["pt", "pt"]})
    codings = pd.DataFrame([("x1", "ana", "negative"), ("x2", "ana", "neutral")],
                           columns=["item_id", "coder", "label"])
    report = mention_report(items, codings, {"x1": "negative", "x2": "negative"}, n_boot=FAST)
    assert list(report["alpha"]) == ["all", "us->mx", "mx->us", "en", "es", "pt"]
    assert report["model"]["pt"]["n"] == 2 and report["model"]["en"]["n"] == 0


# --- articles ------------------------------------------------------------------------------------------------

FRAME_KEYS = ["economy", "security", "migration", "diplomacy"]
ARTICLE_ITEMS = pd.DataFrame({
    "item_id": ["a1", "a2", "a3", "a4", "a5"],
    "direction": ["us->mx", "us->mx", "mx->us", "mx->us", "mx->us"],
    "language": ["en", "es", "es", "en", "en"],
})
ARTICLE_CODINGS = pd.DataFrame(
    [("a1", "ana", "negative", ["security", "migration"]), ("a1", "ben", "negative", ["security"]),
     ("a1", "cara", "neutral", ["security", "economy"]),
     ("a2", "ana", "positive", ["economy"]), ("a2", "ben", "positive", ["economy", "diplomacy"]),
     ("a3", "ana", "neutral", ["diplomacy"]), ("a3", "ben", "negative", ["diplomacy"]),
     ("a4", "ana", "neutral", ["economy"]),
     ("a5", "ana", "positive", ["migration"]), ("a5", "ben", "positive", ["security"])],
    columns=["item_id", "coder", "label", "frames"])
PREDICTED_FRAMES = {"a1": ["security"], "a2": ["economy", "security"], "a3": ["migration"], "a4": ["economy"],
                    "a5": ["migration"]}
STANCE = {"a1": -0.6, "a2": 0.5, "a3": -0.5, "a4": 0.1, "a5": 0.2}


def test_article_report_by_hand():
    report = article_report(ARTICLE_ITEMS, ARTICLE_CODINGS, PREDICTED_FRAMES, STANCE, FRAME_KEYS, n_boot=FAST)
    assert (report["items"], report["coded_items"]) == (5, 5)
    # tone alpha: a1 neg neg neu (o_negneg 1, o_negneu 1, o_neuneg 1), a2 pos pos (o_pospos 2),
    # a3 neu neg (o_neuneg 1, o_negneu 1), a5 pos pos (2); a4 unpairable.
    # n = 9, n_neg 3, n_neu 2, n_pos 4; disagreements 4 -> alpha = 1 - 8 * 4 / (81 - 9 - 4 - 16) = 1 - 32/52
    assert report["tone_alpha"]["alpha"] == round(1 - 32 / 52, 4)
    # frame alpha, present (P) / absent (A) per coder of a1, a2, a3, a5 (n = 9 each):
    # security  a1 PPP, a2 AA, a3 AA, a5 AP: n_P 4, n_A 5, disagreements 2 -> 1 - 8 * 2 / (2 * 4 * 5) = 0.6
    # economy   a1 AAP, a2 PP, a3 AA, a5 AA: n_P 3, n_A 6, disagreements 2 -> 1 - 16/36
    # migration a1 PAA, a2 AA, a3 AA, a5 PA: n_P 2, n_A 7, disagreements 2 + 2 -> 1 - 32/28
    # diplomacy a1 AAA, a2 AP, a3 PP, a5 AA: n_P 3, n_A 6, disagreements 2 -> 1 - 16/36
    assert {frame: figures["alpha"] for frame, figures in report["frame_alpha"].items()} == {
        "economy": round(1 - 16 / 36, 4), "security": 0.6, "migration": round(1 - 32 / 28, 4),
        "diplomacy": round(1 - 16 / 36, 4)}
    assert list(report["frame_alpha"]) == FRAME_KEYS  # codebook order
    # majority frames (chosen by more than half the coders): a1 {security}, a2 {economy}, a3 {diplomacy},
    # a4 {economy}; a5 none (one coder each for two frames) -> no_majority.
    # model: a1 {security}, a2 {economy, security}, a3 {migration}, a4 {economy}
    # security  TP 1 FP 1 FN 0: P 1/2, R 1, F1 2/3     economy   TP 2: P 1, R 1, F1 1
    # diplomacy TP 0 FN 1: P None, R 0, F1 0          migration FP 1: P 0, R None, F1 0
    # macro-F1 = (2/3 + 1 + 0 + 0) / 4 = 5/12; micro-F1 = 2*3 / (2*3 + 2 + 1) = 6/9
    frames = report["frames"]
    assert (frames["n"], frames["no_majority"]) == (4, 1)
    assert (frames["micro_f1"], frames["macro_f1"]) == (0.6667, round(5 / 12, 4))
    assert frames["micro_f1_low"] <= frames["micro_f1"] <= frames["micro_f1_high"]
    assert frames["per_frame"] == {
        "economy": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2},
        "security": {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "support": 1},
        "migration": {"precision": 0.0, "recall": None, "f1": 0.0, "support": 0},
        "diplomacy": {"precision": None, "recall": 0.0, "f1": 0.0, "support": 1},
    }
    # tone: majority vs tone from stance on a1 (neg/neg), a2 (pos/pos), a4 (neu/neu), a5 (pos/neu); a3 ties
    tone = report["tone"]
    assert (tone["n"], tone["accuracy"]) == (4, 0.75)
    assert tone["confusion"]["matrix"] == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
    # Spearman: tones -1, 1, 0, 1 (ranks 1, 3.5, 2, 3.5) against stances -0.6, 0.5, 0.1, 0.2 (ranks 1, 4, 2, 3):
    # centred ranks (-1.5, 1, -0.5, 1) and (-1.5, 1.5, -0.5, 0.5): rho = 4.5 / sqrt(4.5 * 5) = 0.9487
    spearman = report["stance_spearman"]
    assert (spearman["rho"], spearman["n"]) == (round(4.5 / math.sqrt(22.5), 4), 4)
    assert spearman["p"] == round(stats.spearmanr([-0.6, 0.5, 0.1, 0.2], [-1, 1, 0, 1]).pvalue, 4)
    assert list(report["by_group"]) == ["us->mx", "mx->us", "en", "es"]
    mx_us = report["by_group"]["mx->us"]
    assert mx_us["items"] == 3 and mx_us["tone"]["n"] == 2            # a4, a5 (a3 ties)
    assert mx_us["stance_spearman"] == {"rho": None, "p": None, "n": 2}  # too few
    json.dumps(report, allow_nan=False)


def test_article_report_roles_and_duckdb_style_frames():
    codings = ARTICLE_CODINGS.assign(frames=[np.array(frames, dtype=object) for frames in ARTICLE_CODINGS["frames"]])
    roles = {"a1": "train", "a2": "train", "a4": "holdout", "a5": "holdout", "m1": "train"}
    report = article_report(ARTICLE_ITEMS, codings, PREDICTED_FRAMES, STANCE, FRAME_KEYS, roles, n_boot=FAST)
    assert report["frames"]["micro_f1"] == 0.6667  # same as with lists
    train, holdout = report["by_group"]["train"], report["by_group"]["holdout"]
    assert train["items"] == 2 and (train["tone"]["n"], train["tone"]["accuracy"]) == (2, 1.0)
    assert (holdout["tone"]["n"], holdout["tone"]["accuracy"]) == (2, 0.5)  # a4 right, a5 wrong
    # a1 {security} vs {security}, a2 {economy} vs {economy, security}: TP 2, FP 1 -> micro 4/5
    assert train["frames"]["micro_f1"] == 0.8
    json.dumps(report, allow_nan=False)


def test_article_report_with_a_constant_tone_and_no_codings():
    codings = ARTICLE_CODINGS.assign(label="neutral")
    report = article_report(ARTICLE_ITEMS, codings, PREDICTED_FRAMES, STANCE, FRAME_KEYS, n_boot=FAST)
    assert report["tone_alpha"]["alpha"] is None
    assert report["stance_spearman"] == {"rho": None, "p": None, "n": 5}
    empty = article_report(ARTICLE_ITEMS, ARTICLE_CODINGS.iloc[0:0], {}, {}, FRAME_KEYS, n_boot=FAST)
    assert empty["frame_alpha"] == {} and empty["frames"]["n"] == 0 and empty["frames"]["micro_f1"] is None
    assert empty["tone"]["n"] == 0
    json.dumps(empty, allow_nan=False)


def test_reports_do_not_depend_on_the_order_of_rows():
    # the bootstrap resamples items by position: the reports sort them, so a shuffled store gives the same figures
    shuffled = MENTION_CODINGS.sample(frac=1, random_state=5)
    assert mention_report(MENTION_ITEMS.iloc[::-1], shuffled, MENTION_PREDICTED, n_boot=FAST) == \
        mention_report(MENTION_ITEMS, MENTION_CODINGS, MENTION_PREDICTED, n_boot=FAST)
    assert article_report(ARTICLE_ITEMS, ARTICLE_CODINGS.sample(frac=1, random_state=5), PREDICTED_FRAMES, STANCE,
                          FRAME_KEYS, n_boot=FAST) == \
        article_report(ARTICLE_ITEMS, ARTICLE_CODINGS, PREDICTED_FRAMES, STANCE, FRAME_KEYS, n_boot=FAST)
