"""Altair charts for the dashboard. Plain functions of DataFrames, no Streamlit, so they can be tested.

One colour per direction throughout (Okabe–Ito, safe for colour-blind readers), and the two mirrors
share their axes, so a taller bar or lower line on one side means more or lower, not a different scale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import altair as alt
import pandas as pd

from espejo.dashboards.i18n import t

DIRECTION_COLOURS = {
    "us->mx": "#0072B2",  # Okabe–Ito blue
    "mx->us": "#D55E00",  # Okabe–Ito vermillion
}

CHART_HEIGHT = 220

# Vega's date formats (%b, %B, %A) in Spanish; numbers keep the default (Mexico writes 1,234.5 too).
TIME_LOCALES = {
    "es": {
        "dateTime": "%A, %e de %B de %Y, %X",
        "date": "%d/%m/%Y",
        "time": "%H:%M:%S",
        "periods": ["a. m.", "p. m."],
        "days": ["domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"],
        "shortDays": ["dom", "lun", "mar", "mié", "jue", "vie", "sáb"],
        "months": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
                   "octubre", "noviembre", "diciembre"],
        "shortMonths": ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"],
    },
}


# Frame labels: {frame key: (English label, Spanish label)}, the codebook's as the snapshot holds them
# (`View.frame_labels`); the pages hand them in, so charts never read the codebook themselves.
FrameLabels = Mapping[str, tuple[str, str]]


def frame_label(key: str, lang: str, labels: FrameLabels) -> str:
    """The codebook's label of a frame in `lang`; a key the codebook does not know is shown as it is."""
    en, es = labels.get(key, (key, key))
    return es if lang == "es" else en


def _labelled_frames(table: pd.DataFrame | None, lang: str, labels: FrameLabels | None) -> pd.DataFrame | None:
    if table is None or "frame" not in table.columns:
        return table
    return table.assign(frame=[frame_label(k, lang, labels or {}) if isinstance(k, str) else k
                               for k in table["frame"]])


def localised(chart, lang: str):
    """The chart with month and day names in `lang` (English, Vega's default, needs nothing)."""
    locale = TIME_LOCALES.get(lang)
    return chart.configure(locale={"time": locale}) if locale else chart


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


def _month_axis(axes: SharedAxes, lang: str = "en") -> alt.X:
    return alt.X(
        "month:T",
        title=t("chart.month", lang),
        scale=alt.Scale(domain=[axes.months[0].isoformat(), axes.months[1].isoformat()]),
        axis=alt.Axis(format="%b %Y", tickCount="month"),
    )


def volume_chart(monthly: pd.DataFrame, direction: str, axes: SharedAxes, lang: str = "en") -> alt.Chart:
    """Scored articles per month."""
    colour = DIRECTION_COLOURS[direction]
    chart = (
        alt.Chart(monthly)
        .mark_bar(color=colour, size=18)
        .encode(
            x=_month_axis(axes, lang),
            y=alt.Y("articles:Q", title=t("articles", lang), scale=alt.Scale(domain=[0, axes.max_articles])),
            tooltip=[
                alt.Tooltip("month:T", title=t("chart.month", lang), format="%B %Y"),
                alt.Tooltip("articles:Q", title=t("articles", lang)),
                alt.Tooltip("mentions:Q", title=t("scored_mentions", lang)),
            ],
        )
        .properties(height=CHART_HEIGHT)
    )
    return localised(chart, lang)


