"""Measuring sentiment on real news (nlp/realnews.py, nlp/sentiment_eval.py): readers, metrics, calibration,
the `espejo eval sentiment --format realnews` command and, where ../shared holds the data, dev floors.

The small files here are written for these tests in the realnews layout; no realnews text is copied.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from espejo.nlp import realnews
from espejo.nlp.evaluation import fit_temperature

SENTENCES = [
    # (id, passage, language, target, sentence, label)
    ("a-1", "a", "en", "MX", "Critics said Mexico failed to stop the brutal killings.", "negative"),
    ("a-2", "a", "en", "MX", "Mexico will host the talks on Tuesday.", "neutral"),
    ("a-3", "a", "en", "MX", "The diner sits on a quiet street in Albuquerque, New Mexico.", "n/a"),
    ("b-1", "b", "en", "MX", "Visitors praised Mexico for its warm welcome and thriving towns.", "positive"),
    ("b-2", "b", "en", "MX", "Mexican officials celebrated a record harvest.", "positive"),
    ("c-1", "c", "es", "US", "El gobierno estadounidense amenazó con aranceles que dañan a México.", "negative"),
    ("c-2", "c", "es", "US", "Washington anunció la reunión para el jueves.", "neutral"),
    ("d-1", "d", "es", "US", "Estados Unidos donó vacunas y elogiaron su generosa ayuda.", "positive"),
    ("d-2", "d", "es", "US", "La cotización del dólar estadounidense subió dos centavos.", "n/a"),
]
PASSAGES = [
    # (id, language, outlet_country, summary, frames, tone)
    ("a", "en", "US", "Mexico struggles with violence. Officials in Mexico promised reforms.", ["crime_punishment"], "negative"),
    ("b", "en", "US", "Tourists praise Mexico. Mexico's towns are thriving.", ["economic"], "positive"),
    ("c", "es", "MX", "Estados Unidos amenaza con aranceles.", ["economic"], "negative"),
    ("d", "es", "MX", "Estados Unidos dona vacunas a México.", ["health_safety"], None),
]


def write_realnews(folder, sentences=SENTENCES, passages=PASSAGES):
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "dev_sentences.jsonl", "w", encoding="utf-8") as handle:
        for row in sentences:
            handle.write(json.dumps(dict(zip(("id", "passage", "language", "target", "sentence", "label"), row),
                                         annotations=[row[5], row[5]]), ensure_ascii=False) + "\n")
    with open(folder / "dev_passages.jsonl", "w", encoding="utf-8") as handle:
        for row in passages:
            handle.write(json.dumps(dict(zip(("id", "language", "outlet_country", "summary", "frames", "tone"), row),
                                         url="https://example.org/" + row[0], domain="example.org"), ensure_ascii=False) + "\n")
    return folder / "dev_sentences.jsonl", folder / "dev_passages.jsonl"


def test_readers_find_the_mentions_the_pipeline_scores(tmp_path):
    sentences_path, passages_path = write_realnews(tmp_path)
    sentences = realnews.read_sentences(sentences_path)
    by_id = {s.id: s for s in sentences}
    assert by_id["a-1"].mentions == ((13, 19),)  # "Mexico"
    assert by_id["a-3"].mentions == ()  # New Mexico is a U.S. state, not the target
    assert by_id["d-2"].mentions == ()  # the dollar is not the country
    assert by_id["c-1"].mentions and all(by_id["c-1"].text[a:b] != "México" for a, b in by_id["c-1"].mentions)
    assert by_id["c-1"].direction == "mx->us" and by_id["a-1"].direction == "us->mx"
    passages = realnews.read_passages(passages_path)
    assert [p.tone for p in passages] == [0, 2, 0, None] and passages[0].target == "MX"
    assert realnews.passages_path_for(sentences_path) == passages_path
    assert [text[a:b] for text, a, b in realnews.summary_items(passages[0])] == ["Mexico", "Mexico"]


def test_malformed_rows_are_named_with_file_and_line(tmp_path):
    path = tmp_path / "bad_sentences.jsonl"
    good = json.dumps(dict(zip(("id", "passage", "language", "target", "sentence", "label"), SENTENCES[0])))
    path.write_text(good + "\n" + json.dumps({"id": "x", "sentence": "Mexico."}) + "\n")
    with pytest.raises(realnews.RealnewsFormatError, match=r"bad_sentences.jsonl:2: missing passage, language, target, label"):
        realnews.read_sentences(path)
    path.write_text(good.replace('"negative"', '"angry"') + "\n")
    with pytest.raises(realnews.RealnewsFormatError, match=r":1: label 'angry'"):
        realnews.read_sentences(path)
    path.write_text("{not json\n")
    with pytest.raises(realnews.RealnewsFormatError, match=r":1: not JSON"):
        realnews.read_sentences(path)


def test_macro_f1_counts_missed_sentences_against_recall():
    # gold: neg, neu, pos, pos, n/a ; predicted: neg, neu, n/a (no mention found), pos, n/a
    table = realnews._f1_table([0, 1, 2, 2, 3], [0, 1, 3, 2, 3])
    assert table["per_label"]["positive"]["recall"] == pytest.approx(0.5)
    assert table["per_label"]["positive"]["precision"] == pytest.approx(1.0)
    assert table["macro_f1"] == pytest.approx((1 + 1 + 2 * 0.5 / 1.5) / 3)
    assert table["accuracy"] == pytest.approx(4 / 5)
    assert table["confusion"][2] == [0, 0, 1, 1]


def test_sentence_probabilities_average_mentions_and_mark_unscored_sentences():
    rows = [realnews.RealnewsSentence("1", "p", "en", "MX", "Mexico and Mexico.", 0, ((0, 6), (11, 17))),
            realnews.RealnewsSentence("2", "p", "en", "MX", "Nothing here.", 3, ())]
    probabilities = realnews.sentence_probabilities(rows, [[0.8, 0.1, 0.1], [0.2, 0.1, 0.7]])
    assert np.allclose(probabilities[0], [0.5, 0.1, 0.4]) and probabilities[1] is None
    assert realnews.predicted_labels(probabilities) == [0, realnews.NOT_A_MENTION]
    stances = realnews.article_stances(rows, [[0.8, 0.1, 0.1], [0.2, 0.1, 0.7]],
                                       [realnews.RealnewsPassage("p", "en", "US", "", (), 0)])
    assert stances["p"] == pytest.approx(((0.1 - 0.8) + (0.7 - 0.2)) / 2)


def test_expected_calibration_error_by_hand():
    # Two bins: confidence 0.9 (2 sentences, 1 right) and 0.6 (2 sentences, 2 right).
    probabilities = [np.array([0.9, 0.05, 0.05]), np.array([0.9, 0.05, 0.05]),
                     np.array([0.2, 0.6, 0.2]), np.array([0.2, 0.6, 0.2]), None]
    gold = [0, 1, 1, 1, 0]  # the None row (no prediction) is left out
    expected = 0.5 * abs(0.9 - 0.5) + 0.5 * abs(0.6 - 1.0)
    assert realnews.expected_calibration_error(probabilities, gold) == pytest.approx(expected)


def test_fit_temperature_recovers_the_temperature_that_made_the_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (4000, 3))
    scaled = logits / 2.5
    p = np.exp(scaled - scaled.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    labels = np.array([rng.choice(3, p=row) for row in p])
    assert fit_temperature(logits, labels) == pytest.approx(2.5, rel=0.1)


def test_stance_correlation_orders_articles_by_tone():
    passages = [realnews.RealnewsPassage(str(i), "en", "US", "", (), tone) for i, tone in enumerate([0, 1, 2, None])]
    result = realnews.stance_correlation({"0": -0.5, "1": 0.0, "2": 0.4, "3": 0.9}, passages)
    assert result["spearman"] == pytest.approx(1.0) and result["n"] == 3


# --------------------------------------------------------------------------------------------------
# With the real model

pytest.importorskip("torch")
pytest.importorskip("peft")


def test_calibration_names_a_new_version_and_keeps_every_label(models_dir, tmp_path):
    from espejo.nlp import training
    from espejo.nlp.sentiment_model import DEFAULT_ARTIFACT_DIR, TrainedSentimentScorer

    artifact = tmp_path / "artifact"
    shutil.copytree(DEFAULT_ARTIFACT_DIR, artifact)
    settings = json.loads((artifact / "espejo-sentiment.json").read_text())
    settings.pop("calibration", None)
    (artifact / "espejo-sentiment.json").write_text(json.dumps(settings))
    items = [("Critics said Mexico failed again.", 13, 19), ("Mexico will host the talks.", 0, 6)]
    plain = TrainedSentimentScorer(models_dir, artifact_dir=artifact)
    before = plain.predict_proba(items)
    training.store_calibration(artifact, {"temperature": 2.0})
    calibrated = TrainedSentimentScorer(models_dir, artifact_dir=artifact)
    after = calibrated.predict_proba(items)
    assert calibrated.model_version != plain.model_version
    assert (before.argmax(1) == after.argmax(1)).all()
    assert after.max(1).max() < before.max(1).max()  # a temperature above 1 makes it less sure
    assert np.allclose(after.sum(1), 1.0)


def test_eval_realnews_command_prints_previous_and_zeroshot_beside_the_model(models_dir, tmp_path):
    from click.testing import CliRunner

    from espejo.cli import main

    sentences_path, _ = write_realnews(tmp_path / "rn")
    result = CliRunner().invoke(main, ["eval", "sentiment", "--data", str(sentences_path), "--format", "realnews",
                                       "--json", "--models-dir", str(models_dir)])
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["n"] == len(SENTENCES) and 0.0 <= last["macro_f1"] <= 1.0
    assert set(last["per_language"]) == {"en", "es"}
    assert last["per_language"]["en"]["direction"] == "us->mx" and last["per_language"]["es"]["n"] == 4
    assert set(last["baselines"]) == {"previous", "zeroshot"}
    assert last["baselines"]["previous"]["model_version"] != last["model_version"]
    assert last["confusion"][3][3] == 2  # the two n/a sentences have no mention, so they are predicted n/a


def test_record_writes_figures_by_model_version(models_dir, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from espejo import quality
    from espejo.cli import main

    target = tmp_path / "quality.json"
    monkeypatch.setenv("ESPEJO_QUALITY_FILE", str(target))
    sentences_path, _ = write_realnews(tmp_path / "rn")
    result = CliRunner().invoke(main, ["eval", "sentiment", "--data", str(sentences_path), "--format", "realnews",
                                       "--record", "--json", "--models-dir", str(models_dir)])
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    rows = quality.quality_for(last["model_version"], target)
    macro = {(r["direction"], r["metric"]): r for r in rows}
    assert macro[("us->mx", "macro_f1")]["value"] == pytest.approx(last["per_language"]["en"]["macro_f1"], abs=1e-4)
    assert macro[("us->mx", "macro_f1")]["n"] == 5
    assert quality.quality_for(last["baselines"]["zeroshot"]["model_version"], target)


def _tiny_training_files(folder):
    """realnews, NewsMTSC and Spanish-headlines train and dev files, a few rows each (written here)."""
    dev_sentences, _ = write_realnews(folder / "realnews")
    shutil.copy(dev_sentences, folder / "realnews" / "train_sentences.jsonl")
    english = [("Reporters said Smith handled the crisis badly.", "Smith", -2.0),
               ("Garcia opened the new clinic on Monday.", "Garcia", 0.0),
               ("Fans cheered Lee after a brilliant season.", "Lee", 2.0)]
    spanish = [("Critican a Pérez por el fracaso del plan", "Pérez", "NEG"),
               ("López presenta su agenda de la semana", "López", "NEU"),
               ("Elogian a Ruiz por su generosa ayuda", "Ruiz", "POS")]
    for name, rows in (("newsmtsc", english), ("es-headlines", spanish)):
        (folder / name).mkdir()
        lines = [json.dumps({"sentence_normalized": text, "targets": [{"from": text.index(who), "to": text.index(who)
                             + len(who), "polarity": label}]}) if name == "newsmtsc" else
                 json.dumps({"titulo": text, "targets": [{"nombre": who, "etiqueta": label}]}, ensure_ascii=False)
                 for text, who, label in rows]
        for split in ("train", "dev"):
            (folder / name / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return (folder / "newsmtsc" / "train.jsonl", folder / "es-headlines" / "train.jsonl",
            folder / "realnews" / "train_sentences.jsonl")


def test_training_records_figures_only_for_the_adapter_espejo_loads(models_dir, tmp_path, monkeypatch):
    """`espejo train sentiment --out ELSEWHERE` (a trial) keeps its dev figures in its own metrics.json and leaves
    the quality file the dashboard reads alone; for the folder Espejo loads, the figures are recorded there."""
    from espejo import quality
    from espejo.nlp import sentiment_model, training

    target = tmp_path / "quality.json"
    monkeypatch.setenv("ESPEJO_QUALITY_FILE", str(target))
    files = _tiny_training_files(tmp_path / "data")
    config = training.TrainConfig(epochs=1, batch_size=2, trainable_layers=1, lora_rank=2, lora_alpha=4, threads=1,
                                  select_floors={})
    said = []
    trial = tmp_path / "trial"
    training.train_sentiment_from_files(*files, trial, models_dir=models_dir, config=config, echo=said.append)
    metrics = json.loads((trial / "metrics.json").read_text(encoding="utf-8"))
    assert set(metrics["sets"]) == {"realnews-dev", "newsmtsc-dev", "es-headlines-dev"}
    assert not target.exists()
    assert any(line.startswith("figures not recorded") and "--record" in line for line in said)

    # The same figures, from the folder Espejo loads, are recorded under the trained version.
    monkeypatch.setattr(sentiment_model, "DEFAULT_ARTIFACT_DIR", trial)
    reports = metrics["sets"]["realnews-dev"]["systems"]
    assert training.record_dev_figures(reports, trial, files[2].with_name("dev_sentences.jsonl"), said.append) == target
    rows = quality.quality_for(metrics["model_version"], target)
    assert {(r["direction"], r["metric"]) for r in rows} >= {("us->mx", "macro_f1"), ("mx->us", "macro_f1")}


# --------------------------------------------------------------------------------------------------
# Dev floors on the real data (skip without ../shared)

# A few points under what the committed model reached on realnews dev (metrics.json, MODEL_CARD.md).
REALNEWS_F1_FLOOR = {"en": 0.60, "es": 0.62}
REALNEWS_STANCE_FLOOR = {"en": 0.65, "es": 0.70}


def test_realnews_dev_floors(models_dir, shared_data):
    from espejo.nlp.sentiment_eval import realnews_systems

    folder = shared_data / "realnews"
    sentences = realnews.read_sentences(folder / "dev_sentences.jsonl")
    passages = realnews.read_passages(folder / "dev_passages.jsonl")
    systems = realnews_systems(models_dir, echo=lambda line: None)
    report = realnews.evaluate_sentiment(sentences, passages, {"trained": systems["trained"]})["trained"]
    for language, part in report["per_language"].items():
        assert part["macro_f1"] >= REALNEWS_F1_FLOOR[language], (language, part["macro_f1"])
        assert part["stance"]["spearman"] >= REALNEWS_STANCE_FLOOR[language], (language, part["stance"])
