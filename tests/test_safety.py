"""Safety: user input never becomes SQL, the dashboard cannot write, the repository holds no secrets, and the
crawler names itself with a configurable contact URL."""

from __future__ import annotations

import inspect
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from espejo.dashboards import data
from espejo.dashboards.filters import Filters, load_topics
from espejo.warehouse.db import open_snapshot, snapshot_path

from test_dashboard import MODEL, build_warehouse
from test_dashboard_pages import FIRST_DAY, LAST_DAY, PAGES, TITLES, open_page

REPO = Path(__file__).resolve().parents[1]

# Classic shapes of SQL injection: closing a string, stacked statements, comments, wildcards, identifiers.
INJECTIONS = [
    "' OR 1=1 --",
    "x'; DROP TABLE articles; --",
    "\"; DELETE FROM runs; --",
    "') UNION SELECT article_id, text FROM articles --",
    "%' AND 1=1 AND '%'='",
    "1; ATTACH '/tmp/espejo-evil.duckdb' AS evil; --",
    "$model_version",
    "?",
]


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("espejo-safety")
    build_warehouse(data_dir)
    return data_dir


def table_counts(data_dir: Path) -> dict[str, int]:
    with open_snapshot(data_dir) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def filtered_readers():
    """Every data function that takes the global filters: the new ones are covered as they are added."""
    for name, func in inspect.getmembers(data, inspect.isfunction):
        params = list(inspect.signature(func).parameters)
        if not name.startswith("_") and params[:2] == ["data_dir", "filters"]:
            yield name, func


def call_with(func, data_dir: Path, filters: Filters, text: str):
    kwargs = {}
    for name, param in list(inspect.signature(func).parameters.items())[2:]:
        if param.default is not inspect.Parameter.empty:
            continue
        if name == "topics":
            kwargs[name] = load_topics()
        elif name in ("text", "query", "terms"):
            kwargs[name] = text
        elif name == "stopwords":
            kwargs[name] = [text]
        elif (func.__name__, name) == ("export_page", "name"):  # the page's own fixed choice, not user text
            kwargs[name] = "mentions"
        elif (func.__name__, name) == ("export_page", "page"):
            kwargs[name] = 1
        else:
            pytest.fail(f"{func.__name__}: the safety test does not know how to fill {name!r}; teach it")
    return func(data_dir, filters, **kwargs)


def test_injection_strings_in_every_filter_and_the_search_box_are_plain_values(warehouse_dir):
    before = table_counts(warehouse_dir)
    readers = dict(filtered_readers())
    assert {"search_articles", "direction_summaries", "export_articles"} <= set(readers)
    base = Filters(MODEL, pd.Timestamp(FIRST_DAY).date(), pd.Timestamp(LAST_DAY).date())
    for evil in INJECTIONS:
        variants = [
            replace(base, outlets=(evil,)), replace(base, languages=(evil,)), replace(base, frame=evil),
            replace(base, model_version=evil),
        ]
        for filters in variants:
            for name, func in readers.items():
                result = call_with(func, warehouse_dir, filters, evil)
                if isinstance(result, pd.DataFrame):
                    # A value matching nothing selects nothing; an injected OR 1=1 would select everything.
                    assert result.empty, (name, evil, filters)
        assert data.search_articles(warehouse_dir, base, evil).empty, evil
    assert table_counts(warehouse_dir) == before
    assert not Path("/tmp/espejo-evil.duckdb").exists()


@pytest.mark.parametrize("page", PAGES)
def test_a_shared_link_with_hostile_query_parameters_renders_safely(warehouse_dir, monkeypatch, page):
    """A link is user input too: unknown or hostile values are ignored or shown as no results, never run."""
    before = table_counts(warehouse_dir)
    evil = INJECTIONS[1]
    params = {"outlets": evil, "languages": evil, "topic": evil, "frame": evil, "model_version": evil, "q": evil, "article": evil,
              "story": evil, "sides": evil, "dates": evil, "lang": evil}
    at = open_page(warehouse_dir, monkeypatch, page, params)
    assert at.title[0].value == TITLES[page]
    assert table_counts(warehouse_dir) == before


def test_the_dashboard_connection_cannot_write(warehouse_dir):
    with open_snapshot(warehouse_dir) as con:
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("DELETE FROM articles")
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("CREATE TABLE evil (x INTEGER)")
    assert snapshot_path(warehouse_dir).exists()


# Patterns of credentials that must never be committed (private keys, cloud and API tokens, passwords in URLs).
SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Hugging Face token": re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"),
    "Slack token": re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}"),
    "OpenAI-style key": re.compile(r"\bsk-[A-Za-z0-9]{32,}\b"),
    "password in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s:@'\"]{3,}@"),
}


def test_the_patterns_find_what_they_are_for():
    samples = {
        # Assembled from pieces, so this file does not itself hold what the repository scan looks for.
        "private key": "-----BEGIN RSA " + "PRIVATE KEY-----",
        "AWS access key": "AKIA" + "ABCDEFGHIJKLMNOP",
        "GitHub token": "ghp_" + "a1B2" * 9,
        "Hugging Face token": "hf_" + "x" * 34,
        "Slack token": "xoxb" + "-1234567890-abcdef",
        "OpenAI-style key": "sk-" + "A" * 40,
        "password in a URL": "redis://admin:" + "hunter2@10.0.0.1:6379",
    }
    for name, pattern in SECRET_PATTERNS.items():
        assert pattern.search(samples[name]), name
    assert not SECRET_PATTERNS["password in a URL"].search("redis://127.0.0.1:6379/0")


def test_no_secrets_in_the_repository():
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files cannot be listed")
    found = []
    for name in filter(None, listed.decode().split("\0")):
        path = REPO / name
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        found += [f"{name}: {kind}" for kind, pattern in SECRET_PATTERNS.items() if pattern.search(text)]
    assert not found, found


def test_the_crawler_names_the_project_and_a_configurable_contact(monkeypatch):
    from espejo.spiders.registry import CONTACT_ENV, user_agent
    from espejo.spiders import settings

    assert settings.ROBOTSTXT_OBEY is True
    assert user_agent().startswith("EspejoBot/") and "https://" in user_agent()
    monkeypatch.setenv(CONTACT_ENV, "https://example.org/espejo-contact")
    assert "+https://example.org/espejo-contact" in user_agent()
