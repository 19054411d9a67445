"""The analysis stage every run shares (nightly, backfill, rescore): score what a model version has not
analysed yet, chunk by chunk, one failing article recorded rather than fatal (`nlp.analyse.analyse_isolated`)."""

from __future__ import annotations

import time
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from espejo.flows.dask_scoring import store_chunk
from espejo.nlp.analyse import analyse_isolated, chunks_of
from espejo.nlp.scoring import Scorer
from espejo.warehouse import db, load


@task(cache_policy=NO_CACHE)
def score_new(data_dir: Path, run_id: str, scorer: Scorer) -> tuple[int, int]:
    """Score what this model version has not analysed; an article that fails is recorded, not fatal."""
    logger = get_run_logger()
    with db.connect(data_dir) as con:
        todo = load.articles_to_analyse(con, scorer.model_version)
    logger.info("scoring %d new articles with %s", len(todo), scorer.model_version)
    mentions = frames = 0
    started = time.monotonic()
    done = 0
    for chunk in chunks_of(todo):
        m, f = store_chunk(data_dir, analyse_isolated(chunk, scorer), run_id, scorer.model_version)
        mentions += m
        frames += f
        done += len(chunk)
        rate = done / max(time.monotonic() - started, 1e-6)
        logger.info("scored %d/%d articles (%d mentions so far, %.1f articles/s)", done, len(todo), mentions, rate)
    return mentions, frames


def articles_failed(data_dir: Path, run_id: str) -> int:
    """Articles this run could not score (rows of score_failures): a run with any ends completed_with_failures."""
    with db.connect(data_dir) as con:
        return load.score_failures_in_run(con, run_id)

