"""Writing into the warehouse. Every write is idempotent: loading the same night twice adds nothing.

Functions take the records of `espejo.records` and an open connection from `espejo.warehouse.db`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from espejo.records import (
    AnalysedArticle, ArticleItem, CrawlProblem, ScoreFailure, Source, SourceResult, StoredArticle, direction,
)


@dataclass(frozen=True)
class LoadResult:
    articles_new: int
    appearances_new: int
    duplicates_in_batch: int


def upsert_sources(con: duckdb.DuckDBPyConnection, sources: Iterable[Source]) -> None:
    rows = [(s.key, s.name, s.country, s.language, s.homepage, s.demo) for s in sources]
    if rows:
        con.executemany(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source_key) DO UPDATE SET"
            " name = excluded.name, country = excluded.country, language = excluded.language,"
            " homepage = excluded.homepage, demo = excluded.demo",
            rows,
        )


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, code_version: str, model_version: str) -> None:
    con.execute(
        "INSERT INTO runs (run_id, started_at, status, code_version, model_version)"
        " VALUES (?, current_timestamp, 'running', ?, ?)",
        [run_id, code_version, model_version],
    )


def mark_interrupted_runs(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Runs still marked running when a new run starts were killed (the caller holds the run lock)."""
    rows = con.execute(
        "UPDATE runs SET status = 'interrupted', finished_at = current_timestamp"
        " WHERE status = 'running' RETURNING run_id"
    ).fetchall()
    return [r[0] for r in rows]


def record_source_results(con: duckdb.DuckDBPyConnection, run_id: str, results: Iterable[SourceResult]) -> None:
    for r in results:
        con.execute(
            "INSERT OR REPLACE INTO run_sources (run_id, source_key, status, items, pages_fetched, http_errors,"
            " skipped_irrelevant, skipped_known, error, seconds, stopped_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, r.source_key, r.status, r.items, r.pages_fetched, r.http_errors,
             r.skipped_irrelevant, r.skipped_known, r.error, round(r.seconds, 3), r.stopped_by],
        )


def record_crawl_problems(con: duckdb.DuckDBPyConnection, run_id: str, problems: Iterable[CrawlProblem]) -> int:
    """Store the run's page problems (one row per page and kind); return how many were new."""
    rows = [(run_id, p.source_key, p.url, p.kind, p.detail) for p in problems]
    if not rows:
        return 0
    before = con.execute("SELECT count(*) FROM crawl_problems WHERE run_id = ?", [run_id]).fetchone()[0]
    con.executemany("INSERT INTO crawl_problems VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", rows)
    return con.execute("SELECT count(*) FROM crawl_problems WHERE run_id = ?", [run_id]).fetchone()[0] - before


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, **counts: float | int | str | None) -> None:
    allowed = {
        "sources_ok", "sources_failed", "items_crawled", "articles_new", "appearances_new",
        "mentions_scored", "frames_scored", "crawl_seconds", "load_seconds", "score_seconds",
        "total_seconds", "notes", "articles_failed",
    }
    unknown = set(counts) - allowed
    if unknown:
        raise ValueError(f"unknown run counters: {sorted(unknown)}")
    assignments = ", ".join(f"{name} = ?" for name in counts)
    con.execute(
        f"UPDATE runs SET status = ?, finished_at = current_timestamp"
        f"{', ' + assignments if assignments else ''} WHERE run_id = ?",
        [status, *counts.values(), run_id],
    )


def known_urls(con: duckdb.DuckDBPyConnection, source_key: str | None = None) -> set[str]:
    """URLs already stored, so a rerun does not fetch and score them again."""
    if source_key is None:
        rows = con.execute("SELECT url FROM appearances").fetchall()
    else:
        rows = con.execute("SELECT url FROM appearances WHERE source_key = ?", [source_key]).fetchall()
    return {row[0] for row in rows}


def load_items(con: duckdb.DuckDBPyConnection, items: Iterable[ArticleItem], run_id: str) -> LoadResult:
    """Store new articles and new outlet appearances; the fingerprint makes a republished story one article."""
    articles_new = appearances_new = duplicates = 0
    seen_in_batch: set[tuple[str, str]] = set()
    con.execute("BEGIN TRANSACTION")
    try:
        for item in items:
            key = (item.url, item.source_key)
            if key in seen_in_batch:
                duplicates += 1
                continue
            seen_in_batch.add(key)
            article_id = item.fingerprint
            exists = con.execute("SELECT 1 FROM articles WHERE article_id = ?", [article_id]).fetchone()
            if not exists:
                article_id = _near_duplicate_of(con, item) or article_id
                exists = article_id != item.fingerprint
            if not exists:
                con.execute(
                    "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [article_id, item.url, item.source_key, item.source_country,
                     direction(item.source_country), item.title, item.text, item.published,
                     item.language_hint, item.author, run_id, item.fetched_at],
                )
                articles_new += 1
            inserted = con.execute(
                "INSERT INTO appearances VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1",
                [article_id, item.source_key, item.url, item.published, run_id],
            ).fetchall()
            appearances_new += len(inserted)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return LoadResult(articles_new, appearances_new, duplicates)


# Two bodies sharing this share of their 5-word shingles are one story (a wire story retouched by an outlet).
NEAR_DUPLICATE_JACCARD = 0.8
NEAR_DUPLICATE_DAYS = 3


