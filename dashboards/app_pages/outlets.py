"""Outlets compared on volume, tone toward the other country and frame mix."""

from __future__ import annotations

import streamlit as st

from espejo.dashboards import cache, charts
from espejo.dashboards.i18n import t
from espejo.dashboards.ui import STANCE_DEFINITION, filters_caption, no_match
from espejo.dashboards.view import current_view

view = current_view()
lang = view.lang
st.title(t("page.outlets", lang))
st.caption(filters_caption(view))
table = cache.outlet_summary(view.data_dir, view.snapshot_stamp, view.filters)
if table.empty:
    no_match(view)
    st.stop()
previous = cache.outlet_summary(view.data_dir, view.snapshot_stamp, view.filters.previous())
table = table.merge(previous[["source_key", "articles", "mean_stance"]].rename(
    columns={"articles": "articles_previous", "mean_stance": "mean_stance_previous"}), on="source_key", how="left")
table["articles_previous"] = table["articles_previous"].fillna(0).astype(int)

volume, tone = st.columns(2, gap="large")
with volume:
    st.subheader(t("articles", lang))
    st.altair_chart(charts.outlet_bars(table, "articles", "Articles"))
    st.caption("Scored articles that ran at the outlet (a wire story counts at each outlet that ran it); colour: "
               "the direction the outlet covers. Previous period in the table below.")
with tone:
    st.subheader(t("mean_stance", lang))
    st.altair_chart(charts.outlet_bars(table, "mean_stance", "Mean stance", "+.3f", interval=True))
    st.caption(f"{STANCE_DEFINITION}. Point: the outlet's mean; line: 95% interval (t·SD/√n); dashed: neutral.")

st.subheader(t("leading_frames", lang))
mix = cache.frame_outlet(view.data_dir, view.snapshot_stamp, view.filters)
if mix.empty:
    st.caption("No frame scores for these filters.")
else:
    top = mix.groupby("frame")["articles"].sum().nlargest(10).index
    shown = mix[mix["frame"].isin(top)].merge(table[["source_key", "name"]], left_on="outlet", right_on="source_key")
    st.altair_chart(charts.heatmap(shown, "frame", "name", "share", "Share of the outlet's articles"))
    st.caption("Frame mix: share of each outlet's scored articles leading with each of the 10 most used frames.")

st.dataframe(
    table[["name", "source_key", "country", "direction", "articles", "articles_previous", "mentions", "mean_stance",
           "ci_low", "ci_high", "mean_stance_previous", "share_negative"]],
    hide_index=True, key="outlet-table",
    column_config={c: st.column_config.NumberColumn(format="%+.3f")
                   for c in ("mean_stance", "ci_low", "ci_high", "mean_stance_previous")}
    | {"share_negative": st.column_config.NumberColumn(format="percent")},
)