def stance_chart(monthly: pd.DataFrame, direction: str, axes: SharedAxes, lang: str = "en") -> alt.LayerChart:
    """Monthly mean stance as a line, its 95% interval as a band, and zero as the reference."""
    colour = DIRECTION_COLOURS[direction]
    y_scale = alt.Scale(domain=list(axes.stance))
    base = alt.Chart(monthly).encode(x=_month_axis(axes, lang))
    # The band joins consecutive months that have an interval; the rules also show isolated ones.
    band = base.mark_area(color=colour, opacity=0.2).encode(
        y=alt.Y("ci_low:Q", title=t("mean_stance", lang), scale=y_scale),
        y2="ci_high:Q",
    )
    rules = base.mark_rule(color=colour, opacity=0.6, strokeWidth=2).encode(
        y=alt.Y("ci_low:Q", scale=y_scale),
        y2="ci_high:Q",
    )
    line = base.mark_line(color=colour, point=alt.OverlayMarkDef(color=colour, size=40)).encode(
        y=alt.Y("mean_stance:Q", title=t("mean_stance", lang), scale=y_scale),
        tooltip=[
            alt.Tooltip("month:T", title=t("chart.month", lang), format="%B %Y"),
            alt.Tooltip("mean_stance:Q", title=t("mean_stance", lang), format="+.3f"),
            alt.Tooltip("ci_low:Q", title=t("chart.ci_from", lang), format="+.3f"),
            alt.Tooltip("ci_high:Q", title=t("chart.ci_to", lang), format="+.3f"),
            alt.Tooltip("stance_sd:Q", title=t("chart.sd", lang), format=".3f"),
            alt.Tooltip("articles:Q", title=t("chart.articles_n", lang)),
            alt.Tooltip("share_negative:Q", title=t("chart.share_mentions_negative", lang), format=".0%"),
        ],
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#888888", strokeDash=[4, 4]).encode(y="y:Q")
    return localised(alt.layer(band, rules, zero, line).properties(height=CHART_HEIGHT), lang)


def frame_chart(frames: pd.DataFrame, direction: str, axes: SharedAxes, top: int = 8,
                previous: pd.DataFrame | None = None, lang: str = "en",
                labels: FrameLabels | None = None) -> alt.Chart | alt.LayerChart:
    """The direction's most used frames, as shares of its scored articles; ticks: the previous period."""
    colour = DIRECTION_COLOURS[direction]
    frames, previous = _labelled_frames(frames, lang, labels), _labelled_frames(previous, lang, labels)
    top_frames = frames.nlargest(top, "share")
    domain_max = axes.max_frame_share
    if previous is not None and not previous.empty:
        previous = previous[previous["frame"].isin(top_frames["frame"])]
        domain_max = max(domain_max, float(previous["share"].max()) if not previous.empty else 0.0)
    x = alt.X("share:Q", title=t("chart.share_scored", lang), axis=alt.Axis(format="%"),
              scale=alt.Scale(domain=[0, domain_max]))
    order = list(top_frames["frame"])
    bars = (
        alt.Chart(top_frames)
        .mark_bar(color=colour)
        .encode(
            x=x,
            y=alt.Y("frame:N", title=None, sort=order),
            tooltip=[
                alt.Tooltip("frame:N", title=t("frame", lang)),
                alt.Tooltip("articles:Q", title=t("articles", lang)),
                alt.Tooltip("share:Q", title=t("chart.share", lang), format=".1%"),
            ],
        )
    )
    # Streamlit fits the whole chart, axes included, into this height.
    height = 28 * len(top_frames) + 70
    if previous is None or previous.empty:
        return localised(bars.properties(height=height), lang)
    ticks = (
        alt.Chart(previous)
        .mark_tick(color="black", thickness=2, size=18)
        .encode(
            x=x,
            y=alt.Y("frame:N", sort=order),
            tooltip=[alt.Tooltip("frame:N", title=t("frame", lang)),
                     alt.Tooltip("share:Q", title=t("chart.previous_share", lang), format=".1%"),
                     alt.Tooltip("articles:Q", title=t("chart.previous_articles", lang))],
        )
    )
    return localised(alt.layer(bars, ticks).properties(height=height), lang)


DIRECTION_SCALE = alt.Scale(domain=list(DIRECTION_COLOURS), range=list(DIRECTION_COLOURS.values()))


def direction_colour(title: str | None = None, lang: str = "en") -> alt.Color:
    """Colour by direction; the legend names the directions in `lang` (the data keep their keys)."""
    names = {d: t(d, lang) for d in DIRECTION_COLOURS}
    expr = " : ".join(f"datum.label == '{d}' ? '{name}'" for d, name in names.items()) + " : datum.label"
    return alt.Color("direction:N", scale=DIRECTION_SCALE, title=title or t("chart.direction", lang),
                     legend=alt.Legend(labelExpr=expr, labelLimit=260))


def _direction_tooltip(lang: str) -> alt.Tooltip:
    return alt.Tooltip("direction:N", title=t("chart.direction", lang))


def _period_tooltip(lang: str, title_key: str = "chart.period") -> alt.Tooltip:
    return alt.Tooltip("period:T", title=t(title_key, lang), format="%Y-%m-%d")


def trend_chart(series: pd.DataFrame, boot: pd.DataFrame, breaks: pd.DataFrame, time_format: str,
                lang: str = "en") -> alt.LayerChart:
    """Per direction: period means (points), bootstrap 95% band, rolling mean (line), change points (rules)."""
    x = alt.X("period:T", title=None, axis=alt.Axis(format=time_format))
    colour = direction_colour(lang=lang)
    articles = alt.Tooltip("articles:Q", title=t("articles", lang))
    mean = alt.Tooltip("mean_stance:Q", title=t("mean_stance", lang), format="+.3f")
    band = alt.Chart(boot).mark_area(opacity=0.18).encode(
        x=x, y=alt.Y("ci_low:Q", title=t("mean_stance", lang)), y2="ci_high:Q", color=colour,
        tooltip=[_period_tooltip(lang), _direction_tooltip(lang), articles, mean,
                 alt.Tooltip("ci_low:Q", title=t("chart.ci_from", lang), format="+.3f"),
                 alt.Tooltip("ci_high:Q", title=t("chart.ci_to", lang), format="+.3f"),
                 alt.Tooltip("method:N", title=t("chart.method", lang))],
    )
    points = alt.Chart(series).mark_circle(size=30, opacity=0.6).encode(
        x=x, y="mean_stance:Q", color=colour,
        tooltip=[_period_tooltip(lang), _direction_tooltip(lang), articles, mean],
    )
    line = alt.Chart(series).mark_line(strokeWidth=2.5).encode(
        x=x, y="rolling:Q", color=colour,
        tooltip=[_period_tooltip(lang), _direction_tooltip(lang),
                 alt.Tooltip("rolling:Q", title=t("chart.rolling_mean", lang), format="+.3f")],
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#888888", strokeDash=[4, 4]).encode(y="y:Q")
    layers = [band, points, line, zero]
    if not breaks.empty:
        layers.append(
            alt.Chart(breaks).mark_rule(strokeDash=[6, 3], strokeWidth=2).encode(
                x="period:T", color=colour,
                tooltip=[_period_tooltip(lang, "chart.change_point"), _direction_tooltip(lang),
                         alt.Tooltip("before:Q", title=t("chart.before", lang), format="+.3f"),
                         alt.Tooltip("after:Q", title=t("chart.after", lang), format="+.3f")],
            )
        )
    return localised(alt.layer(*layers).properties(height=300), lang)


def frame_lines(series: pd.DataFrame, breaks: pd.DataFrame, direction: str, time_format: str,
                max_share: float, lang: str = "en", labels: FrameLabels | None = None) -> alt.LayerChart:
    """Frame shares over time for one direction (one line per frame), with its change points."""
    series, breaks = _labelled_frames(series, lang, labels), _labelled_frames(breaks, lang, labels)
    x = alt.X("period:T", title=None, axis=alt.Axis(format=time_format))
    y = alt.Y("share:Q", title=t("chart.share_articles", lang), axis=alt.Axis(format="%"),
              scale=alt.Scale(domain=[0, max_share]))
    lines = alt.Chart(series).mark_line(point=True).encode(
        x=x, y=y,
        color=alt.Color("frame:N", scale=alt.Scale(scheme="tableau10"), title=t("frame", lang)),
        strokeDash=alt.StrokeDash("frame:N", legend=None),
        tooltip=[_period_tooltip(lang), alt.Tooltip("frame:N", title=t("frame", lang)),
                 alt.Tooltip("articles:Q", title=t("articles", lang)),
                 alt.Tooltip("share:Q", title=t("chart.share", lang), format=".1%"),
                 alt.Tooltip("period_articles:Q", title=t("chart.articles_in_period", lang))],
    )
    layers = [lines]
    if not breaks.empty:
        layers.append(alt.Chart(breaks).mark_rule(color=DIRECTION_COLOURS[direction], strokeDash=[6, 3]).encode(
            x="period:T", tooltip=[_period_tooltip(lang, "chart.change_point"),
                                   alt.Tooltip("frame:N", title=t("frame", lang)),
                                   alt.Tooltip("before:Q", title=t("chart.before", lang), format=".1%"),
                                   alt.Tooltip("after:Q", title=t("chart.after", lang), format=".1%")]))
    return localised(alt.layer(*layers).properties(height=260, title=t(direction, lang)), lang)


def _column_title(column: str, lang: str) -> str:
    return {"frame": t("frame", lang), "name": t("chart.outlet", lang), "outlet": t("chart.outlet", lang)}.get(
        column, column)


def heatmap(table: pd.DataFrame, x: str, y: str, value: str, title: str, lang: str = "en",
            labels: FrameLabels | None = None) -> alt.Chart:
    """A share heatmap (viridis: ordered, colour-blind safe) with the value printed in each cell."""
    table = _labelled_frames(table, lang, labels)
    base = alt.Chart(table).encode(x=alt.X(f"{x}:N", title=None), y=alt.Y(f"{y}:N", title=None))
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=title, scale=alt.Scale(scheme="viridis"), legend=alt.Legend(format="%")),
        tooltip=[alt.Tooltip(f"{x}:N", title=_column_title(x, lang)),
                 alt.Tooltip(f"{y}:N", title=_column_title(y, lang)),
                 alt.Tooltip(f"{value}:Q", title=title, format=".1%"),
                 alt.Tooltip("articles:Q", title=t("articles", lang))],
    )
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text(f"{value}:Q", format=".0%"),
        color=alt.condition(f"datum.{value} > 0.5", alt.value("black"), alt.value("white")),
    )
    return localised(alt.layer(cells, text).properties(height=max(22 * table[y].nunique() + 60, 160)), lang)


