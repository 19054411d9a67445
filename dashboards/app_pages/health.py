"""Runs and data health: recent runs, each outlet's crawl results and failures, and outlets whose
volume is unusually low or high against their own history (robust z-score)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from espejo.dashboards import analysis, cache
from espejo.dashboards.i18n import t
from espejo.dashboards.view import current_view

view = current_view()
lang = view.lang
st.title(t("page.health", lang))

runs = cache.recent_runs(view.data_dir, view.snapshot_stamp)
st.subheader("Recent runs")
if runs.empty:
    st.info("No run recorded yet.", icon=":material/info:")
else:
    latest = runs.iloc[0]
    a, b, c, d = st.columns(4)
    a.metric("Runs recorded", f"{len(runs)}")
    b.metric("Latest status", str(latest["status"]))
    c.metric("Sources failed (latest)", "—" if pd.isna(latest["sources_failed"])
             else f"{int(latest['sources_failed'])}")
    d.metric("New articles (latest)", "—" if pd.isna(latest["articles_new"]) else f"{int(latest['articles_new'])}")
    st.dataframe(runs, hide_index=True, key="runs-table")

sources = cache.run_sources(view.data_dir, view.snapshot_stamp)
st.subheader("Outlets per run")
if sources.empty:
    st.caption("No per-outlet crawl results recorded.")
else:
    failed = sources[sources["status"] != "ok"]
    if failed.empty:
        st.success("No outlet failed in the recent runs.", icon=":material/check_circle:")
    else:
        st.error(f"{len(failed)} failed outlet crawls in the recent runs.", icon=":material/error:")
        st.dataframe(failed, hide_index=True, key="failed-table")
    per_source = sources.groupby(["source_key", "name", "country"], dropna=False).agg(
        runs=("run_id", "nunique"), failures=("status", lambda s: int((s != "ok").sum())),
        items_last=("items", "first"), items_median=("items", "median")).reset_index()
    st.dataframe(per_source, hide_index=True, key="per-source")
    # Items per run: the latest run against the outlet's earlier runs.
    rows = []
    for key, group in sources.sort_values("started_at").groupby("source_key"):
        if len(group) >= 4:
            z = analysis.robust_z(group["items"].astype(float))
            rows.append((key, int(group["items"].iloc[-1]), float(group["items"].iloc[:-1].median()),
                         float(z.iloc[-1]) if z.notna().iloc[-1] else None))
    if rows:
        st.markdown("**Items in the latest run against earlier runs (robust z)**")
        st.dataframe(pd.DataFrame(rows, columns=["source_key", "items_latest", "items_median_before", "robust_z"]),
                     hide_index=True, key="run-z")

st.subheader("Unusual weekly volume")
weekly = cache.source_weekly_volume(view.data_dir, view.snapshot_stamp)
if weekly.empty:
    st.caption("No articles stored.")
else:
    flags = analysis.unusual_volumes(weekly)
    unusual = flags[flags["status"].isin(["high", "low"])]
    if unusual.empty:
        st.success("No outlet's latest week is unusually low or high against its own history (|robust z| < 3.5).",
                   icon=":material/check_circle:")
    else:
        st.warning(f"{len(unusual)} outlets with an unusual latest week: "
                   + ", ".join(f"{r.source_key} ({r.status})" for r in unusual.itertuples()), icon=":material/warning:")
    st.dataframe(flags, hide_index=True, key="volume-flags",
                 column_config={"robust_z": st.column_config.NumberColumn(format="%+.1f"),
                                "latest_week": st.column_config.DateColumn(format="YYYY-MM-DD")})
    st.caption("Articles first seen at each outlet per week (publication date, else fetch date). The latest week is "
               "compared with the outlet's earlier weeks (empty weeks count as zero): robust z = (x − median) / "
               "(1.4826·MAD); flagged at |z| ≥ 3.5. Fewer than 6 earlier weeks: too little history to judge.")
