"""The nightly run: crawl each outlet, load what is new, score what is new, aggregate, publish, record.

Tasks wrap espejo functions; the logic lives in `espejo.spiders`, `espejo.nlp` and `espejo.warehouse`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from espejo.flows.dask_scoring import DaskScoring, score_new_on_dask
from espejo.flows.runs import begin_run, finish_and_publish, new_run_id, run_lock
from espejo.flows.scoring import score_new
from espejo.flows.stories import StoriesOutcome, cluster_stories
from espejo.nlp.analyse import SCORE_CHUNK  # noqa: F401 (re-exported)
from espejo.nlp.scorers import load_scorer
from espejo.records import SourceResult
from espejo.settings import models_dir, resolve_data_dir, runs_dir
from espejo.spiders.crawl import CrawlOutcome, crawl_source, read_items, ITEMS_FILE
from espejo.spiders.problems import PROBLEMS_FILE, read_problems
from espejo.spiders.registry import load_sources
from espejo.warehouse import db, load



@dataclass
class RunReport:
    run_id: str
    status: str
    sources: list[SourceResult] = field(default_factory=list)
    items_crawled: int = 0
    articles_new: int = 0
    appearances_new: int = 0
    mentions_scored: int = 0
    frames_scored: int = 0
    page_problems: int = 0  # rows recorded in crawl_problems for this run
    articles_failed: int = 0  # articles this run could not score, recorded in score_failures
    stories: StoriesOutcome | None = None  # how clustering the new articles into stories went
    seconds: dict[str, float] = field(default_factory=dict)


class CrawlFailed(RuntimeError):
    """Raised so Prefect retries the outlet; the flow records it as failed after the last try."""


# Neither task may be answered from Prefect's result cache: each run must crawl and score afresh, and a
# scorer (a loaded model) cannot be hashed into a cache key anyway.
@task(retries=2, retry_delay_seconds=2, task_run_name="crawl {source.key}", cache_policy=NO_CACHE)
def crawl(source, run_dir: Path, known_urls: set[str]) -> CrawlOutcome:
    outcome = crawl_source(source, run_dir / source.key, known_urls)
    logger = get_run_logger()
    if outcome.result.status != "ok":
        raise CrawlFailed(f"{source.key}: {outcome.result.error}")
    logger.info("%s: %d new items, %d pages, %d skipped as known, %d off-topic, %.1f s",
                source.key, outcome.result.items, outcome.result.pages_fetched,
                outcome.result.skipped_known, outcome.result.skipped_irrelevant, outcome.result.seconds)
    if outcome.result.stopped_by:
        logger.warning("%s: crawl stopped early: %s (what it crawled is kept)", source.key, outcome.result.stopped_by)
    return outcome


@flow(name="nightly", flow_run_name="nightly {run_label}",
      task_runner=ThreadPoolTaskRunner(max_workers=3), log_prints=True)
def nightly(data_dir: str | None = None, sources_file: str | None = None, only: str = "all",
            source_keys: list[str] | None = None, run_label: str = "", scoring: str = "local",
            dask_address: str | None = None, dask_workers: int = 2) -> RunReport:
    """One nightly run over the configured sources (`only`: all | demo | real; or explicit `source_keys`).

    `scoring`: "local" scores in this process; "dask" on a Dask cluster (the scheduler at `dask_address`,
    else a temporary local cluster of `dask_workers` processes); see espejo.flows.dask_scoring.
    """
    data = resolve_data_dir(data_dir)
    sources = select_sources(load_sources(sources_file), only, source_keys)
    dask = scoring_on(scoring, dask_address, dask_workers)
    with run_lock(data):
        return _run(data, sources, dask=dask)


def scoring_on(scoring: str, dask_address: str | None = None, dask_workers: int = 2) -> DaskScoring | None:
    """None for in-process scoring (the default), else where the Dask scoring runs."""
    if scoring == "local":
        return None
    if scoring != "dask":
        raise ValueError(f"scoring must be local or dask, not {scoring!r}")
    return DaskScoring(address=dask_address or None, workers=dask_workers)


def _run(data: Path, sources, dask: DaskScoring | None = None) -> RunReport:
    logger = get_run_logger()
    started = time.monotonic()
    scorer = load_scorer(models_dir())
    run_id = new_run_id()
    report = RunReport(run_id=run_id, status="running")
    run_dir = runs_dir(data) / run_id
    with db.connect(data) as con:
        begin_run(con, run_id, scorer.model_version)
        load.upsert_sources(con, sources)
        known = {s.key: load.known_urls(con, s.key) for s in sources}
    logger.info("run %s: %d sources, data in %s", run_id, len(sources), data)

    # Crawl: each outlet its own task; a failing outlet is recorded and the others go on.
    t0 = time.monotonic()
    futures = {s.key: crawl.submit(s, run_dir, known[s.key]) for s in sources}
    items = []
    problems = []  # page problems of each outlet's last try (espejo.spiders.problems)
    for source in sources:
        state = futures[source.key].wait() or futures[source.key].state
        if state.is_completed():
            outcome: CrawlOutcome = futures[source.key].result()
            report.sources.append(outcome.result)
            items.extend(outcome.items)
            problems.extend(outcome.problems)
        else:
            problems.extend(read_problems(run_dir / source.key / PROBLEMS_FILE))
            # Keep whatever the last try finished before failing: nothing that was fine is lost.
            partial = read_items(run_dir / source.key / ITEMS_FILE)
            error = _state_message(state)
            logger.warning("outlet %s failed: %s (%d items kept)", source.key, error, len(partial))
            report.sources.append(SourceResult(source.key, "failed", items=len(partial), error=error))
            items.extend(partial)
    report.seconds["crawl"] = time.monotonic() - t0
    report.items_crawled = len(items)

    t0 = time.monotonic()
    with db.connect(data) as con:
        loaded = load.load_items(con, items, run_id)
        load.record_source_results(con, run_id, report.sources)
        report.page_problems = load.record_crawl_problems(con, run_id, problems)
    report.articles_new, report.appearances_new = loaded.articles_new, loaded.appearances_new
    report.seconds["load"] = time.monotonic() - t0
    logger.info("loaded %d new articles, %d new appearances; %d page problems recorded",
                loaded.articles_new, loaded.appearances_new, report.page_problems)

    t0 = time.monotonic()
    if dask is None:
        report.mentions_scored, report.frames_scored = score_new(data, run_id, scorer)
    else:  # workers score, this process stores: one writer per DuckDB file
        report.mentions_scored, report.frames_scored = score_new_on_dask(
            data, run_id, scorer.model_version, models_dir(), dask)
    report.seconds["score"] = time.monotonic() - t0

    # Stories after scoring and before the aggregates: the snapshot published below holds both.
    report.stories = cluster_stories(data, run_id)
    report.seconds["stories"] = report.stories.seconds

    failed = sum(1 for r in report.sources if r.status != "ok")
    report.seconds["total"] = time.monotonic() - started
    with db.connect(data) as con:
        # An article that could not be scored is a partial failure, like an outlet that could not be crawled.
        report.articles_failed = load.score_failures_in_run(con, run_id)
        report.status = "completed" if failed == 0 and report.articles_failed == 0 else "completed_with_failures"
        finish_and_publish(
            con, data, run_id, report.status, articles_failed=report.articles_failed,
            sources_ok=len(sources) - failed, sources_failed=failed, items_crawled=report.items_crawled,
            articles_new=report.articles_new, appearances_new=report.appearances_new,
            mentions_scored=report.mentions_scored, frames_scored=report.frames_scored,
            crawl_seconds=round(report.seconds["crawl"], 2), load_seconds=round(report.seconds["load"], 2),
            score_seconds=round(report.seconds["score"], 2), total_seconds=round(report.seconds["total"], 2),
            **_notes(report.stories.note()),
        )
    logger.info("run %s %s: %d new articles, %d mentions scored, %d/%d sources failed, %d articles not scored, %.1f s",
                run_id, report.status, report.articles_new, report.mentions_scored, failed,
                len(sources), report.articles_failed, report.seconds["total"])
    return report


def _notes(note: str | None) -> dict:
    """The run's notes, only when there is something to say (a run without trouble leaves them empty)."""
    return {"notes": note} if note else {}


def select_sources(sources, only: str = "all", keys: list[str] | None = None):
    if keys:
        by_key = {s.key: s for s in sources}
        missing = [k for k in keys if k not in by_key]
        if missing:
            raise ValueError(f"unknown source key(s): {', '.join(missing)}")
        return [by_key[k] for k in keys]
    if only == "demo":
        return [s for s in sources if s.demo]
    if only == "real":
        return [s for s in sources if not s.demo]
    if only != "all":
        raise ValueError(f"only must be all, demo or real, not {only!r}")
    return list(sources)


def _state_message(state) -> str:
    try:
        state.result()
    except Exception as err:  # the task's own exception, e.g. CrawlFailed
        return str(err)
    return state.message or state.name
