"""The Stories page against the fixture warehouse of test_dashboard.py, whose stories are a two-sided one
(us2, mx2, us3), one only U.S. media covered (us1 and the unscored us4) and one of a single article (mx1):
the biggest stories listed with their sides, a story's two sides with the right counts, stance, outlets and
sentences, the one-sided story labelled, the open story and the coverage filter in the URL, the links from Two
mirrors, a snapshot without stories or from before them, Spanish, and (slow) a real browser."""

from __future__ import annotations

import statistics
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest

from espejo.dashboards import data
from espejo.dashboards.filters import Filters
from espejo.warehouse.db import connect, publish_snapshot

from test_dashboard import (ARTICLES, EMBED_MODEL, MODEL, OLD_MODEL, OLD_RUN, RUN, SINGLE, STORY_RULES_SHA, TWO_SIDED,
                            US_ONLY, build_warehouse)
from test_browser import browser_tools, run_in_browser  # noqa: F401 (browser_tools: a fixture)
from test_dashboard_i18n import english_leftovers, english_words, page_text
from test_dashboard_pages import all_text, open_page, share_link

BY_ID = {a.article_id: a for a in ARTICLES}


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("espejo-stories")
    build_warehouse(data_dir)
    return data_dir


def metrics(at) -> dict[str, str]:
    """The story counts above the list (the first row of metrics)."""
    return {m.label: m.value for m in at.metric[:4]}


def side_metrics(at) -> dict[str, dict[str, str]]:
    """{side heading: {metric label: value}} of the open story's two columns."""
    return {c.subheader[0].value: {m.label: m.value for m in c.metric} for c in at.main.columns if c.subheader}


