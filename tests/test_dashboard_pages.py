"""Every dashboard page against the small fixture warehouse of test_dashboard.py and against empty ones;
filters and query parameters round-trip through the URL; exported files re-read equal to what is shown;
the statistics behind the pages on inputs with known answers."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from espejo.dashboards import analysis, data
from espejo.dashboards.filters import Filters, load_topics, terms_pattern, with_topic
from espejo.settings import DATA_DIR_ENV
from espejo.warehouse.db import connect, publish_snapshot

from test_dashboard import APP, APP_TIMEOUT_S, ARTICLES, MODEL, OLD_MODEL, build_warehouse, counted

PAGES = ["mirrors", "stories", "trends", "frames", "outlets", "diplomacy", "explorer", "validation", "opinion",
         "health", "export"]
TITLES = {
    "mirrors": "Two mirrors", "stories": "Stories", "trends": "Trends and narrative shifts", "frames": "Frames",
    "outlets": "Outlets",
    "diplomacy": "Public-diplomacy tracker", "explorer": "Article explorer", "opinion": "Public-opinion reference",
    "health": "Runs and data health", "export": "Export", "validation": "Validation",
}
FIRST_DAY, LAST_DAY = "2026-07-10", "2026-08-21"  # mx2 is undated: its fetch date (2026-08-05) counts


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("espejo-pages")
    build_warehouse(data_dir)
    return data_dir


def open_page(data_dir: Path, monkeypatch, page: str = "mirrors", params: dict | None = None) -> AppTest:
    monkeypatch.setenv(DATA_DIR_ENV, str(data_dir))
    at = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT_S)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if page != "mirrors":
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def share_link(at: AppTest) -> tuple[str, dict[str, list[str]]]:
    """The sidebar's link to this view: (page path, query parameters)."""
    link = at.sidebar.code[0].value
    parts = urlsplit(link)
    params: dict[str, list[str]] = {}
    for key, value in parse_qsl(parts.query):
        params.setdefault(key, []).append(value)
    return parts.path, params


def all_text(at: AppTest) -> str:
    return " ".join(x.value for kind in ("markdown", "caption", "info", "warning", "success", "title", "subheader")
                    for x in at.get(kind))


# --- every page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_every_page_draws_from_the_fixture(warehouse_dir, monkeypatch, page):
    at = open_page(warehouse_dir, monkeypatch, page)
    assert at.title[0].value == TITLES[page]
    if page in ("mirrors", "trends", "frames", "outlets", "diplomacy", "opinion"):
        assert at.get("vega_lite_chart"), f"{page} draws charts"
    if page in ("mirrors", "stories", "outlets", "diplomacy", "health", "export", "opinion"):
        assert at.dataframe, f"{page} shows its rows"


# (the Validation page reads its own samples, not the filtered articles)
@pytest.mark.parametrize("page", [p for p in PAGES if p not in ("opinion", "health", "explorer", "validation")])
def test_filters_that_match_nothing_explain_instead_of_failing(warehouse_dir, monkeypatch, page):
    # A period with no articles at all (the previous period of equal length is empty too).
    at = open_page(warehouse_dir, monkeypatch, page, {"dates": ["2020-01-01", "2020-01-31"]})
    assert "No articles match these filters" in all_text(at)


def test_empty_and_unanalysed_warehouses(tmp_path, monkeypatch):
    at = open_page(tmp_path, monkeypatch)
    assert "espejo demo" in " ".join(i.value for i in at.info)
    with connect(tmp_path) as con:
        publish_snapshot(con, tmp_path)
    at = open_page(tmp_path, monkeypatch)
    assert "no analysed articles" in " ".join(i.value for i in at.info)
    assert not at.dataframe and not at.metric


