"""Cached versions of `dashboards.data` for the pages.

Only query results (DataFrames and small values) are cached, never a connection. Each function takes
the snapshot's publication stamp as an argument, so a newly published snapshot is a new cache key and
shows at once; the TTL only bounds how long stale entries linger in memory.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from espejo.dashboards import data

TTL_SECONDS = 60


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def model_versions(data_dir: Path, stamp: int) -> list[str]:
    return data.model_versions(data_dir)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def latest_run(data_dir: Path, stamp: int) -> data.RunInfo | None:
    return data.latest_run(data_dir)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def monthly_series(data_dir: Path, stamp: int, model_version: str) -> pd.DataFrame:
    return data.monthly_series(data_dir, model_version)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def frame_shares(data_dir: Path, stamp: int, model_version: str) -> pd.DataFrame:
    return data.frame_shares(data_dir, model_version)


@st.cache_data(ttl=TTL_SECONDS, show_spinner="Reading the evidence…")
def evidence(data_dir: Path, stamp: int, model_version: str, direction: str) -> pd.DataFrame:
    return data.evidence(data_dir, model_version, direction)
