"""Single-machine throughput per stage, on the offline news web (the figures in docs/scaling.md).

    python -m espejo.flows.scale_bench [--articles N] [--dask-workers 2] [--json FILE]

Stages, each timed on its own: crawl (every outlet, one crawl subprocess after another, pages/s),
extraction (the site's HTML pages from disk, pages/s, one process), load (rows/s into a fresh
DuckDB file), scoring in process and on a local Dask cluster (articles/s and mentions/s; the Dask
figure includes starting the cluster and loading the model in each worker, and the bench checks the
two give the same scores), aggregate + publish (s), Parquet export (rows/s). The machine's load
average is printed with the figures: on a shared machine they move with it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path


def _load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_bench(articles_limit: int, dask_workers: int, work: Path, report=None) -> dict:
    """Every stage in turn; `report(figures)` is called after each one, so a late failure keeps the rest."""
    from espejo.demo import free_ports, running_newsweb
    from espejo.flows.dask_scoring import DaskScoring, score_new_on_dask
    from espejo.flows.runs import rebuild_dashboard_tables
    from espejo.newsweb.outlets import DEMO_OUTLETS
    from espejo.nlp.analyse import analyse_articles, chunks_of
    from espejo.nlp.backbone import ensure_backbone
    from espejo.nlp.scorers import load_scorer
    from espejo.settings import models_dir
    from espejo.spiders.crawl import crawl_source
    from espejo.spiders.extraction import extract_article
    from espejo.spiders.registry import load_sources
    from espejo.warehouse import db, load
    from espejo.warehouse.export import export_parquet

    figures: dict = {"cpus": os.cpu_count(), "load_average_at_start": _load_average()}
    report = report or (lambda figures: None)
    models = models_dir()
    ensure_backbone(models)

    # Crawl: the nine outlets, one subprocess each, one after another (the flow runs three at a time).
    ports = dict(zip((o.key for o in DEMO_OUTLETS), free_ports(len(DEMO_OUTLETS))))
    items, pages = [], 0
    with running_newsweb(work, ports) as (site_dir, registry):
        started = time.monotonic()
        for source in load_sources(registry):
            outcome = crawl_source(source, work / "runs" / "bench" / source.key)
            assert outcome.result.status == "ok", outcome.result
            items.extend(outcome.items)
            pages += outcome.result.pages_fetched
        crawl_s = time.monotonic() - started
    figures["crawl"] = {"outlets": len(DEMO_OUTLETS), "pages": pages, "items": len(items),
                        "seconds": round(crawl_s, 2), "pages_per_s": round(pages / crawl_s, 1)}
    report(figures)

    # Extraction alone: every HTML page of the site from disk (articles, section fronts, tag pages).
    html_pages = sorted(site_dir.rglob("*.html"))
    started = time.monotonic()
    found = sum(extract_article(p.read_text(encoding="utf-8", errors="replace"), f"http://127.0.0.1/{p.name}")
                is not None for p in html_pages)
    extract_s = time.monotonic() - started
    figures["extraction"] = {"pages": len(html_pages), "articles": found, "seconds": round(extract_s, 2),
                             "pages_per_s": round(len(html_pages) / extract_s, 1)}
    report(figures)

    # Load into a fresh warehouse.
    data = work / "local"
    data.mkdir()
    started = time.monotonic()
    with db.connect(data) as con:
        loaded = load.load_items(con, items, "bench-run")
    load_s = time.monotonic() - started
    rows = loaded.articles_new + loaded.appearances_new
    figures["load"] = {"items": len(items), "articles": loaded.articles_new, "appearances": loaded.appearances_new,
                       "seconds": round(load_s, 2), "rows_per_s": round(rows / load_s, 1)}
    report(figures)
    if articles_limit:
        with db.connect(data) as con:  # keep the first N articles only, both directions alike
            con.execute("DELETE FROM appearances WHERE article_id NOT IN (SELECT article_id FROM articles"
                        " ORDER BY article_id LIMIT ?)", [articles_limit])
            con.execute("DELETE FROM articles WHERE article_id NOT IN (SELECT article_id FROM appearances)")
    on_dask = work / "dask"
    on_dask.mkdir()
    shutil.copy(db.warehouse_path(data), db.warehouse_path(on_dask))

    # Scoring in this process, as the flow's score_new does it (no Prefect around it).
    figures["load_average_before_scoring"] = _load_average()
    scorer = load_scorer(models)
    started, cpu_started = time.monotonic(), time.process_time()
    with db.connect(data) as con:
        todo = load.articles_to_analyse(con, scorer.model_version)
        mentions = 0
        for chunk in chunks_of(todo):
            m, _ = load.store_analyses(con, analyse_articles(chunk, scorer), "bench-run")
            mentions += m
    local_s, local_cpu_s = time.monotonic() - started, time.process_time() - cpu_started
    figures["score_in_process"] = {"articles": len(todo), "mentions": mentions, "seconds": round(local_s, 2),
                                   "cpu_seconds": round(local_cpu_s, 2), "torch_threads": _torch_threads(),
                                   "articles_per_s": round(len(todo) / local_s, 2),
                                   "mentions_per_s": round(mentions / local_s, 1)}
    report(figures)

    # Scoring on a temporary local Dask cluster (subflow + cluster start + model load per worker included).
    figures["load_average_before_dask"] = _load_average()
    started = time.monotonic()
    dask_mentions, _ = score_new_on_dask(on_dask, "bench-run", scorer.model_version, models,
                                         DaskScoring(workers=dask_workers))
    dask_s = time.monotonic() - started
    # The same subflow with nothing left to score: what starting the cluster alone costs.
    started = time.monotonic()
    score_new_on_dask(on_dask, "bench-run", scorer.model_version, models, DaskScoring(workers=dask_workers))
    overhead_s = time.monotonic() - started
    figures["score_dask"] = {"workers": dask_workers, "articles": len(todo), "mentions": dask_mentions,
                             "seconds": round(dask_s, 2), "articles_per_s": round(len(todo) / dask_s, 2),
                             "mentions_per_s": round(dask_mentions / dask_s, 1),
                             "empty_run_seconds": round(overhead_s, 2)}
    figures["score_dask"]["same_scores_as_in_process"] = _same_scores(data, on_dask)
    report(figures)

    # Aggregate and publish the snapshot.
    started = time.monotonic()
    with db.connect(data) as con:
        try:
            rebuild_dashboard_tables(con)
            aggregate_s = round(time.monotonic() - started, 2)
        except Exception as err:  # measured stages before and after still count
            aggregate_s = f"failed: {type(err).__name__}: {err}"
        started = time.monotonic()
        db.publish_snapshot(con, data)
    publish_s = time.monotonic() - started
    figures["aggregate_publish"] = {"aggregate_seconds": aggregate_s, "publish_seconds": round(publish_s, 2)}
    report(figures)

    # Export the snapshot to partitioned Parquet (written, read back and checked, then renamed into place).
    with db.open_snapshot(data) as con:
        result = export_parquet(con, work / "parquet", code_version="bench")
    figures["parquet_export"] = {"tables": len(result.tables), "rows": result.rows,
                                 "seconds": round(result.seconds, 2),
                                 "rows_per_s": round(result.rows / result.seconds, 1)}
    figures["load_average_at_end"] = _load_average()
    report(figures)
    return figures


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def _same_scores(a: Path, b: Path, tolerance: float = 1e-6) -> bool:
    from espejo.warehouse import db

    query = ("SELECT mention_id, label, p_negative, p_neutral, p_positive FROM sentiment_scores ORDER BY mention_id")
    with db.connect(a) as con:
        left = con.execute(query).fetchall()
    with db.connect(b) as con:
        right = con.execute(query).fetchall()
    return len(left) == len(right) and all(
        x[:2] == y[:2] and all(abs(p - q) <= tolerance for p, q in zip(x[2:], y[2:], strict=True))
        for x, y in zip(left, right, strict=True))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Per-stage throughput on the offline news web.")
    parser.add_argument("--articles", type=int, default=0, help="score only the first N stored articles (0: all)")
    parser.add_argument("--dask-workers", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="espejo-scale-bench-") as tmp:
        from espejo.settings import configure_prefect

        configure_prefect(Path(tmp))
        def report(figures: dict) -> None:
            if args.json:
                args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")

        figures = run_bench(args.articles, args.dask_workers, Path(tmp), report)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
