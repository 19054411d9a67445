"""End to end with real parts: the offline news web on loopback, real Scrapy crawls in subprocesses,
a real Prefect flow run, a real DuckDB file, the real e5-small backbone, and the dashboard's AppTest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from espejo.newsweb.outlets import DEMO_OUTLETS
from espejo.warehouse import db

pytestmark = pytest.mark.slow


@pytest.fixture
def night(nightly_warehouse):
    """The session's shared nightly run over the whole offline news web (tests/conftest.py), read only."""
    return nightly_warehouse


def _stored(night) -> dict[str, dict]:
    """Stored appearances by URL, with their article's id, stance and outlets."""
    with db.open_snapshot(night["data_dir"]) as con:
        rows = con.execute(
            "SELECT p.url, p.article_id, p.source_key, x.stance FROM appearances p"
            " LEFT JOIN analyses x USING (article_id)"
        ).fetchall()
    return {url: {"article_id": a, "source_key": s, "stance": st} for url, a, s, st in rows}


def test_every_outlet_yields_articles_and_the_failing_one_is_recorded(night):
    results = {r.source_key: r for r in night["first"].sources}
    for outlet in DEMO_OUTLETS:
        assert results[outlet.key].status == "ok", results[outlet.key]
        assert results[outlet.key].items >= 10, results[outlet.key]
    failing = results["failing-outlet"]
    assert failing.status == "failed" and "500" in failing.error
    assert night["first"].status == "completed_with_failures"
    with db.open_snapshot(night["data_dir"]) as con:
        recorded = con.execute(
            "SELECT status, error FROM run_sources WHERE run_id = ? AND source_key = 'failing-outlet'",
            [night["first"].run_id],
        ).fetchone()
    assert recorded[0] == "failed" and "500" in recorded[1]


def test_on_topic_articles_land_and_off_topic_ones_are_filtered(night):
    stored = _stored(night)
    articles = night["manifest"]["articles"]
    on_topic = [a for a in articles if a["target"]]
    off_topic = [a for a in articles if not a["target"]]
    assert off_topic, "the offline news web must hold off-topic articles"
    assert not [a["url"] for a in off_topic if a["url"] in stored]
    found = [a for a in on_topic if a["url"] in stored]
    assert len(found) / len(on_topic) >= 0.95, [a["url"] for a in on_topic if a["url"] not in stored][:10]


def test_the_wire_story_is_stored_once_with_every_outlet_that_ran_it(night):
    stored = _stored(night)
    wire = [a for a in night["manifest"]["articles"] if a.get("wire")]
    assert wire
    ids = {stored[a["url"]]["article_id"] for a in wire if a["url"] in stored}
    assert len(ids) == 1, ids
    outlets = {stored[a["url"]]["source_key"] for a in wire}
    expected = {a["outlet"] for a in wire} | {o for a in wire for o in a.get("also_at", [])}
    assert outlets == expected and len(outlets) >= 3


def test_both_directions_are_scored(night):
    result = subprocess.run(
        [sys.executable, "-m", "espejo.cli", "stats", "--json", "--data-dir", str(night["data_dir"])],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    assert stats["scored_mentions"]["us->mx"] > 100 and stats["scored_mentions"]["mx->us"] > 100
    assert set(stats["articles"]) == {"US", "MX"} and stats["articles"]["US"].keys() == {"en", "es"}
    assert stats["frames_scored"] > 0 and stats["runs"] == 2


def test_the_planted_narrative_shift_is_recovered(night):
    shift = night["manifest"]["shift"]
    stored = _stored(night)
    before, after = [], []
    for a in night["manifest"]["articles"]:
        if a["theme"] != shift["theme"] or not a["target"] or a["url"] not in stored:
            continue
        direction = f"{a['source_country'].lower()}->{a['target'].lower()}"
        stance = stored[a["url"]]["stance"]
        if direction != shift["direction"] or stance is None:
            continue
        (after if a["published"][:7] >= shift["month"] else before).append(stance)
    assert len(before) >= 10 and len(after) >= 10
    change = sum(after) / len(after) - sum(before) / len(before)
    planted = shift["tone_after"] - shift["tone_before"]
    assert change * planted > 0, f"planted {planted:+.2f}, measured {change:+.3f}"


def test_a_second_run_adds_no_rows(night):
    assert night["second"].articles_new == 0 and night["second"].mentions_scored == 0
    first, second = night["after_first"], night["after_second"]
    # Every content table (the counts hold them and `runs`) is as the first night left it.
    assert {t: n for t, n in second.items() if t != "runs"} == {t: n for t, n in first.items() if t != "runs"}
    assert second["runs"] == first["runs"] + 1
    # Only new articles cost time: the second night fetched no article pages already stored.
    assert all(r.items == 0 for r in night["second"].sources)
    assert sum(r.skipped_known for r in night["second"].sources) >= first["appearances"] * 0.9


DASHBOARD_PAGES = ["mirrors", "stories", "trends", "frames", "outlets", "diplomacy", "explorer", "opinion", "health",
                   "export"]


@pytest.mark.parametrize("page", DASHBOARD_PAGES)
def test_every_dashboard_page_renders_the_run(night, monkeypatch, page):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ESPEJO_DATA_DIR", str(night["data_dir"]))
    app = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboards" / "streamlit_app.py"),
                            default_timeout=120)
    app.run()
    if page != "mirrors":
        app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception, [e.value for e in app.exception]
    errors = [e.value for e in app.error]
    if page == "health":
        # The failing outlet crawled in the first run: the health page must say so, and nothing else is wrong.
        assert errors == ["Failed outlet crawls in the recent runs: 1."], errors
    else:
        assert not errors, errors
    if page == "mirrors":
        assert len(app.metric) >= 4
