"""Pure parsing, no I/O: URL normalisation, feed and sitemap link extraction, article-body extraction.

Kept apart from the spider so it can be tested on saved pages offline (as trafilatura does).
"""

from __future__ import annotations

import codecs
import email.utils
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import trafilatura
from htmldate import find_date
from lxml import etree, html as lxml_html

# Query parameters that only track the reader; two URLs that differ in them are the same page.
TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|ref|ref_src|"
    r"cmpid|icid|ncid|ocid|_ga|_gl|yclid|spm|smid|taid|outputtype)$",
    re.IGNORECASE,
)

ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle",
                 "opinionnewsarticle", "backgroundnewsarticle", "blogposting"}
MIN_ARTICLE_WORDS = 40  # short briefs are articles too, when the page says it is one


def normalize_url(url: str, base: str | None = None) -> str:
    """Absolute URL with lowercase scheme/host, no default port, no fragment, no tracking parameters."""
    if base:
        url = urljoin(base, url.strip())
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)]
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


@dataclass(frozen=True)
class ListingEntry:
    url: str
    published: str | None  # ISO date the feed or sitemap gives for the page, when it gives one


def feed_links(xml: bytes | str, base: str) -> list[str]:
    """Article links of an RSS 2.0 or Atom feed (raises ValueError if it is neither)."""
    return [entry.url for entry in feed_entries(xml, base)]


def feed_entries(xml: bytes | str, base: str) -> list[ListingEntry]:
    """Article links of an RSS 2.0 or Atom feed with the date each entry gives (ValueError if neither)."""
    root = _parse_xml(xml)
    tag = etree.QName(root).localname.lower()
    entries: list[ListingEntry] = []
    if tag == "rss" or tag == "rdf":
        for item in root.iter():
            if etree.QName(item).localname != "item":
                continue
            children = {etree.QName(c).localname.lower(): (c.text or "").strip() for c in item
                        if isinstance(c.tag, str)}
            if children.get("link"):
                entries.append(ListingEntry(children["link"], listing_date(children.get("pubdate")
                                                                           or children.get("date"))))
    elif tag == "feed":
        for entry in root.iter():
            if etree.QName(entry).localname != "entry":
                continue
            link = None
            dates = {}
            for child in entry:
                if not isinstance(child.tag, str):
                    continue
                name = etree.QName(child).localname
                if name == "link" and child.get("rel", "alternate") == "alternate" and child.get("href") and not link:
                    link = child.get("href").strip()
                elif name in ("published", "updated") and child.text:
                    dates[name] = child.text.strip()
            if link:
                entries.append(ListingEntry(link, listing_date(dates.get("published") or dates.get("updated"))))
    else:
        raise ValueError(f"not an RSS or Atom feed (root element <{tag}>)")
    return [ListingEntry(urljoin(base, e.url), e.published) for e in entries]


def listing_date(value: str | None) -> str | None:
    """ISO date of an RSS pubDate (RFC 822), an Atom or sitemap W3C datetime; None when unreadable."""
    if not value:
        return None
    value = value.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            return None
    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


@dataclass(frozen=True)
class SitemapLinks:
    sitemaps: list[str]  # nested sitemaps (from a sitemap index)
    pages: list[str]
    page_dates: dict[str, str] = field(default_factory=dict)  # page URL -> ISO date (news:publication_date, lastmod)


def sitemap_links(xml: bytes | str, base: str) -> SitemapLinks:
    root = _parse_xml(xml)
    tag = etree.QName(root).localname
    locs = []
    page_dates = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or etree.QName(el).localname != "loc" or not el.text:
            continue
        parent = el.getparent()
        if etree.QName(parent).localname not in ("url", "sitemap"):
            continue
        loc = urljoin(base, el.text.strip())
        locs.append(loc)
        dates = {etree.QName(d).localname: (d.text or "") for d in parent.iter() if isinstance(d.tag, str)}
        published = listing_date(dates.get("publication_date") or dates.get("lastmod"))
        if published:
            page_dates[loc] = published
    if tag == "sitemapindex":
        return SitemapLinks(sitemaps=locs, pages=[])
    if tag == "urlset":
        return SitemapLinks(sitemaps=[], pages=locs, page_dates=page_dates)
    raise ValueError(f"not a sitemap (root element <{tag}>)")


def _parse_xml(xml: bytes | str):
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False, huge_tree=False)
    try:
        return etree.fromstring(data.lstrip(), parser=parser)
    except etree.XMLSyntaxError as err:
        raise ValueError(f"malformed XML: {err}") from None


@dataclass(frozen=True)
class ExtractedArticle:
    canonical_url: str | None
    title: str
    text: str
    published: str | None
    author: str | None
    language: str | None


