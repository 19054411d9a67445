"""Altair charts for the dashboard. Plain functions of DataFrames, no Streamlit, so they can be tested.

One colour per direction throughout (Okabe–Ito, safe for colour-blind readers), and the two mirrors
share their axes, so a taller bar or lower line on one side means more or lower, not a different scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

DIRECTION_COLOURS = {
    "us->mx": "#0072B2",  # Okabe–Ito blue
    "mx->us": "#D55E00",  # Okabe–Ito vermillion
}

CHART_HEIGHT = 220


@dataclass(frozen=True)
class SharedAxes:
    """Axis ranges common to both mirrors."""

    months: tuple[pd.Timestamp, pd.Timestamp]
    max_articles: int
    stance: tuple[float, float]
    max_frame_share: float


def shared_axes(monthly: pd.DataFrame, frames: pd.DataFrame) -> SharedAxes:
    months = pd.to_datetime(monthly["month"])
    stance_values = pd.concat([monthly["mean_stance"], monthly["ci_low"], monthly["ci_high"]]).dropna()
    low = min(float(stance_values.min()), 0.0) if not stance_values.empty else -1.0
    high = max(float(stance_values.max()), 0.0) if not stance_values.empty else 1.0
    pad = max((high - low) * 0.1, 0.05)
    return SharedAxes(
        # Half a month of padding either side, so single-month bars are not clipped.
        months=(months.min() - pd.Timedelta(days=16), months.max() + pd.Timedelta(days=16)),
        max_articles=int(monthly["articles"].max()) if not monthly.empty else 1,
        stance=(max(low - pad, -1.0), min(high + pad, 1.0)),
        max_frame_share=float(frames["share"].max()) if not frames.empty else 1.0,
    )


def _month_axis(axes: SharedAxes) -> alt.X:
    return alt.X(
        "month:T",
        title="Month",
        scale=alt.Scale(domain=[axes.months[0].isoformat(), axes.months[1].isoformat()]),
        axis=alt.Axis(format="%b %Y", tickCount="month"),
    )


def volume_chart(monthly: pd.DataFrame, direction: str, axes: SharedAxes) -> alt.Chart:
    """Scored articles per month."""
    colour = DIRECTION_COLOURS[direction]
    return (
        alt.Chart(monthly)
        .mark_bar(color=colour, size=18)
        .encode(
            x=_month_axis(axes),
            y=alt.Y("articles:Q", title="Articles", scale=alt.Scale(domain=[0, axes.max_articles])),
            tooltip=[
                alt.Tooltip("month:T", title="Month", format="%B %Y"),
                alt.Tooltip("articles:Q", title="Articles"),
                alt.Tooltip("mentions:Q", title="Scored mentions"),
            ],
        )
        .properties(height=CHART_HEIGHT)
    )


def stance_chart(monthly: pd.DataFrame, direction: str, axes: SharedAxes) -> alt.LayerChart:
    """Monthly mean stance as a line, its 95% interval as a band, and zero as the reference."""
    colour = DIRECTION_COLOURS[direction]
    y_scale = alt.Scale(domain=list(axes.stance))
    base = alt.Chart(monthly).encode(x=_month_axis(axes))
    # The band joins consecutive months that have an interval; the rules also show isolated ones.
    band = base.mark_area(color=colour, opacity=0.2).encode(
        y=alt.Y("ci_low:Q", title="Mean stance", scale=y_scale),
        y2="ci_high:Q",
    )
    rules = base.mark_rule(color=colour, opacity=0.6, strokeWidth=2).encode(
        y=alt.Y("ci_low:Q", scale=y_scale),
        y2="ci_high:Q",
    )
    line = base.mark_line(color=colour, point=alt.OverlayMarkDef(color=colour, size=40)).encode(
        y=alt.Y("mean_stance:Q", title="Mean stance", scale=y_scale),
        tooltip=[
            alt.Tooltip("month:T", title="Month", format="%B %Y"),
            alt.Tooltip("mean_stance:Q", title="Mean stance", format="+.3f"),
            alt.Tooltip("ci_low:Q", title="95% interval from", format="+.3f"),
            alt.Tooltip("ci_high:Q", title="95% interval to", format="+.3f"),
            alt.Tooltip("stance_sd:Q", title="SD", format=".3f"),
            alt.Tooltip("articles:Q", title="Articles (n)"),
            alt.Tooltip("share_negative:Q", title="Share of mentions negative", format=".0%"),
        ],
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#888888", strokeDash=[4, 4]).encode(y="y:Q")
    return alt.layer(band, rules, zero, line).properties(height=CHART_HEIGHT)


def frame_chart(frames: pd.DataFrame, direction: str, axes: SharedAxes, top: int = 8) -> alt.Chart:
    """The direction's most used frames, as shares of its scored articles."""
    colour = DIRECTION_COLOURS[direction]
    top_frames = frames.nlargest(top, "share")
    return (
        alt.Chart(top_frames)
        .mark_bar(color=colour)
        .encode(
            x=alt.X(
                "share:Q",
                title="Share of scored articles",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, axes.max_frame_share]),
            ),
            y=alt.Y("frame:N", title=None, sort="-x"),
            tooltip=[
                alt.Tooltip("frame:N", title="Frame"),
                alt.Tooltip("articles:Q", title="Articles"),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
        # Streamlit fits the whole chart, axes included, into this height.
        .properties(height=28 * len(top_frames) + 70)
    )
