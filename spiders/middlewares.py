"""Downloader middlewares for two things servers ask and Scrapy ignores: robots.txt `Crawl-delay`
and `Retry-After` on 503/429 answers.

`PoliteWaitMiddleware` sets a site's downloader slot to the robots.txt crawl delay (AutoThrottle then
leaves that slot alone), and holds a retried request back until the moment a Retry-After named.
`RetryAfterMiddleware` is Scrapy's retry middleware that, on 503/429 with Retry-After, books the
retry for that moment, and gives up at once when the server asks for a longer wait than
`ESPEJO_MAX_RETRY_AFTER` (the page is recorded as failed).
"""

from __future__ import annotations

import email.utils
import logging
import time
from datetime import UTC, datetime

from scrapy import Request, signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.task import deferLater

logger = logging.getLogger(__name__)

NOT_BEFORE = "espejo_not_before"  # request meta: time.monotonic() before which it must not be sent


class PoliteWaitMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.max_delay = settings.getfloat("ESPEJO_MAX_CRAWL_DELAY", 60.0)
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        self.delays: dict[str, float] = {}  # netloc -> seconds between requests robots.txt asked for
        # weak=False: Scrapy keeps weak references to receivers otherwise.
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed, weak=False)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def robots_parsed(self, robotparser, request: Request) -> None:
        delay = robotparser.crawl_delay(self.user_agent)
        if not delay or delay <= 0:
            return
        netloc = urlparse_cached(request).netloc
        obeyed = min(float(delay), self.max_delay)
        self.delays[netloc] = obeyed
        # The downloader slot spaces requests as they are sent (a wait in this middleware would not:
        # the slot's queue can release held requests together). No jitter: it would go under the delay.
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        downloader.per_slot_settings.setdefault(key, {}).update(delay=obeyed, jitter=0.0)
        slot = downloader.slots.get(key)
        if slot is not None:  # the robots.txt request made it: it is also the last request sent
            slot.delay, slot.jitter = obeyed, 0.0
        detail = f"robots.txt asks {delay:g} s between requests; waiting {obeyed:g} s"
        if obeyed < delay:
            detail += f" (capped by ESPEJO_MAX_CRAWL_DELAY = {self.max_delay:g} s)"
        logger.info("%s: %s", netloc, detail)
        report = getattr(self.crawler.spider, "report_problem", None)
        if report:
            report(f"{request.url.split(netloc, 1)[0]}{netloc}/robots.txt", "crawl_delay", detail)

    async def process_request(self, request: Request) -> None:
        if urlparse_cached(request).netloc in self.delays:
            # AutoThrottle would shrink the slot's delay below the crawl delay after fast answers.
            request.meta["autothrottle_dont_adjust_delay"] = True
        wait = request.meta.get(NOT_BEFORE, 0.0) - time.monotonic()
        if wait > 0:
            from twisted.internet import reactor  # imported late: importing it early installs the wrong one

            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks to wait (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.max_wait = settings.getfloat("ESPEJO_MAX_RETRY_AFTER", 120.0)

    def process_response(self, request: Request, response: Response, spider=None) -> Request | Response:
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if response.status not in (429, 503) or wait is None or request.meta.get("dont_retry", False):
            return super().process_response(request, response)
        if wait > self.max_wait:
            logger.warning("%s answered %d with Retry-After %g s, longer than the %g s the crawler waits; giving up",
                           request.url, response.status, wait, self.max_wait)
            request.meta["espejo_retry_after_refused"] = wait
            return response
        retry = self._retry(request, f"{response.status} with Retry-After {wait:g} s")
        if retry is None:
            return response
        retry.meta[NOT_BEFORE] = time.monotonic() + wait
        report = getattr(self.crawler.spider, "report_problem", None)
        if report:  # recorded even when the retry succeeds: the site was struggling
            report(request.url, "retry_after",
                   f"HTTP {response.status} with Retry-After {wait:g} s; retried after waiting")
        return retry
