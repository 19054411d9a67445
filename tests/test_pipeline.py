"""End to end with real parts: the offline news web on loopback, real Scrapy crawls in subprocesses,
a real Prefect flow run, a real DuckDB file, the real e5-small backbone, and the dashboard's AppTest."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from espejo.demo import free_ports, registry_toml, running_newsweb
from espejo.newsweb.outlets import DEMO_OUTLETS, OUTLETS_BY_KEY
from espejo.warehouse import db

pytestmark = pytest.mark.slow

CONTENT_TABLES = ("articles", "appearances", "sentences", "mentions", "sentiment_scores", "frame_scores", "analyses")


class _AlwaysFailing(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.send_response(500)
        self.end_headers()
        self.wfile.write(b"internal error")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def failing_outlet():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AlwaysFailing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def _counts(data_dir: Path) -> dict[str, int]:
    with db.connect(data_dir) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in CONTENT_TABLES + ("runs",)}


@pytest.fixture(scope="module")
def night(tmp_path_factory, models_dir, failing_outlet):
    """Two nightly runs over the same offline news web (the second must add nothing)."""
    from espejo.flows.nightly import nightly

    data_dir = tmp_path_factory.mktemp("pipeline")
    ports = dict(zip((o.key for o in DEMO_OUTLETS), free_ports(len(DEMO_OUTLETS))))
    with running_newsweb(data_dir, ports) as (site_dir, registry):
        registry.write_text(registry_toml(ports, extra=(
            '\n[[source]]\nkey = "failing-outlet"\nname = "Failing Outlet"\ncountry = "US"\nlanguage = "en"\n'
            f'homepage = "http://127.0.0.1:{failing_outlet}/"\nfeeds = ["http://127.0.0.1:{failing_outlet}/feed.xml"]\n'
            'allowed_domains = ["127.0.0.1"]\n'
        )), encoding="utf-8")
        first = nightly(data_dir=str(data_dir), sources_file=str(registry), run_label="test-1")
        after_first = _counts(data_dir)
        second = nightly(data_dir=str(data_dir), sources_file=str(registry), run_label="test-2")
        after_second = _counts(data_dir)
    manifest = json.loads((site_dir / "manifest.json").read_text(encoding="utf-8"))
    # The manifest names the default ports; this run served each outlet on a free one.
    for article in manifest["articles"]:
        default = f"127.0.0.1:{OUTLETS_BY_KEY[article['outlet']].port}/"
        article["url"] = article["url"].replace(default, f"127.0.0.1:{ports[article['outlet']]}/")
    return {"data_dir": data_dir, "first": first, "second": second, "manifest": manifest,
            "after_first": after_first, "after_second": after_second}


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
    assert {t: second[t] for t in CONTENT_TABLES} == {t: first[t] for t in CONTENT_TABLES}
    assert second["runs"] == first["runs"] + 1
    # Only new articles cost time: the second night fetched no article pages already stored.
    assert all(r.items == 0 for r in night["second"].sources)
    assert sum(r.skipped_known for r in night["second"].sources) >= first["appearances"] * 0.9


DASHBOARD_PAGES = ["mirrors", "trends", "frames", "outlets", "diplomacy", "explorer", "opinion", "health", "export"]


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
        # The failing outlet crawled in both runs: the health page must say so, and nothing else is wrong.
        assert errors == ["2 failed outlet crawls in the recent runs."], errors
    else:
        assert not errors, errors
    if page == "mirrors":
        assert len(app.metric) >= 4
