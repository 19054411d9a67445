"""The dashboard's Validation page on the fixture warehouse of test_dashboard.py: a sample drawn through the
page's form, items coded through its buttons, a reload that resumes at the next item with every coding kept,
figures that are the codings store's report, the page in Spanish, and a real browser coding with the keyboard."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from espejo.dashboards.filters import Filters
from espejo.dashboards.i18n import t
from espejo.warehouse import codings

from test_browser import browser_tools, run_in_browser  # noqa: F401
from test_dashboard import MODEL, OLD_MODEL, build_warehouse
from test_dashboard_i18n import english_leftovers, english_words, page_text
from test_dashboard_pages import open_page

FRAME_KEYS = ["security", "economy", "migration", "trade"]
LABELS = ["negative", "neutral", "positive", "n/a", "negative"]  # the five clicks, in order


@pytest.fixture
def data_dir(tmp_path) -> Path:
    build_warehouse(tmp_path / "data")
    return tmp_path / "data"


def validation_page(data_dir: Path, monkeypatch, **params) -> AppTest:
    return open_page(data_dir, monkeypatch, "validation", params)


def draw(data_dir: Path, name: str = "pilot", *, mentions: int = 8, articles: int = 2, overlap: float = 0.5):
    filters = Filters(model_version=MODEL, date_from=date(2026, 7, 1), date_to=date(2026, 8, 31))
    return codings.draw_sample(data_dir, codings.SampleDesign(name, mentions, articles, overlap=overlap),
                               filters.params(), frame_keys=FRAME_KEYS)


def shown_item(at: AppTest) -> str | None:
    """The id of the item on screen: the code span of the coding panel's first line."""
    for block in at.get("markdown"):
        if block.value.startswith(":gray[") and "`" in block.value:
            return block.value.split("`")[1]
    return None


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def plain(column) -> list:
    """A table column as the report writes it: missing values as None."""
    return [None if value != value else value for value in column.tolist()]


def number(value) -> str:
    return "—" if value is None else f"{value:.2f}"


def test_without_samples_the_page_asks_for_one_and_writes_nothing(data_dir, monkeypatch):
    at = validation_page(data_dir, monkeypatch)
    assert at.title[0].value == "Validation"
    assert any("No sample yet" in i.value for i in at.info)
    assert at.button(key="draw-submit")  # the form is open
    assert not codings.codings_path(data_dir).exists()  # looking is no reason to create the store