def confusion_chart(table: pd.DataFrame, title: str, lang: str = "en") -> alt.LayerChart:
    """Coders' majority label (rows) against the model's (columns): the number of items printed in each cell,
    so no colour legend is needed. Cells have a fixed size (draw it with width="content")."""
    order = list(dict.fromkeys(table["truth"]))
    base = alt.Chart(table).encode(
        x=alt.X("predicted:N", title=t("chart.model_label", lang), sort=order, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("truth:N", title=t("chart.coders_label", lang), sort=order),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("items:Q", title=t("chart.items", lang), scale=alt.Scale(scheme="blues"), legend=None),
        tooltip=[alt.Tooltip("truth:N", title=t("chart.coders_label", lang)),
                 alt.Tooltip("predicted:N", title=t("chart.model_label", lang)),
                 alt.Tooltip("items:Q", title=t("chart.items", lang))],
    )
    half = max(int(table["items"].max()), 1) / 2
    text = base.mark_text(fontSize=14).encode(
        text=alt.Text("items:Q"),
        color=alt.condition(f"datum.items > {half}", alt.value("white"), alt.value("black")),
    )
    chart = alt.layer(cells, text).properties(width=alt.Step(76), height=alt.Step(44), title=title)
    return localised(chart, lang)


def outlet_bars(table: pd.DataFrame, value: str, title: str, fmt: str = "", interval: bool = False,
                lang: str = "en") -> alt.LayerChart:
    """One bar (or point with 95% interval) per outlet, coloured by direction."""
    y = alt.Y("name:N", title=None, sort=alt.EncodingSortField(field=value, order="descending"))
    colour = direction_colour(lang=lang)
    tooltip = [alt.Tooltip("name:N", title=t("chart.outlet", lang)), _direction_tooltip(lang),
               alt.Tooltip("articles:Q", title=t("articles", lang)), alt.Tooltip(f"{value}:Q", title=title, format=fmt)]
    if not interval:
        chart = alt.Chart(table).mark_bar().encode(x=alt.X(f"{value}:Q", title=title), y=y, color=colour,
                                                   tooltip=tooltip)
        return localised(alt.layer(chart).properties(height=24 * len(table) + 60), lang)
    rules = alt.Chart(table).mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title=title), x2="ci_high:Q", y=y, color=colour)
    points = alt.Chart(table).mark_point(filled=True, size=70).encode(
        x=f"{value}:Q", y=y, color=colour,
        tooltip=[*tooltip, alt.Tooltip("ci_low:Q", title=t("chart.ci_from", lang), format="+.3f"),
                 alt.Tooltip("ci_high:Q", title=t("chart.ci_to", lang), format="+.3f")])
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#888888", strokeDash=[4, 4]).encode(x="x:Q")
    return localised(alt.layer(rules, points, zero).properties(height=24 * len(table) + 60), lang)