def _near_duplicate_of(con: duckdb.DuckDBPyConnection, item: ArticleItem) -> str | None:
    """The stored article this item repeats with small edits, among those published within a few days."""
    if not item.published:
        return None
    candidates = con.execute(
        "SELECT article_id, text FROM articles WHERE published BETWEEN CAST(? AS DATE) - ? AND CAST(? AS DATE) + ?",
        [item.published, NEAR_DUPLICATE_DAYS, item.published, NEAR_DUPLICATE_DAYS],
    ).fetchall()
    mine = _shingles(item.text)
    for article_id, text in candidates:
        theirs = _shingles(text)
        if mine and theirs and len(mine & theirs) / len(mine | theirs) >= NEAR_DUPLICATE_JACCARD:
            return article_id
    return None


def _shingles(text: str, size: int = 5) -> set[int]:
    words = re.findall(r"\w+", text.lower())
    return {hash(tuple(words[i:i + size])) for i in range(max(len(words) - size + 1, 0))}


# Runs that try an article whose analysis fails: the first, and one retry (a failure can be passing, e.g.
# memory); after that the article stays in score_failures and is no longer tried with that model version.
SCORE_ATTEMPTS = 2


def articles_to_analyse(con: duckdb.DuckDBPyConnection, model_version: str) -> list[StoredArticle]:
    """Articles this model version has not analysed yet, but those that failed SCORE_ATTEMPTS times:
    only new work costs time on a rerun, and one bad article cannot fail every night."""
    rows = con.execute(
        "SELECT a.article_id, a.source_country, coalesce(a.title, ''), a.text, a.language"
        " FROM articles a WHERE NOT EXISTS (SELECT 1 FROM analyses x"
        "   WHERE x.article_id = a.article_id AND x.model_version = ?)"
        " AND (SELECT count(*) FROM score_failures f"
        "   WHERE f.article_id = a.article_id AND f.model_version = ?) < ?"
        " ORDER BY a.article_id",
        [model_version, model_version, SCORE_ATTEMPTS],
    ).fetchall()
    return [StoredArticle(*row) for row in rows]


def record_score_failures(con: duckdb.DuckDBPyConnection, run_id: str, model_version: str,
                          failures: Iterable[ScoreFailure]) -> int:
    """Store the articles this run could not analyse, each with its attempt number; return how many were new."""
    new = 0
    for failure in failures:
        inserted = con.execute(
            "INSERT INTO score_failures SELECT ?, ?, ?, 1 + (SELECT count(*) FROM score_failures"
            "   WHERE article_id = ? AND model_version = ? AND run_id <> ?), ?, ?, ?, current_timestamp"
            " ON CONFLICT DO NOTHING RETURNING 1",
            [failure.article_id, model_version, run_id, failure.article_id, model_version, run_id,
             failure.error_type, failure.message, failure.where or None],
        ).fetchall()
        new += len(inserted)
    return new


def score_failures_in_run(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    return con.execute("SELECT count(*) FROM score_failures WHERE run_id = ?", [run_id]).fetchone()[0]


def store_analyses(con: duckdb.DuckDBPyConnection, analysed: Iterable[AnalysedArticle], run_id: str) -> tuple[int, int]:
    """Store sentences, mentions and scores; return (mentions scored, frame scores stored)."""
    analysed = list(analysed)
    sentences, mentions, sentiments, frames, analyses = [], [], [], [], []
    for art in analysed:
        sentences += [(art.article_id, s.index, s.start, s.end, s.text) for s in art.sentences]
        mentions += [(mention_id(art.article_id, m.start, m.end), art.article_id, m.sentence_index,
                      m.start, m.end, m.surface, m.target, m.kind) for m in art.mentions]
        sentiments += [(mention_id(art.article_id, sm.mention.start, sm.mention.end), art.model_version,
                        sm.sentiment.label, sm.sentiment.p_negative, sm.sentiment.p_neutral,
                        sm.sentiment.p_positive, run_id) for sm in art.scored]
        frames += [(art.article_id, f.frame, art.model_version, f.score, f.evidence_sentence_index, run_id)
                   for f in art.frames]
        stance = sum(sm.sentiment.value for sm in art.scored) / len(art.scored) if art.scored else None
        analyses.append((art.article_id, art.model_version, run_id, art.relevant, len(art.scored), stance))
    con.execute("BEGIN TRANSACTION")
    try:
        for table, rows in (("sentences", sentences), ("mentions", mentions), ("sentiment_scores", sentiments),
                            ("frame_scores", frames), ("analyses", analyses)):
            _insert_new_rows(con, table, rows)
        for art in analysed:
            if art.language:
                con.execute(
                    "UPDATE articles SET language = ? WHERE article_id = ?", [art.language, art.article_id]
                )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return sum(len(art.scored) for art in analysed), len(frames)


def _insert_new_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Insert `rows` (all of the table's columns, in order), skipping keys already stored.

    One statement over column lists: executemany costs about 2 ms a row here, 40 s for the sentences
    of one 20,000-sentence article; this costs milliseconds."""
    if rows:
        columns = [list(column) for column in zip(*rows)]
        placeholders = ", ".join(["unnest(?)"] * len(columns))
        con.execute(f"INSERT INTO {table} SELECT {placeholders} ON CONFLICT DO NOTHING", columns)


def mention_id(article_id: str, start: int, end: int) -> str:
    return f"{article_id}:{start}:{end}"