def link_params(link: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(link)
    params: dict[str, list[str]] = {}
    for key, value in parse_qsl(parts.query):
        params.setdefault(key, []).append(value)
    return parts.path, params


def mean_stance(*ids: str) -> str:
    return f"{statistics.mean(BY_ID[a].stance for a in ids):+.2f}"


# --- the plain data module -------------------------------------------------------------------------------


def test_story_detail_splits_the_sides_and_picks_the_article_nearest_the_centroid(warehouse_dir):
    detail = data.story_detail(warehouse_dir, TWO_SIDED, MODEL)
    assert detail.header["title"] == "Peso rallies" and int(detail.header["articles"]) == 3
    assert detail.header["formed_run_id"] == OLD_RUN and detail.header["updated_run_id"] == RUN
    assert detail.header["embed_model"] == EMBED_MODEL and detail.header["rules_sha256"] == STORY_RULES_SHA
    us, mx = detail.sides["us->mx"], detail.sides["mx->us"]
    assert (us.articles, us.scored, mx.articles, mx.scored) == (2, 2, 1, 1)
    assert us.mean_stance == pytest.approx(statistics.mean([BY_ID["us2"].stance, BY_ID["us3"].stance]))
    assert mx.ci_low is None  # one article: no interval rather than a fake one
    assert dict(zip(us.outlets["source_key"], us.outlets["articles"])) == {"us_daily": 1, "us_wire": 1}
    assert set(us.frames["frame"]) == {"economy", "migration", "security"}
    # us3 lies on the centroid (us2 was first but is further from it now): its strongest-scored sentence speaks.
    assert us.representative["article_id"] == "us3"
    assert us.representative["sentence"] == "Mexican authorities struggled to shelter the new arrivals."
    assert mx.representative["sentence"] == "La embajada de EE.UU. elogió la cooperación."
    assert list(detail.timeline["articles"]) == [1, 1, 1]

    one_sided = data.story_detail(warehouse_dir, US_ONLY, MODEL)
    us, mx = one_sided.sides["us->mx"], one_sided.sides["mx->us"]
    assert (us.articles, us.scored, mx.articles) == (2, 1, 0)  # us4 is in the story, unscored
    # us1 ran at both U.S. outlets (a wire copy), us4 at the daily: every outlet that ran one counts.
    assert dict(zip(us.outlets["source_key"], us.outlets["articles"])) == {"us_daily": 2, "us_wire": 1}
    assert mx.representative is None and mx.outlets.empty


def test_only_stories_of_two_articles_or_more_are_listed_and_linked(warehouse_dir):
    filters = Filters(MODEL, pd.Timestamp("2026-07-01").date(), pd.Timestamp("2026-08-31").date())
    listed = data.story_list(warehouse_dir, filters)
    assert list(listed["story_id"]) == [TWO_SIDED, US_ONLY]  # biggest first; mx1's story of one is no story
    assert list(listed["coverage"]) == ["both", "us_only"]
    assert list(data.story_list(warehouse_dir, filters, "one")["story_id"]) == [US_ONLY]
    assert data.article_stories(warehouse_dir, ["us1", "us3", "mx1", "nope"]) == {"us1": US_ONLY, "us3": TWO_SIDED}
    assert SINGLE not in set(listed["story_id"])
    # The old model version scored only us1: only its story has an article under the filters.
    old = Filters(OLD_MODEL, filters.date_from, filters.date_to)
    assert list(data.story_list(warehouse_dir, old)["story_id"]) == [US_ONLY]
    # The counts are every story's under the filters, whichever coverage is listed, even when none is.
    for sides, listed in (("all", [US_ONLY]), ("one", [US_ONLY]), ("both", [])):
        overview = data.story_overview(warehouse_dir, old, sides)
        assert list(overview.stories["story_id"]) == listed and list(overview.stories["matched"]) == [1] * len(listed)
        assert overview.counts == {"both": 0, "us_only": 1, "mx_only": 0}
    assert data.story_overview(warehouse_dir, filters, "both").counts == {"both": 1, "us_only": 1, "mx_only": 0}


# --- the page -------------------------------------------------------------------------------------------


def test_the_biggest_stories_are_listed_with_their_sides(warehouse_dir, monkeypatch):
    at = open_page(warehouse_dir, monkeypatch, "stories")
    assert at.title[0].value == "Stories"
    assert metrics(at) == {"Stories": "2", "Both sides": "1", "Only U.S. media": "1", "Only Mexican media": "0"}
    listed = next(d.value for d in at.dataframe if "coverage" in d.value)
    assert list(listed["story_id"]) == [TWO_SIDED, US_ONLY]
    assert list(listed["coverage"]) == ["Both sides", "Only U.S. media"]
    assert list(listed["articles"]) == [3, 2] and list(listed["mx_articles"]) == [1, 0]
    assert link_params(listed["open"].iloc[1]) == ("stories", {"story": [US_ONLY]})
    assert "Open a story from the list" in all_text(at)  # no story open yet


def test_a_story_shows_both_sides_with_the_right_counts(warehouse_dir, monkeypatch):
    at = open_page(warehouse_dir, monkeypatch, "stories", {"story": TWO_SIDED})
    assert "Peso rallies" in [s.value for s in at.subheader]
    sides = side_metrics(at)
    us, mx = sides["U.S. media on Mexico"], sides["Mexican media on the U.S."]
    assert us == {"Articles": "2", "Mean stance": mean_stance("us2", "us3")}
    assert mx == {"Articles": "1", "Mean stance": mean_stance("mx2")}
    page = " ".join(m.value for m in at.markdown)
    assert "> Mexican authorities struggled to shelter the new arrivals" in page
    assert "> La embajada de EE\\.UU\\. elogió la cooperación" in page  # article text taken literally
    captions = " ".join(c.value for c in at.caption)
    assert f"formed by run `{OLD_RUN}`" in captions and EMBED_MODEL in captions and STORY_RULES_SHA[:12] in captions
    assert not at.warning  # both sides covered it
    articles = next(d.value for d in at.dataframe if "joined_run_id" in d.value)
    assert list(articles["article_id"]) == ["us2", "mx2", "us3"]
    assert link_params(articles["explorer"].iloc[0])[1]["article"] == ["us2"]
    # the timeline, and per side the outlets and the frames
    assert len(at.get("vega_lite_chart")) == 5


def test_a_story_one_side_covered_is_labelled(warehouse_dir, monkeypatch):
    at = open_page(warehouse_dir, monkeypatch, "stories", {"story": US_ONLY})
    assert "Only U.S. media covered this story" in " ".join(w.value for w in at.warning)
    assert "No article from this country's outlets joined this story." in [i.value for i in at.info]
    sides = side_metrics(at)
    assert sides["U.S. media on Mexico"] == {"Articles": "2", "Mean stance": mean_stance("us1")}
    assert sides["Mexican media on the U.S."] == {}
    articles = next(d.value for d in at.dataframe if "joined_run_id" in d.value)
    assert list(articles["article_id"]) == ["us1", "us4"] and pd.isna(articles["stance"].iloc[1])  # us4: unscored


def test_the_coverage_filter_and_the_open_story_live_in_the_url(warehouse_dir, monkeypatch):
    at = open_page(warehouse_dir, monkeypatch, "stories", {"sides": "one", "story": TWO_SIDED, "outlets": ["us_wire"]})
    listed = next(d.value for d in at.dataframe if "coverage" in d.value)
    assert list(listed["story_id"]) == [US_ONLY]
    assert metrics(at)["Stories"] == "2"  # counted whichever coverage is listed
    path, shared = share_link(at)
    assert path == "/stories" and shared["sides"] == ["one"] and shared["story"] == [TWO_SIDED]
    assert shared["outlets"] == ["us_wire"]
    again = open_page(warehouse_dir, monkeypatch, "stories", shared)
    assert share_link(again) == (path, shared)
    assert "Peso rallies" in [s.value for s in again.subheader]  # the story is shown whole, outlet filter or not

    # Choosing a coverage, then a story from the list, puts each in the link.
    at = open_page(warehouse_dir, monkeypatch, "stories")
    at.button_group(key="story_sides").set_value("both").run()
    assert share_link(at) == ("/stories", {"sides": ["both"]})
    assert list(next(d.value for d in at.dataframe if "coverage" in d.value)["story_id"]) == [TWO_SIDED]
    at.selectbox(key="story_pick").select(TWO_SIDED).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text_input(key="story").value == TWO_SIDED
    assert share_link(at)[1]["story"] == [TWO_SIDED] and share_link(at)[1]["sides"] == ["both"]
    assert "Peso rallies" in [s.value for s in at.subheader]


def test_an_unknown_story_id_is_said_so(warehouse_dir, monkeypatch):
    at = open_page(warehouse_dir, monkeypatch, "stories", {"story": "story-nothing", "sides": "nonsense"})
    assert "No story with id `story-nothing`" in " ".join(w.value for w in at.warning)
    assert metrics(at)["Stories"] == "2"  # an unknown coverage value is ignored: every story


def test_two_mirrors_links_an_article_to_its_story(warehouse_dir, monkeypatch):
    at = open_page(warehouse_dir, monkeypatch, "mirrors", {"outlets": ["us_wire", "mx_diario"]})
    us, mx = (d.value for d in at.dataframe if "explorer" in d.value)
    links = dict(zip(us["explorer"].map(lambda x: link_params(x)[1]["article"][0]), us["story"]))
    assert set(links) == {"us1", "us3"} and links["us3"] != links["us1"]
    # mx1's story has one article: nothing to link, so its table has no story column at all.
    assert list(mx["sentence"]) == [BY_ID["mx1"].sentences[0]] and "story" not in mx
    path, params = link_params(links["us1"])
    assert path == "stories" and params["story"] == [US_ONLY] and params["outlets"] == ["us_wire", "mx_diario"]
    at = open_page(warehouse_dir, monkeypatch, "stories", params)
    assert "Border plan draws fire" in [s.value for s in at.subheader]


def test_spanish_stories_page_shows_no_english(warehouse_dir, monkeypatch):
    for story in (TWO_SIDED, US_ONLY, "story-nothing", ""):
        at = open_page(warehouse_dir, monkeypatch, "stories", {"lang": "es", "story": story, "sides": "all"})
        assert at.title[0].value == "Historias"
        texts, prose, problems = page_text(at)
        assert not problems, problems
        assert not english_leftovers(texts), (story, english_leftovers(texts))
        assert not english_words(prose), (story, english_words(prose))


# --- without stories ------------------------------------------------------------------------------------


def _warehouse_with_story_tables(data_dir, verb: str) -> None:
    """The fixture warehouse published with its story tables emptied (DELETE FROM) or gone (DROP TABLE)."""
    build_warehouse(data_dir)
    with connect(data_dir) as con:
        for table in ("story_articles", "stories", "article_vectors"):
            con.execute(f"{verb} {table}")
        publish_snapshot(con, data_dir)


def test_a_warehouse_without_stories_yet(tmp_path, monkeypatch):
    _warehouse_with_story_tables(tmp_path, "DELETE FROM")
    at = open_page(tmp_path, monkeypatch, "stories")
    assert "No stories yet" in all_text(at) and not at.dataframe
    at = open_page(tmp_path, monkeypatch, "stories", {"dates": ["2020-01-01", "2020-01-31"]})
    assert "No articles match these filters" in all_text(at)
    at = open_page(tmp_path, monkeypatch, "mirrors")
    assert not any("story" in d.value for d in at.dataframe)  # no column that links nowhere


def test_a_snapshot_from_before_stories_says_the_next_run_builds_them(tmp_path, monkeypatch):
    _warehouse_with_story_tables(tmp_path, "DROP TABLE")
    assert data.article_stories(tmp_path, ["us1"]) is None
    for lang in ("en", "es"):
        at = open_page(tmp_path, monkeypatch, "stories", {"lang": lang, "story": TWO_SIDED})
        assert "espejo run" in " ".join(i.value for i in at.info)
        assert not english_leftovers(page_text(at)[0]) or lang == "en"
    at = open_page(tmp_path, monkeypatch, "mirrors")
    assert at.dataframe and not any("story" in d.value for d in at.dataframe)


# --- a real browser -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_stories_page_in_a_real_browser(tmp_path, browser_tools):
    data_dir = tmp_path / "data"
    build_warehouse(data_dir)
    screenshot = tmp_path / "espejo-stories.png"
    seen = run_in_browser(browser_tools, data_dir, "shot.js", f"/stories?story={TWO_SIDED}", screenshot)
    assert seen["title"] == "Stories" and seen["exceptions"] == 0
    assert seen["charts"] >= 5 and seen["metrics"] >= 8
    assert seen["firstMetric"] == "2"  # stories of two articles or more in the fixture
    assert screenshot.stat().st_size > 10_000
