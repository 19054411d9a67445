"""Espejo's offline news web: nine fictional outlets served on 127.0.0.1 for the demo and the tests.

No machine that runs Espejo's tests reaches the internet, so the crawler is exercised against this
generated web instead. It is deterministic (fixed seed) and built from editable text banks.

Build and serve::

    from espejo.newsweb import build_site, serve, default_ports
    manifest = build_site(Path("site"))               # or build_site(dir, {"harbor-courier": 9001, ...})
    web = serve(Path("site"))                         # ports from the manifest; broken={"key"} -> HTTP 500
    web.base_url("harbor-courier")                    # "http://127.0.0.1:8731"
    web.stop()

or from a shell: ``python -m espejo.newsweb.server --site site --build`` (serves until Ctrl-C).

Paths, identical at every outlet (``http://127.0.0.1:PORT``):

- ``/``              homepage (a listing, not an article)
- ``/feed.xml``      the feed: RSS 2.0 (harbor-courier, capital-dispatch, heraldo-del-valle,
  diario-del-norte, noticias-frontera) or Atom (midwest-ledger, sunbelt-times, voz-de-la-republica,
  cronica-capitalina); the 30 most recent stories. Some feeds add ``?utm_...`` tracking parameters
  to every link; harbor-courier's feed has one item at an old URL that answers 301; capital-dispatch's
  feed has one item whose URL answers 404.
- ``/sitemap.xml``   a sitemap index pointing to the Google News sitemap(s) that list EVERY article
  (``/sitemap-news.xml``, or one ``/sitemaps/news-YYYY-MM.xml`` per month at capital-dispatch) and to
  ``/sitemap-pages.xml``, which lists the homepage, section fronts and tag pages (not articles).
- ``/robots.txt``    allows everything but ``/admin/``, ``/search`` and ``/newsletter/``; has a
  ``Sitemap:`` line.
- section fronts at ``/section/<key>/`` (English) or ``/seccion/<key>/`` (Spanish), tag pages at
  ``/tag/<theme>/`` or ``/tema/<theme>/``; article URLs follow a different pattern per outlet.

Ground truth for tests lives in ``<site>/manifest.json`` (see `generate._manifest`): every article with its
tone, frames and target sentences, and ``events``, the planted events (``events.toml``) that several outlets
tell in their own words; each article's ``event`` names the one it reports (null for the rest).
"""

from .outlets import DEMO_OUTLETS, FEED_PATH, SITEMAP_PATH, DemoOutlet, default_ports

__all__ = [
    "DEMO_OUTLETS", "DemoOutlet", "FEED_PATH", "NewsWeb", "SITEMAP_PATH", "build_site",
    "default_ports", "serve",
]


def __getattr__(name: str):
    # Imported lazily so `python -m espejo.newsweb.generate` / `.server` run without a warning.
    if name == "build_site":
        from .generate import build_site

        return build_site
    if name in ("serve", "NewsWeb"):
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
