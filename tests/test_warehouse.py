"""The warehouse on a real DuckDB file: migrations, idempotent loads, one story with many outlets, snapshots."""

import subprocess
import sys
from pathlib import Path

from espejo.records import (AnalysedArticle, ArticleItem, FrameScore, Mention, ScoredMention, Sentence,
                            SentimentScore, Source, StoredArticle)
from espejo.warehouse import db, load
from espejo.warehouse.aggregate import rebuild_aggregates, warehouse_stats
from espejo.warehouse.queries import read

WIRE_BODY = "\n".join(
    ["Mexico and the United States agreed on Monday to expand student exchanges, officials said."]
    + [f"Paragraph {i} of the wire story about trade between Mexico and the United States, with detail {i}." for i in range(6)]
)


def item(source_key: str, url: str, body: str = WIRE_BODY, fingerprint: str = "fp-wire", country: str = "US",
         published: str = "2026-03-03") -> ArticleItem:
    return ArticleItem(url=url, source_key=source_key, source_country=country, title="Exchanges grow",
                       text=body, published=published, fetched_at="2026-03-04T02:00:00+00:00",
                       fingerprint=fingerprint, language_hint="en")


SOURCES = [Source("a", "A", "US", "en", "http://a/", feeds=("http://a/f",)),
           Source("b", "B", "US", "en", "http://b/", feeds=("http://b/f",)),
           Source("c", "C", "MX", "es", "http://c/", feeds=("http://c/f",))]


def test_migrations_are_recorded_and_not_reapplied(tmp_path: Path):
    with db.connect(tmp_path) as con:
        versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()]
        assert versions == [v for v, _, _ in db.migrations()]
        assert db.migrate(con) == []


def test_loading_twice_adds_nothing_and_a_wire_story_is_one_article_with_its_outlets(tmp_path: Path):
    retouched = WIRE_BODY.replace("officials said.", "officials said on Monday.")
    batch = [item("a", "http://a/1"), item("b", "http://b/9"),
             # a retouched copy with another exact fingerprint: caught as a near-duplicate
             item("c", "http://c/5", body=retouched, fingerprint="fp-other", country="MX")]
    with db.connect(tmp_path) as con:
        load.upsert_sources(con, SOURCES)
        load.start_run(con, "r1", "test", "m1")
        first = load.load_items(con, batch, "r1")
        second = load.load_items(con, batch, "r1")
        assert (first.articles_new, first.appearances_new) == (1, 3)
        assert (second.articles_new, second.appearances_new) == (0, 0)
        outlets = con.execute("SELECT list(source_key ORDER BY source_key) FROM appearances").fetchone()[0]
        assert outlets == ["a", "b", "c"]
        assert load.known_urls(con, "b") == {"http://b/9"}


def _analysed(article: StoredArticle, model_version: str, p_pos: float) -> AnalysedArticle:
    sentence = Sentence(0, 0, 20, article.text[:20])
    mention = Mention(0, 0, 6, article.text[:6], "MX", "country")
    sentiment = SentimentScore("positive" if p_pos > 0.5 else "negative", 1 - p_pos, 0.0, p_pos)
    return AnalysedArticle(article.article_id, "en", [sentence], [mention], [ScoredMention(mention, sentiment)],
                           [FrameScore("economic", 0.9, 0)], model_version)


