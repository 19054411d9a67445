"""The dashboard states the measured quality of the model version on screen: one line on Two mirrors, every
measured row on Runs and data health, "not measured" (and the command that measures it) for a version with no
figures, in English and Spanish. The figures come from a small quality file made here ($ESPEJO_QUALITY_FILE)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from espejo.dashboards.model_quality import COLUMNS, MEASURE_FRAMES, MEASURE_SENTIMENT, read_model_quality
from espejo.quality import record_quality
from espejo.settings import QUALITY_FILE_ENV, quality_file

from test_dashboard import MODEL, OLD_MODEL, build_warehouse
from test_dashboard_i18n import english_leftovers, english_words, page_text
from test_dashboard_pages import all_text, open_page

MEASURED = "2026-09-10"
COMMAND = "espejo eval sentiment --data ../shared/data/realnews/dev_sentences.jsonl --format realnews --record"


def _row(component, direction, metric, value, n, unit, dataset="realnews-dev"):
    return {"component": component, "dataset": dataset, "direction": direction,
            "language": "en" if direction == "us->mx" else "es", "metric": metric, "value": value, "n": n,
            "unit": unit}


SENTIMENT_ROWS = [
    _row("sentiment", "us->mx", "macro_f1", 0.713, 201, "sentences"),
    _row("sentiment", "us->mx", "stance_spearman", 0.781, 60, "articles"),
    _row("sentiment", "mx->us", "macro_f1", 0.724, 148, "sentences"),
    _row("sentiment", "mx->us", "stance_spearman", 0.756, 50, "articles"),
    _row("sentiment", "us->mx", "ece", 0.05, 201, "sentences"),
]
FRAMES_ROWS = [
    _row("frames", "us->mx", "micro_f1", 0.661, 60, "articles"),
    _row("frames", "mx->us", "micro_f1", 0.672, 50, "articles"),
]


def write_quality(path: Path, versions: dict[str, list[dict]]) -> Path:
    path.write_text(json.dumps({"versions": {
        version: {"measured": MEASURED, "command": COMMAND, "rows": rows} for version, rows in versions.items()
    }}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("espejo-quality")
    build_warehouse(data_dir)
    return data_dir


@pytest.fixture
def measured(tmp_path, monkeypatch) -> Path:
    """A quality file with figures for the fixture's newest model version only (the older one has none)."""
    path = write_quality(tmp_path / "quality.json", {MODEL: SENTIMENT_ROWS, "frames-test": FRAMES_ROWS})
    monkeypatch.setenv(QUALITY_FILE_ENV, str(path))
    return path


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def quality_table(at):
    return next(d.value for d in at.dataframe if "metric" in d.value.columns)


def assert_spanish_only(at) -> None:
    texts, prose, problems = page_text(at)
    assert not problems, problems
    assert not english_leftovers(texts), english_leftovers(texts)
    assert not english_words(prose), english_words(prose)


# --- the quality file the dashboard reads --------------------------------------------------------------


def test_the_quality_file_is_the_committed_one_unless_the_environment_names_another(tmp_path, monkeypatch):
    monkeypatch.delenv(QUALITY_FILE_ENV, raising=False)
    assert quality_file() == Path(__file__).resolve().parents[1] / "nlp" / "models" / "quality.json"
    monkeypatch.setenv(QUALITY_FILE_ENV, str(tmp_path / "q.json"))
    assert quality_file() == tmp_path / "q.json"


def test_rows_are_gathered_per_component_of_the_version_on_screen(tmp_path):
    path = write_quality(tmp_path / "quality.json", {MODEL: SENTIMENT_ROWS, "frames-test": FRAMES_ROWS})
    quality = read_model_quality(f"{MODEL}+frames-test", path)
    assert list(quality.rows.columns) == COLUMNS and quality.error is None
    assert len(quality.rows) == len(SENTIMENT_ROWS) + len(FRAMES_ROWS)
    assert list(quality.rows["component"].unique()) == ["sentiment", "frames"]  # sentiment first
    assert set(quality.rows["measured"]) == {MEASURED} and set(quality.rows["command"]) == {COMMAND}
    assert quality.headline() == {"us->mx": {"macro_f1": (0.713, 201, "sentences"),
                                             "stance_spearman": (0.781, 60, "articles")},
                                  "mx->us": {"macro_f1": (0.724, 148, "sentences"),
                                             "stance_spearman": (0.756, 50, "articles")}}
    # Frames only: rows, but no sentiment headline. Unknown version, missing file: nothing, and no error.
    frames_only = read_model_quality("sentiment-unmeasured+frames-test", path)
    assert len(frames_only.rows) == 2 and frames_only.headline() == {}
    assert read_model_quality(OLD_MODEL, path).rows.empty
    missing = read_model_quality(MODEL, tmp_path / "absent.json")
    assert missing.rows.empty and missing.error is None


