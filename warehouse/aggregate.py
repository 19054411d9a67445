"""Rebuilding the aggregate tables the dashboard reads, and the counts `espejo stats` prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import duckdb

from espejo.warehouse.queries import read, scalar, statements

# An article counts as using a frame when its frame score reaches FRAME_THRESHOLD and the frame is
# among its FRAME_TOP_K highest-scoring frames. On the offline news web's intended frames (in-house,
# synthetic) the zero-shot scorer reached micro-F1 0.36 with either rule alone; the top-k rule keeps
# shares readable (precision 0.40 rather than 0.25).
FRAME_THRESHOLD = 0.5
FRAME_TOP_K = 3


def dashboard_topics() -> list[tuple[str, str]]:
    """(key, regex) of the dashboard's topics file, whose membership the aggregates materialise."""
    # The one place the warehouse reads a dashboard file: the topics are data the dashboard owns, and
    # matching them here once per run spares every page view a regex over all article text.
    from espejo.dashboards.filters import load_topics

    return [(t.key, t.pattern) for t in load_topics()]


def rebuild_aggregates(con: duckdb.DuckDBPyConnection, frame_threshold: float = FRAME_THRESHOLD,
                       frame_top_k: int = FRAME_TOP_K, topics: Sequence[tuple[str, str]] | None = None) -> None:
    """Rebuild every aggregate table in one transaction. `topics`: (key, regex) pairs to materialise
    (default: the dashboard's topics file)."""
    topics = dashboard_topics() if topics is None else list(topics)
    con.execute("BEGIN TRANSACTION")
    try:
        for stmt in statements("aggregate.sql", "clear_aggregates"):
            con.execute(stmt)
        for stmt in statements("aggregate.sql", "fill_agg_monthly"):
            con.execute(stmt)
        for stmt in statements("aggregate.sql", "fill_agg_outlet_monthly"):
            con.execute(stmt)
        for stmt in statements("aggregate.sql", "fill_agg_frames_monthly"):
            con.execute(stmt, [frame_threshold, frame_top_k, frame_threshold, frame_top_k])
        # The dashboard's per-article tables (migrations 002, 003), from the same rule for leading frames.
        for stmt in statements("aggregate_dashboard.sql", "clear_dashboard_aggregates"):
            con.execute(stmt)
        for key, pattern in topics:
            for stmt in statements("aggregate_dashboard.sql", "fill_agg_article_topics"):
                con.execute(stmt, [key, pattern])
            for stmt in statements("aggregate_dashboard.sql", "fill_agg_topic_terms"):
                con.execute(stmt, [key, pattern])
        for stmt in statements("aggregate_dashboard.sql", "fill_leading_frames"):
            con.execute(stmt, [frame_threshold, frame_top_k])
        for name in ("fill_list_sets", "fill_agg_article_facts", "fill_agg_article_frames", "fill_agg_mention_facts",
                     "drop_leading_frames"):
            for stmt in statements("aggregate_dashboard.sql", name):
                con.execute(stmt)
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
