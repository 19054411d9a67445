"""A loopback fault site: two small outlets whose feeds and sitemaps list good articles and one URL
per fault case (HTTP errors, Retry-After, silence, slow drip, resets, truncation, wrong charsets,
oversized pages, a gzip bomb, a redirect loop, robots.txt rules, broken listings, non-HTML pages,
impossible dates). `CASES` is the table of cases with the outcome each must have; the tests read it.

The server records every request (port, path, time), so tests can assert what was never asked for
(robots-disallowed pages) and how requests were spaced (Crawl-delay).
"""

from __future__ import annotations

import json
import random
import socket
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"
COURIER = "fault-courier"  # U.S. outlet, English; robots.txt disallows /private/
DIARIO = "fault-diario"  # Mexican outlet, Spanish; robots.txt asks a Crawl-delay
CRAWL_DELAY_S = 1
DOWNLOAD_TIMEOUT_S = 2  # the registry sets this per outlet, so the silent and dripping pages cost seconds
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # espejo.spiders.settings.DOWNLOAD_MAXSIZE


@dataclass(frozen=True)
class FaultCase:
    name: str
    outlet: str
    path: str  # where the fault is served (a page, a listing, robots.txt)
    kind: str | None  # the problem kind the crawl must record for `path` (None: nothing is wrong)
    stored: bool | None  # whether an article must land from `path` (None: not a page)
    listed: str = "feed+sitemap"  # where the URL is listed: feed, sitemap, feed+sitemap, listing
    what: str = ""


CASES: tuple[FaultCase, ...] = (
    FaultCase("http_500", COURIER, "/news/server-error.html", "http_500", False, what="500 on every try"),
    FaultCase("503_retry_after", COURIER, "/news/busy.html", "retry_after", True,
              what="503 with Retry-After: 1, then the article"),
    FaultCase("503_retry_after_too_long", COURIER, "/news/maintenance.html", "http_503", False,
              what="503 with Retry-After: 3600 (beyond the crawler's cap)"),
    FaultCase("timeout", COURIER, "/news/no-answer.html", "timeout", False, what="reads the request, never answers"),
    FaultCase("slow_drip", COURIER, "/news/drip.html", "timeout", False,
              what="headers, then one byte every 0.25 s past the timeout"),
    FaultCase("connection_reset", COURIER, "/news/reset.html", "reset", False, what="TCP RST after the request"),
    FaultCase("truncated_html", COURIER, "/news/truncated.html", "truncated", False,
              what="Content-Length 20000, 3000 bytes, close"),
    FaultCase("oversized_page", COURIER, "/news/huge.html", "too_large", False,
              what="12 MiB of HTML without Content-Length (cap 10 MiB)"),
    FaultCase("gzip_bomb", COURIER, "/news/bomb.html", "too_large", False,
              what="~64 KiB gzip that inflates to 64 MiB"),
    FaultCase("redirect_loop", COURIER, "/news/loop-a.html", "redirect_loop", False,
              what="301 loop-a -> loop-b -> loop-a"),
    FaultCase("robots_disallow", COURIER, "/private/exclusive.html", "robots_disallowed", False,
              what="listed, but robots.txt disallows /private/"),
    FaultCase("not_html_pdf", COURIER, "/news/report.html", "not_html", False, what="application/pdf"),
    FaultCase("not_html_json", COURIER, "/news/data.html", "not_html", False, what="application/json"),
    FaultCase("not_html_image", COURIER, "/news/photo.html", "not_html", False, what="image/jpeg"),
    FaultCase("date_in_future", COURIER, "/news/future-dated.html", "date_in_future", True,
              listed="feed", what="page dated 400 days ahead; the feed's date is used"),
    FaultCase("date_missing_feed_date", COURIER, "/news/undated-in-feed.html", "date_missing", True,
              listed="feed", what="no date on the page; the feed's pubDate is used"),
    FaultCase("date_missing_everywhere", COURIER, "/news/undated.html", "date_missing", True,
              listed="sitemap", what="no date on the page nor in the sitemap; stored undated"),
    FaultCase("malformed_feed", COURIER, "/feed-broken.xml", "malformed_feed", None, listed="listing",
              what="RSS cut off mid-element (the good feed still works)"),
    FaultCase("malformed_sitemap", COURIER, "/sitemap-broken.xml", "malformed_sitemap", None, listed="listing",
              what="sitemap that is not XML (the good sitemap still works)"),
    FaultCase("crawl_delay", DIARIO, "/robots.txt", "crawl_delay", None, listed="listing",
              what=f"robots.txt Crawl-delay: {CRAWL_DELAY_S}"),
    FaultCase("charset_iso_8859_1", DIARIO, "/noticias/latin1.html", None, True,
              what="ISO-8859-1 body, declared correctly in the header"),
    FaultCase("charset_cp1252_mislabelled", DIARIO, "/noticias/cp1252-etiqueta-falsa.html", "charset_fallback", True,
              what="Windows-1252 body served as charset=utf-8"),
    FaultCase("charset_cp1252_undeclared", DIARIO, "/noticias/cp1252-sin-charset.html", "charset_fallback", True,
              what="Windows-1252 body, no charset anywhere"),
)

