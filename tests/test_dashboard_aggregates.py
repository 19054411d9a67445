"""The tables migration 003 adds for the dashboard's speed (issue 4), on the fixture warehouse of
test_dashboard.py: each one equals what the base tables give when computed the slow way, and a topic
edited after the aggregates were built is still matched against the text."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from espejo.dashboards import data
from espejo.dashboards.filters import Filters, Topic, load_topics, terms_pattern, with_topic
from espejo.warehouse.db import connect, publish_snapshot, snapshot_path

from test_dashboard import ARTICLES, MODEL, OLD_MODEL, build_warehouse, counted

FIRST, LAST = date(2026, 7, 1), date(2026, 8, 31)


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("espejo-aggregates")
    build_warehouse(data_dir)
    return data_dir


def query(data_dir: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(snapshot_path(data_dir)), read_only=True) as con:
        return con.execute(sql).df()


def test_topic_membership_equals_the_regex_over_title_and_text(warehouse_dir):
    topics = load_topics()
    stored = query(warehouse_dir, "SELECT topic, article_id FROM agg_article_topics")
    terms = query(warehouse_dir, "SELECT topic, pattern FROM agg_topic_terms")
    assert dict(zip(terms["topic"], terms["pattern"])) == {t.key: t.pattern for t in topics}
    matched_any = False
    for topic in topics:
        expected = {a.article_id for a in ARTICLES
                    if re.search(topic.pattern, f"{a.title} {' '.join(a.sentences)}".lower())}
        assert set(stored.loc[stored["topic"] == topic.key, "article_id"]) == expected, topic.key
        matched_any |= bool(expected)
    assert matched_any  # the fixture exercises the table: trade (mx1), migration (us3), security (us1, us3)
    facts = query(warehouse_dir, f"SELECT article_id, topics FROM agg_article_facts WHERE model_version = '{MODEL}'")
    for row in facts.itertuples():
        assert sorted(row.topics) == sorted(stored.loc[stored["article_id"] == row.article_id, "topic"])


def test_the_pattern_of_a_topic_does_not_depend_on_the_order_of_its_terms():
    terms = ["migra", "asilo", "deport", "remesa", "frontera", "inmigra", "asylum", "remittance"]
    shuffled = terms[:]
    random.Random(3).shuffle(shuffled)
    assert terms_pattern(terms) == terms_pattern(shuffled)


def test_article_facts_hold_the_lists_sets_and_strongest_mention(warehouse_dir):
    facts = query(warehouse_dir, f"SELECT * FROM agg_article_facts WHERE model_version = '{MODEL}'")
    facts = facts.set_index("article_id")
    assert set(facts.index) == {a.article_id for a in counted("us->mx") + counted("mx->us")}
    sets = {kind: query(warehouse_dir, f"SELECT * FROM agg_{kind}_sets") for kind in ("outlet", "frame", "topic")}
    frames = query(warehouse_dir, f"SELECT article_id, frame FROM agg_article_frames WHERE model_version = '{MODEL}'")
    for art in counted("us->mx") + counted("mx->us"):
        row = facts.loc[art.article_id]
        assert list(row["outlets"]) == sorted([art.source_key, *art.also_at])
        assert list(row["frames"]) == sorted(frames.loc[frames["article_id"] == art.article_id, "frame"])
        for kind, column in (("outlet", "outlets"), ("frame", "frames"), ("topic", "topics")):
            members = sets[kind].loc[sets[kind][f"{kind}_set"] == row[f"{kind}_set"], kind]
            assert sorted(members) == sorted(row[column]), (art.article_id, kind)
        # The strongest-scored mention: the largest |P(pos) - P(neg)|, as the evidence tables show it.
        index, surface, (p_neg, p_neu, p_pos) = max(art.mentions, key=lambda m: abs(m[2][2] - m[2][0]))
        assert row["top_surface"] == surface and row["top_sentence"] == art.sentences[index]
        top = (row["top_p_negative"], row["top_p_neutral"], row["top_p_positive"])
        assert top == pytest.approx((p_neg, p_neu, p_pos))
        assert row["title"] == art.title and row["analysis_run_id"] == row["top_run_id"]


def test_aggregate_rows_are_stored_in_model_day_order(warehouse_dir):
    # Zone maps only prune when the rows are stored sorted; rowid is the storage order.
    facts = query(warehouse_dir, "SELECT model_version, day, article_id FROM agg_article_facts ORDER BY rowid")
    assert list(facts.itertuples(index=False)) == sorted(facts.itertuples(index=False))
    assert set(facts["model_version"]) == {MODEL, OLD_MODEL}
    mentions = query(warehouse_dir, "SELECT model_version, day, article_id, start_char FROM agg_mention_facts "
                                    "ORDER BY rowid")
    assert list(mentions.itertuples(index=False)) == sorted(mentions.itertuples(index=False))


def test_mention_facts_are_every_scored_mention_of_a_counted_article(warehouse_dir):
    rows = query(warehouse_dir, f"SELECT * FROM agg_mention_facts WHERE model_version = '{MODEL}'")
    expected = sorted((a.article_id, surface, a.sentences[index], p)
                      for a in counted("us->mx") + counted("mx->us") for index, surface, p in a.mentions)
    found = sorted((r.article_id, r.surface, r.sentence, (r.p_negative, r.p_neutral, r.p_positive))
                   for r in rows.itertuples())
    assert found == expected
    assert len(query(warehouse_dir, f"SELECT * FROM agg_mention_facts WHERE model_version = '{OLD_MODEL}'")) == 1


def test_a_topic_edited_after_the_rebuild_is_matched_against_the_text(warehouse_dir):
    base = Filters(MODEL, FIRST, LAST)
    trade = next(t for t in load_topics() if t.key == "trade")
    # "peso" is no trade term: only the edited topic finds us2 ("Peso rallies"), and only by reading the text
    # (the stored membership of "trade" holds mx1 alone).
    edited = Topic("trade", trade.label_en, trade.label_es, ("peso",), ("aguacate",))
    assert edited.pattern != trade.pattern
    summary = data.direction_summaries(warehouse_dir, with_topic(replace(base, topic="trade"), [edited]))
    assert summary["us->mx"].articles == 1 and summary["mx->us"].articles == 1  # us2; mx1 by "aguacate"
    nothing = Topic("trade", "x", "x", ("zzzz",), ("zzzz",))
    assert sum(s.articles for s in data.direction_summaries(
        warehouse_dir, with_topic(replace(base, topic="trade"), [nothing])).values()) == 0
    # topic_series: stored topics from the table, the edited one from the text, in the order given.
    topics = [t if t.key != "trade" else edited for t in load_topics()]
    series = data.topic_series(warehouse_dir, base, topics)
    assert list(dict.fromkeys(series["topic"])) == [t.key for t in topics if t.key in set(series["topic"])]
    assert series.loc[series["topic"] == "trade", "articles"].sum() == 2
    stored = data.topic_series(warehouse_dir, base, load_topics())
    pd.testing.assert_frame_equal(series[series["topic"] != "trade"].reset_index(drop=True),
                                  stored[stored["topic"] != "trade"].reset_index(drop=True))


def test_search_is_a_literal_case_insensitive_substring(warehouse_dir):
    base = Filters(MODEL, FIRST, LAST)
    assert list(data.search_articles(warehouse_dir, base, "ARANCELES  ")["article_id"]) == ["mx1"]
    assert list(data.search_articles(warehouse_dir, base, "peso ral")["article_id"]) == ["us2"]  # across words
    assert data.search_articles(warehouse_dir, base, "peso_rallied").empty  # "_" is no wildcard
    assert list(data.search_articles(warehouse_dir, base, "ee.uu.")["article_id"]) == ["mx2"]


def test_a_snapshot_from_before_migration_003_asks_for_a_run(tmp_path):
    build_warehouse(tmp_path)
    assert data.has_dashboard_tables(tmp_path)
    with connect(tmp_path) as con:
        con.execute("DROP TABLE agg_topic_sets")
        publish_snapshot(con, tmp_path)
    assert not data.has_dashboard_tables(tmp_path)


def test_the_bootstrap_sample_cap_keeps_the_rows_with_the_smallest_hashes(tmp_path):
    from espejo.dashboards import bench

    bench.build(tmp_path, articles=1_500, mentions_per_article=2)
    filters = Filters(bench.MODEL, bench.FIRST_DAY, date(2026, 10, 31))
    facts = query(tmp_path, "SELECT direction, day, stance, sample_key, article_id FROM agg_article_facts")
    assert (facts["sample_key"] == query(tmp_path, "SELECT hash(article_id) AS h FROM agg_article_facts")["h"]).all()
    # Small caps leave few rows under the hash bound, so the exact fallback runs too.
    for cap in (1, 5, 40, 700, 10_000):
        got = data.article_stances(tmp_path, filters, max_rows=cap)
        expected = (facts.sort_values("sample_key").groupby("direction").head(cap)[["direction", "day", "stance"]]
                    .assign(day=lambda f: pd.to_datetime(f["day"])))
        key = ["direction", "day", "stance"]
        pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True),
                                      expected.sort_values(key).reset_index(drop=True), check_dtype=False)


def test_a_republished_snapshot_is_read_at_once(tmp_path):
    build_warehouse(tmp_path)
    base = Filters(MODEL, FIRST, LAST)
    before = data.direction_summaries(tmp_path, base)["us->mx"].articles
    with connect(tmp_path) as con:
        con.execute("DELETE FROM agg_article_facts WHERE article_id = 'us2'")
        publish_snapshot(con, tmp_path)
    assert data.direction_summaries(tmp_path, base)["us->mx"].articles == before - 1


def test_the_held_snapshot_connection_cannot_write(warehouse_dir):
    from espejo.warehouse.db import snapshot_cursor

    with snapshot_cursor(warehouse_dir) as con:
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("DELETE FROM articles")
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("CREATE TABLE evil (x INTEGER)")
    assert len(query(warehouse_dir, "SELECT * FROM articles")) == len(ARTICLES)
