"""Scoring on a Dask cluster: the same chunks as the in-process path, analysed on Dask workers.

An option of the nightly flow (`espejo run --scoring dask`). The flow process reads what is new,
submits one Prefect task per chunk to a `prefect_dask.DaskTaskRunner` (a temporary LocalCluster of
N worker processes, or an existing scheduler), and stores each chunk's records as it comes back:
workers score, only the flow process writes, because one DuckDB file has one writer.

Each chunk is analysed in isolation (`analyse_isolated`): an article that breaks the analysis comes back
as a failure, which the flow process records in `score_failures` as the in-process path does.

Each worker process loads the scorer once and keeps it (module-level cache keyed by models folder
and models.toml), so a worker pays the model load once per run, not once per chunk. The chunks and
the scorer are those of the in-process path, so the scores are the same.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed

from espejo.nlp.analyse import (  # noqa: F401 (SCORE_CHUNK: re-exported)
    SCORE_CHUNK, ChunkResult, analyse_isolated, chunks_of,
)
from espejo.nlp.backbone import THREADS_ENV
from espejo.nlp.scorers import CompositeScorer, load_scorer
from espejo.records import StoredArticle
from espejo.warehouse import db, load



@dataclass(frozen=True)
class DaskScoring:
    """Where the scoring chunks run: an existing scheduler, or a temporary local cluster of `workers`."""

    address: str | None = None  # e.g. tcp://10.0.0.5:8786; workers there need espejo installed
    workers: int = 2
    threads_per_worker: int = 1  # torch threads per worker process too

    def task_runner(self, worker_env: dict[str, str] | None = None):
        """The task runner; `worker_env` is set in each worker process of a local cluster."""
        from prefect_dask import DaskTaskRunner

        if self.address:
            return DaskTaskRunner(address=self.address)
        return DaskTaskRunner(
            cluster_class="distributed.LocalCluster",
            cluster_kwargs={
                "n_workers": self.workers,
                "threads_per_worker": self.threads_per_worker,
                "processes": True,  # one Python (and one torch) per worker: no GIL shared
                "host": "127.0.0.1",
                "dashboard_address": ":0",  # any free port: two runs on one machine must not collide
                # Workers inherit the flow's environment; each loads the model once (about 0.5 GB).
                "memory_limit": "4GiB",
                "env": dict(worker_env or {}),
            },
        )


# --------------------------------------------------------------------------------------------------
# Worker side

_scorers: dict[tuple[str, str], CompositeScorer] = {}
_scorers_lock = threading.Lock()


def worker_scorer(models_dir: str, config_path: str | None, torch_threads: int) -> CompositeScorer:
    """The scorer of this worker process, loaded on first use and kept for later chunks and runs."""
    key = (models_dir, config_path or "")
    with _scorers_lock:
        if key not in _scorers:
            # Before the model loads: torch reads its thread count once per process.
            os.environ.setdefault(THREADS_ENV, str(torch_threads))
            _scorers[key] = load_scorer(Path(models_dir), Path(config_path) if config_path else None)
        return _scorers[key]


@task(task_run_name="analyse chunk {index}", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def analyse_chunk(index: int, chunk: list[StoredArticle], models_dir: str, config_path: str | None,
                  model_version: str, torch_threads: int = 1) -> ChunkResult:
    scorer = worker_scorer(models_dir, config_path, torch_threads)
    if scorer.model_version != model_version:
        # A worker with other model files would store scores under the wrong version.
        raise RuntimeError(f"worker scorer is {scorer.model_version}, the run uses {model_version}")
    return analyse_isolated(chunk, scorer)


# --------------------------------------------------------------------------------------------------
# Flow side


@flow(name="score-on-dask", log_prints=True)
def score_on_dask(data_dir: str, run_id: str, model_version: str, models_dir: str,
                  config_path: str | None = None, torch_threads: int = 1) -> tuple[int, int]:
    """Score what this model version has not analysed yet on the flow's Dask task runner; store here."""
    logger = get_run_logger()
    data = Path(data_dir)
    with db.connect(data) as con:
        todo = load.articles_to_analyse(con, model_version)
    chunks = chunks_of(todo)
    logger.info("scoring %d new articles in %d chunks on Dask", len(todo), len(chunks))
    started = time.monotonic()
    futures = [analyse_chunk.submit(i, chunk, models_dir, config_path, model_version, torch_threads)
               for i, chunk in enumerate(chunks)]
    mentions = frames = done = 0
    for future in as_completed(futures):
        result: ChunkResult = future.result()
        m, f = store_chunk(data, result, run_id, model_version)
        mentions, frames = mentions + m, frames + f
        done += len(result.analysed) + len(result.failures)
        rate = done / max(time.monotonic() - started, 1e-6)
        logger.info("scored %d/%d articles (%d mentions so far, %.1f articles/s)", done, len(todo), mentions, rate)
    return mentions, frames


def store_chunk(data: Path, result: ChunkResult, run_id: str, model_version: str) -> tuple[int, int]:
    """Store a chunk's analyses and record its failed articles (one log line each, as for crawl problems);
    return (mentions scored, frame scores stored). Both scoring paths store through here."""
    logger = get_run_logger()
    with db.connect(data) as con:
        counts = load.store_analyses(con, result.analysed, run_id)
        load.record_score_failures(con, run_id, model_version, result.failures)
    for failure in result.failures:
        logger.warning("article %s not scored [%s] %s (%s); recorded in score_failures",
                       failure.article_id, failure.error_type, failure.message, failure.where)
    for article in result.analysed:
        for note in article.notes:
            logger.warning("article %s: %s", article.article_id, note)
    return counts


def score_new_on_dask(data_dir: Path, run_id: str, model_version: str, models_dir: Path,
                      options: DaskScoring, config_path: Path | None = None) -> tuple[int, int]:
    """Run `score_on_dask` as a subflow with the cluster `options` describe (started and stopped here)."""
    runner_flow = score_on_dask.with_options(task_runner=options.task_runner(prefect_api_env()))
    return runner_flow(str(data_dir), run_id, model_version, str(models_dir),
                       str(config_path) if config_path else None, options.threads_per_worker)


def prefect_api_env() -> dict[str, str]:
    """PREFECT_API_URL for local workers: this process's Prefect API, even the temporary one it started.

    Without it each worker would start a temporary Prefect server of its own (seconds and memory each,
    and the chunks' task runs would vanish with it). A remote cluster needs a real server instead:
    `prefect server start`, with PREFECT_API_URL set on every machine.
    """
    if os.environ.get("PREFECT_API_URL"):
        return {}  # the workers inherit it
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return {"PREFECT_API_URL": str(client.api_url).rstrip("/")}