def test_what_espejo_eval_records_is_what_the_dashboard_reads(tmp_path):
    path = tmp_path / "quality.json"
    record_quality(MODEL, SENTIMENT_ROWS, command=COMMAND, path=path)
    quality = read_model_quality(MODEL, path)
    assert len(quality.rows) == len(SENTIMENT_ROWS) and quality.headline()["mx->us"]["macro_f1"][0] == 0.724


def test_a_malformed_file_is_reported_not_guessed(tmp_path):
    path = tmp_path / "quality.json"
    path.write_text('{"versions": {"m": {"rows": [{"component": "sentiment"}]}}}', encoding="utf-8")
    quality = read_model_quality("m", path)
    assert quality.rows.empty and "missing" in quality.error


# --- Two mirrors: one line ---------------------------------------------------------------------------


def test_two_mirrors_states_the_measured_quality_of_the_model_on_screen(warehouse_dir, measured, monkeypatch):
    at = open_page(warehouse_dir, monkeypatch, "mirrors")
    line = next(c.value for c in at.caption if "Quality of this model on real news" in c.value)
    assert "`realnews-dev`" in line and MEASURED in line
    assert "U.S. media on Mexico: sentiment macro-F1 0.71 (n = 201 sentences), Spearman ρ of article stance vs " \
           "annotated tone 0.78 (n = 60 articles)" in line
    assert "Mexican media on the U.S.: sentiment macro-F1 0.72 (n = 148 sentences)" in line
    assert "0.76 (n = 50 articles)" in line and "Runs and data health" in line
    assert "0.19" not in line and "0.66" not in line  # calibration and frames: on the health page


def test_two_mirrors_in_spanish(warehouse_dir, measured, monkeypatch):
    at = open_page(warehouse_dir, monkeypatch, "mirrors", {"lang": "es"})
    line = next(c.value for c in at.caption if "Calidad de este modelo en noticias reales" in c.value)
    assert "Medios de EE. UU. sobre México: macro-F1 del sentimiento 0.71 (n = 201 oraciones)" in line
    assert "0.78 (n = 60 artículos)" in line and "Corridas y salud de los datos" in line
    assert_spanish_only(at)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_an_unmeasured_version_says_so_and_how_to_measure_it(warehouse_dir, measured, monkeypatch, lang):
    at = open_page(warehouse_dir, monkeypatch, "mirrors", {"model_version": OLD_MODEL, "lang": lang})
    text = captions(at)
    assert f"`{OLD_MODEL}`" in text and f"`{MEASURE_SENTIMENT}`" in text
    assert ("has not been measured on real news" if lang == "en" else "no se ha medido con noticias reales") in text
    assert "0.71" not in text and "macro-F1" not in text  # never another version's figure
    if lang == "es":
        assert_spanish_only(at)


def test_a_direction_without_figures_is_called_not_measured(warehouse_dir, tmp_path, monkeypatch):
    path = write_quality(tmp_path / "quality.json", {MODEL: SENTIMENT_ROWS[:2]})
    monkeypatch.setenv(QUALITY_FILE_ENV, str(path))
    line = next(c.value for c in open_page(warehouse_dir, monkeypatch).caption if "Quality of this model" in c.value)
    assert "U.S. media on Mexico: sentiment macro-F1 0.71" in line and "Mexican media on the U.S.: not measured" in line


# --- Runs and data health: the full table ---------------------------------------------------------------


