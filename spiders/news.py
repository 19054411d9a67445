"""The one generic news spider: a registry entry's feeds and sitemaps lead it to article pages.

It never follows links on pages (so section fronts and tag pages reached through a sitemap are read,
recognised as non-articles and dropped), skips URLs the warehouse already holds, and yields
`ArticleItem`s. Pipelines filter and write them; the spider never touches the warehouse.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from espejo.records import ArticleItem, Source
from espejo.spiders.extraction import (
    extract_article,
    feed_links,
    fingerprint,
    normalize_url,
    sitemap_links,
)


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, source: Source, known_urls: Iterable[str] = (), **kwargs):
        super().__init__(**kwargs)
        self.source = source
        self.allowed_domains = list(source.allowed_domains)
        self.known_urls = frozenset(known_urls)
        self.listings_ok = 0  # feeds and sitemaps that were read
        self.listing_errors: list[str] = []

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.source.feeds:
            yield scrapy.Request(url, callback=self.parse_feed, errback=self.listing_failed, dont_filter=True)
        for url in self.source.sitemaps:
            yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.listing_failed, dont_filter=True)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            links = feed_links(response.body, response.url)
        except ValueError as err:
            self.listing_problem(response.url, str(err))
            return
        self.listings_ok += 1
        yield from self.article_requests(links)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            found = sitemap_links(response.body, response.url)
        except ValueError as err:
            self.listing_problem(response.url, str(err))
            return
        self.listings_ok += 1
        for url in found.sitemaps:
            yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.listing_failed)
        yield from self.article_requests(found.pages)

    def article_requests(self, links: Iterable[str]) -> Iterator[scrapy.Request]:
        for link in links:
            url = normalize_url(link)
            if url in self.known_urls:
                self.crawler.stats.inc_value("espejo/skipped_known")
                continue
            yield scrapy.Request(url, callback=self.parse_article, errback=self.page_failed)

    def parse_article(self, response: Response) -> Iterator[ArticleItem]:
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if "html" not in content_type or not isinstance(response, scrapy.http.TextResponse):
            self.crawler.stats.inc_value("espejo/skipped_not_html")
            self.logger.info("not an HTML page (%s): %s", content_type or "no content type", response.url)
            return
        page = extract_article(response.text, response.url)
        if page is None:
            self.crawler.stats.inc_value("espejo/skipped_not_article")
            return
        url = page.canonical_url or normalize_url(response.url)
        if url in self.known_urls:
            self.crawler.stats.inc_value("espejo/skipped_known")
            return
        yield ArticleItem(
            url=url,
            source_key=self.source.key,
            source_country=self.source.country,
            title=page.title,
            text=page.text,
            published=page.published,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            fingerprint=fingerprint(page.text),
            language_hint=page.language if page.language in ("en", "es") else self.source.language,
            author=page.author,
            fetched_url=response.url,
        )

    def listing_failed(self, failure: Failure) -> None:
        self.listing_problem(failure.request.url, _describe(failure))

    def listing_problem(self, url: str, problem: str) -> None:
        self.listing_errors.append(f"{url}: {problem}")
        self.logger.warning("could not read feed/sitemap %s: %s", url, problem)

    def page_failed(self, failure: Failure) -> None:
        self.crawler.stats.inc_value("espejo/page_errors")
        self.logger.info("page failed %s: %s", failure.request.url, _describe(failure))


def _describe(failure: Failure) -> str:
    response = getattr(failure.value, "response", None)
    if response is not None:
        return f"HTTP {response.status}"
    return f"{type(failure.value).__name__}: {failure.getErrorMessage()}"
