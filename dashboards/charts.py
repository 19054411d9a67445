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


def frame_chart(frames: pd.DataFrame, direction: str, axes: SharedAxes, top: int = 8,
                previous: pd.DataFrame | None = None) -> alt.Chart | alt.LayerChart:
    """The direction's most used frames, as shares of its scored articles; ticks: the previous period."""
    colour = DIRECTION_COLOURS[direction]
    top_frames = frames.nlargest(top, "share")
    domain_max = axes.max_frame_share
    if previous is not None and not previous.empty:
        previous = previous[previous["frame"].isin(top_frames["frame"])]
        domain_max = max(domain_max, float(previous["share"].max()) if not previous.empty else 0.0)
    x = alt.X("share:Q", title="Share of scored articles", axis=alt.Axis(format="%"),
              scale=alt.Scale(domain=[0, domain_max]))
    order = list(top_frames["frame"])
    bars = (
        alt.Chart(top_frames)
        .mark_bar(color=colour)
        .encode(
            x=x,
            y=alt.Y("frame:N", title=None, sort=order),
            tooltip=[
                alt.Tooltip("frame:N", title="Frame"),
                alt.Tooltip("articles:Q", title="Articles"),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
    )
    # Streamlit fits the whole chart, axes included, into this height.
    height = 28 * len(top_frames) + 70
    if previous is None or previous.empty:
        return bars.properties(height=height)
    ticks = (
        alt.Chart(previous)
        .mark_tick(color="black", thickness=2, size=18)
        .encode(
            x=x,
            y=alt.Y("frame:N", sort=order),
            tooltip=[alt.Tooltip("frame:N", title="Frame"),
                     alt.Tooltip("share:Q", title="Previous period share", format=".1%"),
                     alt.Tooltip("articles:Q", title="Previous period articles")],
        )
    )
    return alt.layer(bars, ticks).properties(height=height)


DIRECTION_SCALE = alt.Scale(domain=list(DIRECTION_COLOURS), range=list(DIRECTION_COLOURS.values()))


def direction_colour(title: str = "Direction") -> alt.Color:
    return alt.Color("direction:N", scale=DIRECTION_SCALE, title=title)


def trend_chart(series: pd.DataFrame, boot: pd.DataFrame, breaks: pd.DataFrame, time_format: str) -> alt.LayerChart:
    """Per direction: period means (points), bootstrap 95% band, rolling mean (line), change points (rules)."""
    x = alt.X("period:T", title=None, axis=alt.Axis(format=time_format))
    band = alt.Chart(boot).mark_area(opacity=0.18).encode(
        x=x, y=alt.Y("ci_low:Q", title="Mean stance"), y2="ci_high:Q", color=direction_colour(),
        tooltip=[alt.Tooltip("period:T", format="%Y-%m-%d"), "direction:N", "articles:Q",
                 alt.Tooltip("mean_stance:Q", format="+.3f"), alt.Tooltip("ci_low:Q", format="+.3f"),
                 alt.Tooltip("ci_high:Q", format="+.3f"), "method:N"],
    )
    points = alt.Chart(series).mark_circle(size=30, opacity=0.6).encode(
        x=x, y="mean_stance:Q", color=direction_colour(),
        tooltip=[alt.Tooltip("period:T", format="%Y-%m-%d"), "direction:N", "articles:Q",
                 alt.Tooltip("mean_stance:Q", format="+.3f")],
    )
    line = alt.Chart(series).mark_line(strokeWidth=2.5).encode(
        x=x, y="rolling:Q", color=direction_colour(),
        tooltip=[alt.Tooltip("period:T", format="%Y-%m-%d"), "direction:N",
                 alt.Tooltip("rolling:Q", title="Rolling mean", format="+.3f")],
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#888888", strokeDash=[4, 4]).encode(y="y:Q")
    layers = [band, points, line, zero]
    if not breaks.empty:
        layers.append(
            alt.Chart(breaks).mark_rule(strokeDash=[6, 3], strokeWidth=2).encode(
                x="period:T", color=direction_colour(),
                tooltip=[alt.Tooltip("period:T", title="Change point", format="%Y-%m-%d"), "direction:N",
                         alt.Tooltip("before:Q", format="+.3f"), alt.Tooltip("after:Q", format="+.3f")],
            )
        )
    return alt.layer(*layers).properties(height=300)


def frame_lines(series: pd.DataFrame, breaks: pd.DataFrame, direction: str, time_format: str,
                max_share: float) -> alt.LayerChart:
    """Frame shares over time for one direction (one line per frame), with its change points."""
    x = alt.X("period:T", title=None, axis=alt.Axis(format=time_format))
    y = alt.Y("share:Q", title="Share of articles", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, max_share]))
    lines = alt.Chart(series).mark_line(point=True).encode(
        x=x, y=y,
        color=alt.Color("frame:N", scale=alt.Scale(scheme="tableau10"), title="Frame"),
        strokeDash=alt.StrokeDash("frame:N", legend=None),
        tooltip=[alt.Tooltip("period:T", format="%Y-%m-%d"), "frame:N", "articles:Q",
                 alt.Tooltip("share:Q", format=".1%"), alt.Tooltip("period_articles:Q", title="Articles in period")],
    )
    layers = [lines]
    if not breaks.empty:
        layers.append(alt.Chart(breaks).mark_rule(color=DIRECTION_COLOURS[direction], strokeDash=[6, 3]).encode(
            x="period:T", tooltip=[alt.Tooltip("period:T", title="Change point", format="%Y-%m-%d"), "frame:N",
                                   alt.Tooltip("before:Q", format=".1%"), alt.Tooltip("after:Q", format=".1%")]))
    return alt.layer(*layers).properties(height=260, title=direction)


def heatmap(table: pd.DataFrame, x: str, y: str, value: str, title: str) -> alt.Chart:
    """A share heatmap (viridis: ordered, colour-blind safe) with the value printed in each cell."""
    base = alt.Chart(table).encode(x=alt.X(f"{x}:N", title=None), y=alt.Y(f"{y}:N", title=None))
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=title, scale=alt.Scale(scheme="viridis"), legend=alt.Legend(format="%")),
        tooltip=[f"{x}:N", f"{y}:N", alt.Tooltip(f"{value}:Q", format=".1%"), "articles:Q"],
    )
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text(f"{value}:Q", format=".0%"),
        color=alt.condition(f"datum.{value} > 0.5", alt.value("black"), alt.value("white")),
    )
    return alt.layer(cells, text).properties(height=max(22 * table[y].nunique() + 60, 160))


