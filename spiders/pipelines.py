"""Item pipelines: keep what is about the other country, drop repeats, write JSON lines for the loader."""

from __future__ import annotations

import json
from pathlib import Path

from scrapy.exceptions import DropItem, NotConfigured

from espejo.nlp.mentions import is_about
from espejo.records import ArticleItem, other_country

# An article must name the other country at least this often (title and body) to be kept.
MIN_MENTIONS_OF_OTHER_COUNTRY = 2


def is_relevant(item: ArticleItem) -> bool:
    """Whether the article talks about the other country; the crawl and the WARC backfill both ask this."""
    # An unknown language ("und") makes is_about use the terms of both languages.
    language = (item.language_hint or "und")[:2].lower()
    target = other_country(item.source_country)
    return is_about(f"{item.title}\n{item.text}", target, language, min_mentions=MIN_MENTIONS_OF_OTHER_COUNTRY)


class RelevancePipeline:
    """Drop articles that do not talk about the other country (local sports, weather, city politics)."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item: ArticleItem):
        if not is_relevant(item):
            self.stats.inc_value("espejo/skipped_irrelevant")
            raise DropItem(f"not about {other_country(item.source_country)}: {item.url}")
        return item


class SeenOnce:
    """The crawl's duplicate rule: an item whose URL or story (content fingerprint) was already seen is dropped."""

    def __init__(self) -> None:
        self.urls: set[str] = set()
        self.fingerprints: set[str] = set()

    def is_duplicate(self, item: ArticleItem) -> bool:
        if item.url in self.urls or item.fingerprint in self.fingerprints:
            return True
        self.urls.add(item.url)
        self.fingerprints.add(item.fingerprint)
        return False


class DuplicatesPipeline:
    """The same page reached twice in one crawl (a feed and a sitemap, a redirect) is kept once."""

    def __init__(self, stats):
        self.stats = stats
        self.seen = SeenOnce()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item: ArticleItem):
        if self.seen.is_duplicate(item):
            self.stats.inc_value("espejo/skipped_duplicate")
            raise DropItem(f"duplicate: {item.url}")
        return item


class JsonLinesPipeline:
    """Append each item to the file named by the ESPEJO_ITEMS_PATH setting, flushed per item.

    Flushing per item means a crawl killed half-way still leaves every finished article on disk.
    """

    def __init__(self, path: Path, stats):
        self.path = path
        self.stats = stats
        self.file = None

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("ESPEJO_ITEMS_PATH")
        if not path:
            raise NotConfigured("ESPEJO_ITEMS_PATH is not set")
        return cls(Path(path), crawler.stats)

    def open_spider(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file = self.path.open("a", encoding="utf-8")

    def close_spider(self):
        if self.file:
            self.file.close()

    def process_item(self, item: ArticleItem):
        self.file.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
        self.file.flush()
        self.stats.inc_value("espejo/items")
        return item
