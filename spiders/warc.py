"""Articles from WARC files (web archives such as Common Crawl's CC-NEWS), through the crawl's own steps.

A WARC `response` record is a page someone else fetched. Each one goes through what the news spider
does with a page it fetched itself: HTML only, the same decoding and body extraction, the canonical URL,
the content fingerprint, the relevance filter and the duplicate rule; the outlet comes from the
source registry by host, never guessed. Reading streams: records are yielded as they are read.
"""

from __future__ import annotations

import gzip
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from espejo.records import ArticleItem, Source
from espejo.spiders.extraction import (
    decode_html,
    declared_published,
    extract_article,
    fingerprint,
    normalize_url,
    settle_published,
)
from espejo.spiders.pipelines import SeenOnce, is_relevant

PROGRESS_EVERY = 1000  # records between progress reports


class WarcError(ValueError):
    """A file that is not a WARC file, or one that is truncated or corrupt part-way."""


@dataclass
class WarcCounts:
    """What became of the records of one WARC file."""

    path: str
    records: int = 0  # every record read (request, metadata, warcinfo, response ...)
    responses: int = 0  # response records with HTTP 200
    not_ok: int = 0  # response records with another HTTP status (redirects, errors)
    not_html: int = 0
    unknown_host: int = 0  # hosts that match no registry source, or several
    not_article: int = 0  # section fronts, tag pages, pages with too little text
    irrelevant: int = 0  # articles that do not talk about the other country
    known: int = 0  # URLs the warehouse already holds
    duplicate: int = 0  # the same URL or story of the same outlet seen earlier in this backfill
    items: int = 0  # articles handed on to the loader
    error: str | None = None  # why the file could not be read to its end
    unknown_hosts: Counter = field(default_factory=Counter)
    per_source: Counter = field(default_factory=Counter)  # source key -> items
    pages_per_source: Counter = field(default_factory=Counter)  # source key -> HTML pages read
    irrelevant_per_source: Counter = field(default_factory=Counter)
    known_per_source: Counter = field(default_factory=Counter)


class SourceIndex:
    """The registry source a URL belongs to.

    A URL's host and port naming exactly one source's homepage, feed or sitemap decides first (several
    outlets may share a host, such as the offline news web on 127.0.0.1); then `allowed_domains`, the
    most specific domain that matches. A host that matches no source, or several equally, is unknown.
    """

    def __init__(self, sources: Iterable[Source]):
        self.sources = list(sources)
        self._by_netloc: dict[str, set[str]] = {}
        self._by_domain: dict[str, set[str]] = {}
        self._by_key = {s.key: s for s in self.sources}
        for source in self.sources:
            for url in (source.homepage, *source.feeds, *source.sitemaps):
                self._by_netloc.setdefault(_netloc(url), set()).add(source.key)
            for domain in source.allowed_domains:
                self._by_domain.setdefault(domain.lower().strip("."), set()).add(source.key)

    def source_for(self, url: str) -> Source | None:
        exact = self._by_netloc.get(_netloc(url), set())
        if len(exact) == 1:
            return self._by_key[next(iter(exact))]
        host = (urlsplit(url).hostname or "").lower()
        labels = host.split(".")
        for first in range(len(labels)):  # the host itself first, then each parent domain
            keys = self._by_domain.get(".".join(labels[first:]), set())
            if keys:
                return self._by_key[next(iter(keys))] if len(keys) == 1 else None
        return None


def _netloc(url: str) -> str:
    return urlsplit(normalize_url(url)).netloc


class BackfillFilter:
    """The crawl's duplicate rule over a whole backfill: per outlet, a URL or a story is kept once.

    Different outlets that ran the same story each keep theirs, so the loader records every outlet
    (as it does for a crawl, where each outlet's crawl has its own duplicate pipeline).
    """

    def __init__(self, known_urls: Iterable[str] = ()):
        self.known_urls = set(known_urls)
        self._seen: dict[str, SeenOnce] = {}  # per outlet, as each outlet's crawl has its own pipeline

    def is_known(self, *urls: str) -> bool:
        return any(u in self.known_urls for u in urls)

    def is_duplicate(self, item: ArticleItem) -> bool:
        return self._seen.setdefault(item.source_key, SeenOnce()).is_duplicate(item)


