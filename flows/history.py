"""History: backfill from WARC files, and rescore stored articles with another model version.

Both go the nightly way (load → score what is new → aggregate → publish → record the run) with the same
pieces: the run lock, the run id and the run record (espejo.flows.runs), and the nightly scoring task.
Scores are keyed by model version, so a rescore adds a version beside the old one and the dashboard can
show either.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger

from espejo.flows.scoring import articles_failed, score_new
from espejo.flows.runs import begin_run, finish_and_publish, new_run_id, run_lock
from espejo.flows.stories import cluster_stories
from espejo.nlp.scorers import load_scorer, resolve_models_config
from espejo.records import ArticleItem, SourceResult
from espejo.settings import models_dir, resolve_data_dir
from espejo.spiders.registry import load_sources
from espejo.spiders.warc import BackfillFilter, SourceIndex, WarcCounts, WarcError, read_warc
from espejo.warehouse import db, load
from espejo.warehouse.queries import scalar

# Articles are loaded in batches so a file that breaks off late still leaves what was read before stored.
LOAD_BATCH = 200


@dataclass
class BackfillReport:
    run_id: str
    status: str
    model_version: str = ""
    files: list[WarcCounts] = field(default_factory=list)
    articles_new: int = 0
    appearances_new: int = 0
    mentions_scored: int = 0
    frames_scored: int = 0
    articles_failed: int = 0  # articles it could not score, recorded in score_failures
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def failed_files(self) -> list[WarcCounts]:
        return [f for f in self.files if f.error]


@dataclass
class RescoreReport:
    run_id: str
    status: str
    model_version: str
    config: str
    articles_scored: int = 0
    mentions_scored: int = 0
    frames_scored: int = 0
    articles_failed: int = 0  # articles it could not score, recorded in score_failures
    seconds: dict[str, float] = field(default_factory=dict)


@flow(name="backfill", flow_run_name="backfill {run_label}", log_prints=True)
def backfill(warc_files: list[str], data_dir: str | None = None, sources_file: str | None = None,
             run_label: str = "") -> BackfillReport:
    """Ingest WARC files (plain or .gz) through the crawl's extraction, relevance filter and duplicate rule."""
    data = resolve_data_dir(data_dir)
    index = SourceIndex(load_sources(sources_file))
    with run_lock(data):
        return _backfill(data, [Path(p) for p in warc_files], index)


def _backfill(data: Path, paths: list[Path], index: SourceIndex) -> BackfillReport:
    logger = get_run_logger()
    started = time.monotonic()
    scorer = load_scorer(models_dir())
    report = BackfillReport(run_id=new_run_id(), status="running", model_version=scorer.model_version)
    with db.connect(data) as con:
        begin_run(con, report.run_id, scorer.model_version)
        load.upsert_sources(con, index.sources)
        dedupe = BackfillFilter(load.known_urls(con))
    logger.info("backfill %s: %d WARC files, data in %s", report.run_id, len(paths), data)

    t0 = time.monotonic()
    for path in paths:
        counts = WarcCounts(str(path))
        report.files.append(counts)
        batch: list[ArticleItem] = []
        try:
            for item in read_warc(path, index, dedupe, counts, progress=_progress_logger(logger)):
                batch.append(item)
                if len(batch) >= LOAD_BATCH:
                    _load(data, batch, report)
                    batch = []
        except WarcError as err:
            counts.error = str(err)
            logger.error("%s; the %d articles read before it are kept", err, counts.items)
        _load(data, batch, report)
        logger.info("%s: %d records, %d HTML pages of %d outlets, %d articles kept; skipped: %d not HTTP 200, "
                    "%d not HTML, %d from hosts in no source (%s), %d not articles, %d off-topic, %d known, "
                    "%d duplicates", path.name, counts.records, sum(counts.pages_per_source.values()),
                    len(counts.pages_per_source), counts.items, counts.not_ok, counts.not_html,
                    counts.unknown_host, _top_hosts(counts), counts.not_article, counts.irrelevant,
                    counts.known, counts.duplicate)
    report.seconds["load"] = time.monotonic() - t0

    t0 = time.monotonic()
    report.mentions_scored, report.frames_scored = score_new(data, report.run_id, scorer)
    report.seconds["score"] = time.monotonic() - t0
    stories = cluster_stories(data, report.run_id)  # after scoring, before the aggregates are rebuilt
    report.seconds["stories"] = stories.seconds

    failed = report.failed_files
    report.articles_failed = articles_failed(data, report.run_id)
    report.status = "completed_with_failures" if failed or report.articles_failed else "completed"
    report.seconds["total"] = time.monotonic() - started
    notes = f"backfill from {len(paths)} WARC file{'s' if len(paths) != 1 else ''}"
    if failed:
        notes += f"; {len(failed)} not read to the end: " + "; ".join(f.error for f in failed)
    if stories.note():
        notes += f"; {stories.note()}"
    results = _source_results(report.files)
    with db.connect(data) as con:
        load.record_source_results(con, report.run_id, results)
        finish_and_publish(
            con, data, report.run_id, report.status,
            sources_ok=len(results), sources_failed=0,
            items_crawled=sum(f.items for f in report.files),
            articles_new=report.articles_new, appearances_new=report.appearances_new,
            mentions_scored=report.mentions_scored, frames_scored=report.frames_scored,
            crawl_seconds=0.0, load_seconds=round(report.seconds["load"], 2),
            score_seconds=round(report.seconds["score"], 2), total_seconds=round(report.seconds["total"], 2),
            articles_failed=report.articles_failed, notes=notes,
        )
    logger.info("backfill %s %s: %d new articles, %d new appearances, %d mentions scored, %.1f s",
                report.run_id, report.status, report.articles_new, report.appearances_new,
                report.mentions_scored, report.seconds["total"])
    return report


