"""Query-time bench of the dashboard on a synthetic warehouse.

    python -m espejo.dashboards.bench [--articles 1000000] [--mentions-per-article 5] [--runs 5] [--keep DIR]
                                      [--rebuild]

Builds a warehouse with DuckDB SQL (`range()`, no Python loops; warehouse/sql/synthetic.sql): N articles,
5·N scored mentions, sentences, frames, runs and per-outlet run results; rebuilds the aggregates with the
pipeline's own SQL, publishes the snapshot, then times every query each page issues (with no st.cache_data in front, as on a
cache miss; through `espejo.dashboards.data`, i.e. a fresh cursor per unit of work on the snapshot's held
read-only connection, as the dashboard does) and prints p50/p95 per query in milliseconds. `--rebuild`
migrates a kept warehouse and rebuilds its aggregates and snapshot (after schema or SQL changes), timed.

What the pages ask is unchanged since issue 4 except: `topic_series_all_topics` is one query for every
topic materialised at aggregate time (was one regex query per topic; a topic edited since the last
rebuild still gets its own), and `article_stances` first tries a hash-bounded query and only falls back
to the full sort when that bound kept too few rows. Each line still times the whole data-module call.
Since issue 11 the Stories page is timed too (its list and counts, the biggest story opened, the story links
of an evidence table), on synthetic stories of about three articles each.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from espejo.dashboards import data
from espejo.dashboards.analysis import STOPWORDS
from espejo.dashboards.filters import Filters, load_topics, topic_patterns, with_topic
from espejo.warehouse.aggregate import rebuild_aggregates
from espejo.warehouse.db import connect, publish_snapshot
from espejo.warehouse.synthetic import fill_synthetic, fill_synthetic_stories

MODEL = "bench-model-1"
FRAMES = ["economic", "security_defense", "crime_punishment", "political", "cultural_identity", "health_safety",
          "quality_of_life", "legality", "public_opinion", "policy_prescription"]
FIRST_DAY = date(2024, 11, 1)
DAYS = 730


def build(data_dir: Path, articles: int, mentions_per_article: int) -> dict[str, float]:
    timings = {}
    with connect(data_dir) as con:
        started = time.perf_counter()
        fill_synthetic(con, articles=articles, days=DAYS, model=MODEL, mentions_per_article=mentions_per_article,
                       frames=FRAMES)
        # Stories of about three articles each, so the Stories page's queries read a full table.
        fill_synthetic_stories(con, embed_model="synthetic")
        timings["generate_s"] = time.perf_counter() - started
        timings.update(_aggregate_and_publish(con, data_dir))
    return timings


def rebuild(data_dir: Path) -> dict[str, float]:
    """Migrate a kept warehouse, rebuild its aggregates and publish it again (after schema or SQL changes)."""
    with connect(data_dir) as con:
        return _aggregate_and_publish(con, data_dir)


def _aggregate_and_publish(con, data_dir: Path) -> dict[str, float]:
    """The nightly run's last two steps, timed: rebuild the aggregates, publish the snapshot."""
    started = time.perf_counter()
    # No frame labels: they name frames and cost nothing to query, and the codebook is nlp's to read.
    rebuild_aggregates(con, topics=topic_patterns(), frame_labels={})
    timings = {"aggregate_s": time.perf_counter() - started}
    started = time.perf_counter()
    publish_snapshot(con, data_dir)
    timings["publish_s"] = time.perf_counter() - started
    return timings