def extract_article(html: str, url: str) -> ExtractedArticle | None:
    """The article on a page, or None when the page is not an article (a section front, a tag page)."""
    try:
        tree = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    kind = page_kind(tree, url)
    if kind == "listing":
        return None
    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False,
        favor_precision=True, deduplicate=False,  # precision: boilerplate would skew scores
    )
    min_words = MIN_ARTICLE_WORDS if kind == "article" or tree.xpath("//article") else MIN_UNDECLARED_WORDS
    if doc is None or not doc.text or len(doc.text.split()) < min_words:
        return None
    canonical = tree.xpath("string(//link[@rel='canonical']/@href)").strip() or None
    published = doc.date or find_date(html, url=url, original_date=True, extensive_search=False)
    language = re.split(r"[-_]", tree.get("lang") or doc.language or "")[0].lower() or None
    return ExtractedArticle(
        canonical_url=normalize_url(canonical, base=url) if canonical else None,
        title=(doc.title or "").strip(),
        text=_clean_text(doc.text),
        published=published[:10] if published else None,
        author=(doc.author or None),
        language=language,
    )


LISTING_TYPES = {"collectionpage", "itemlist", "searchresultspage", "profilepage"}
# Section fronts, tag, topic and author pages in English and Spanish URL schemes.
LISTING_PATH = re.compile(
    r"/(tags?|sections?|secci[oó]n(es)?|etiquetas?|categor(y|ies|ia|ias)|topics?|temas?|authors?|autor(es)?)(/|$)",
    re.IGNORECASE,
)
MIN_UNDECLARED_WORDS = 60  # a page that declares nothing must carry a real body to count
MAX_LISTING_LINK_SHARE = 0.5  # fronts and tag pages are mostly link text; articles are mostly prose


def page_kind(tree, url: str) -> str:
    """"article" when the page declares itself one, "listing" for fronts and tag pages, else "unknown".

    Many real articles declare og:type "website", so that alone proves nothing either way.
    """
    declared: set[str] = set()
    for block in tree.xpath("//script[@type='application/ld+json']/text()"):
        for item in _json_ld_items(block):
            types = item.get("@type", [])
            declared.update(str(t).lower() for t in ([types] if isinstance(types, str) else types))
    og_type = tree.xpath("string(//meta[@property='og:type']/@content)").strip().lower()
    if declared & ARTICLE_TYPES or og_type == "article":
        return "article"
    if declared & LISTING_TYPES or LISTING_PATH.search(urlsplit(url).path) or urlsplit(url).path in ("", "/"):
        return "listing"
    if _link_text_share(tree) > MAX_LISTING_LINK_SHARE:
        return "listing"
    return "unknown"


def _link_text_share(tree) -> float:
    body = tree.find("body")
    if body is None:
        return 0.0
    total = len(" ".join(body.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]")).split())
    linked = len(" ".join(body.xpath(".//a//text()")).split())
    return linked / total if total else 0.0


def _json_ld_items(block: str) -> list[dict]:
    try:
        data = json.loads(block)
    except json.JSONDecodeError:
        return []
    if isinstance(data, dict) and "@graph" in data:
        data = data["@graph"]
    return [d for d in (data if isinstance(data, list) else [data]) if isinstance(d, dict)]


def _clean_text(text: str) -> str:
    paragraphs = [re.sub(r"[ \t\u00a0]+", " ", p).strip() for p in text.splitlines()]
    return "\n".join(p for p in paragraphs if p)


def fingerprint(text: str) -> str:
    """Content fingerprint of an article body: equal for the same story on different sites.

    Case, accents, punctuation and whitespace are ignored. Outlets that republish a wire story add
    their own dateline, byline or sign-off in the first and last paragraphs, so with four or more
    paragraphs only the inner ones count. (The warehouse also catches near-duplicates by shingles.)
    """
    paragraphs = [p for p in text.split("\n") if p.strip()]
    core = paragraphs[1:-1] if len(paragraphs) >= 4 else paragraphs
    return hashlib.sha1(" ".join(normalized_words(" ".join(core))).encode("utf-8")).hexdigest()[:20]


def normalized_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.lower())
    return re.findall(r"[a-z0-9]+", "".join(ch for ch in folded if not unicodedata.combining(ch)))


# --- Broken input: charsets and dates -------------------------------------------------------------


@dataclass(frozen=True)
class DecodedPage:
    text: str
    encoding: str
    fallback: str | None  # why the declared (or absent) charset was not used, when it was not


