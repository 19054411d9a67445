"""Rebuilding the aggregate tables the dashboard reads, and the counts `espejo stats` prints."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import duckdb

from espejo.warehouse.queries import read, scalar, statements

# An article counts as using a frame when its frame score reaches this value.
FRAME_THRESHOLD = 0.5


def rebuild_aggregates(con: duckdb.DuckDBPyConnection, frame_threshold: float = FRAME_THRESHOLD) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        for stmt in statements("aggregate.sql", "clear_aggregates"):
            con.execute(stmt)
        for stmt in statements("aggregate.sql", "fill_agg_monthly"):
            con.execute(stmt)
        for stmt in statements("aggregate.sql", "fill_agg_outlet_monthly"):
            con.execute(stmt)
        for stmt in statements("aggregate.sql", "fill_agg_frames_monthly"):
            con.execute(stmt, [frame_threshold, frame_threshold])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


@dataclass(frozen=True)
class WarehouseStats:
    articles: dict[str, dict[str, int]]  # source country -> language -> articles
    scored_mentions: dict[str, int]  # direction -> mentions with a sentiment score
    frames_scored: int
    runs: int

    def to_dict(self) -> dict:
        return asdict(self)


def warehouse_stats(con: duckdb.DuckDBPyConnection) -> WarehouseStats:
    articles: dict[str, dict[str, int]] = {}
    for row in read(con, "articles_by_country_language").itertuples(index=False):
        articles.setdefault(row.source_country, {})[row.language] = int(row.articles)
    mentions = {
        row.direction: int(row.mentions)
        for row in read(con, "scored_mentions_by_direction").itertuples(index=False)
    }
    for d in ("us->mx", "mx->us"):
        mentions.setdefault(d, 0)
    return WarehouseStats(
        articles=articles,
        scored_mentions=mentions,
        frames_scored=int(scalar(con, "frames_scored")),
        runs=int(scalar(con, "runs_recorded")),
    )
