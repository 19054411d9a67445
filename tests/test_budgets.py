"""Per-source crawl budgets stop runaway crawls: a site whose sitemap never ends, and a site that answers
slowly, are both cut off at their outlet's budget, and what was crawled before the cut is kept."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from espejo.records import Source
from espejo.spiders.crawl import crawl_source
from espejo.warehouse import db, load

ARTICLES_LISTED = 5000  # far more than any budget below

ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Border story {n}</title>
<meta property="og:type" content="article"><meta property="article:published_time" content="2026-10-{day:02d}">
</head><body><article><h1>Border story {n}</h1>
<p>Officials in Mexico and the United States met again this week to discuss trade at the border crossing {n}.
Exporters in Mexico said the new inspection rules had doubled waiting times for trucks carrying produce.</p>
<p>Growers from Sinaloa told reporters that Mexico would ask for a review of the rules under the trade agreement,
while customs officers said the checks were needed to stop smuggling and would be eased once staff were hired.</p>
<p>Analysts expect the talks to continue next month, when a delegation from Mexico City travels to Washington.</p>
</article></body></html>"""


class RunawaySite(BaseHTTPRequestHandler):
    delay_s = 0.0  # set per server: a slow site

    def do_GET(self):  # noqa: N802 (the stdlib's name)
        if self.path == "/robots.txt":
            return self.answer("text/plain", "User-agent: *\nAllow: /\n")
        if self.path == "/sitemap.xml":
            urls = "".join(f"<url><loc>http://{self.headers['Host']}/news/{n}.html</loc></url>"
                           for n in range(ARTICLES_LISTED))
            return self.answer("application/xml", '<?xml version="1.0" encoding="UTF-8"?>'
                               f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')
        if self.path.startswith("/news/"):
            time.sleep(self.server.delay_s)
            n = int(self.path.rsplit("/", 1)[1].split(".")[0])
            return self.answer("text/html; charset=utf-8", ARTICLE.format(n=n, day=1 + n % 28))
        self.send_error(404)

    def answer(self, content_type: str, body: str) -> None:
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture()
def runaway_site():
    servers = []

    def start(delay_s: float = 0.0) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), RunawaySite)
        server.delay_s = delay_s
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def source_for(base: str, **budget) -> Source:
    return Source(key="runaway", name="Runaway Times", country="US", language="en", homepage=base + "/",
                  sitemaps=(base + "/sitemap.xml",), allowed_domains=("127.0.0.1",), **budget)


@pytest.mark.slow
def test_a_page_budget_stops_an_endless_sitemap(runaway_site, tmp_path):
    base = runaway_site()
    outcome = crawl_source(source_for(base, max_pages=25), tmp_path / "runaway")
    result = outcome.result
    # robots.txt and the sitemap count as pages too; Scrapy finishes requests already in flight.
    assert 20 <= result.pages_fetched <= 25 + 8, result
    assert result.status == "ok" and result.items == len(outcome.items) >= 15
    assert "page budget" in (result.stopped_by or ""), result
    # The run record keeps why the crawl stopped, for the health page.
    with db.connect(tmp_path) as con:
        load.start_run(con, "run-1", "test", "model")
        load.record_source_results(con, "run-1", [result])
        stored = con.execute("SELECT stopped_by FROM run_sources WHERE source_key = 'runaway'").fetchone()[0]
    assert stored == "page budget of 25 pages reached"


@pytest.mark.slow
def test_a_time_budget_stops_a_slow_site_and_keeps_what_it_crawled(runaway_site, tmp_path):
    base = runaway_site(delay_s=0.4)
    started = time.monotonic()
    outcome = crawl_source(source_for(base, max_minutes=0.1), tmp_path / "slow")
    elapsed = time.monotonic() - started
    result = outcome.result
    # 6 s of crawling, plus the subprocess's start-up (imports) and Scrapy's close; far less than 5000 × 0.4 s.
    assert elapsed < 45, elapsed
    assert 0 < result.items == len(outcome.items) < 200, result
    assert "time budget" in (result.stopped_by or ""), result
