"""Crawling one outlet from several processes or machines: scrapy-redis's scheduler and dupefilter.

Off unless `$ESPEJO_REDIS_URL` is set (e.g. `redis://crawl-queue:6379/0`, or `espejo run --redis-url`).
Then the crawl subprocess keeps its request queue and its seen-request fingerprints in redis instead
of in memory: every crawl process given the same job name (`$ESPEJO_CRAWL_JOB`) and outlet pops from one
queue and skips what any of them has already enqueued, so adding processes (here or on other machines)
spreads one outlet's pages without fetching a page twice.

Keys are per job and outlet (`espejo:<job>:<outlet>:requests|dupefilter`), because every outlet is
crawled by the same spider class, whose name scrapy-redis would otherwise use for all of them. Without
`$ESPEJO_CRAWL_JOB` each crawl process gets a job of its own (the run folder plus a random suffix): a
retried crawl then starts from an empty dupefilter and refetches what the failed try saw, instead of
losing those pages to a filter that remembers them. The queue and filter persist after the crawl
(SCHEDULER_PERSIST, so a killed process's queue can be resumed by another) and expire after a few days.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

REDIS_URL_ENV = "ESPEJO_REDIS_URL"
CRAWL_JOB_ENV = "ESPEJO_CRAWL_JOB"
KEY_TTL_S = 3 * 24 * 3600  # long enough to resume or inspect a night's crawl, short enough not to pile up

_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_.:-]")


@dataclass(frozen=True)
class RedisCrawl:
    """One outlet's crawl in one job, queued and deduplicated in redis."""

    url: str
    job: str
    source_key: str
    key_ttl_s: int = KEY_TTL_S

    @property
    def prefix(self) -> str:
        # scrapy-redis %-formats its keys with the spider name: no '%' may reach it.
        return _KEY_UNSAFE.sub("_", f"espejo:{self.job}:{self.source_key}")

    @property
    def queue_key(self) -> str:
        return f"{self.prefix}:requests"

    @property
    def dupefilter_key(self) -> str:
        return f"{self.prefix}:dupefilter"

    def scrapy_settings(self, extensions: dict | None = None) -> dict:
        """Settings for the crawl; `extensions` are the EXTENSIONS already configured, kept."""
        return {
            "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "SCHEDULER_PERSIST": True,
            "SCHEDULER_QUEUE_KEY": self.queue_key,
            "SCHEDULER_DUPEFILTER_KEY": self.dupefilter_key,
            "REDIS_URL": self.url,
            "ESPEJO_REDIS_KEY_TTL_S": self.key_ttl_s,
            "EXTENSIONS": {**(extensions or {}), "espejo.spiders.distributed.ExpireRedisKeys": 500},
        }


def redis_crawl_from_env(source_key: str, out_dir: Path) -> RedisCrawl | None:
    """The redis crawl `$ESPEJO_REDIS_URL` and `$ESPEJO_CRAWL_JOB` ask for, or None (the default: in memory)."""
    url = os.environ.get(REDIS_URL_ENV, "").strip()
    if not url:
        return None
    job = os.environ.get(CRAWL_JOB_ENV, "").strip() or f"{Path(out_dir).resolve().parent.name}-{secrets.token_hex(4)}"
    return RedisCrawl(url=url, job=job, source_key=source_key)


def apply_redis_settings(settings, source_key: str, out_dir: Path) -> RedisCrawl | None:
    """Switch a crawl's Scrapy settings to the redis scheduler when the environment asks for it."""
    crawl = redis_crawl_from_env(source_key, out_dir)
    if crawl is not None:
        settings.update(crawl.scrapy_settings(settings.getdict("EXTENSIONS")), priority="cmdline")
    return crawl


class ExpireRedisKeys:
    """Scrapy extension: when the spider closes, give the job's queue and dupefilter keys a lifetime."""

    def __init__(self, crawler):
        from scrapy import signals

        self.settings = crawler.settings
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_closed(self, spider, reason):
        from scrapy_redis.connection import get_redis_from_settings

        server = get_redis_from_settings(self.settings)
        ttl = self.settings.getint("ESPEJO_REDIS_KEY_TTL_S", KEY_TTL_S)
        for key in (self.settings.get("SCHEDULER_QUEUE_KEY"), self.settings.get("SCHEDULER_DUPEFILTER_KEY")):
            server.expire(key, ttl)
