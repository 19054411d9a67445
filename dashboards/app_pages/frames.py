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
top_n = st.slider(t("frames_shown", lang), 3, 12, 6, key="frame_top")
max_share = float(frames["share"].max()) or 1.0
for column, direction in zip(st.columns(2, gap="large"), ("us->mx", "mx->us"), strict=True):
    with column:
        st.subheader(t(direction, lang))
        own = frames[frames["direction"] == direction]
        if own.empty:
            st.caption(t("no_articles_filters", lang))
            continue
        top = own.groupby("frame")["articles"].sum().nlargest(top_n).index
        own = own[own["frame"].isin(top)]
        breaks = analysis.series_change_points(own, "share", ["direction", "frame"])
        st.altair_chart(charts.frame_lines(own, breaks, direction, "%b %Y", max_share, lang, view.frame_labels))
st.caption(t("frame_lines_caption", lang, grain=t(grain, lang).lower(), model=view.model_version))

st.subheader(t("frame_outlet", lang))
table = cache.frame_outlet(view.data_dir, view.snapshot_stamp, view.filters)
if table.empty:
    st.caption(t("no_frame_scores_filters", lang))
else:
    top = table.groupby("frame")["articles"].sum().nlargest(12).index
    shown = table[table["frame"].isin(top)].copy()
    names = cache.filter_options(view.data_dir, view.snapshot_stamp, view.model_version).outlets
    label = dict(zip(names["source_key"], names["name"], strict=True))
    shown["outlet"] = [f"{label.get(o, o)} ({d})" for o, d in zip(shown["outlet"], shown["direction"], strict=True)]
    st.altair_chart(charts.heatmap(shown, "frame", "outlet", "share", t("chart.share_outlet", lang), lang,
                                   view.frame_labels))
    st.caption(t("frame_outlet_caption", lang, model=view.model_version))
