"""Crawling one outlet in its own process.

Twisted's reactor cannot restart, so a process can run Scrapy's `CrawlerProcess` only once. The
nightly flow crawls many outlets, night after night, from one long-lived process: each crawl is
therefore a `python -m espejo.spiders.crawl` subprocess that writes its items as JSON lines (flushed
per item, so a killed crawl keeps what it finished) and a small stats file.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from espejo.records import ArticleItem, CrawlProblem, Source, SourceResult
from espejo.spiders.problems import PROBLEMS_FILE, read_jsonl, read_problems

ITEMS_FILE = "items.jsonl"
STATS_FILE = "stats.json"
LOG_FILE = "crawl.log"
HARD_LIMIT_GRACE_S = 120
# Scrapy's close reasons for the per-source budgets, as the run record words them.
BUDGET_REASONS = {
    "closespider_pagecount": "page budget of {max_pages} pages reached",
    "closespider_timeout": "time budget of {max_minutes:g} minutes reached",
}


@dataclass(frozen=True)
class CrawlOutcome:
    result: SourceResult
    items: list[ArticleItem]
    problems: list[CrawlProblem] = field(default_factory=list)  # page by page, what went wrong


def crawl_source(source: Source, out_dir: Path, known_urls: set[str] | None = None,
                 timeout_s: float | None = None) -> CrawlOutcome:
    """Crawl `source` in a subprocess; items and stats land in `out_dir`. Never raises for a bad site."""
    out_dir.mkdir(parents=True, exist_ok=True)
    items_path = out_dir / ITEMS_FILE
    stats_path = out_dir / STATS_FILE
    # A retried or resumed crawl starts from a clean file: items already stored are skipped as known.
    items_path.unlink(missing_ok=True)
    stats_path.unlink(missing_ok=True)
    (out_dir / PROBLEMS_FILE).unlink(missing_ok=True)
    known_path = out_dir / "known_urls.txt"
    known_path.write_text("\n".join(sorted(known_urls or ())), encoding="utf-8")
    (out_dir / "source.json").write_text(json.dumps(asdict(source)), encoding="utf-8")
    # Scrapy closes the spider at the outlet's time budget; the hard limit only catches a crawler that hangs.
    timeout_s = timeout_s or source.max_minutes * 60 + HARD_LIMIT_GRACE_S
    started = time.monotonic()
    command = [sys.executable, "-m", "espejo.spiders.crawl", "--out", str(out_dir)]
    with (out_dir / LOG_FILE).open("w", encoding="utf-8") as log:
        try:
            proc = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, timeout=timeout_s,
                                  env={**os.environ, "PYTHONUNBUFFERED": "1"})
            exit_problem = None if proc.returncode == 0 else f"crawler exited with status {proc.returncode}"
        except subprocess.TimeoutExpired:
            exit_problem = f"crawler did not stop within {timeout_s:.0f} s (its time budget plus grace) and was killed"
    seconds = time.monotonic() - started
    items = read_items(items_path)
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.exists() else {}
    error = exit_problem or stats.get("error")
    if not error and "reason" not in stats:  # the spider never closed: Scrapy failed before or while crawling
        error = f"the crawler stopped without finishing (see {out_dir / LOG_FILE})"
    result = SourceResult(
        source_key=source.key,
        status="failed" if error else "ok",
        items=len(items),
        pages_fetched=int(stats.get("pages_fetched", 0)),
        http_errors=int(stats.get("http_errors", 0)),
        skipped_irrelevant=int(stats.get("skipped_irrelevant", 0)),
        skipped_known=int(stats.get("skipped_known", 0)),
        error=error,
        seconds=seconds,
        stopped_by=_budget_reason(stats.get("reason"), source),
    )
    return CrawlOutcome(result, items, read_problems(out_dir / PROBLEMS_FILE))


def _budget_reason(reason: str | None, source: Source) -> str | None:
    template = BUDGET_REASONS.get(reason or "")
    return template.format(max_pages=source.max_pages, max_minutes=source.max_minutes) if template else None


def read_items(path: Path) -> list[ArticleItem]:
    """Items from a JSON-lines file; a line cut short by a killed crawl is ignored."""
    return read_jsonl(path, ArticleItem.from_dict)


def _run_here(out_dir: Path) -> int:
    """The subprocess side: one CrawlerProcess, one spider, then stats.json."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from espejo.spiders import settings as espejo_settings
    from espejo.spiders.news import NewsSpider

    source = Source(**json.loads((out_dir / "source.json").read_text(encoding="utf-8")))  # lists become tuples
    known = set((out_dir / "known_urls.txt").read_text(encoding="utf-8").split())
    settings = Settings()
    settings.setmodule(espejo_settings, priority="project")
    settings.set("ESPEJO_ITEMS_PATH", str(out_dir / ITEMS_FILE), priority="cmdline")
    settings.set("ESPEJO_PROBLEMS_PATH", str(out_dir / PROBLEMS_FILE), priority="cmdline")
    settings.set("CLOSESPIDER_PAGECOUNT", source.max_pages, priority="cmdline")
    settings.set("CLOSESPIDER_TIMEOUT", source.max_minutes * 60, priority="cmdline")
    if all(h in ("127.0.0.1", "localhost", "::1") for h in source.allowed_domains):
        settings.update(espejo_settings.LOOPBACK_OVERRIDES, priority="cmdline")
    if source.download_timeout:
        settings.set("DOWNLOAD_TIMEOUT", source.download_timeout, priority="cmdline")
    # With $ESPEJO_REDIS_URL, the queue and dupefilter live in redis, shareable by several processes.
    from espejo.spiders.distributed import apply_redis_settings

    apply_redis_settings(settings, source.key, out_dir)

    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(NewsSpider)
    summary: dict = {}

    def on_close(spider, reason):
        stats = crawler.stats.get_stats()
        errors = sum(v for k, v in stats.items()
                     if k.startswith("downloader/response_status_count/") and k.rsplit("/", 1)[1][0] in "45")
        summary.update(
            reason=reason,
            pages_fetched=stats.get("response_received_count", 0),
            http_errors=errors + stats.get("downloader/exception_count", 0),
            items=stats.get("espejo/items", 0),
            skipped_irrelevant=stats.get("espejo/skipped_irrelevant", 0),
            skipped_known=stats.get("espejo/skipped_known", 0),
            skipped_not_article=stats.get("espejo/skipped_not_article", 0),
            listings_ok=spider.listings_ok,
            listing_errors=spider.listing_errors,
        )
        if spider.listings_ok == 0:
            summary["error"] = "no feed or sitemap could be read: " + "; ".join(spider.listing_errors or ["none answered"])

    # weak=False: Scrapy keeps a weak reference otherwise, and a local function would vanish.
    crawler.signals.connect(on_close, signal=signals.spider_closed, weak=False)
    process.crawl(crawler, source=source, known_urls=known)
    process.start()
    (out_dir / STATS_FILE).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Crawl one outlet (prepared by crawl_source) into DIR.")
    parser.add_argument("--out", required=True, type=Path, help="folder holding source.json and known_urls.txt")
    args = parser.parse_args(argv)
    return _run_here(args.out)


if __name__ == "__main__":
    sys.exit(main())
