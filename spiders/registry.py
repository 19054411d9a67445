"""The source registry: outlets are data in `sources.toml`, validated here with clear errors."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from espejo.records import Source

SOURCES_ENV = "ESPEJO_SOURCES"
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_FIELDS = {
    "key", "name", "country", "language", "homepage", "feeds", "sitemaps", "allowed_domains",
    "demo", "verified", "max_pages", "max_minutes", "download_timeout", "notes",
}


class RegistryError(ValueError):
    """The registry file is not valid; the message lists every problem with its source entry."""


def default_registry_path() -> Path:
    """`$ESPEJO_SOURCES` if set, else the registry shipped with Espejo."""
    if os.environ.get(SOURCES_ENV):
        return Path(os.environ[SOURCES_ENV])
    return Path(str(resources.files("espejo.spiders").joinpath("sources.toml")))


def load_sources(path: str | Path | None = None) -> list[Source]:
    path = Path(path) if path else default_registry_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"{path}: no such registry file") from None
    except tomllib.TOMLDecodeError as err:
        raise RegistryError(f"{path}: not valid TOML: {err}") from None
    return parse_sources(data, origin=str(path))


def parse_sources(data: dict, origin: str = "registry") -> list[Source]:
    entries = data.get("source")
    if not isinstance(entries, list) or not entries:
        raise RegistryError(f"{origin}: expected one or more [[source]] tables")
    problems: list[str] = []
    sources: list[Source] = []
    seen: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        label = f"{origin}: source #{position} ({entry.get('key', 'no key')})"
        errors = _entry_problems(entry)
        if entry.get("key") in seen:
            errors.append(f"duplicate key {entry['key']!r}")
        seen.add(entry.get("key"))
        if errors:
            problems.extend(f"{label}: {e}" for e in errors)
            continue
        sources.append(
            Source(
                key=entry["key"],
                name=entry["name"],
                country=entry["country"],
                language=entry["language"],
                homepage=entry["homepage"],
                feeds=tuple(entry.get("feeds", ())),
                sitemaps=tuple(entry.get("sitemaps", ())),
                allowed_domains=tuple(entry.get("allowed_domains", ()))
                or (urlsplit(entry["homepage"]).hostname,),
                demo=bool(entry.get("demo", False)),
                verified=bool(entry.get("verified", False)),
                max_pages=int(entry.get("max_pages", 2000)),
                max_minutes=float(entry.get("max_minutes", 30.0)),
                download_timeout=float(entry["download_timeout"]) if "download_timeout" in entry else None,
                notes=entry.get("notes", ""),
            )
        )
    if problems:
        raise RegistryError("invalid source registry:\n  " + "\n  ".join(problems))
    return sources


def _entry_problems(entry: dict) -> list[str]:
    errors = []
    unknown = set(entry) - _FIELDS
    if unknown:
        errors.append(f"unknown field(s) {sorted(unknown)}; known fields: {sorted(_FIELDS)}")
    for name in ("key", "name", "country", "language", "homepage"):
        if not isinstance(entry.get(name), str) or not entry.get(name).strip():
            errors.append(f"{name!r} is required and must be a non-empty string")
    if isinstance(entry.get("key"), str) and not _KEY.match(entry["key"]):
        errors.append("key must be lowercase letters, digits and dashes")
    if entry.get("country") not in (None, "US", "MX"):
        errors.append(f"country must be \"US\" or \"MX\", not {entry['country']!r}")
    if entry.get("language") not in (None, "en", "es"):
        errors.append(f"language must be \"en\" or \"es\", not {entry['language']!r}")
    for name in ("feeds", "sitemaps", "allowed_domains"):
        value = entry.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            errors.append(f"{name!r} must be a list of strings")
    urls = [entry.get("homepage")] + list(entry.get("feeds") or []) + list(entry.get("sitemaps") or [])
    for url in urls:
        if isinstance(url, str) and urlsplit(url).scheme not in ("http", "https"):
            errors.append(f"not an http(s) URL: {url!r}")
    if not entry.get("feeds") and not entry.get("sitemaps"):
        errors.append("needs at least one feed or sitemap: the crawler finds articles only through them")
    if "max_pages" in entry and (not isinstance(entry["max_pages"], int) or entry["max_pages"] < 1):
        errors.append("max_pages must be a positive integer")
    if "max_minutes" in entry and (isinstance(entry["max_minutes"], bool)
                                   or not isinstance(entry["max_minutes"], int | float) or entry["max_minutes"] <= 0):
        errors.append("max_minutes must be a positive number")
    if "download_timeout" in entry and (isinstance(entry["download_timeout"], bool)
                                        or not isinstance(entry["download_timeout"], int | float)
                                        or entry["download_timeout"] <= 0):
        errors.append("download_timeout must be a positive number of seconds")
    return errors


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