def test_scores_are_stored_once_per_model_version_and_aggregated(tmp_path: Path):
    with db.connect(tmp_path) as con:
        load.upsert_sources(con, SOURCES)
        load.start_run(con, "r1", "test", "m1")
        load.load_items(con, [item("a", "http://a/1"), item("a", "http://a/2", body="Mexico " * 50, fingerprint="fp2")], "r1")
        todo = load.articles_to_analyse(con, "m1")
        assert len(todo) == 2
        analysed = [_analysed(a, "m1", p) for a, p in zip(todo, (0.9, 0.3))]
        assert load.store_analyses(con, analysed, "r1") == (2, 2)
        assert load.store_analyses(con, analysed, "r1") == (2, 2)  # counted, but stored once
        assert con.execute("SELECT count(*) FROM sentiment_scores").fetchone()[0] == 2
        assert load.articles_to_analyse(con, "m1") == []
        assert len(load.articles_to_analyse(con, "m2")) == 2  # another model version starts over
        rebuild_aggregates(con, topics={}, frame_labels={})
        monthly = read(con, "monthly_series", ["m1"])
        assert monthly["articles"].tolist() == [2]
        assert abs(monthly["mean_stance"].iloc[0] - ((0.9 - 0.1) + (0.3 - 0.7)) / 2) < 1e-9
        assert monthly["share_negative"].iloc[0] == 0.5
        stats = warehouse_stats(con)
        assert stats.scored_mentions == {"us->mx": 2, "mx->us": 0}
        assert stats.frames_scored == 2 and stats.runs == 1


def test_snapshot_is_readable_by_another_process_while_the_writer_holds_the_warehouse(tmp_path: Path):
    with db.connect(tmp_path) as con:
        load.upsert_sources(con, SOURCES)
        db.publish_snapshot(con, tmp_path)
        reader = subprocess.run(
            [sys.executable, "-c",
             "import sys, duckdb; c = duckdb.connect(sys.argv[1], read_only=True);"
             "print(c.execute('SELECT count(*) FROM sources').fetchone()[0])", str(db.snapshot_path(tmp_path))],
            capture_output=True, text=True, timeout=60,
        )
        assert reader.returncode == 0, reader.stderr
        assert reader.stdout.strip() == "3"


def test_a_failed_article_is_retried_once_then_left(tmp_path: Path):
    from espejo.records import ScoreFailure

    with db.connect(tmp_path) as con:
        load.load_items(con, [item("a", "http://a/1"), item("a", "http://a/2", body="Mexico " * 50, fingerprint="fp2")],
                        "r1")
        bad = ScoreFailure("fp2", "ValueError", "target span (3, 9) outside a sentence of 5 characters",
                           "scoring.py:217 in mark_target")
        assert load.record_score_failures(con, "r1", "m1", [bad]) == 1
        assert load.record_score_failures(con, "r1", "m1", [bad]) == 0  # once per run
        assert [a.article_id for a in load.articles_to_analyse(con, "m1")] == ["fp-wire", "fp2"]  # retried
        assert load.record_score_failures(con, "r2", "m1", [bad]) == 1
        assert [a.article_id for a in load.articles_to_analyse(con, "m1")] == ["fp-wire"]  # left
        assert len(load.articles_to_analyse(con, "m2")) == 2  # another model version tries it again
        rows = con.execute("SELECT run_id, attempt, error_type, location FROM score_failures ORDER BY run_id"
                           ).fetchall()
        assert rows == [("r1", 1, "ValueError", "scoring.py:217 in mark_target"),
                        ("r2", 2, "ValueError", "scoring.py:217 in mark_target")]
        assert (load.score_failures_in_run(con, "r2"), load.score_failures_in_run(con, "r3")) == (1, 0)


def test_a_20000_sentence_article_is_stored_in_well_under_a_second(tmp_path: Path):
    import time

    body = " ".join(f"Sentence {i} about water." for i in range(20_000))
    with db.connect(tmp_path) as con:
        load.load_items(con, [item("a", "http://a/1", body=body, fingerprint="fp-long")], "r1")
        sentences = [Sentence(i, 0, 1, f"Sentence {i} about water.") for i in range(20_000)]
        analysed = AnalysedArticle("fp-long", "en", sentences, [], [], [], "m1", relevant=False)
        began = time.perf_counter()
        assert load.store_analyses(con, [analysed], "r1") == (0, 0)
        seconds = time.perf_counter() - began
        assert con.execute("SELECT count(*) FROM sentences WHERE article_id = 'fp-long'").fetchone()[0] == 20_000
    assert seconds < 2, seconds  # one row at a time (executemany) took 37 s
