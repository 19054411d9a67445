"""Cached versions of `dashboards.data` for the pages.

Only query results (DataFrames and small values) are cached, never a connection. Each function takes
the snapshot's publication stamp as an argument, so a newly published snapshot is a new cache key and
shows at once; the TTL only bounds how long stale entries linger in memory. Filters are frozen
dataclasses, so they are part of the key too.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from espejo.dashboards import data
from espejo.dashboards.filters import Filters, Topic
from espejo.dashboards.model_quality import ModelQuality, file_stamp, read_model_quality
from espejo.settings import quality_file
from espejo.warehouse import codings

TTL_SECONDS = 60
MAX_ENTRIES = 64


def _cached(func=None, *, spinner: bool | str = False):
    def wrap(f):
        return st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=spinner)(f)

    return wrap(func) if func else wrap


@_cached
def model_versions(data_dir: Path, stamp: int) -> list[str]:
    return data.model_versions(data_dir)


@_cached
def latest_run(data_dir: Path, stamp: int) -> data.RunInfo | None:
    return data.latest_run(data_dir)


@_cached
def monthly_series(data_dir: Path, stamp: int, model_version: str) -> pd.DataFrame:
    return data.monthly_series(data_dir, model_version)


@_cached
def frame_shares(data_dir: Path, stamp: int, model_version: str) -> pd.DataFrame:
    return data.frame_shares(data_dir, model_version)


@_cached(spinner="Reading the evidence…")
def evidence(data_dir: Path, stamp: int, model_version: str, direction: str) -> pd.DataFrame:
    return data.evidence(data_dir, model_version, direction)


@_cached
def frame_labels(data_dir: Path, stamp: int) -> dict[str, tuple[str, str]]:
    return data.frame_labels(data_dir)


@_cached
def has_dashboard_tables(data_dir: Path, stamp: int) -> bool:
    return data.has_dashboard_tables(data_dir)


@_cached
def filter_options(data_dir: Path, stamp: int, model_version: str) -> data.FilterOptions:
    return data.filter_options(data_dir, model_version)


@_cached
def direction_summaries(data_dir: Path, stamp: int, filters: Filters) -> dict[str, data.DirectionSummary]:
    return data.direction_summaries(data_dir, filters)


@_cached
def period_series(data_dir: Path, stamp: int, filters: Filters, grain: str) -> pd.DataFrame:
    return data.period_series(data_dir, filters, grain)


@_cached
def article_stances(data_dir: Path, stamp: int, filters: Filters) -> pd.DataFrame:
    return data.article_stances(data_dir, filters)


@_cached
def leading_frames(data_dir: Path, stamp: int, filters: Filters) -> pd.DataFrame:
    return data.leading_frames(data_dir, filters)


@_cached
def frame_series(data_dir: Path, stamp: int, filters: Filters, grain: str) -> pd.DataFrame:
    return data.frame_series(data_dir, filters, grain)


@_cached
def frame_outlet(data_dir: Path, stamp: int, filters: Filters) -> pd.DataFrame:
    return data.frame_outlet(data_dir, filters)


@_cached
def outlet_summary(data_dir: Path, stamp: int, filters: Filters) -> pd.DataFrame:
    return data.outlet_summary(data_dir, filters)


@_cached(spinner="Reading the evidence…")
def article_list(data_dir: Path, stamp: int, filters: Filters, direction: str | None = None,
                 date_from: date | None = None, date_to: date | None = None, frame: str | None = None,
                 order: str = "newest", limit: int = data.EVIDENCE_ROWS) -> pd.DataFrame:
    return data.article_list(data_dir, filters, direction=direction, date_from=date_from, date_to=date_to,
                             frame=frame, order=order, limit=limit)


@_cached(spinner="Searching…")
def search_articles(data_dir: Path, stamp: int, filters: Filters, text: str) -> pd.DataFrame:
    return data.search_articles(data_dir, filters, text)


@_cached
def article_detail(data_dir: Path, stamp: int, article_id: str, model_version: str) -> data.ArticleDetail:
    return data.article_detail(data_dir, article_id, model_version)


@_cached(spinner="Matching topics…")
def topic_series(data_dir: Path, stamp: int, filters: Filters, topics: tuple[Topic, ...], grain: str) -> pd.DataFrame:
    return data.topic_series(data_dir, filters, list(topics), grain)


@_cached(spinner="Counting words…")
def vocabulary_counts(data_dir: Path, stamp: int, filters: Filters, stopwords: tuple[str, ...], by_period: bool,
                      direction: str | None) -> pd.DataFrame:
    return data.vocabulary_counts(data_dir, filters, list(stopwords), by_period=by_period, direction=direction)


@_cached
def has_stories(data_dir: Path, stamp: int) -> bool:
    return data.has_stories(data_dir)


@_cached
def stories_stored(data_dir: Path, stamp: int) -> int:
    return data.stories_stored(data_dir)


@_cached
def story_overview(data_dir: Path, stamp: int, filters: Filters, sides: str) -> data.StoryOverview:
    return data.story_overview(data_dir, filters, sides)


@_cached
def story_detail(data_dir: Path, stamp: int, story_id: str, model_version: str) -> data.StoryDetail:
    return data.story_detail(data_dir, story_id, model_version)


@_cached
def article_stories(data_dir: Path, stamp: int, article_ids: tuple[str, ...]) -> dict[str, str] | None:
    return data.article_stories(data_dir, list(article_ids))


def model_quality(model_version: str) -> ModelQuality:
    """The measured quality of `model_version` (not of the snapshot): re-read when the quality file changes."""
    path = quality_file()
    return _model_quality(path, file_stamp(path), model_version)


@_cached
def _model_quality(path: Path, stamp: int | None, model_version: str) -> ModelQuality:
    return read_model_quality(model_version, path)


@_cached
def recent_runs(data_dir: Path, stamp: int) -> pd.DataFrame:
    return data.recent_runs(data_dir)


@_cached
def run_sources(data_dir: Path, stamp: int) -> pd.DataFrame:
    return data.run_sources(data_dir)


@_cached
def source_weekly_volume(data_dir: Path, stamp: int) -> pd.DataFrame:
    return data.source_weekly_volume(data_dir)


@_cached
def export_counts(data_dir: Path, stamp: int, filters: Filters) -> dict[str, int]:
    return data.export_counts(data_dir, filters)


@_cached
def export_page(data_dir: Path, stamp: int, filters: Filters, name: str, page: int) -> pd.DataFrame:
    return data.export_page(data_dir, filters, name, page)


@_cached(spinner="Preparing the export…")
def export_file(data_dir: Path, stamp: int, filters: Filters, name: str) -> pd.DataFrame:
    """A whole export (up to EXPORT_ROWS rows): read when a download is asked for, not to draw the page."""
    if name == "aggregates":
        return data.period_series(data_dir, filters, "month")
    return data.EXPORTS[name](data_dir, filters)


def codings_stamp(data_dir: Path) -> tuple[int, ...]:
    """When the codings store last changed (its file and write-ahead log, in ns): a key for what is computed
    from the codings, so a new coding shows at once. The coding queue itself is never cached."""
    path = codings.codings_path(data_dir)
    return tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in (path, path.with_name(path.name + ".wal")))


@_cached(spinner="Computing reliability and agreement…")
def validation_report(data_dir: Path, stamp: int, codings_stamp: tuple[int, ...], sample: str,
                      model_version: str) -> dict:
    """A sample's reliability and agreement report (bootstrap intervals: worth keeping between reruns)."""
    return codings.report(data_dir, sample, model_version=model_version)
