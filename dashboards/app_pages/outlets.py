"""Outlets compared on volume, tone toward the other country and frame mix."""

from __future__ import annotations

import streamlit as st

from espejo.dashboards import cache, charts
from espejo.dashboards.i18n import t
from espejo.dashboards.ui import column_labels, filters_caption, no_match, stance_definition
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
    st.altair_chart(charts.outlet_bars(table, "articles", t("articles", lang), lang=lang))
    st.caption(t("outlet_volume_caption", lang))
with tone:
    st.subheader(t("mean_stance", lang))
    st.altair_chart(charts.outlet_bars(table, "mean_stance", t("mean_stance", lang), "+.3f", interval=True,
                                       lang=lang))
    st.caption(t("outlet_tone_caption", lang, definition=stance_definition(lang)))

st.subheader(t("leading_frames", lang))
mix = cache.frame_outlet(view.data_dir, view.snapshot_stamp, view.filters)
if mix.empty:
    st.caption(t("no_frame_scores_filters", lang))
else:
    top = mix.groupby("frame")["articles"].sum().nlargest(10).index
    shown = mix[mix["frame"].isin(top)].merge(table[["source_key", "name"]], left_on="outlet", right_on="source_key")
    st.altair_chart(charts.heatmap(shown, "frame", "name", "share", t("chart.share_outlet", lang), lang,
                                   view.frame_labels))
    st.caption(t("frame_mix_caption", lang))

shown_columns = ["name", "source_key", "country", "direction", "articles", "articles_previous", "mentions",
                 "mean_stance", "ci_low", "ci_high", "mean_stance_previous", "share_negative"]
st.dataframe(
    table[shown_columns],
    hide_index=True, key="outlet-table",
    column_config=column_labels(lang, shown_columns, {c: st.column_config.NumberColumn(format="%+.3f")
                                                      for c in ("mean_stance", "ci_low", "ci_high",
                                                                "mean_stance_previous")}
                                | {"share_negative": st.column_config.NumberColumn(format="percent")}),
)
