"""A synthetic warehouse for the dashboard's query bench (`python -m espejo.dashboards.bench`) and the
stories bench (`python -m espejo.flows.stories_bench`).

The rows come from one named section of `sql/synthetic.sql`, all in DuckDB (`range()` and `hash()` of the
row number), so a million articles take seconds and the same arguments give the same warehouse.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from espejo.warehouse.queries import bind, statements


def fill_synthetic(con: duckdb.DuckDBPyConnection, *, articles: int, days: int, model: str,
                   mentions_per_article: int, frames: Sequence[str]) -> None:
    """`articles` articles over `days` days, each with `mentions_per_article` mentions scored by `model`
    and frame scores drawn from `frames` (ten of them), plus outlets, runs and per-outlet run results."""
    params = {"n": articles, "days": days, "model": model, "mentions": mentions_per_article, "frames": list(frames)}
    _run_section(con, "generate", params)


def fill_synthetic_stories(con: duckdb.DuckDBPyConnection, *, embed_model: str, story_size: int = 3) -> None:
    """Stories for every article of the synthetic warehouse: each day's articles in groups of about
    `story_size`, with vectors and names as the clustering stores them (embedded by `embed_model`)."""
    params = {"embed_model": embed_model, "story_size": story_size}
    _run_section(con, "generate_stories", params)


def add_articles(con: duckdb.DuckDBPyConnection, ids: Sequence[str], titles: Sequence[str], texts: Sequence[str],
                 day) -> None:
    """One night's new articles for the stories bench, all published on `day`."""
    params = {"ids": list(ids), "titles": list(titles), "texts": list(texts), "day": day}
    _run_section(con, "add_articles", params)


def _run_section(con: duckdb.DuckDBPyConnection, section: str, params: dict) -> None:
    for stmt in statements("synthetic.sql", section):
        con.execute(stmt, bind(stmt, params))