# Text the charset cases must keep intact once stored.
CHARSET_WORDS = ("México", "niño", "“", "”")
LATIN1_WORDS = ("México", "niño", "«", "»")

GOOD_PATHS = {
    COURIER: ("/news/border-trade-talks.html", "/news/mexico-energy-deal.html", "/news/remittances-record.html",
              "/news/auto-plants-expand.html"),
    DIARIO: ("/noticias/aranceles-acero.html", "/noticias/remesas-record.html"),
}

_EN = {
    "who": ["A senior trade official", "The state governor", "A Commerce Department spokesperson", "Local mayors",
            "Union leaders", "Two senators", "Farm groups", "Shipping executives", "Economists at a Houston bank",
            "Customs officers"],
    "city": ["El Paso", "Laredo", "San Diego", "Nogales", "Chicago", "Detroit", "Phoenix", "Tucson", "Austin", "Miami"],
    "verb": ["resume", "stall", "expand", "conclude", "slow", "accelerate", "collapse", "improve", "restart", "widen"],
    "topic": ["steel", "avocado", "energy", "water", "auto parts", "rail freight", "migration", "security",
              "tomato", "telecom"],
    "when": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "late Sunday", "early Saturday",
             "this week", "last night", "at dawn"],
    "why": ["rising tariffs", "border wait times", "a drought", "a court ruling", "new quotas", "labor shortages",
            "currency swings", "election pressure", "supply delays", "fuel prices"],
}
_ES = {
    "who": ["Un alto funcionario de comercio", "La gobernadora", "Un vocero de Economía", "Alcaldes fronterizos",
            "Líderes sindicales", "Dos senadores", "Productores agrícolas", "Empresarios del transporte",
            "Analistas de un banco regiomontano", "Agentes aduanales"],
    "city": ["Tijuana", "Monterrey", "Ciudad Juárez", "Nuevo Laredo", "Hermosillo", "Saltillo", "Mexicali",
             "Reynosa", "Chihuahua", "Querétaro"],
    "verb": ["reanudarse", "estancarse", "ampliarse", "concluir", "frenarse", "acelerarse", "romperse",
             "mejorar", "reiniciarse", "extenderse"],
    "topic": ["acero", "aguacate", "energía", "agua", "autopartes", "carga ferroviaria", "migración", "seguridad",
              "jitomate", "telecomunicaciones"],
    "when": ["lunes", "martes", "miércoles", "jueves", "viernes", "domingo por la noche", "sábado temprano",
             "esta semana", "anoche", "al amanecer"],
    "why": ["los aranceles", "las filas en la frontera", "la sequía", "un fallo judicial", "las nuevas cuotas",
            "la falta de mano de obra", "el tipo de cambio", "la presión electoral", "los retrasos", "el diésel"],
}


def _sentences(seed: str, language: str, count: int = 4) -> list[str]:
    """Sentences varied slot by slot, so two articles share (almost) no 5-word shingles; each names the
    other country once (the relevance filter wants two mentions; fewer mentions keep scoring quick)."""
    rng = random.Random(seed)
    words = _EN if language == "en" else _ES
    out = []
    for _ in range(count):
        pick = {k: rng.choice(v) for k, v in words.items()}
        if language == "en":
            out.append(f"{pick['who']} in {pick['city']} said {pick['when']} that {pick['topic']} talks with "
                       f"Mexico could {pick['verb']} soon, after {pick['why']} weighed on {pick['city']} "
                       f"exporters.")
        else:
            out.append(f"{pick['who']} de {pick['city']} dijo el {pick['when']} que las pláticas sobre "
                       f"{pick['topic']} con Estados Unidos podrían {pick['verb']} pronto, luego de que "
                       f"{pick['why']} pesaran en los exportadores de {pick['city']}.")
    return out


@dataclass(frozen=True)
class Article:
    path: str
    title: str
    paragraphs: tuple[str, ...]
    language: str
    published: str | None  # what the page declares (JSON-LD), None: nothing


