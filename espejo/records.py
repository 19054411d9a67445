"""The small typed records that cross Espejo's folders.

Data flows one way: spiders -> items -> nlp -> warehouse -> dashboards. Each stage hands the next
one of these plain dataclasses, never a Scrapy response, a Prefect future or a Streamlit object.
Character offsets are always into `ArticleItem.text` (0-based, end exclusive).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Country = Literal["US", "MX"]
Language = Literal["en", "es"]
SentimentLabel = Literal["negative", "neutral", "positive"]

COUNTRIES: tuple[str, ...] = ("US", "MX")
SENTIMENT_LABELS: tuple[str, ...] = ("negative", "neutral", "positive")


def other_country(country: str) -> str:
    """The country whose portrayal we measure in media of `country`."""
    return {"US": "MX", "MX": "US"}[country]


def direction(source_country: str) -> str:
    """`us->mx` for U.S. media on Mexico, `mx->us` for Mexican media on the U.S."""
    return f"{source_country.lower()}->{other_country(source_country).lower()}"


@dataclass(frozen=True)
class Source:
    """One outlet from the source registry."""

    key: str
    name: str
    country: str  # "US" | "MX"
    language: str  # "en" | "es"
    homepage: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    demo: bool = False  # part of the bundled offline news web
    verified: bool = False  # feeds/sitemaps were seen answering
    max_pages: int = 2000  # crawl budget per run: pages fetched
    max_minutes: float = 30.0  # crawl budget per run: minutes of crawling
    download_timeout: float | None = None  # seconds one page may take; None: the crawler's default
    notes: str = ""


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
