"""Reading and writing stories (migration 008): the articles no story holds yet, the stories active
around their days, and a run's memberships, vectors and stories written in one transaction.

Plain rows in and out (dicts, lists of floats): the rule itself lives in espejo.nlp.stories, and the flow
(espejo.flows.stories) converts between the two. Named SQL in warehouse/sql/stories.sql.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb

from espejo.warehouse.queries import bind, sql

FILE = "stories.sql"


def _run(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None):
    statement = sql(FILE, name)
    return con.execute(statement, bind(statement, params or {}))


def _rows(cursor) -> list[dict]:
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def articles_without_story(con: duckdb.DuckDBPyConnection) -> list[tuple[str, date]]:
    """(article id, day) of the articles no story holds yet, by day then id."""
    return _run(con, "articles_without_story_ids").fetchall()


def articles_for_stories(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> list[dict]:
    """Per article id: title, text, source_country, language, and embed_model/vector/names when stored."""
    if not article_ids:
        return []
    return _rows(_run(con, "articles_by_id", {"ids": list(article_ids)}))


def stories_active(con: duckdb.DuckDBPyConnection, from_day: date, to_day: date, embed_model: str) -> list[dict]:
    """The stories whose articles reach into [from_day, to_day], embedded by `embed_model`, each with
    `name_counts` ({name: articles of the story naming it})."""
    stories = _rows(_run(con, "stories_active", {"from_day": from_day, "to_day": to_day, "embed_model": embed_model}))
    if not stories:
        return []
    counts: dict[str, dict[str, int]] = {}
    for story_id, name, n in _run(con, "story_name_counts", {"story_ids": [s["story_id"] for s in stories]}).fetchall():
        counts.setdefault(story_id, {})[name] = int(n)
    for story in stories:
        # Without its articles' vectors (pruned, or written by an older version) the stored names stand in.
        story["name_counts"] = counts.get(story["story_id"]) or dict.fromkeys(story["names"], 1)
    return stories


def write_stories(con: duckdb.DuckDBPyConnection, vectors: Sequence[dict], memberships: Sequence[dict],
                  stories: Sequence[dict]) -> None:
    """Store a run's article vectors, memberships and new or changed stories, all or nothing.

    vectors: article_id, embed_model, vector (384 floats), names, day. memberships: article_id, story_id,
    similarity, joined_run_id. stories: every column of the stories table."""
    con.execute("BEGIN TRANSACTION")
    try:
        if vectors:
            _run(con, "insert_article_vectors", {
                "article_ids": [v["article_id"] for v in vectors], "embed_models": [v["embed_model"] for v in vectors],
                "vectors": [list(map(float, v["vector"])) for v in vectors], "names": [list(v["names"]) for v in vectors],
                "days": [v["day"] for v in vectors],
            })
        if memberships:
            _run(con, "insert_story_articles", {
                "article_ids": [m["article_id"] for m in memberships], "story_ids": [m["story_id"] for m in memberships],
                "similarities": [float(m["similarity"]) for m in memberships],
                "run_ids": [m["joined_run_id"] for m in memberships],
            })
        if stories:
            def column(name, convert=lambda value: value):
                return [convert(story[name]) for story in stories]
            _run(con, "upsert_stories", {
                "story_ids": column("story_id"), "first_days": column("first_day"), "last_days": column("last_day"),
                "articles": column("articles"), "us_articles": column("us_articles"),
                "mx_articles": column("mx_articles"), "languages": column("languages", list),
                "centroids": column("centroid", lambda v: list(map(float, v))), "names": column("names", list),
                "formed_run_ids": column("formed_run_id"), "updated_run_ids": column("updated_run_id"),
                "embed_models": column("embed_model"), "rules_sha256s": column("rules_sha256"),
                "titles": column("title"),
            })
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def story_counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(stories of two or more articles, stories with articles from both countries); (0, 0) on a snapshot
    published before stories existed."""
    try:
        stories, cross_country = _run(con, "story_counts").fetchone()
    except duckdb.CatalogException:
        return 0, 0
    return int(stories or 0), int(cross_country or 0)


def article_stories(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every article: article_id, language, title, day, story_id (None when not clustered), urls (where it
    appeared)."""
    return _rows(_run(con, "story_of_urls"))
