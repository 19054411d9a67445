"""Two mirrors: U.S. media on Mexico beside Mexican media on the U.S., same measures, same axes, and
each figure against the period of equal length just before the chosen one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from espejo.dashboards import cache, charts
from espejo.dashboards.data import DIRECTIONS, EVIDENCE_ROWS, Direction, DirectionSummary
from espejo.dashboards.i18n import t
from espejo.dashboards.ui import evidence_table, filters_caption, percent, quality_line, signed, stance_definition
from espejo.dashboards.view import View, current_view


def _delta(now: float | None, before: float | None, fmt: str) -> str | None:
    if now is None or before is None:
        return None
    return f"{now - before:{fmt}} {t('vs_previous', view.lang)}"


def show_headline(summary: DirectionSummary, previous: DirectionSummary, view: View) -> None:
    lang = view.lang
    articles, mentions = st.columns(2)
    articles.metric(
        t("articles", lang), f"{summary.articles:,}",
        delta=f"{summary.articles - previous.articles:+,} {t('vs_previous', lang)}",
        delta_color="off",
        help=t("articles_help", lang),
    )
    mentions.metric(
        t("scored_mentions", lang), f"{summary.mentions:,}",
        delta=f"{summary.mentions - previous.mentions:+,} {t('vs_previous', lang)}", delta_color="off",
        help=t("mentions_help", lang),
    )
    stance, negative = st.columns(2)
    stance.metric(
        t("mean_stance", lang), signed(summary.mean_stance),
        delta=_delta(summary.mean_stance, previous.mean_stance, "+.2f"), delta_color="off",
        help=t("mean_stance_help", lang, definition=stance_definition(lang)),
    )
    negative.metric(
        t("share_negative", lang), percent(summary.share_negative),
        delta=_delta(summary.share_negative, previous.share_negative, "+.0%"), delta_color="off",
        help=t("share_negative_help", lang),
    )
    interval = (
        t("ci_range", lang, low=signed(summary.ci_low), high=signed(summary.ci_high))
        if summary.ci_low is not None else t("ci_needs_two", lang)
    )
    prev = view.filters.previous()
    st.caption(t(
        "headline_caption", lang, interval=interval, n=f"{summary.articles:,}", model=view.model_version,
        previous_period=t("previous_period", lang), prev_from=f"{prev.date_from:%Y-%m-%d}",
        prev_to=f"{prev.date_to:%Y-%m-%d}", prev_n=f"{previous.articles:,}", prev_mean=signed(previous.mean_stance),
        prev_negative=percent(previous.share_negative),
    ))


def show_mirror(direction: Direction, series: pd.DataFrame, frames: pd.DataFrame, prev_frames: pd.DataFrame,
                axes: charts.SharedAxes, view: View) -> None:
    own = series[series["direction"] == direction.key]
    own_frames = frames[frames["direction"] == direction.key]
    st.subheader(t(direction.key, view.lang))
    show_headline(summaries[direction.key], previous[direction.key], view)
    if own.empty:
        st.info(t("no_match", view.lang), icon=":material/filter_alt_off:")
        return

    st.markdown(f"**{t('articles', view.lang)} / {t('month', view.lang).lower()}**")
    st.altair_chart(charts.volume_chart(own, direction.key, axes, view.lang))
    st.caption(t("volume_caption", view.lang, model=view.model_version))

    st.markdown(f"**{t('mean_stance', view.lang)} / {t('month', view.lang).lower()}**")
    st.altair_chart(charts.stance_chart(own, direction.key, axes, view.lang))
    st.caption(t("stance_caption", view.lang, definition=stance_definition(view.lang), model=view.model_version))

    st.markdown(f"**{t('leading_frames', view.lang)}**")
    if own_frames.empty:
        st.caption(t("no_frame_scores_model", view.lang))
    else:
        own_prev = prev_frames[prev_frames["direction"] == direction.key]
        st.altair_chart(charts.frame_chart(own_frames, direction.key, axes, previous=own_prev, lang=view.lang,
                                            labels=view.frame_labels))
        st.caption(t("frame_bars_caption", view.lang, model=view.model_version))

    st.markdown(f"**{t('evidence', view.lang)}**")
    st.caption(t("evidence_caption", view.lang, n=EVIDENCE_ROWS))
    rows = cache.article_list(view.data_dir, view.snapshot_stamp, view.filters, direction=direction.key)
    evidence_table(view, rows, key=f"evidence-{direction.key}")


view = current_view()
filters = view.filters
summaries = cache.direction_summaries(view.data_dir, view.snapshot_stamp, filters)
previous = cache.direction_summaries(view.data_dir, view.snapshot_stamp, filters.previous())
series = cache.period_series(view.data_dir, view.snapshot_stamp, filters, "month").rename(columns={"period": "month"})
frames = cache.leading_frames(view.data_dir, view.snapshot_stamp, filters)
prev_frames = cache.leading_frames(view.data_dir, view.snapshot_stamp, filters.previous())

st.title(t("page.mirrors", view.lang))
st.caption(t("mirrors_intro", view.lang) + " " + filters_caption(view))
# How far the stance figures below can be trusted: the on-screen model version's measured quality on real news.
st.caption(quality_line(cache.model_quality(view.model_version), view.lang))
if series.empty:
    st.info(t("no_scored_for_model", view.lang, model=view.model_version) + " " + t("no_match", view.lang),
            icon=":material/info:")
    st.stop()

axes = charts.shared_axes(series, frames)
for column, direction in zip(st.columns(2, gap="large"), DIRECTIONS, strict=True):
    with column:
        show_mirror(direction, series, frames, prev_frames, axes, view)
