"""Frames: how the share of articles leading with each frame moves over time in each direction, and which
outlets lean on which frames."""

from __future__ import annotations

import streamlit as st

from espejo.dashboards import analysis, cache, charts
from espejo.dashboards.i18n import t
from espejo.dashboards.ui import filters_caption, no_match
from espejo.dashboards.view import current_view

view = current_view()
lang = view.lang
st.title(t("page.frames", lang))
st.caption(filters_caption(view))

grain = st.segmented_control(t("grain", lang), ["week", "month"], default="month", key="frame_grain",
                             format_func=lambda g: t(g, lang), required=True) or "month"
frames = cache.frame_series(view.data_dir, view.snapshot_stamp, view.filters, grain)
if frames.empty:
    no_match(view)
    st.stop()
frames = analysis.complete_frame_series(frames)
top_n = st.slider("Frames shown per direction", 3, 12, 6, key="frame_top")
max_share = float(frames["share"].max()) or 1.0
for column, direction in zip(st.columns(2, gap="large"), ("us->mx", "mx->us"), strict=True):
    with column:
        st.subheader(t(direction, lang))
        own = frames[frames["direction"] == direction]
        if own.empty:
            st.caption("No articles with these filters.")
            continue
        top = own.groupby("frame")["articles"].sum().nlargest(top_n).index
        own = own[own["frame"].isin(top)]
        breaks = analysis.series_change_points(own, "share", ["direction", "frame"])
        st.altair_chart(charts.frame_lines(own, breaks, direction, "%b %Y", max_share))
st.caption(
    f"Share of each {grain}'s scored articles leading with the frame (score over the threshold and among the "
    "article's top frames), for the frames most used in the period; both panels share the y axis, so the other "
    "direction is the comparison. Dashed rules: change points (PELT). Model "
    f"`{view.model_version}`."
)

st.subheader("Frame × outlet")
table = cache.frame_outlet(view.data_dir, view.snapshot_stamp, view.filters)
if table.empty:
    st.caption("No frame scores for these filters.")
else:
    top = table.groupby("frame")["articles"].sum().nlargest(12).index
    shown = table[table["frame"].isin(top)].copy()
    names = cache.filter_options(view.data_dir, view.snapshot_stamp, view.model_version).outlets
    label = dict(zip(names["source_key"], names["name"], strict=True))
    shown["outlet"] = [f"{label.get(o, o)} ({d})" for o, d in zip(shown["outlet"], shown["direction"], strict=True)]
    st.altair_chart(charts.heatmap(shown, "frame", "outlet", "share", "Share of the outlet's articles"))
    st.caption(
        "Each cell: share of the outlet's scored articles (every outlet that ran a story counts it) leading with "
        "the frame; compare along a column to see which outlets lean on a frame more than others. The 12 most used "
        f"frames. Model `{view.model_version}`."
    )