def test_snapshot_from_before_the_dashboard_tables_says_what_to_run(tmp_path, monkeypatch):
    build_warehouse(tmp_path)
    # Republish the snapshot as an older Espejo would have written it: without migration 002's tables.
    with connect(tmp_path) as con:
        con.execute("DROP TABLE agg_article_frames")
        con.execute("DROP TABLE agg_article_facts")
        publish_snapshot(con, tmp_path)
    at = open_page(tmp_path, monkeypatch)
    assert "espejo run" in " ".join(i.value for i in at.info)


# --- URL state and language -------------------------------------------------------------------------


def test_query_parameters_set_the_filters_and_round_trip(warehouse_dir, monkeypatch):
    params = {"model_version": MODEL, "dates": ["2026-08-01", "2026-08-31"], "outlets": ["us_wire", "us_daily"],
              "languages": ["en"], "frame": "security", "lang": "es"}
    at = open_page(warehouse_dir, monkeypatch, "mirrors", params)
    assert at.title[0].value == "Dos espejos"
    assert at.sidebar.multiselect[0].value == ["us_wire", "us_daily"]
    assert at.sidebar.multiselect[1].value == ["en"]
    assert at.sidebar.selectbox[2].value == "security"
    metrics = {c.subheader[0].value: {m.label: m.value for m in c.metric} for c in at.main.columns if c.subheader}
    # August, U.S. outlets, English, leading with security: only us3.
    assert metrics["Medios de EE. UU. sobre México"]["Artículos"] == "1"
    assert metrics["Medios mexicanos sobre EE. UU."]["Artículos"] == "0"

    path, shared = share_link(at)
    assert path == "/"  # the default page
    assert shared["outlets"] == ["us_wire", "us_daily"] and shared["frame"] == ["security"]
    assert shared["dates"] == ["2026-08-01", "2026-08-31"] and shared["lang"] == ["es"]
    again = open_page(warehouse_dir, monkeypatch, "mirrors", shared)
    assert share_link(again) == (path, shared)
    assert [m.value for m in again.metric] == [m.value for m in at.metric]


def test_changing_a_filter_updates_the_link(warehouse_dir, monkeypatch):
    at = open_page(warehouse_dir, monkeypatch)
    _, shared = share_link(at)
    assert "outlets" not in shared and "topic" not in shared  # defaults stay out of the URL
    at.sidebar.multiselect[0].select("mx_diario").run()
    at.sidebar.selectbox[1].select("trade").run()
    _, shared = share_link(at)
    assert shared["outlets"] == ["mx_diario"] and shared["topic"] == ["trade"]
    metrics = {c.subheader[0].value: {m.label: m.value for m in c.metric} for c in at.main.columns if c.subheader}
    assert metrics["Mexican media on the U.S."]["Articles"] == "1"  # mx1: aranceles, at Diario MX


def test_the_page_is_in_the_link(warehouse_dir, monkeypatch):
    at = open_page(warehouse_dir, monkeypatch, "outlets")
    assert share_link(at)[0] == "/outlets"


def test_old_model_version_from_the_url(warehouse_dir, monkeypatch):
    at = open_page(warehouse_dir, monkeypatch, "mirrors", {"model_version": OLD_MODEL})
    assert at.sidebar.selectbox[0].value == OLD_MODEL
    metrics = {c.subheader[0].value: {m.label: m.value for m in c.metric} for c in at.main.columns if c.subheader}
    assert metrics["U.S. media on Mexico"]["Articles"] == "1"


# --- evidence: two clicks to the sentences ------------------------------------------------------------