def article_for(outlet: str, path: str, extra: str = "", published: str | None = "default") -> Article:
    language = "en" if outlet == COURIER else "es"
    sentences = _sentences(outlet + path, language)
    paragraphs = [" ".join(sentences[i:i + 2]) for i in range(0, len(sentences), 2)]
    if extra:
        paragraphs.insert(1, extra)
    title = path.rsplit("/", 1)[1].removesuffix(".html").replace("-", " ").capitalize()
    if published == "default":
        published = (date.today() - timedelta(days=2 + len(path) % 5)).isoformat()
    return Article(path, title, tuple(paragraphs), language, published)


def render(article: Article, meta_charset: str | None = "utf-8") -> str:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": article.title}
    if article.published:
        ld["datePublished"] = f"{article.published}T09:00:00Z"
    charset = f'<meta charset="{meta_charset}">' if meta_charset else ""
    body = "".join(f"<p>{p}</p>" for p in article.paragraphs)
    return (f'<!DOCTYPE html><html lang="{article.language}"><head>{charset}<title>{article.title}</title>'
            f'<meta property="og:type" content="article">'
            f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script></head>'
            f"<body><header><a href=\"/\">Home</a></header><article><h1>{article.title}</h1>{body}</article>"
            f"</body></html>")


CP1252_EXTRA = ("El niño que cruzó la frontera con México contó: “queremos volver a Estados Unidos” — "
                "y su madre añadió: “aquí no hay trabajo”.")