def _load(data: Path, items: list[ArticleItem], report: BackfillReport) -> None:
    if not items:
        return
    with db.connect(data) as con:
        loaded = load.load_items(con, items, report.run_id)
    report.articles_new += loaded.articles_new
    report.appearances_new += loaded.appearances_new


def _progress_logger(logger):
    def progress(counts: WarcCounts) -> None:
        logger.info("%s: %d records read, %d articles kept", Path(counts.path).name, counts.records, counts.items)
    return progress


def _top_hosts(counts: WarcCounts, n: int = 5) -> str:
    return ", ".join(f"{host} {k}" for host, k in counts.unknown_hosts.most_common(n)) or "none"


def _source_results(files: list[WarcCounts]) -> list[SourceResult]:
    """One row per outlet seen in the WARC files, as a crawl records it (pages = HTML pages read)."""
    keys = sorted({k for f in files for k in f.pages_per_source})
    return [
        SourceResult(
            source_key=key, status="ok",
            items=sum(f.per_source[key] for f in files),
            pages_fetched=sum(f.pages_per_source[key] for f in files),
            skipped_irrelevant=sum(f.irrelevant_per_source[key] for f in files),
            skipped_known=sum(f.known_per_source[key] for f in files),
        )
        for key in keys
    ]


@flow(name="rescore", flow_run_name="rescore {model}", log_prints=True)
def rescore(model: str, data_dir: str | None = None) -> RescoreReport:
    """Score every stored article that `model`'s version has not analysed; older versions' scores stay."""
    config = resolve_models_config(model)
    data = resolve_data_dir(data_dir)
    with run_lock(data):
        return _rescore(data, model, config)


def _rescore(data: Path, model: str, config: Path) -> RescoreReport:
    logger = get_run_logger()
    started = time.monotonic()
    scorer = load_scorer(models_dir(), config_path=config)
    report = RescoreReport(run_id=new_run_id(), status="running", model_version=scorer.model_version,
                           config=str(config))
    with db.connect(data) as con:
        begin_run(con, report.run_id, scorer.model_version)
        before = _analysed(con, scorer.model_version)
    logger.info("rescore %s with %s (%s)", report.run_id, scorer.model_version, config)

    report.mentions_scored, report.frames_scored = score_new(data, report.run_id, scorer)
    report.seconds["score"] = time.monotonic() - started
    report.articles_failed = articles_failed(data, report.run_id)
    report.status = "completed_with_failures" if report.articles_failed else "completed"
    with db.connect(data) as con:
        report.articles_scored = _analysed(con, scorer.model_version) - before
        report.seconds["total"] = time.monotonic() - started
        finish_and_publish(
            con, data, report.run_id, report.status, sources_ok=0, sources_failed=0, items_crawled=0,
            articles_new=0, appearances_new=0, mentions_scored=report.mentions_scored,
            frames_scored=report.frames_scored, score_seconds=round(report.seconds["score"], 2),
            total_seconds=round(report.seconds["total"], 2), articles_failed=report.articles_failed,
            notes=f"rescore with {model} ({config.name}): {report.articles_scored} articles",
        )
    logger.info("rescore %s: %d articles, %d mentions scored with %s, %.1f s", report.run_id,
                report.articles_scored, report.mentions_scored, scorer.model_version, report.seconds["total"])
    return report


def _analysed(con, model_version: str) -> int:
    return int(scalar(con, "analysed_by_version", [model_version]))