def test_draw_code_reload_and_report(data_dir, monkeypatch):
    at = validation_page(data_dir, monkeypatch)
    at.text_input(key="draw-name").input("pilot")
    at.number_input(key="draw-mentions").set_value(8)
    at.number_input(key="draw-articles").set_value(2)
    at.slider(key="draw-overlap").set_value(0.5)
    at.button(key="draw-submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("pilot" in s.value for s in at.success)
    info = codings.sample_info(data_dir, "pilot")
    assert (info.model_version, info.n_mentions, info.n_articles) == (MODEL, 8, 2)
    assert info.design["frame_keys"] and info.filters["model_version"] == MODEL
    assert at.selectbox(key="sample").value == "pilot"

    at.text_input(key="coder").input("ana").run()
    order = list(codings.sample_items(data_dir, "pilot", "mention")["item_id"])
    for position, label in enumerate(LABELS):
        assert shown_item(at) == order[position]
        at.button(key=f"code-{label}").click().run()
        assert not at.exception, [e.value for e in at.exception]
    saved = codings.codings(data_dir, "pilot")
    assert list(saved.sort_values("coded_at")["item_id"]) == order[:5]
    assert list(saved.sort_values("coded_at")["label"]) == LABELS
    assert set(saved["coder"]) == {"ana"}

    # Reload: a new session on the same data folder, the sample and coder from the link.
    again = validation_page(data_dir, monkeypatch, sample="pilot", coder="ana")
    assert again.selectbox(key="sample").value == "pilot" and again.text_input(key="coder").value == "ana"
    assert shown_item(again) == order[5]  # the sixth
    assert any("5 of 8" in p.text for p in again.get("progress"))
    assert len(codings.codings(data_dir, "pilot")) == 5
    path, link = again.sidebar.code[0].value.split("?")
    assert path == "/validation" and "sample=pilot" in link and "coder=ana" in link

    # A second coder, through the store (as another dashboard would): the overlap gives a real alpha.
    ben = ["negative", "neutral", "negative", "n/a", "positive", "positive", "neutral", "negative"]
    for label in ben:
        item = codings.next_item(data_dir, "pilot", "ben", "mention")
        if item is None:
            break
        codings.record_coding(data_dir, "pilot", item["item_id"], "ben", label=label)
    again = validation_page(data_dir, monkeypatch, sample="pilot", coder="ana")
    report = codings.report(data_dir, "pilot", MODEL)["mentions"]
    shown = metrics(again)
    assert shown["Coded items"] == f"{report['coded_items']} / {report['items']}"
    assert shown["Krippendorff's α"] == number(report["alpha"]["all"]["alpha"]) != "—"
    assert shown["Model macro-F1"] == number(report["model"]["all"]["macro_f1"])
    assert shown["Model accuracy"] == number(report["model"]["all"]["accuracy"])
    alphas = next(d.value for d in again.dataframe if "alpha_low" in d.value.columns)
    for column, key in (("alpha", "alpha"), ("alpha_low", "low"), ("alpha_high", "high"), ("units", "units")):
        assert plain(alphas[column]) == [figures[key] for figures in report["alpha"].values()], column
    agreement = next(d.value for d in again.dataframe if "macro_f1_low" in d.value.columns)
    for column in ("n", "macro_f1", "macro_f1_low", "macro_f1_high", "accuracy"):
        assert plain(agreement[column]) == [figures[column] for figures in report["model"].values()], column
    assert again.get("vega_lite_chart"), "the confusion matrix is drawn"


def test_undo_skip_and_articles(data_dir, monkeypatch):
    draw(data_dir)
    at = validation_page(data_dir, monkeypatch, sample="pilot", coder="cy")
    first = shown_item(at)
    at.button(key="code-skip").click().run()
    second = shown_item(at)
    assert second != first
    at.button(key="code-positive").click().run()
    at.button(key="code-undo").click().run()
    assert shown_item(at) == second and codings.codings(data_dir, "pilot").empty
    # Articles: a tone without frames is refused, with 1-3 frames it is saved.
    at.segmented_control(key="validation-kind").set_value("article").run()
    article = shown_item(at)
    at.button(key="code-negative").click().run()
    assert at.warning and shown_item(at) == article
    at.multiselect(key=f"frames-{article}").set_value(["security", "trade"]).run()
    at.button(key="code-negative").click().run()
    assert not at.exception, [e.value for e in at.exception]
    saved = codings.codings(data_dir, "pilot").set_index("item_id")
    assert saved.loc[article, "label"] == "negative" and list(saved.loc[article, "frames"]) == ["security", "trade"]


def test_another_model_version_is_compared_and_training_items_flagged(data_dir, monkeypatch):
    draw(data_dir)
    items = codings.sample_items(data_dir, "pilot")
    for item_id, kind in zip(items["item_id"], items["kind"], strict=True):
        codings.record_coding(data_dir, "pilot", item_id, "ana", label="negative",
                              frames=["security"] if kind == "article" else ())
    used = items.loc[items["kind"] == "mention", "item_id"].iloc[0]
    codings.record_training_use(data_dir, OLD_MODEL, [("mention", "pilot", used, "train")])
    at = validation_page(data_dir, monkeypatch, sample="pilot", model_version=OLD_MODEL)
    assert any(OLD_MODEL in w.value and "trained on 1" in w.value for w in at.warning)
    both = next(d.value for d in at.dataframe if "model_version" in d.value.columns)
    assert set(both["model_version"]) == {MODEL, OLD_MODEL}
    assert t("validation.group.train") in set(both["group"])


def test_the_page_in_spanish_shows_no_english(data_dir, monkeypatch):
    draw(data_dir)
    items = codings.sample_items(data_dir, "pilot")
    tones = ["negative", "neutral", "positive"]
    for coder in ("ana", "ben"):
        for number, (item_id, kind) in enumerate(zip(items["item_id"], items["kind"], strict=True)):
            # The two agree on all but the fifth item.
            label = tones[(number + (coder == "ben" and number == 4)) % 3]
            codings.record_coding(data_dir, "pilot", item_id, coder, label=label,
                                  frames=["security"] if kind == "article" else ())
    codings.record_training_use(data_dir, OLD_MODEL, [("mention", "pilot", items["item_id"].iloc[0], "holdout")])
    for params in ({"sample": "pilot", "coder": "cy"}, {"sample": "pilot", "coder": "ana", "model_version": OLD_MODEL}):
        at = validation_page(data_dir, monkeypatch, lang="es", **params)
        assert at.title[0].value == "Validación"
        texts, prose, problems = page_text(at)
        assert not problems, problems
        assert not english_leftovers(texts), english_leftovers(texts)
        assert not english_words(prose), english_words(prose)
        for spec in (json.loads(c.proto.spec) for c in at.get("vega_lite_chart")):
            assert spec["config"]["locale"]["time"]["months"][0] == "enero"
        assert at.get("vega_lite_chart") and at.metric


# --- a real browser -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_coding_with_the_keyboard_in_a_real_browser(tmp_path, browser_tools):  # noqa: F811
    data_dir = tmp_path / "data"
    build_warehouse(data_dir)
    draw(data_dir)
    # Another coder has coded everything, so the figures below have two coders to compare.
    items = codings.sample_items(data_dir, "pilot")
    for item_id, kind, label in zip(items["item_id"], items["kind"],
                                    ["negative", "neutral", "positive", "neutral"] * 3, strict=False):
        codings.record_coding(data_dir, "pilot", item_id, "ana", label=label,
                              frames=["security"] if kind == "article" else ())
    seen = run_in_browser(browser_tools, data_dir, "code_keys.js", "/validation?sample=pilot&coder=kb",
                          tmp_path / "espejo-validation.png", "123")
    saved = codings.codings(data_dir, "pilot")
    mine = saved[saved["coder"] == "kb"].sort_values("coded_at")
    assert list(mine["item_id"]) == seen["items"]
    assert list(mine["label"]) == ["negative", "neutral", "positive"]
    assert seen["after"] == codings.next_item(data_dir, "pilot", "kb", "mention")["item_id"]
    assert seen["title"] == "Validation" and seen["exceptions"] == 0 and seen["metrics"] >= 4