LATIN1_EXTRA = ("El niño que cruzó la frontera con México contó: «queremos volver a Estados Unidos», "
                "y su madre añadió: «aquí no hay trabajo».")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, site: "FaultSite", outlet: str):
        self.site = site
        self.outlet = outlet
        super().__init__((HOST, 0), _Handler)

    def handle_error(self, request, client_address):  # resets and hang-ups are the point here
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection: faults never leak into the next request

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 (http.server's naming)
        site = self.server.site
        path = self.path.split("?", 1)[0]
        site.record(self.server.outlet, path)
        handler = site.routes[self.server.outlet].get(path)
        if handler is None:
            return self.send_body(404, b"<html><body>not found</body></html>", "text/html; charset=utf-8")
        try:
            handler(self)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass  # the crawler hung up (a timeout, the size cap): expected

    def send_body(self, status: int, body: bytes, content_type: str | None, headers: dict | None = None):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@dataclass
class FaultSite:
    """Serves both outlets on free loopback ports; `requests` is every (outlet, path, monotonic time)."""

    requests: list[tuple[str, str, float]] = field(default_factory=list)
    ports: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._hits: dict[str, int] = {}
        self.today = date.today()
        self.articles: dict[tuple[str, str], Article] = {}
        self.routes: dict[str, dict] = {COURIER: {}, DIARIO: {}}
        self._bomb = _gzip_bomb(64 * 1024 * 1024)
        self._build()
        self._servers = [_Server(self, COURIER), _Server(self, DIARIO)]
        for server in self._servers:
            self.ports[server.outlet] = server.server_address[1]
            threading.Thread(target=server.serve_forever, daemon=True).start()

    # --- bookkeeping ---------------------------------------------------------------------------

    def record(self, outlet: str, path: str) -> int:
        with self._lock:
            self.requests.append((outlet, path, time.monotonic()))
            self._hits[f"{outlet}{path}"] = self._hits.get(f"{outlet}{path}", 0) + 1
            return self._hits[f"{outlet}{path}"]

    def hits(self, outlet: str, path: str) -> int:
        with self._lock:
            return self._hits.get(f"{outlet}{path}", 0)

    def url(self, outlet: str, path: str) -> str:
        return f"http://{HOST}:{self.ports[outlet]}{path}"

    def stop(self) -> None:
        self._stop.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def registry_toml(self) -> str:
        blocks = []
        for key, name, country, language, feeds, sitemaps in (
            (COURIER, "Fault Courier", "US", "en", ["/feed.xml", "/feed-broken.xml"],
             ["/sitemap-broken.xml", "/sitemap.xml"]),
            (DIARIO, "Diario de Fallas", "MX", "es", ["/feed.xml"], ["/sitemap.xml"]),
        ):
            base = f"http://{HOST}:{self.ports[key]}"
            blocks.append(
                f'[[source]]\nkey = "{key}"\nname = "{name}"\ncountry = "{country}"\nlanguage = "{language}"\n'
                f'homepage = "{base}/"\nfeeds = {json.dumps([base + f for f in feeds])}\n'
                f'sitemaps = {json.dumps([base + s for s in sitemaps])}\nallowed_domains = ["{HOST}"]\n'
                f"download_timeout = {DOWNLOAD_TIMEOUT_S}\n"
            )
        return "\n".join(blocks)

    def good_articles(self) -> list[tuple[str, Article]]:
        """(outlet, article) for every page that must be stored (good pages and faults that still land)."""
        stored = {(c.outlet, c.path) for c in CASES if c.stored}
        return [(o, a) for (o, p), a in self.articles.items() if p in GOOD_PATHS[o] or (o, p) in stored]

    # --- the site --------------------------------------------------------------------------------

    def _build(self) -> None:
        for outlet, paths in GOOD_PATHS.items():
            for path in paths:
                self._page(outlet, path, article_for(outlet, path))
        courier = self.routes[COURIER]
        diario = self.routes[DIARIO]
        courier["/robots.txt"] = _static(b"User-agent: *\nDisallow: /private/\n", "text/plain")
        diario["/robots.txt"] = _static(f"User-agent: *\nCrawl-delay: {CRAWL_DELAY_S}\n".encode(), "text/plain")

        busy = article_for(COURIER, "/news/busy.html")
        self.articles[(COURIER, busy.path)] = busy
        courier[busy.path] = self._busy_then(busy)
        courier["/news/server-error.html"] = _static(b"<html><body>Internal error</body></html>",
                                                     "text/html; charset=utf-8", status=500)
        courier["/news/maintenance.html"] = _static(b"<html><body>Down for maintenance</body></html>",
                                                    "text/html; charset=utf-8", status=503,
                                                    headers={"Retry-After": "3600"})
        courier["/news/no-answer.html"] = self._silent
        courier["/news/drip.html"] = self._drip
        courier["/news/reset.html"] = _reset
        courier["/news/truncated.html"] = _truncated(render(article_for(COURIER, "/news/truncated.html")).encode())
        courier["/news/huge.html"] = _huge
        courier["/news/bomb.html"] = _static(self._bomb, "text/html; charset=utf-8",
                                             headers={"Content-Encoding": "gzip"})
        courier["/news/loop-a.html"] = _redirect("/news/loop-b.html")
        courier["/news/loop-b.html"] = _redirect("/news/loop-a.html")
        courier["/private/exclusive.html"] = _static(render(article_for(COURIER, "/private/x")).encode(),
                                                     "text/html; charset=utf-8")
        courier["/news/report.html"] = _static(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                                               "application/pdf")
        courier["/news/data.html"] = _static(json.dumps({"headline": "Mexico trade", "body": "Mexico"}).encode(),
                                             "application/json")
        courier["/news/photo.html"] = _static(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200) + b"\xff\xd9",
                                              "image/jpeg")
        future = (self.today + timedelta(days=400)).isoformat()
        self._page(COURIER, "/news/future-dated.html", article_for(COURIER, "/news/future-dated.html",
                                                                   published=future))
        self._page(COURIER, "/news/undated-in-feed.html", article_for(COURIER, "/news/undated-in-feed.html",
                                                                      published=None))
        self._page(COURIER, "/news/undated.html", article_for(COURIER, "/news/undated.html", published=None))

        latin1 = article_for(DIARIO, "/noticias/latin1.html", extra=LATIN1_EXTRA)
        self.articles[(DIARIO, latin1.path)] = latin1
        diario[latin1.path] = _static(render(latin1, meta_charset=None).encode("iso-8859-1"),
                                      "text/html; charset=ISO-8859-1")
        mislabelled = article_for(DIARIO, "/noticias/cp1252-etiqueta-falsa.html", extra=CP1252_EXTRA)
        self.articles[(DIARIO, mislabelled.path)] = mislabelled
        diario[mislabelled.path] = _static(render(mislabelled, meta_charset=None).encode("cp1252"),
                                           "text/html; charset=utf-8")
        undeclared = article_for(DIARIO, "/noticias/cp1252-sin-charset.html", extra=CP1252_EXTRA)
        self.articles[(DIARIO, undeclared.path)] = undeclared
        diario[undeclared.path] = _static(render(undeclared, meta_charset=None).encode("cp1252"), "text/html")

        # Listings: each case's URL in the feed and/or the sitemap, as its `listed` says.
        for outlet in (COURIER, DIARIO):
            in_feed = [p for p in GOOD_PATHS[outlet]]
            in_sitemap = list(GOOD_PATHS[outlet])
            for case in CASES:
                if case.outlet != outlet or case.listed == "listing":
                    continue
                if "feed" in case.listed:
                    in_feed.append(case.path)
                if "sitemap" in case.listed:
                    in_sitemap.append(case.path)
            self.routes[outlet]["/feed.xml"] = _lazy(lambda o=outlet, f=in_feed: self._feed(o, f),
                                                     "application/rss+xml; charset=utf-8")
            self.routes[outlet]["/sitemap.xml"] = _lazy(lambda o=outlet, s=in_sitemap: self._sitemap(o, s),
                                                        "application/xml; charset=utf-8")
        courier["/feed-broken.xml"] = _lazy(
            lambda: self._feed(COURIER, list(GOOD_PATHS[COURIER]))[:-40], "application/rss+xml; charset=utf-8")
        courier["/sitemap-broken.xml"] = _static(b"<html><body>Sitemap moved</body>", "application/xml")

    def _page(self, outlet: str, path: str, article: Article) -> None:
        self.articles[(outlet, path)] = article
        self.routes[outlet][path] = _static(render(article).encode("utf-8"), "text/html; charset=utf-8")

    def _listing_date(self, path: str) -> str:
        return (self.today - timedelta(days=1 + len(path) % 3)).isoformat()

    def _feed(self, outlet: str, paths: list[str]) -> bytes:
        items = []
        for path in paths:
            pub = datetime.fromisoformat(self._listing_date(path) + "T08:00:00+00:00").astimezone(UTC)
            items.append(f"<item><title>{path}</title><link>{self.url(outlet, path)}</link>"
                         f"<pubDate>{format_datetime(pub)}</pubDate></item>")
        return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
                + "".join(items) + "</channel></rss>").encode("utf-8")

    def _sitemap(self, outlet: str, paths: list[str]) -> bytes:
        urls = []
        for path in paths:
            # The undated case is undated here too; every other page has a lastmod.
            lastmod = "" if path == "/news/undated.html" else f"<lastmod>{self._listing_date(path)}</lastmod>"
            urls.append(f"<url><loc>{self.url(outlet, path)}</loc>{lastmod}</url>")
        return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                + "".join(urls) + "</urlset>").encode("utf-8")

    def listing_date(self, path: str) -> str:
        return self._listing_date(path)

    # --- handlers that need the site ---------------------------------------------------------------

    def _busy_then(self, article: Article):
        body = render(article).encode("utf-8")

        def handle(h: _Handler):
            if self.hits(COURIER, article.path) == 1:
                return h.send_body(503, b"<html><body>Busy</body></html>", "text/html; charset=utf-8",
                                   {"Retry-After": "1"})
            h.send_body(200, body, "text/html; charset=utf-8")
        return handle

    def _silent(self, h: _Handler) -> None:
        self._stop.wait(30)  # say nothing until the crawler gives up (or the site stops)

    def _drip(self, h: _Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", "4000")
        h.end_headers()
        h.wfile.flush()
        for _ in range(120):
            if self._stop.wait(0.25):
                return
            h.wfile.write(b" ")
            h.wfile.flush()


def _static(body: bytes, content_type: str, status: int = 200, headers: dict | None = None):
    return lambda h: h.send_body(status, body, content_type, headers)


def _lazy(make, content_type: str):
    return lambda h: h.send_body(200, make(), content_type)


def _redirect(location: str):
    return lambda h: h.send_body(301, b"", "text/html", {"Location": location})


def _reset(h: _Handler) -> None:
    # SO_LINGER with a zero timeout turns close() into a TCP reset.
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()


def _truncated(body: bytes):
    def handle(h: _Handler):
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(max(len(body), 20000)))
        h.end_headers()
        h.wfile.write(body[:3000])
        h.wfile.flush()
        h.connection.shutdown(socket.SHUT_RDWR)
    return handle


def _huge(h: _Handler) -> None:
    # No Content-Length: the size cap must stop the download while it streams, not from a header.
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.end_headers()
    h.wfile.write(b"<!DOCTYPE html><html><body><article><p>")
    chunk = b"Mexico " * 9362  # ~64 KiB
    for _ in range(12 * 1024 * 1024 // len(chunk) + 1):
        h.wfile.write(chunk)
    h.wfile.write(b"</p></article></body></html>")


def _gzip_bomb(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
    zeros = b"\0" * (1024 * 1024)
    parts = [compressor.compress(b"<!DOCTYPE html><html><body><p>")]
    parts.extend(compressor.compress(zeros) for _ in range(size // len(zeros)))
    parts.append(compressor.flush())
    return b"".join(parts)
