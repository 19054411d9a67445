"""The nine fictional outlets of the offline news web, with their default loopback ports.

Every outlet exposes the same paths (see `espejo.newsweb` for the full list):
homepage `/`, feed `/feed.xml`, sitemap index `/sitemap.xml`, `robots.txt`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoOutlet:
    key: str
    name: str
    country: str  # "US" | "MX": where the outlet is published
    language: str  # "en" | "es"
    port: int  # default port on 127.0.0.1

    @property
    def target(self) -> str:
        """The country whose portrayal this outlet's coverage is measured for."""
        return "MX" if self.country == "US" else "US"


DEMO_OUTLETS: tuple[DemoOutlet, ...] = (
    DemoOutlet("harbor-courier", "The Harbor Courier", "US", "en", 8731),
    DemoOutlet("midwest-ledger", "Midwest Ledger", "US", "en", 8732),
    DemoOutlet("capital-dispatch", "The Capital Dispatch", "US", "en", 8733),
    DemoOutlet("sunbelt-times", "Sunbelt Times", "US", "en", 8734),
    DemoOutlet("heraldo-del-valle", "El Heraldo del Valle", "MX", "es", 8735),
    DemoOutlet("voz-de-la-republica", "La Voz de la República", "MX", "es", 8736),
    DemoOutlet("diario-del-norte", "Diario del Norte", "MX", "es", 8737),
    DemoOutlet("cronica-capitalina", "Crónica Capitalina", "MX", "es", 8738),
    # A U.S. outlet that writes in Spanish: its coverage counts as U.S. media on Mexico.
    DemoOutlet("noticias-frontera", "Noticias Frontera", "US", "es", 8739),
)

OUTLETS_BY_KEY: dict[str, DemoOutlet] = {outlet.key: outlet for outlet in DEMO_OUTLETS}

FEED_PATH = "/feed.xml"
SITEMAP_PATH = "/sitemap.xml"
ROBOTS_PATH = "/robots.txt"


def default_ports() -> dict[str, int]:
    """Outlet key -> default port (8731..8739)."""
    return {outlet.key: outlet.port for outlet in DEMO_OUTLETS}


def base_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"