# Spanish and English sites that do not say (or say wrongly) how they are encoded are, in practice,
# Windows-1252 (a superset of ISO-8859-1): a statistical guess often picks a Central European code
# page instead and turns "niño" into "nińo".
LEGACY_ENCODING = "cp1252"


def decode_html(body: bytes, content_type: str = "") -> DecodedPage:
    """The text of an HTML page: the declared charset when the body really is in it, else UTF-8, else
    Windows-1252 (with the reason recorded in `fallback`)."""
    from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

    bom_encoding, bom = read_bom(body)
    if bom_encoding:
        return DecodedPage(body[len(bom):].decode(bom_encoding, errors="replace"), bom_encoding, None)
    declared = http_content_type_encoding(content_type) or html_body_declared_encoding(body)
    # resolve_encoding follows the WHATWG table: "iso-8859-1" and "ascii" labels mean Windows-1252.
    resolved = resolve_encoding(declared) if declared else None
    if resolved and resolved not in ("utf-8", "utf8") and not body.isascii():
        # A page labelled with a one-byte charset whose bytes are valid UTF-8 is UTF-8 (the reverse
        # accident, "MÃ©xico", is far commoner than real Windows-1252 text that happens to be valid UTF-8).
        try:
            text = body.decode("utf-8")
            return DecodedPage(text, "utf-8", f"declared charset {declared!r} but the body is UTF-8; decoded as utf-8")
        except UnicodeDecodeError:
            pass
    if resolved:
        try:
            return DecodedPage(body.decode(resolved), resolved, None)
        except (UnicodeDecodeError, LookupError):
            pass
    for candidate in ("utf-8", LEGACY_ENCODING):
        try:
            text = body.decode(candidate)
        except UnicodeDecodeError:
            continue
        if not declared and candidate == "utf-8":
            return DecodedPage(text, candidate, None)  # undeclared UTF-8 is the web's default, not a fault
        said = f"declared charset {declared!r} does not decode the body" if declared else "no charset declared"
        return DecodedPage(text, candidate, f"{said}; decoded as {codecs.lookup(candidate).name}")
    said = f"declared charset {declared!r} does not decode the body" if declared else "no charset declared"
    return DecodedPage(body.decode(LEGACY_ENCODING, errors="replace"), LEGACY_ENCODING,
                       f"{said}; decoded as cp1252 with undecodable bytes replaced")


DATE_META = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//meta[@name='date' or @name='pubdate' or @name='publishdate' or @name='dc.date']/@content",
    "//time[@itemprop='datePublished']/@datetime",
)


def declared_published(html: str) -> str | None:
    """The publication date the page itself declares (JSON-LD, meta), as ISO date, whatever it is.

    htmldate silently ignores dates after today; the crawler wants to see them to flag them.
    """
    try:
        tree = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    for block in tree.xpath("//script[@type='application/ld+json']/text()"):
        for item in _json_ld_items(block):
            value = listing_date(str(item.get("datePublished") or "")) if item.get("datePublished") else None
            if value:
                return value
    for path in DATE_META:
        for value in tree.xpath(path):
            found = listing_date(str(value))
            if found:
                return found
    return None


@dataclass(frozen=True)
class DatedPage:
    published: str | None
    problem: str | None  # "date_in_future" | "date_missing" | None
    detail: str


# A page dated after tomorrow (UTC; time zones put an honest date at most one day ahead) is not believed.
def settle_published(page_date: str | None, declared_date: str | None, listing_date_: str | None,
                     today: date) -> DatedPage:
    """The publication date to store, and what was wrong with the page's own date.

    Policy: the page's date wins when it is sane; a date after tomorrow is dropped and flagged; a page
    without a (sane) date takes the feed's or sitemap's date for it when that is sane, else stays
    undated (the dashboard then counts it by its fetch date); both cases are flagged.
    """
    latest = today + timedelta(days=1)

    def sane(value: str | None) -> bool:
        return bool(value) and date.fromisoformat(value) <= latest

    future = next((d for d in (declared_date, page_date) if d and not sane(d)), None)
    if sane(page_date):
        if future:  # the page declares a future date, yet another date on it is believable
            return DatedPage(page_date, "date_in_future",
                             f"page dated {future}, after {latest.isoformat()}; used its other date {page_date}")
        return DatedPage(page_date, None, "")
    fallback = listing_date_ if sane(listing_date_) else None
    then = f"used the feed/sitemap date {fallback}" if fallback else "stored without a date (the fetch date stands in)"
    if future:
        return DatedPage(fallback, "date_in_future", f"page dated {future}, after {latest.isoformat()}; {then}")
    return DatedPage(fallback, "date_missing", f"no publication date on the page; {then}")