def topic_chart(table: pd.DataFrame, value: str, title: str, fmt: str, lang: str = "en") -> alt.Chart:
    """Small multiples: one panel per topic, one line per direction."""
    return localised(
        alt.Chart(table).mark_line(point=True).encode(
            x=alt.X("period:T", title=None, axis=alt.Axis(format="%b %Y")),
            y=alt.Y(f"{value}:Q", title=title, axis=alt.Axis(format=fmt) if fmt else alt.Axis()),
            color=direction_colour(lang=lang),
            tooltip=[alt.Tooltip("label:N", title=t("topic", lang)), _direction_tooltip(lang),
                     alt.Tooltip("period:T", title=t("chart.month", lang), format="%Y-%m"),
                     alt.Tooltip("articles:Q", title=t("articles", lang)),
                     alt.Tooltip(f"{value}:Q", title=title, format=fmt or ".3f")],
        )
        .properties(height=140, width=260)
        .facet(facet=alt.Facet("label:N", title=None), columns=3),
        lang,
    )


def opinion_chart(table: pd.DataFrame, lang: str = "en") -> alt.Chart:
    """Survey reference points: percent favourable, by survey year, coloured by the direction they mirror."""
    return localised(alt.Chart(table).mark_line(point=alt.OverlayMarkDef(size=80)).encode(
        x=alt.X("year:O", title=t("chart.survey_year", lang)),
        y=alt.Y("percent:Q", title=t("chart.percent_public", lang), scale=alt.Scale(domain=[0, 100])),
        color=direction_colour(t("chart.mirrors_direction", lang), lang),
        strokeDash=alt.StrokeDash("measure:N", title=t("chart.measure", lang)),
        tooltip=[alt.Tooltip(f"{c}:{kind}", title=t(f"chart.{c}", lang))
                 for c, kind in (("population", "N"), ("view_of", "N"), ("measure", "N"), ("percent", "Q"),
                                 ("year", "O"), ("year_note", "N"), ("wording", "N"), ("source", "N"))],
    ).properties(height=280), lang)


