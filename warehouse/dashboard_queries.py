"""The dashboard's named queries (`sql/read.sql`, `sql/dashboard.sql`), run on the published snapshot.

Each unit of work reads through a cursor of its own on the snapshot's held read-only connection
(`db.snapshot_cursor`); the working warehouse file is never opened, as it cannot be while a run writes it.
Queries of the filtered pages get the shared `filtered` CTE of `sql/dashboard.sql` in front of them. Values
are always bound as named parameters, exactly those a statement uses (DuckDB refuses unused ones).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd

from espejo.warehouse import queries
from espejo.warehouse.db import snapshot_cursor, snapshot_path

DASHBOARD_SQL = "dashboard.sql"


class SnapshotMissing(RuntimeError):
    """Nothing has been published yet: run `espejo run` or `espejo demo` first."""


def _without_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))


def filtered_sql(name: str, topic_text: bool = False) -> str:
    """The named query with the shared `filtered` CTE in front of it; `topic_text`: with the clause that
    matches $topic_pattern against the article text (left out otherwise: even unused, it costs a join)."""
    cte = _without_comments(queries.sql(DASHBOARD_SQL, "filtered"))
    if topic_text:
        cte += "\n  AND " + _without_comments(queries.sql(DASHBOARD_SQL, "topic_text_match"))
    body = _without_comments(queries.sql(DASHBOARD_SQL, name)).strip().rstrip(";")
    if body[:4].upper() == "WITH":
        return f"WITH filtered AS ({cte}),\n{body[4:].lstrip()}"
    return f"WITH filtered AS ({cte})\n{body}"


class Reader:
    """Named queries over one read-only cursor on the snapshot: one unit of work, then closed.

    `filters` arguments are the `filtered` CTE's parameters ($model_version, $date_from, $date_to,
    $outlets, $languages, $frame, $topic_key, $topic_pattern), as `espejo.dashboards.filters` builds them.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._materialised: dict[str, str] | None = None

    def read(self, name: str, params: list | None = None) -> pd.DataFrame:
        """A named query of `read.sql` (positional parameters)."""
        return queries.read(self.con, name, params)

    def plain(self, name: str, **params) -> pd.DataFrame:
        """A named query of `dashboard.sql` that does not read `filtered`."""
        sql = _without_comments(queries.sql(DASHBOARD_SQL, name)).strip().rstrip(";")
        return self.con.execute(sql, queries.bind(sql, params)).df()

    def materialised_topics(self) -> dict[str, str]:
        """{topic key: regex} whose membership the snapshot holds (agg_topic_terms)."""
        if self._materialised is None:
            rows = self.plain("materialised_topics")
            self._materialised = dict(zip(rows["topic"], rows["pattern"], strict=True))
        return self._materialised

    def is_materialised(self, topic: str | None, pattern: str | None) -> bool:
        # Only when the snapshot matched exactly this pattern: a topic edited in topics.toml since the
        # last rebuild is matched against the text, as before, until the next run rebuilds the table.
        return topic is not None and pattern is not None and self.materialised_topics().get(topic) == pattern

    def filter_params(self, filters: dict) -> dict:
        """The `filtered` CTE's parameters: a materialised topic by its key, any other by its regex."""
        if self.is_materialised(filters.get("topic_key"), filters.get("topic_pattern")):
            return {**filters, "topic_pattern": None}
        return {**filters, "topic_key": None}

    def filtered(self, name: str, filters: dict, *, order: str | None = None, **params) -> pd.DataFrame:
        """`order`: the name of an ORDER BY section (`article_order_*`) for a query that says ORDER_CLAUSE."""
        bound = self.filter_params(filters)
        sql = filtered_sql(name, topic_text=bound["topic_pattern"] is not None)
        if order is not None:
            sql = sql.replace("ORDER_CLAUSE", _without_comments(queries.sql(DASHBOARD_SQL, order)).strip())
        return self.con.execute(sql, queries.bind(sql, {**bound, **params})).df()


@contextlib.contextmanager
def reader(data_dir: Path) -> Iterator[Reader]:
    with snapshot_cursor(data_dir) as con:
        if con is None:
            raise SnapshotMissing(str(snapshot_path(data_dir)))
        yield Reader(con)


def read(data_dir: Path, name: str, params: list | None = None) -> pd.DataFrame:
    with reader(data_dir) as r:
        return r.read(name, params)


def read_plain(data_dir: Path, name: str, **params) -> pd.DataFrame:
    with reader(data_dir) as r:
        return r.plain(name, **params)


def read_filtered(data_dir: Path, name: str, filters: dict, *, order: str | None = None, **params) -> pd.DataFrame:
    with reader(data_dir) as r:
        return r.filtered(name, filters, order=order, **params)
