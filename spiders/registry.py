"""The source registry: outlets are data in `sources.toml`, read into `espejo.records.Source` (typed and
validated, with the defaults) with clear errors."""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from espejo.records import Source
from espejo.settings import read_toml, validate_tables

SOURCES_ENV = "ESPEJO_SOURCES"


class RegistryError(ValueError):
    """The registry file is not valid; the message lists every problem with its source entry."""


def default_registry_path() -> Path:
    """`$ESPEJO_SOURCES` if set, else the registry shipped with Espejo."""
    if os.environ.get(SOURCES_ENV):
        return Path(os.environ[SOURCES_ENV])
    return Path(str(resources.files("espejo.spiders").joinpath("sources.toml")))


def load_sources(path: str | Path | None = None) -> list[Source]:
    path = Path(path) if path else default_registry_path()
    return parse_sources(read_toml(path, RegistryError, "registry file"), origin=str(path))


def parse_sources(data: dict, origin: str = "registry") -> list[Source]:
    return validate_tables(Source, data, "source", origin, RegistryError, "invalid source registry",
                           check=_some_listing)


def _some_listing(entry: dict) -> list[str]:
    # Checked on the raw entry, beside the field checks, so it is reported together with them.
    if not entry.get("feeds") and not entry.get("sitemaps"):
        return ["needs at least one feed or sitemap: the crawler finds articles only through them"]
    return []


@dataclass(frozen=True)
class FeedCheck:
    source_key: str
    url: str
    ok: bool
    detail: str


def check_online(sources: list[Source], timeout_s: float = 10.0) -> list[FeedCheck]:
    """Ask each feed and sitemap once (HEAD, then GET) and report which answer."""
    import urllib.error
    import urllib.request

    results = []
    for source in sources:
        for url in (*source.feeds, *source.sitemaps):
            request = urllib.request.Request(url, headers={"User-Agent": user_agent()})
            try:
                with urllib.request.urlopen(request, timeout=timeout_s) as response:
                    results.append(FeedCheck(source.key, url, True, f"HTTP {response.status}"))
            except urllib.error.HTTPError as err:
                results.append(FeedCheck(source.key, url, False, f"HTTP {err.code}"))
            except (urllib.error.URLError, OSError) as err:
                results.append(FeedCheck(source.key, url, False, str(getattr(err, "reason", err))))
    return results


CONTACT_ENV = "ESPEJO_CONTACT_URL"


def user_agent() -> str:
    """The crawler names the project and a contact URL (configurable) so site owners can reach us."""
    contact = os.environ.get(CONTACT_ENV, "https://github.com/espejo-media/espejo")
    return f"EspejoBot/0.1 (+{contact}; media research)"