def test_health_page_shows_every_measured_row_of_the_version(warehouse_dir, measured, monkeypatch):
    at = open_page(warehouse_dir, monkeypatch, "health")
    assert any(s.value == "Model quality on real news" for s in at.subheader)
    table = quality_table(at)
    assert list(table.columns) == COLUMNS
    assert len(table) == len(SENTIMENT_ROWS)  # the frames rows belong to another version
    row = table[(table["direction"] == "mx->us") & (table["metric"] == "stance_spearman")].iloc[0]
    assert (row["value"], row["n"], row["unit"], row["language"]) == (0.756, 50, "articles", "es")
    assert set(table["measured"]) == {MEASURED} and set(table["command"]) == {COMMAND}
    # U.S. outlets first, as on every page; the figures Two mirrors states first.
    assert list(table["direction"]) == ["us->mx"] * 3 + ["mx->us"] * 2
    assert list(table["metric"]) == ["macro_f1", "stance_spearman", "ece", "macro_f1", "stance_spearman"]
    assert str(measured) in captions(at)


def test_health_page_shows_frames_per_direction_when_measured(warehouse_dir, tmp_path, monkeypatch):
    """The fixture's version as a sentiment component measured on real news, and a frames one that is not."""
    path = write_quality(tmp_path / "quality.json", {MODEL: SENTIMENT_ROWS + FRAMES_ROWS})
    monkeypatch.setenv(QUALITY_FILE_ENV, str(path))
    table = quality_table(open_page(warehouse_dir, monkeypatch, "health"))
    frames = table[table["component"] == "frames"].set_index("direction")
    assert frames.loc["us->mx", "value"] == 0.661 and frames.loc["mx->us", "value"] == 0.672
    assert set(frames["metric"]) == {"micro_f1"}


def test_health_page_in_spanish(warehouse_dir, measured, monkeypatch):
    at = open_page(warehouse_dir, monkeypatch, "health", {"lang": "es"})
    assert any(s.value == "Calidad del modelo en noticias reales" for s in at.subheader)
    table = quality_table(at)
    assert set(table["unit"]) == {"oraciones", "artículos"} and set(table["metric"]) >= {"macro_f1"}
    assert_spanish_only(at)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_health_page_for_an_unmeasured_version(warehouse_dir, measured, monkeypatch, lang):
    at = open_page(warehouse_dir, monkeypatch, "health", {"model_version": OLD_MODEL, "lang": lang})
    info = " ".join(i.value for i in at.info)
    assert f"`{MEASURE_SENTIMENT}`" in info and f"`{MEASURE_FRAMES}`" in info and f"`{OLD_MODEL}`" in info
    assert not any("metric" in d.value.columns for d in at.dataframe)
    if lang == "es":
        assert "no se ha medido con noticias reales" in info
        assert_spanish_only(at)
    else:
        assert "has not been measured on real news" in info


def test_a_frames_only_measurement_says_the_sentiment_is_not_measured(warehouse_dir, tmp_path, monkeypatch):
    path = write_quality(tmp_path / "quality.json", {MODEL: FRAMES_ROWS})
    monkeypatch.setenv(QUALITY_FILE_ENV, str(path))
    at = open_page(warehouse_dir, monkeypatch, "health")
    assert "The sentiment of model" in " ".join(i.value for i in at.info)
    assert len(quality_table(at)) == 2
    assert "has not been measured on real news" in captions(open_page(warehouse_dir, monkeypatch, "mirrors"))


def test_a_malformed_quality_file_is_reported_on_both_pages(warehouse_dir, tmp_path, monkeypatch):
    path = tmp_path / "quality.json"
    path.write_text("{not json", encoding="utf-8")
    monkeypatch.setenv(QUALITY_FILE_ENV, str(path))
    assert "could not be read" in " ".join(w.value for w in open_page(warehouse_dir, monkeypatch, "health").warning)
    assert "could not be read" in captions(open_page(warehouse_dir, monkeypatch, "mirrors"))


def test_an_empty_warehouse_still_renders_with_a_quality_file(tmp_path, measured, monkeypatch):
    at = open_page(tmp_path / "empty", monkeypatch)  # open_page asserts no exception
    assert "espejo demo" in all_text(at)
