"""The small typed records that cross Espejo's folders.

Data flows one way: spiders -> items -> nlp -> warehouse -> dashboards. Each stage hands the next
one of these plain dataclasses, never a Scrapy response, a Prefect future or a Streamlit object.
`Source` is also the typed model the source registry is read into, so it validates its values (pydantic).
Character offsets are always into `ArticleItem.text` (0-based, end exclusive).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, ConfigDict, Field, StrictBool, ValidationInfo, field_validator
from pydantic.dataclasses import dataclass as validated_dataclass

Country = Literal["US", "MX"]
Language = Literal["en", "es"]
SentimentLabel = Literal["negative", "neutral", "positive"]

COUNTRIES: tuple[str, ...] = ("US", "MX")
LANGUAGES: tuple[str, ...] = ("en", "es")
SENTIMENT_LABELS: tuple[str, ...] = ("negative", "neutral", "positive")


def other_country(country: str) -> str:
    """The country whose portrayal we measure in media of `country`."""
    return {"US": "MX", "MX": "US"}[country]


def direction(source_country: str) -> str:
    """`us->mx` for U.S. media on Mexico, `mx->us` for Mexican media on the U.S."""
    return f"{source_country.lower()}->{other_country(source_country).lower()}"


def _non_empty(text: str) -> str:
    if not text.strip():
        raise ValueError("must be a non-empty string")
    return text


def _http_url(url: str) -> str:
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"is not an http(s) URL: {url!r}")
    return url


def _one_of(*allowed: str):
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError("must be " + " or ".join(f'"{a}"' for a in allowed) + f", not {value!r}")
        return value
    return AfterValidator(check)


def _source_key(key: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", key):
        raise ValueError(f"must be lowercase letters, digits and dashes, not {key!r}")
    return key


NonEmptyText = Annotated[str, AfterValidator(_non_empty)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
Positive = Field(strict=True, gt=0)  # strict: a quoted "30" or a true in the registry is a mistake


# The registry (spiders/sources.toml) is read into it: these are the only copy of a source's defaults.
@validated_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Source:
    """One outlet from the source registry."""

    key: Annotated[str, AfterValidator(_source_key)]
    name: NonEmptyText
    country: Annotated[str, _one_of(*COUNTRIES)]
    language: Annotated[str, _one_of(*LANGUAGES)]
    homepage: HttpUrl
    feeds: tuple[HttpUrl, ...] = ()
    sitemaps: tuple[HttpUrl, ...] = ()
    # None given: the homepage's host.
    allowed_domains: Annotated[tuple[NonEmptyText, ...], Field(validate_default=True)] = ()
    demo: StrictBool = False  # part of the bundled offline news web
    verified: StrictBool = False  # feeds/sitemaps were seen answering
    max_pages: Annotated[int, Positive] = 2000  # crawl budget per run: pages fetched
    max_minutes: Annotated[float, Positive] = 30.0  # crawl budget per run: minutes of crawling
    download_timeout: Annotated[float, Positive] | None = None  # seconds one page may take; None: the crawler's default
    notes: str = ""

    @field_validator("allowed_domains")
    @classmethod
    def _homepage_host(cls, domains: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if domains or "homepage" not in info.data:
            return domains
        return (urlsplit(info.data["homepage"]).hostname,)


@dataclass(frozen=True)
class SourceResult:
    """How one outlet's crawl went in one run."""

    source_key: str
    status: str  # "ok" | "failed"
    items: int = 0
    pages_fetched: int = 0
    http_errors: int = 0
    skipped_irrelevant: int = 0
    skipped_known: int = 0
    error: str | None = None
    seconds: float = 0.0
    stopped_by: str | None = None  # a budget that ended the crawl early ("page budget of 25 pages reached")


@dataclass(frozen=True)
class CrawlProblem:
    """One thing that went wrong with one page (or feed, sitemap, robots.txt) of an outlet's crawl.

    `kind` is a short stable code (http_500, timeout, reset, truncated, too_large, redirect_loop,
    robots_disallowed, crawl_delay, not_html, malformed_feed, malformed_sitemap, date_in_future,
    date_missing, charset_fallback, ...); `detail` says what was seen and what the crawler did about it.
    """

    source_key: str
    url: str
    kind: str
    detail: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "CrawlProblem":
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ArticleItem:
    """One article page as a spider saw it, after body extraction. Written by spiders."""

    url: str  # normalised canonical URL (tracking parameters removed)
    source_key: str  # the registry key of the outlet that published it
    source_country: str  # "US" | "MX"
    title: str
    text: str  # the extracted article body, paragraphs separated by "\n"
    published: str | None  # ISO date "YYYY-MM-DD", or None when the page gives none
    fetched_at: str  # ISO timestamp (UTC)
    fingerprint: str  # content fingerprint: equal for the same story republished by several outlets
    language_hint: str | None = None  # the outlet's declared language, or the page's <html lang>
    author: str | None = None
    fetched_url: str | None = None  # the URL actually fetched, before normalisation

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ArticleItem":
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Sentence:
    index: int  # 0-based position in the article
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Mention:
    """A mention of one country in one sentence."""

    sentence_index: int
    start: int  # offsets into the article text
    end: int
    surface: str  # the text as written, e.g. "EE.UU."
    target: str  # "US" | "MX"
    kind: str  # what matched: "country", "demonym", "capital", "state", "leader", "institution", ...


@dataclass(frozen=True)
class SentimentScore:
    """Sentiment expressed toward a mention's target, with the probabilities behind the label."""

    label: str  # one of SENTIMENT_LABELS
    p_negative: float
    p_neutral: float
    p_positive: float

    @property
    def value(self) -> float:
        """Expected polarity in [-1, 1]: P(positive) - P(negative)."""
        return self.p_positive - self.p_negative


@dataclass(frozen=True)
class FrameScore:
    """How strongly an article uses one frame, with the sentence that carries it most."""

    frame: str  # a frame key from the codebook
    score: float  # in [0, 1]
    evidence_sentence_index: int


@dataclass(frozen=True)
class ScoredMention:
    mention: Mention
    sentiment: SentimentScore


@dataclass(frozen=True)
class StoredArticle:
    """An article as the warehouse holds it, handed to nlp for analysis."""

    article_id: str
    source_country: str
    title: str
    text: str
    language_hint: str | None


@dataclass(frozen=True)
class ScoreFailure:
    """An article whose analysis raised: recorded in `score_failures`, retried once, then left."""

    article_id: str
    error_type: str  # the exception's class name, e.g. "ValueError"
    message: str
    where: str = ""  # the innermost frame: "scoring.py:236 in mark_target"


@dataclass
class AnalysedArticle:
    """What nlp returns for one article: language, sentences, mentions with scores, frames."""

    article_id: str
    language: str
    sentences: list[Sentence]
    mentions: list[Mention]  # every country mention found
    scored: list[ScoredMention]  # the mentions of the other country, scored
    frames: list[FrameScore]
    model_version: str
    relevant: bool = True
    notes: list[str] = field(default_factory=list)
