"""The one generic news spider: a registry entry's feeds and sitemaps lead it to article pages.

It never follows links on pages (so section fronts and tag pages reached through a sitemap are read,
recognised as non-articles and dropped), skips URLs the warehouse already holds, and yields
`ArticleItem`s. Pipelines filter and write them; the spider never touches the warehouse.
Whatever goes wrong with a page (a failed download, a broken feed, a wrong charset, an impossible
date) is logged once and recorded as a page problem (`espejo.spiders.problems`), never raised.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import scrapy
from scrapy import signals
from scrapy.http import Response
from twisted.python.failure import Failure

from espejo.records import ArticleItem, Source
from espejo.spiders.extraction import (
    ListingEntry,
    decode_html,
    declared_published,
    extract_article,
    feed_entries,
    fingerprint,
    normalize_url,
    settle_published,
    sitemap_links,
)
from espejo.spiders.problems import ProblemLog, classify_failure


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, source: Source, known_urls: Iterable[str] = (), **kwargs):
        super().__init__(**kwargs)
        self.source = source
        self.allowed_domains = list(source.allowed_domains)
        self.known_urls = frozenset(known_urls)
        self.listings_ok = 0  # feeds and sitemaps that were read
        self.listing_errors: list[str] = []
        self.problems = ProblemLog(source.key, None)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        path = crawler.settings.get("ESPEJO_PROBLEMS_PATH")
        spider.problems = ProblemLog(spider.source.key, Path(path) if path else None)
        # weak=False: Scrapy keeps weak references to receivers otherwise.
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped, weak=False)
        return spider

    def report_problem(self, url: str, kind: str, detail: str = "") -> None:
        """Log and record one page problem (see espejo.spiders.problems); middlewares call it too."""
        self.crawler.stats.inc_value(f"espejo/problems/{kind}")
        self.problems.report(url, kind, detail)

    def closed(self, reason: str) -> None:
        self.problems.close()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.source.feeds:
            yield scrapy.Request(url, callback=self.parse_feed, errback=self.listing_failed, dont_filter=True)
        for url in self.source.sitemaps:
            yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.listing_failed, dont_filter=True)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            entries = feed_entries(response.body, response.url)
        except ValueError as err:
            self.listing_problem(response.url, str(err), kind="malformed_feed")
            return
        self.listings_ok += 1
        yield from self.article_requests(entries)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            found = sitemap_links(response.body, response.url)
        except ValueError as err:
            self.listing_problem(response.url, str(err), kind="malformed_sitemap")
            return
        self.listings_ok += 1
        for url in found.sitemaps:
            yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.listing_failed)
        yield from self.article_requests(ListingEntry(u, found.page_dates.get(u)) for u in found.pages)

    def article_requests(self, entries: Iterable[ListingEntry]) -> Iterator[scrapy.Request]:
        for entry in entries:
            url = normalize_url(entry.url)
            if url in self.known_urls:
                self.crawler.stats.inc_value("espejo/skipped_known")
                continue
            yield scrapy.Request(url, callback=self.parse_article, errback=self.page_failed,
                                 meta={"listing_date": entry.published})

    def parse_article(self, response: Response) -> Iterator[ArticleItem]:
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if "html" not in content_type or not isinstance(response, scrapy.http.TextResponse):
            self.crawler.stats.inc_value("espejo/skipped_not_html")
            self.report_problem(response.url, "not_html",
                                f"an article URL answered {content_type or 'no content type'}; skipped")
            return
        # Scrapy trusts a wrong charset (U+FFFD everywhere) and guesses a missing one statistically.
        decoded = decode_html(response.body, content_type)
        if decoded.fallback:
            self.report_problem(response.url, "charset_fallback", decoded.fallback)
        page = extract_article(decoded.text, response.url)
        if page is None:
            self.crawler.stats.inc_value("espejo/skipped_not_article")
            return
        url = page.canonical_url or normalize_url(response.url)
        if url in self.known_urls:
            self.crawler.stats.inc_value("espejo/skipped_known")
            return
        dated = settle_published(page.published, declared_published(decoded.text),
                                 response.meta.get("listing_date"), datetime.now(UTC).date())
        if dated.problem:
            self.report_problem(response.url, dated.problem, dated.detail)
        yield ArticleItem(
            url=url,
            source_key=self.source.key,
            source_country=self.source.country,
            title=page.title,
            text=page.text,
            published=dated.published,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            fingerprint=fingerprint(page.text),
            language_hint=page.language if page.language in ("en", "es") else self.source.language,
            author=page.author,
            fetched_url=response.url,
        )

    def listing_failed(self, failure: Failure) -> None:
        kind, detail = classify_failure(failure)
        self.listing_problem(failure.request.url, _describe(failure), kind=kind, detail=detail)

    def listing_problem(self, url: str, problem: str, kind: str, detail: str | None = None) -> None:
        self.listing_errors.append(f"{url}: {problem}")
        self.logger.warning("could not read feed/sitemap %s: %s", url, problem)
        self.report_problem(url, kind, detail or problem)

    def page_failed(self, failure: Failure) -> None:
        self.crawler.stats.inc_value("espejo/page_errors")
        kind, detail = classify_failure(failure)
        self.report_problem(failure.request.url, kind, detail)

    def request_dropped(self, request: scrapy.Request, spider=None) -> None:
        # Scrapy drops a request it has already seen without a word; when a redirect led back to a
        # URL of its own chain, that is a redirect loop and the page is lost.
        chain = request.meta.get("redirect_urls") or []
        if request.url in chain:
            self.report_problem(chain[0], "redirect_loop", "redirects loop: " + " -> ".join([*chain, request.url]))


def _describe(failure: Failure) -> str:
    response = getattr(failure.value, "response", None)
    if response is not None:
        return f"HTTP {response.status}"
    return f"{type(failure.value).__name__}: {failure.getErrorMessage()}"
