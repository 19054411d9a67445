"""Two mirrors: U.S. media on Mexico beside Mexican media on the U.S., same measures, same axes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from espejo.dashboards import cache, charts
from espejo.dashboards.data import (
    DIRECTIONS,
    EVIDENCE_ROWS,
    Direction,
    DirectionSummary,
    summarize_direction,
)
from espejo.dashboards.view import View, current_view

STANCE_DEFINITION = (
    "stance = mean over an article's mentions of the other country of P(positive) − P(negative), "
    "from −1 (all negative) to +1 (all positive)"
)


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def show_headline(summary: DirectionSummary, model_version: str) -> None:
    articles, mentions = st.columns(2)
    articles.metric(
        "Articles",
        f"{summary.articles:,}",
        help="Relevant articles with at least one scored mention of the other country; "
        "a story republished by several outlets counts once.",
    )
    mentions.metric(
        "Scored mentions", f"{summary.mentions:,}", help="Mentions of the other country given a sentiment score."
    )
    stance, negative = st.columns(2)
    interval = (
        f"95% CI {_signed(summary.ci_low)} to {_signed(summary.ci_high)}"
        if summary.ci_low is not None
        else "95% CI needs ≥ 2 articles"
    )
    stance.metric(
        "Mean stance",
        _signed(summary.mean_stance),
        delta=interval,
        delta_color="off",
        delta_arrow="off",
        help=f"Mean of article stance; {STANCE_DEFINITION}. Interval: mean ± t·SD/√n over articles.",
    )
    negative.metric(
        "Share negative",
        _percent(summary.share_negative),
        help="Share of scored mentions whose most likely label is negative.",
    )
    period = (
        f"{summary.first_month:%b %Y} – {summary.last_month:%b %Y}"
        if summary.first_month is not None
        else "no months"
    )
    st.caption(f"{period} · n = {summary.articles:,} articles · model `{model_version}`")


def show_evidence(direction: Direction, view: View) -> None:
    rows = cache.evidence(view.data_dir, view.snapshot_stamp, view.model_version, direction.key)
    st.markdown("**Articles and the sentences behind their scores**")
    st.caption(
        f"The newest {EVIDENCE_ROWS} articles at most. Per article: its stance, and the sentence holding its most "
        "strongly scored mention of the other country, with the label and its probabilities "
        "(negative / neutral / positive)."
    )
    if rows.empty:
        st.caption("No scored articles.")
        return
    # The sentence first: it is the evidence; identifiers for tracing the score come after it.
    table = pd.DataFrame(
        {
            "date": rows["published"],
            "title": rows["title"],
            "sentence": rows["sentence"],
            "target as written": rows["target_as_written"],
            "stance": rows["stance"],
            "label": rows["label"],
            "P(neg / neu / pos)": [
                f"{n:.2f} / {u:.2f} / {p:.2f}"
                for n, u, p in zip(rows["p_negative"], rows["p_neutral"], rows["p_positive"], strict=True)
            ],
            "outlets": rows["outlets"].fillna(rows["outlet"]),
            "url": rows["url"],
            "model version": rows["model_version"],
            "run id": rows["run_id"],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "date": st.column_config.DateColumn(
                "date", format="YYYY-MM-DD", help="Publication date; empty when the page gave none."
            ),
            "stance": st.column_config.NumberColumn("stance", format="%+.2f", help=STANCE_DEFINITION),
            "sentence": st.column_config.TextColumn("sentence", width="large"),
            "url": st.column_config.LinkColumn("url"),
        },
    )


def show_mirror(
    direction: Direction, monthly: pd.DataFrame, frames: pd.DataFrame, axes: charts.SharedAxes, view: View
) -> None:
    own_months = monthly[monthly["direction"] == direction.key]
    own_frames = frames[frames["direction"] == direction.key]
    st.subheader(direction.title)
    show_headline(summarize_direction(monthly, direction.key), view.model_version)

    st.markdown("**Articles per month**")
    st.altair_chart(charts.volume_chart(own_months, direction.key, axes))
    st.caption(
        "Relevant articles with at least one scored mention, by publication month (fetch month when undated); "
        f"same scale as the other mirror. Model `{view.model_version}`."
    )

    st.markdown("**Mean stance per month**")
    st.altair_chart(charts.stance_chart(own_months, direction.key, axes))
    st.caption(
        f"{STANCE_DEFINITION}. Line: mean over the month's articles; band: 95% interval (t·SD/√n); "
        f"dashed line: 0 = neutral on balance. Model `{view.model_version}`."
    )

    st.markdown("**Frames**")
    if own_frames.empty:
        st.caption("No frame scores for this model version.")
    else:
        st.altair_chart(charts.frame_chart(own_frames, direction.key, axes))
        st.caption(
            "Share of the scored articles whose frame score reaches the threshold; an article can use several "
            f"frames, so shares need not add to 100%. Model `{view.model_version}`."
        )

    show_evidence(direction, view)


view = current_view()
monthly = cache.monthly_series(view.data_dir, view.snapshot_stamp, view.model_version)
frames = cache.frame_shares(view.data_dir, view.snapshot_stamp, view.model_version)

st.title("Two mirrors")
st.caption(
    "How U.S. news media portray Mexico (left) and how Mexican news media portray the United States (right): "
    "the same measures on the same axes, so each side is the comparison for the other."
)
if monthly.empty:
    st.info(f"No scored articles for model version `{view.model_version}`.", icon=":material/info:")
    st.stop()

axes = charts.shared_axes(monthly, frames)
for column, direction in zip(st.columns(2, gap="large"), DIRECTIONS, strict=True):
    with column:
        show_mirror(direction, monthly, frames, axes, view)