def check_warc_start(path: Path) -> None:
    """Refuse a file that does not start like a WARC file (plain or gzip), naming what it starts with."""
    try:
        with path.open("rb") as handle:
            head = handle.read(2)
            handle.seek(0)
            if head == b"\x1f\x8b":
                try:
                    with gzip.open(handle) as unzipped:
                        first = unzipped.read(16)
                except (OSError, EOFError, zlib.error) as err:
                    raise WarcError(f"{path}: gzip file could not be read ({err})") from None
            else:
                first = handle.read(16)
    except OSError as err:
        raise WarcError(f"{path}: {err.strerror or err}") from None
    if not first.startswith(b"WARC/"):
        raise WarcError(f"{path}: not a WARC file (it starts with {first[:16]!r}, a WARC file with b'WARC/')")


def read_warc(path: str | Path, sources: SourceIndex, dedupe: BackfillFilter, counts: WarcCounts,
              progress: Callable[[WarcCounts], None] | None = None) -> Iterator[ArticleItem]:
    """Articles of one WARC file, as the crawl would have kept them; `counts` says what became of the rest.

    Raises WarcError when the file is not a WARC file or breaks off part-way; everything yielded
    before that is complete and stays good.
    """
    path = Path(path)
    check_warc_start(path)
    try:
        with path.open("rb") as handle:
            records = ArchiveIterator(handle)
            for record in records:
                counts.records += 1
                if progress and counts.records % PROGRESS_EVERY == 0:
                    progress(counts)
                if record.rec_type != "response":
                    continue
                body = record.content_stream().read()
                if getattr(record.raw_stream, "limit", 0) > 0:
                    # warcio hands a record cut short by the end of the file over without a word.
                    raise WarcError(f"{path}: truncated in record {counts.records} "
                                    f"({record.rec_headers.get_header('WARC-Target-URI')})")
                item = _article(record, body, sources, dedupe, counts)
                if item is not None:
                    counts.items += 1
                    counts.per_source[item.source_key] += 1
                    yield item
            records.read_to_end()
            unread = path.stat().st_size - records.offset
            if unread > 0:
                raise WarcError(f"{path}: truncated or corrupt after record {counts.records} "
                                f"({unread} bytes at the end could not be read)")
    except WarcError:
        raise
    except (ArchiveLoadFailed, EOFError, OSError, zlib.error, ValueError) as err:
        raise WarcError(f"{path}: corrupt after record {counts.records} ({type(err).__name__}: {err})") from None
    finally:
        if progress:
            progress(counts)


def _article(record, body: bytes, sources: SourceIndex, dedupe: BackfillFilter,
             counts: WarcCounts) -> ArticleItem | None:
    http = record.http_headers
    if http is None or http.get_statuscode() != "200":
        counts.not_ok += 1
        return None
    counts.responses += 1
    content_type = (http.get_header("Content-Type") or "").lower()
    if "html" not in content_type:
        counts.not_html += 1
        return None
    fetched_url = record.rec_headers.get_header("WARC-Target-URI") or ""
    source = sources.source_for(fetched_url)
    if source is None:
        counts.unknown_host += 1
        counts.unknown_hosts[urlsplit(fetched_url).netloc or "(no host)"] += 1
        return None
    counts.pages_per_source[source.key] += 1
    if dedupe.is_known(normalize_url(fetched_url)):
        counts.known += 1
        counts.known_per_source[source.key] += 1
        return None
    # The crawl's decoding and dating (its page-problem records are the crawl's alone).
    text = decode_html(body, content_type).text
    page = extract_article(text, fetched_url)
    if page is None:
        counts.not_article += 1
        return None
    url = page.canonical_url or normalize_url(fetched_url)
    if dedupe.is_known(url):
        counts.known += 1
        counts.known_per_source[source.key] += 1
        return None
    fetched_at = _warc_date(record.rec_headers.get_header("WARC-Date"))
    # A page cannot have been published after it was archived: the archive date bounds its date.
    dated = settle_published(page.published, declared_published(text), None,
                             datetime.fromisoformat(fetched_at).date())
    item = ArticleItem(
        url=url,
        source_key=source.key,
        source_country=source.country,
        title=page.title,
        text=page.text,
        published=dated.published,
        fetched_at=fetched_at,
        fingerprint=fingerprint(page.text),
        language_hint=page.language if page.language in ("en", "es") else source.language,
        author=page.author,
        fetched_url=fetched_url,
    )
    if not is_relevant(item):
        counts.irrelevant += 1
        counts.irrelevant_per_source[source.key] += 1
        return None
    if dedupe.is_duplicate(item):
        counts.duplicate += 1
        return None
    return item


def _warc_date(value: str | None) -> str:
    """WARC-Date (UTC, `Z`, optional fractions of a second) as the crawl writes fetched_at."""
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return datetime.now(UTC).isoformat(timespec="seconds")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")