def page_queries(data_dir: Path, filters: Filters) -> dict[str, dict[str, callable]]:
    """What each page reads for one view (as the pages call it, before caching)."""
    topics = load_topics()
    previous = filters.previous()
    narrow = replace(filters, date_from=date(2026, 6, 1), date_to=date(2026, 6, 30))
    # The Stories page opens the biggest story; Two mirrors looks up the stories of its evidence rows.
    biggest = data.story_list(data_dir, filters, limit=1)["story_id"].tolist() or ["story-none"]
    evidence_ids = data.article_list(data_dir, filters, direction="us->mx")["article_id"].tolist()
    return {
        "sidebar": {
            "model_versions": lambda: data.model_versions(data_dir),
            "latest_run": lambda: data.latest_run(data_dir),
            "filter_options": lambda: data.filter_options(data_dir, filters.model_version),
        },
        "mirrors": {
            "direction_summaries": lambda: data.direction_summaries(data_dir, filters),
            "direction_summaries_previous": lambda: data.direction_summaries(data_dir, previous),
            "period_series_month": lambda: data.period_series(data_dir, filters, "month"),
            "leading_frames": lambda: data.leading_frames(data_dir, filters),
            "evidence_us": lambda: data.article_list(data_dir, filters, direction="us->mx"),
        },
        "stories": {
            "story_overview": lambda: data.story_overview(data_dir, filters),
            "story_detail_biggest": lambda: data.story_detail(data_dir, biggest[0], filters.model_version),
            "article_stories_evidence": lambda: data.article_stories(data_dir, evidence_ids),
        },
        "trends": {
            "period_series_week": lambda: data.period_series(data_dir, filters, "week"),
            "article_stances": lambda: data.article_stances(data_dir, filters),
            "frame_series_week": lambda: data.frame_series(data_dir, filters, "week"),
            "change_point_articles": lambda: data.article_list(data_dir, filters, direction="mx->us",
                                                               date_from=narrow.date_from, date_to=narrow.date_to,
                                                               order="most_negative", limit=50),
            "vocabulary_directions": lambda: data.vocabulary_counts(data_dir, filters, list(STOPWORDS)),
            "vocabulary_periods": lambda: data.vocabulary_counts(data_dir, narrow, list(STOPWORDS), by_period=True,
                                                                 direction="us->mx"),
        },
        "frames": {
            "frame_series_month": lambda: data.frame_series(data_dir, filters, "month"),
            "frame_outlet": lambda: data.frame_outlet(data_dir, filters),
        },
        "outlets": {
            "outlet_summary": lambda: data.outlet_summary(data_dir, filters),
        },
        "diplomacy": {
            "topic_series_all_topics": lambda: data.topic_series(data_dir, filters, topics),
            "topic_articles": lambda: data.article_list(data_dir, with_topic(replace(filters, topic="world_cup"),
                                                                             topics), limit=100),
        },
        "explorer": {
            "search": lambda: data.search_articles(data_dir, filters, "ciudades hermanas"),
            "article_detail": lambda: data.article_detail(data_dir, "a12345", filters.model_version),
        },
        "health": {
            "recent_runs": lambda: data.recent_runs(data_dir),
            "run_sources": lambda: data.run_sources(data_dir),
            "source_weekly_volume": lambda: data.source_weekly_volume(data_dir),
        },
        # The export page counts the rows and shows one page of each file; the whole file is read only when a
        # download button is clicked (timed below as a download, not as a page query).
        "export": {
            "export_counts_one_month": lambda: data.export_counts(data_dir, narrow),
            "export_articles_page_one_month": lambda: data.export_page(data_dir, narrow, "articles", 1),
            "export_mentions_page_one_month": lambda: data.export_page(data_dir, narrow, "mentions", 1),
        },
        "download": {
            "articles_file_one_month": lambda: data.export_articles(data_dir, narrow),
            "mentions_file_one_month": lambda: data.export_mentions(data_dir, narrow),
        },
    }


def time_queries(data_dir: Path, filters: Filters, repeats: int) -> list[dict]:
    rows = []
    for page, named in page_queries(data_dir, filters).items():
        for name, call in named.items():
            call()  # warm the OS page cache, as a running dashboard's would be
            samples = []
            for _ in range(repeats):
                started = time.perf_counter()
                call()
                samples.append((time.perf_counter() - started) * 1000)
            samples.sort()
            p95 = samples[min(len(samples) - 1, max(0, round(0.95 * len(samples)) - 1))]
            rows.append({"page": page, "query": name, "p50_ms": statistics.median(samples), "p95_ms": p95,
                         "max_ms": samples[-1]})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--mentions-per-article", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query (after one warm-up)")
    parser.add_argument("--keep", type=Path, help="build (or reuse) the warehouse in this folder and keep it")
    parser.add_argument("--rebuild", action="store_true",
                        help="with --keep: migrate the kept warehouse, rebuild its aggregates and publish again")
    parser.add_argument("--filtered", action="store_true", help="also time a narrowed view (one outlet, a topic)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)

    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="espejo-bench-"))
    try:
        if args.keep and (data_dir / "snapshot.duckdb").exists():
            build_times = {"reused": str(data_dir)}
            if args.rebuild:
                build_times.update(rebuild(data_dir))
        else:
            build_times = build(data_dir, args.articles, args.mentions_per_article)
        first_last = data.filter_options(data_dir, MODEL)
        views = {"all": Filters(MODEL, first_last.first_day, first_last.last_day)}
        if args.filtered:
            views["narrowed"] = with_topic(replace(views["all"], outlets=("outlet_12",), topic="trade"),
                                           load_topics())
        results = {name: time_queries(data_dir, f, args.runs) for name, f in views.items()}
        meta = {"articles": args.articles, "mentions": args.articles * args.mentions_per_article,
                "cpus": os.cpu_count(), "machine": platform.platform(), "processor": platform.processor(),
                "build": build_times, "runs_per_query": args.runs}
        if args.json:
            print(json.dumps({"meta": meta, "results": results}, indent=2, default=str))
        else:
            print(json.dumps(meta, default=str))
            for name, rows in results.items():
                print(f"\nview: {name}")
                print(f"{'page':<10} {'query':<32} {'p50 ms':>8} {'p95 ms':>8}")
                for r in rows:
                    flag = "  > 300 ms" if r["p95_ms"] > 300 else ""
                    print(f"{r['page']:<10} {r['query']:<32} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f}{flag}")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