def test_evidence_links_open_the_article_with_highlighted_sentences(warehouse_dir, monkeypatch):
    at = open_page(warehouse_dir, monkeypatch, "mirrors", {"outlets": ["us_wire"]})
    links = pd.concat([frame.value["explorer"] for frame in at.dataframe if "explorer" in frame.value])
    link = next(lk for lk in links if "article=us1" in lk)
    parts = urlsplit(link)
    assert parts.path == "explorer"
    params: dict[str, list[str]] = {}
    for key, value in parse_qsl(parts.query):
        params.setdefault(key, []).append(value)
    assert params["outlets"] == ["us_wire"]  # the filters travel with the link

    at = open_page(warehouse_dir, monkeypatch, "explorer", params)
    page = " ".join(m.value for m in at.markdown)
    assert "<u><b>Mexico</b></u>" in page and "sharp criticism from border sheriffs" in page
    assert "rgba(204, 121, 167" in page  # the negative sentence's colour
    frames = at.dataframe[-1].value
    assert set(frames["frame"]) == {"security", "economy"}
    captions = " ".join(c.value for c in at.caption)
    assert MODEL in captions and "2026-09-01T020000-test" in captions


def test_search_binds_user_text_and_escapes_wildcards(warehouse_dir, monkeypatch):
    at = open_page(warehouse_dir, monkeypatch, "explorer", {"q": "aguacate"})
    assert list(at.dataframe[0].value["article_id"]) == ["mx1"]
    filters = Filters(MODEL, pd.Timestamp(FIRST_DAY).date(), pd.Timestamp(LAST_DAY).date())
    assert data.search_articles(warehouse_dir, filters, "' OR 1=1 --").empty
    assert data.search_articles(warehouse_dir, filters, "%").empty  # a literal percent sign, not a wildcard
    assert len(data.search_articles(warehouse_dir, filters, "MEXIC")) == 3


# --- exports ------------------------------------------------------------------------------------------