def story_timeline(timeline: pd.DataFrame, lang: str = "en") -> alt.LayerChart:
    """A story's articles per day, one bar segment per country's media (the direction colours)."""
    days = pd.to_datetime(timeline["day"])
    # Half a day of padding either side, so a one-day story's bar is not cut in half.
    domain = [(days.min() - pd.Timedelta(hours=12)).isoformat(), (days.max() + pd.Timedelta(hours=12)).isoformat()]
    bars = alt.Chart(timeline).mark_bar(size=14).encode(
        x=alt.X("day:T", title=t("chart.day", lang), scale=alt.Scale(domain=domain),
                axis=alt.Axis(format="%d %b", tickCount="day")),
        y=alt.Y("articles:Q", title=t("articles", lang), axis=alt.Axis(tickMinStep=1)),
        color=direction_colour(lang=lang),
        tooltip=[alt.Tooltip("day:T", title=t("chart.day", lang), format="%Y-%m-%d"), _direction_tooltip(lang),
                 alt.Tooltip("articles:Q", title=t("articles", lang))],
    )
    return localised(alt.layer(bars).properties(height=180), lang)


def story_outlets(outlets: pd.DataFrame, direction: str, max_articles: int, lang: str = "en") -> alt.LayerChart:
    """Articles of one side of a story per outlet (every outlet that ran one counts); both sides share the scale."""
    chart = alt.Chart(outlets).mark_bar(color=DIRECTION_COLOURS[direction]).encode(
        x=alt.X("articles:Q", title=t("articles", lang), scale=alt.Scale(domain=[0, max(max_articles, 1)]),
                axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("name:N", title=None, sort=list(outlets["name"])),
        tooltip=[alt.Tooltip("name:N", title=t("chart.outlet", lang)),
                 alt.Tooltip("articles:Q", title=t("articles", lang))],
    )
    # A fixed band per outlet: a height for the whole chart would squeeze one or two bars under their axis.
    return localised(alt.layer(chart).properties(height=alt.Step(26)), lang)


def story_frames(frames: pd.DataFrame, direction: str, lang: str = "en",
                 labels: FrameLabels | None = None) -> alt.LayerChart:
    """The frames one side of a story leads with, as shares of that side's scored articles."""
    frames = _labelled_frames(frames, lang, labels)
    chart = alt.Chart(frames).mark_bar(color=DIRECTION_COLOURS[direction]).encode(
        x=alt.X("share:Q", title=t("chart.share_scored", lang), axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("frame:N", title=None, sort=list(frames["frame"])),
        tooltip=[alt.Tooltip("frame:N", title=t("frame", lang)),
                 alt.Tooltip("articles:Q", title=t("articles", lang)),
                 alt.Tooltip("share:Q", title=t("chart.share", lang), format=".0%")],
    )
    return localised(alt.layer(chart).properties(height=alt.Step(26)), lang)
