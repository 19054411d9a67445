"""Espejo's dashboard: how U.S. news media portray Mexico, and Mexican news media the United States.

    streamlit run dashboards/streamlit_app.py

This file owns the page setup, the navigation and the sidebar every page shares (data folder, model
version, latest run). Pages live in `app_pages/` and only draw; data comes from `dashboards.data`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from espejo.dashboards import cache, data
from espejo.dashboards.view import View, set_current_view
from espejo.settings import DATA_DIR_ENV, default_data_dir

MODEL_VERSION_KEY = "model_version"


def show_empty_warehouse() -> None:
    data_dir = default_data_dir()
    st.title("Espejo")
    st.info(
        f"""
        **No published data yet** in `{data_dir}`.

        The dashboard reads the snapshot a pipeline run publishes (`snapshot.duckdb`). To make one:

        - `espejo demo` crawls and scores the bundled offline news web: a full dashboard, no internet needed;
        - `espejo run` crawls the real outlets and scores what is new.

        If your data lives elsewhere, point the dashboard at it with `{DATA_DIR_ENV}=/path/to/data`.
        Then reload this page.
        """,
        icon=":material/info:",
    )


def show_nothing_analysed() -> None:
    data_dir = default_data_dir()
    st.title("Espejo")
    st.info(
        f"The snapshot in `{data_dir}` holds no analysed articles yet. "
        "Run `espejo run` (or `espejo demo`) to crawl and score some, then reload this page.",
        icon=":material/info:",
    )


def _format_time(value: pd.Timestamp | datetime | None) -> str:
    return "—" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def sidebar_provenance(data_dir: Path, stamp: int, model_versions: list[str]) -> str:
    """Draw the shared sidebar; return the chosen model version."""
    # The snapshot may have been republished without the version chosen earlier in this session.
    if st.session_state.get(MODEL_VERSION_KEY) not in model_versions:
        st.session_state.pop(MODEL_VERSION_KEY, None)
    with st.sidebar:
        model_version = st.selectbox(
            "Model version",
            model_versions,
            key=MODEL_VERSION_KEY,
            help="Every score is stored with the model version that produced it; the newest is first.",
        )
        run = cache.latest_run(data_dir, stamp)
        st.markdown("**Latest run**")
        if run is None:
            st.caption("No run recorded.")
        else:
            st.markdown(f"`{run.run_id}`")
            st.caption(
                f"Started {_format_time(run.started_at)}, finished {_format_time(run.finished_at)} "
                f"({run.status}); model {run.model_version or '—'}"
            )
        st.markdown("**Data folder**")
        st.caption(f"`{data_dir}`")
        st.caption(f"Snapshot published {_format_time(pd.Timestamp(stamp, unit='ns'))} (UTC)")
    return model_version


def main() -> None:
    st.set_page_config(page_title="Espejo — two mirrors", page_icon=":material/compare:", layout="wide")
    data_dir = default_data_dir()
    stamp = data.snapshot_stamp(data_dir)

    if stamp is None:
        st.navigation([st.Page(show_empty_warehouse, title="Getting started")]).run()
        return
    model_versions = cache.model_versions(data_dir, stamp)
    if not model_versions:
        st.navigation([st.Page(show_nothing_analysed, title="Getting started")]).run()
        return

    model_version = sidebar_provenance(data_dir, stamp, model_versions)
    set_current_view(View(data_dir=data_dir, snapshot_stamp=stamp, model_version=model_version))

    pages = [
        # Page paths are relative to this file (Streamlit resolves them against the main script).
        st.Page("app_pages/mirrors.py", title="Two mirrors", icon=":material/compare:", default=True),
    ]
    st.navigation(pages).run()


main()
