"""Pure parsing, no I/O: URL normalisation, feed and sitemap link extraction, article-body extraction.

Kept apart from the spider so it can be tested on saved pages offline (as trafilatura does).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
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


def feed_links(xml: bytes | str, base: str) -> list[str]:
    """Article links of an RSS 2.0 or Atom feed (raises ValueError if it is neither)."""
    root = _parse_xml(xml)
    tag = etree.QName(root).localname.lower()
    links: list[str] = []
    if tag == "rss" or tag == "rdf":
        for item in root.iter():
            if etree.QName(item).localname == "item":
                link = next((c.text for c in item if etree.QName(c).localname == "link" and c.text), None)
                if link:
                    links.append(link.strip())
    elif tag == "feed":
        for entry in root.iter():
            if etree.QName(entry).localname != "entry":
                continue
            for child in entry:
                if etree.QName(child).localname == "link" and child.get("rel", "alternate") == "alternate":
                    if child.get("href"):
                        links.append(child.get("href").strip())
                        break
    else:
        raise ValueError(f"not an RSS or Atom feed (root element <{tag}>)")
    return [urljoin(base, link) for link in links]


@dataclass(frozen=True)
class SitemapLinks:
    sitemaps: list[str]  # nested sitemaps (from a sitemap index)
    pages: list[str]


def sitemap_links(xml: bytes | str, base: str) -> SitemapLinks:
    root = _parse_xml(xml)
    tag = etree.QName(root).localname
    locs = [
        el.text.strip()
        for el in root.iter()
        if etree.QName(el).localname == "loc" and el.text and etree.QName(el.getparent()).localname in ("url", "sitemap")
    ]
    locs = [urljoin(base, loc) for loc in locs]
    if tag == "sitemapindex":
        return SitemapLinks(sitemaps=locs, pages=[])
    if tag == "urlset":
        return SitemapLinks(sitemaps=[], pages=locs)
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