def test_exported_files_reread_equal_to_what_is_shown(warehouse_dir, monkeypatch):
    served: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def capture(self, path_or_data, mimetype, kind, filename=None):
        served[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", capture)
    at = open_page(warehouse_dir, monkeypatch, "export")
    shown = dict(zip(["articles", "mentions", "aggregates"], (frame.value for frame in at.dataframe), strict=True))
    assert len(shown["articles"]) == len(counted("us->mx")) + len(counted("mx->us"))
    assert len(shown["mentions"]) == sum(len(a.mentions) for a in ARTICLES if a.relevant)
    for name, frame in shown.items():
        csv_name = next(n for n in served if n.endswith(f"_{name}.csv"))
        parquet_name = next(n for n in served if n.endswith(f"_{name}.parquet"))
        from_parquet = pd.read_parquet(io.BytesIO(served[parquet_name]))
        pd.testing.assert_frame_equal(from_parquet.reset_index(drop=True), frame.reset_index(drop=True),
                                      check_dtype=False)
        from_csv = pd.read_csv(io.BytesIO(served[csv_name]))
        assert list(from_csv.columns) == list(frame.columns) and len(from_csv) == len(frame)
        for column in frame.columns:
            if pd.api.types.is_float_dtype(frame[column]):
                np.testing.assert_allclose(from_csv[column].astype(float), frame[column].astype(float))
            elif pd.api.types.is_integer_dtype(frame[column]):
                assert list(from_csv[column]) == list(frame[column])
            else:
                assert list(from_csv[column].astype(str)) == list(frame[column].astype(str))


def test_a_large_export_is_paged_and_its_files_are_read_only_on_download(warehouse_dir, monkeypatch):
    """With pages of 2 rows the fixture's exports span several pages: the page shows one, the buttons carry
    functions that read the whole file when clicked, and those files hold every row, in the shown order."""
    import streamlit as st
    from streamlit.elements.widgets.button import ButtonMixin

    monkeypatch.setattr(data, "EXPORT_PAGE_ROWS", 2)
    st.cache_data.clear()  # pages cached at the default size must not answer for this one
    offered: dict[str, object] = {}
    original = ButtonMixin.download_button

    def record(self, label, data_, *args, file_name=None, **kwargs):
        offered[file_name] = data_
        return original(self, label, data_, *args, file_name=file_name, **kwargs)

    monkeypatch.setattr(ButtonMixin, "download_button", record)
    try:
        at = open_page(warehouse_dir, monkeypatch, "export")
        articles_shown, mentions_shown = at.dataframe[0].value, at.dataframe[1].value
        assert len(articles_shown) == len(mentions_shown) == 2
        assert [n.key for n in at.number_input] == ["export-page-articles", "export-page-mentions"]
        for name, shown, expected in (("articles", articles_shown, len(counted("us->mx")) + len(counted("mx->us"))),
                                      ("mentions", mentions_shown, sum(len(a.mentions) for a in ARTICLES
                                                                       if a.relevant))):
            loader = next(v for k, v in offered.items() if k.endswith(f"_{name}.parquet"))
            assert callable(loader), f"the {name} file is prepared on click, not with the page"
            whole = pd.read_parquet(io.BytesIO(loader()))
            assert len(whole) == expected
            pd.testing.assert_frame_equal(whole.head(2), shown.reset_index(drop=True), check_dtype=False)
            csv_loader = next(v for k, v in offered.items() if k.endswith(f"_{name}.csv"))
            assert len(pd.read_csv(io.BytesIO(csv_loader()))) == expected

        at.number_input(key="export-page-articles").set_value(2).run()
        assert not at.exception
        second = at.dataframe[0].value
        whole = data.export_articles(warehouse_dir, Filters(MODEL, pd.Timestamp(FIRST_DAY).date(),
                                                            pd.Timestamp(LAST_DAY).date()))
        assert list(second["article_id"]) == list(whole["article_id"][2:4])
    finally:
        st.cache_data.clear()


# --- the data behind the pages --------------------------------------------------------------------------


def test_filtered_summaries_and_previous_period(warehouse_dir):
    filters = Filters(MODEL, pd.Timestamp("2026-08-01").date(), pd.Timestamp("2026-08-31").date())
    summary = data.direction_summaries(warehouse_dir, filters)
    assert summary["us->mx"].articles == 2 and summary["mx->us"].articles == 1  # us2, us3; mx2 (fetch date)
    previous = data.direction_summaries(warehouse_dir, filters.previous())
    assert filters.previous().date_from == pd.Timestamp("2026-07-01").date()
    assert previous["us->mx"].articles == 1 and previous["mx->us"].articles == 1  # us1; mx1
    stances = [a.stance for a in counted("us->mx") if a.published >= "2026-08-01"]
    assert summary["us->mx"].mean_stance == pytest.approx(np.mean(stances))


def test_topics_file_matches_terms_in_both_languages(warehouse_dir):
    topics = load_topics()
    assert {t.key for t in topics} >= {"exchanges", "sister_cities", "world_cup", "trade", "migration", "security"}
    assert all(t.terms_en and t.terms_es for t in topics)
    base = Filters(MODEL, pd.Timestamp(FIRST_DAY).date(), pd.Timestamp(LAST_DAY).date())
    trade = data.direction_summaries(warehouse_dir, with_topic(Filters(**{**base.__dict__, "topic": "trade"}), topics))
    assert trade["mx->us"].articles == 1  # "aranceles" (arancel) in mx1
    series = data.topic_series(warehouse_dir, base, topics)
    migration = series[series["topic"] == "migration"]
    assert set(migration["direction"]) == {"us->mx"}  # "migrants" in us3
    import re

    assert re.search(terms_pattern(["migra"]), "los migrantes") and not re.search(terms_pattern(["gun"]), "begun")


def test_change_points_find_a_step_and_not_noise():
    rng = np.random.default_rng(1)
    step = np.r_[rng.normal(0.3, 0.05, 20), rng.normal(-0.2, 0.05, 20)]
    assert analysis.change_points(step) == [20]
    assert analysis.change_points(rng.normal(0, 0.05, 40)) == []
    series = pd.DataFrame({"direction": "us->mx", "period": pd.date_range("2026-01-05", periods=40, freq="W-MON"),
                           "mean_stance": step})
    found = analysis.series_change_points(series, "mean_stance", ["direction"])
    assert len(found) == 1 and found.iloc[0]["period"] == series["period"][20]
    assert found.iloc[0]["before"] == pytest.approx(step[:20].mean())


def test_bootstrap_interval_covers_the_mean_and_is_reproducible():
    stances = pd.DataFrame({"direction": "mx->us", "day": pd.to_datetime(["2026-03-02"] * 50),
                            "stance": np.linspace(-0.5, 0.5, 50)})
    a, b = analysis.bootstrap_series(stances, "W"), analysis.bootstrap_series(stances, "W")
    pd.testing.assert_frame_equal(a, b)
    row = a.iloc[0]
    assert row["ci_low"] < 0 < row["ci_high"] and row["ci_high"] - row["ci_low"] < 0.25


def test_vocabulary_counts_the_sentences_that_mention_the_other_country(warehouse_dir):
    """Each group's words come from its articles' sentences holding a scored mention (of this model version),
    each sentence once; a sentence without one ("Officials met on Tuesday.") adds nothing."""
    import re
    from collections import Counter

    def expected(model_articles):
        counts = Counter()
        for art, indexes in model_articles:
            for index in sorted(set(indexes)):
                for word in re.split("[^a-záéíóúüñ]+", art.sentences[index].lower()):
                    if len(word) >= 3 and word != "the":
                        counts[(art.direction, word)] += 1
        return dict(counts)

    def found(model):
        filters = Filters(model, pd.Timestamp(FIRST_DAY).date(), pd.Timestamp(LAST_DAY).date())
        table = data.vocabulary_counts(warehouse_dir, filters, ["the"])
        return {(g, w): int(n) for g, w, n in table[["grp", "word", "n"]].itertuples(index=False)}

    current = found(MODEL)
    assert current == expected([(a, [m[0] for m in a.mentions]) for a in ARTICLES if a.relevant and a.mentions])
    assert ("us->mx", "officials") not in current and current[("us->mx", "mexico")] == 2
    # The earlier model version scored one mention, in us1's second sentence: only that sentence counts.
    assert found(OLD_MODEL) == expected([(ARTICLES[0], [1])])


def test_weighted_log_odds_ranks_the_distinctive_word():
    counts = pd.DataFrame({"grp": ["a", "a", "a", "b", "b", "b"], "word": ["muro", "comercio", "frontera"] * 2,
                           "n": [40, 10, 10, 2, 10, 10]})
    scores = analysis.weighted_log_odds(counts, "a", "b")
    assert scores.iloc[0]["word"] == "muro" and scores.iloc[0]["z"] > 2
    assert scores.iloc[0]["z"] > abs(scores.iloc[1:]["z"]).max()  # the others only make room for it
    same = analysis.weighted_log_odds(counts.assign(grp=counts["grp"].map({"a": "b", "b": "a"})), "b", "a")
    pd.testing.assert_frame_equal(scores, same)  # symmetric in the groups' names


def test_unusual_volume_flags_a_collapse():
    weeks = pd.date_range("2026-01-05", periods=12, freq="W-MON")
    weekly = pd.DataFrame({"source_key": "a", "week": weeks, "articles": [20, 22, 19, 21, 20, 23, 18, 20, 21, 22, 19, 1]})
    flags = analysis.unusual_volumes(weekly)
    assert flags.iloc[0]["status"] == "low" and flags.iloc[0]["robust_z"] < -3.5


def test_bench_generator_builds_a_consistent_warehouse(tmp_path):
    from espejo.dashboards import bench

    bench.build(tmp_path, articles=400, mentions_per_article=5)
    options = data.filter_options(tmp_path, bench.MODEL)
    filters = Filters(bench.MODEL, options.first_day, options.last_day)
    summary = data.direction_summaries(tmp_path, filters)
    assert sum(s.articles for s in summary.values()) == 400
    assert sum(s.mentions for s in summary.values()) == 2000
    assert len(options.outlets) == 20 and set(options.languages) == {"en", "es"}
    assert not data.leading_frames(tmp_path, filters).empty