def outlet_bars(table: pd.DataFrame, value: str, title: str, fmt: str = "", interval: bool = False) -> alt.LayerChart:
    """One bar (or point with 95% interval) per outlet, coloured by direction."""
    y = alt.Y("name:N", title=None, sort=alt.EncodingSortField(field=value, order="descending"))
    tooltip = ["name:N", "direction:N", "articles:Q", alt.Tooltip(f"{value}:Q", format=fmt)]
    if not interval:
        chart = alt.Chart(table).mark_bar().encode(x=alt.X(f"{value}:Q", title=title), y=y, color=direction_colour(),
                                                   tooltip=tooltip)
        return alt.layer(chart).properties(height=24 * len(table) + 60)
    rules = alt.Chart(table).mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title=title), x2="ci_high:Q", y=y, color=direction_colour())
    points = alt.Chart(table).mark_point(filled=True, size=70).encode(
        x=f"{value}:Q", y=y, color=direction_colour(),
        tooltip=[*tooltip, alt.Tooltip("ci_low:Q", format="+.3f"), alt.Tooltip("ci_high:Q", format="+.3f")])
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#888888", strokeDash=[4, 4]).encode(x="x:Q")
    return alt.layer(rules, points, zero).properties(height=24 * len(table) + 60)


def topic_chart(table: pd.DataFrame, value: str, title: str, fmt: str) -> alt.Chart:
    """Small multiples: one panel per topic, one line per direction."""
    return (
        alt.Chart(table).mark_line(point=True).encode(
            x=alt.X("period:T", title=None, axis=alt.Axis(format="%b %Y")),
            y=alt.Y(f"{value}:Q", title=title, axis=alt.Axis(format=fmt) if fmt else alt.Axis()),
            color=direction_colour(),
            tooltip=["label:N", "direction:N", alt.Tooltip("period:T", format="%Y-%m-%d"), "articles:Q",
                     alt.Tooltip(f"{value}:Q", format=fmt or ".3f")],
        )
        .properties(height=140, width=260)
        .facet(facet=alt.Facet("label:N", title=None), columns=3)
    )


def opinion_chart(table: pd.DataFrame) -> alt.Chart:
    """Survey reference points: percent favourable, by survey year, coloured by the direction they mirror."""
    return alt.Chart(table).mark_line(point=alt.OverlayMarkDef(size=80)).encode(
        x=alt.X("year:O", title="Survey year"),
        y=alt.Y("percent:Q", title="% of the public (survey)", scale=alt.Scale(domain=[0, 100])),
        color=direction_colour("Mirrors the direction"),
        strokeDash=alt.StrokeDash("measure:N", title="Measure"),
        tooltip=["population:N", "view_of:N", "measure:N", "percent:Q", "year:O", "year_note:N", "wording:N",
                 "source:N"],
    ).properties(height=280)
