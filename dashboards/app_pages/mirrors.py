"""Two mirrors: U.S. media on Mexico beside Mexican media on the U.S., same measures, same axes, and
each figure against the period of equal length just before the chosen one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from espejo.dashboards import cache, charts
from espejo.dashboards.data import DIRECTIONS, EVIDENCE_ROWS, Direction, DirectionSummary
from espejo.dashboards.i18n import t
from espejo.dashboards.ui import STANCE_DEFINITION, evidence_table, filters_caption, percent, signed
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
        help="Relevant articles with at least one scored mention of the other country; "
        "a story republished by several outlets counts once.",
    )
    mentions.metric(
        t("scored_mentions", lang), f"{summary.mentions:,}",
        delta=f"{summary.mentions - previous.mentions:+,} {t('vs_previous', lang)}", delta_color="off",
        help="Mentions of the other country given a sentiment score.",
    )
    stance, negative = st.columns(2)
    stance.metric(
        t("mean_stance", lang), signed(summary.mean_stance),
        delta=_delta(summary.mean_stance, previous.mean_stance, "+.2f"), delta_color="off",
        help=f"Mean of article stance; {STANCE_DEFINITION}. Interval: mean ± t·SD/√n over articles.",
    )
    negative.metric(
        t("share_negative", lang), percent(summary.share_negative),
        delta=_delta(summary.share_negative, previous.share_negative, "+.0%"), delta_color="off",
        help="Share of scored mentions whose most likely label is negative.",
    )
    interval = (
        f"95% CI {signed(summary.ci_low)} to {signed(summary.ci_high)}"
        if summary.ci_low is not None else "95% CI needs ≥ 2 articles"
    )
    prev = view.filters.previous()
    st.caption(
        f"Mean stance {interval} · n = {summary.articles:,} articles · model `{view.model_version}`. "
        f"{t('previous_period', lang)} ({prev.date_from:%Y-%m-%d} – {prev.date_to:%Y-%m-%d}): "
        f"n = {previous.articles:,}, mean stance {signed(previous.mean_stance)}, "
        f"share negative {percent(previous.share_negative)}."
    )


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
    st.altair_chart(charts.volume_chart(own, direction.key, axes))
    st.caption(
        "Relevant articles with at least one scored mention, by publication month (fetch month when undated); "
        f"same scale as the other mirror. Model `{view.model_version}`."
    )

    st.markdown(f"**{t('mean_stance', view.lang)} / {t('month', view.lang).lower()}**")
    st.altair_chart(charts.stance_chart(own, direction.key, axes))
    st.caption(
        f"{STANCE_DEFINITION}. Line: mean over the month's articles; band: 95% interval (t·SD/√n); "
        f"dashed line: 0 = neutral on balance. Model `{view.model_version}`."
    )

    st.markdown(f"**{t('leading_frames', view.lang)}**")
    if own_frames.empty:
        st.caption("No frame scores for this model version.")
    else:
        own_prev = prev_frames[prev_frames["direction"] == direction.key]
        st.altair_chart(charts.frame_chart(own_frames, direction.key, axes, previous=own_prev))
        st.caption(
            "Bars: share of the period's scored articles leading with the frame (score over the threshold and "
            "among the article's top frames; an article can lead with several, so shares need not add to 100%). "
            f"Black ticks: the previous period. Model `{view.model_version}`."
        )

    st.markdown(f"**{t('evidence', view.lang)}**")
    st.caption(
        f"The newest {EVIDENCE_ROWS} articles at most. Per article: its stance, and the sentence holding its most "
        "strongly scored mention of the other country, with the label and its probabilities "
        "(negative / neutral / positive); *open* shows every sentence in the article explorer."
    )
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
st.caption(
    "How U.S. news media portray Mexico (left) and how Mexican news media portray the United States (right): "
    "the same measures on the same axes, so each side is the comparison for the other, and each figure is "
    "compared with the period of equal length just before. " + filters_caption(view)
)
if series.empty:
    st.info(f"No scored articles for model version `{view.model_version}` with these filters. "
            + t("no_match", view.lang), icon=":material/info:")
    st.stop()

axes = charts.shared_axes(series, frames)
for column, direction in zip(st.columns(2, gap="large"), DIRECTIONS, strict=True):
    with column:
        show_mirror(direction, series, frames, prev_frames, axes, view)
