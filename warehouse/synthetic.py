"""A synthetic warehouse for the dashboard's query bench (`python -m espejo.dashboards.bench`).

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
    for stmt in statements("synthetic.sql", "generate"):
        con.execute(stmt, bind(stmt, params))
