"""Rebuilding the aggregate tables the dashboard reads, and the counts `espejo stats` prints."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import duckdb

from espejo.warehouse.queries import read, scalar, statements
from espejo.warehouse.stories import story_counts

# An article counts as using a frame when its frame score reaches FRAME_THRESHOLD and the frame is
# among its FRAME_TOP_K highest-scoring frames. On the offline news web's intended frames (in-house,
# synthetic) the zero-shot scorer reached micro-F1 0.36 with either rule alone; the top-k rule keeps
# shares readable (precision 0.40 rather than 0.25).
FRAME_THRESHOLD = 0.5
FRAME_TOP_K = 3


def rebuild_aggregates(con: duckdb.DuckDBPyConnection, *, topics: Mapping[str, str],
                       frame_labels: Mapping[str, tuple[str, str]], frame_threshold: float = FRAME_THRESHOLD,
                       frame_top_k: int = FRAME_TOP_K) -> None:
    """Rebuild every aggregate table in one transaction.

    `topics`: {key: regex} whose article membership to materialise (the dashboard's topics file);
    `frame_labels`: {frame: (English label, Spanish label)} (the frame codebook). Both are handed in by
    the caller (espejo.flows.runs): the warehouse reads neither the dashboard's files nor nlp's.
    """
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
        for key, pattern in topics.items():
            for stmt in statements("aggregate_dashboard.sql", "fill_agg_article_topics"):
                con.execute(stmt, [key, pattern])
            for stmt in statements("aggregate_dashboard.sql", "fill_agg_topic_terms"):
                con.execute(stmt, [key, pattern])
        for stmt in statements("aggregate_dashboard.sql", "clear_frame_labels"):
            con.execute(stmt)
        for frame, (label_en, label_es) in frame_labels.items():
            for stmt in statements("aggregate_dashboard.sql", "fill_frame_labels"):
                con.execute(stmt, [frame, label_en, label_es])
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
    stories: int = 0  # stories of two or more articles
    cross_country_stories: int = 0  # stories told by outlets of both countries

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
    stories, cross_country = story_counts(con)
    return WarehouseStats(
        articles=articles,
        scored_mentions=mentions,
        frames_scored=int(scalar(con, "frames_scored")),
        runs=int(scalar(con, "runs_recorded")),
        stories=stories,
        cross_country_stories=cross_country,
    )
