"""Public-diplomacy tracker: coverage and tone of the topics the brief names (exchanges, city-to-city
ties, the 2026 World Cup) and the big bilateral ones (trade, migration, security). Topics and their terms
in both languages are data: dashboards/topics.toml."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from espejo.dashboards import cache, charts
from espejo.dashboards.filters import topics_file
from espejo.dashboards.i18n import t
from espejo.dashboards.ui import column_labels, evidence_table, filters_caption, no_match, percent, signed
from espejo.dashboards.view import current_view

view = current_view()
lang = view.lang
st.title(t("page.diplomacy", lang))
st.caption(filters_caption(view))
if not view.topics:
    st.info(t("no_topics", lang, path=topics_file()), icon=":material/info:")
    st.stop()
# Every topic is tracked here, so the sidebar's topic filter does not apply on this page.
base = replace(view.filters, topic=None, topic_pattern=None)
series = cache.topic_series(view.data_dir, view.snapshot_stamp, base, view.topics, "month")
overall = cache.direction_summaries(view.data_dir, view.snapshot_stamp, base)
if sum(s.articles for s in overall.values()) == 0:
    no_match(view)
    st.stop()
labels = {tp.key: tp.label(lang) for tp in view.topics}
previous = cache.topic_series(view.data_dir, view.snapshot_stamp, base.previous(), view.topics, "month")

rows = []
for tp in view.topics:
    for direction in ("us->mx", "mx->us"):
        own = series[(series["topic"] == tp.key) & (series["direction"] == direction)]
        before = previous[(previous["topic"] == tp.key) & (previous["direction"] == direction)]
        n = int(own["articles"].sum())
        mean = float((own["mean_stance"] * own["articles"]).sum() / n) if n else None
        total = overall[direction].articles
        rows.append({
            "topic": labels[tp.key], "direction": direction, "articles": n,
            "share of direction's articles": n / total if total else None,
            "mean stance": mean,
            "vs direction overall": None if mean is None or overall[direction].mean_stance is None
            else mean - overall[direction].mean_stance,
            "articles, previous period": int(before["articles"].sum()),
        })
summary = pd.DataFrame(rows)
st.dataframe(summary, hide_index=True, key="topic-summary", column_config=column_labels(lang, summary.columns, {
    "share of direction's articles": st.column_config.NumberColumn(format="percent"),
    "mean stance": st.column_config.NumberColumn(format="%+.3f"),
    "vs direction overall": st.column_config.NumberColumn(format="%+.3f"),
}))
st.caption(t("topic_summary_caption", lang, us=signed(overall["us->mx"].mean_stance),
             mx=signed(overall["mx->us"].mean_stance), file=topics_file().name))
if series.empty:
    st.caption(t("no_topic_match", lang))
    st.stop()
series = series.assign(label=series["topic"].map(labels))
st.subheader(t("articles", lang))
st.altair_chart(charts.topic_chart(series, "articles", t("articles", lang), "", lang))
st.subheader(t("mean_stance", lang))
st.altair_chart(charts.topic_chart(series, "mean_stance", t("mean_stance", lang), "+.2f", lang))
st.caption(t("topic_lines_caption", lang))

chosen = st.selectbox(t("topic", lang), list(labels), format_func=labels.get, key="diplomacy_topic")
topic = next(tp for tp in view.topics if tp.key == chosen)
rows = cache.article_list(view.data_dir, view.snapshot_stamp,
                          replace(base, topic=topic.key, topic_pattern=topic.pattern), limit=100)
st.caption(t("topic_evidence_caption", lang, topic=labels[chosen], us=percent(overall["us->mx"].share_negative),
             mx=percent(overall["mx->us"].share_negative)))
evidence_table(view, rows, key="topic-evidence")
