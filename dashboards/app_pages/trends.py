"""Trends and narrative shifts: mean stance over time with rolling means and bootstrap intervals, change
points per direction (stance) and per direction × frame (frame share), the articles behind each change,
and the vocabulary that sets each direction (or each period) apart."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pandas as pd
import streamlit as st

from espejo.dashboards import analysis, cache, charts
from espejo.dashboards.i18n import t
from espejo.dashboards.ui import column_labels, evidence_table, filters_caption, no_match
from espejo.dashboards.view import current_view

GRAINS = {"day": ("D", "%b %d", 7), "week": ("W", "%d %b %Y", 4), "month": ("M", "%b %Y", 3)}

view = current_view()
lang = view.lang
st.title(t("page.trends", lang))
st.caption(filters_caption(view))

grain = st.segmented_control(t("grain", lang), list(GRAINS), default="week", key="trend_grain",
                             format_func=lambda g: t(g, lang), required=True) or "week"
pandas_grain, time_format, window = GRAINS[grain]
series = cache.period_series(view.data_dir, view.snapshot_stamp, view.filters, grain)
if series.empty:
    no_match(view)
    st.stop()
series = series.copy()
series["period"] = pd.to_datetime(series["period"])
series["rolling"] = analysis.rolling_mean(series, "mean_stance", window)
stances = cache.article_stances(view.data_dir, view.snapshot_stamp, view.filters)
boot = analysis.bootstrap_series(stances, pandas_grain)
if not boot.empty:
    boot["period"] = pd.to_datetime(boot["period"])
    # date_trunc('week') starts on Monday, as pandas' weekly periods do.
stance_breaks = analysis.series_change_points(series, "mean_stance", ["direction"])

st.subheader(t("mean_stance", lang))
st.altair_chart(charts.trend_chart(series, boot, stance_breaks, time_format, lang))
st.caption(t("trend_caption", lang, grain=t(grain, lang).lower(), window=window,
             resamples=f"{analysis.BOOTSTRAP_RESAMPLES:,}", model=view.model_version))

frames = cache.frame_series(view.data_dir, view.snapshot_stamp, view.filters, "week" if grain == "day" else grain)
frames = analysis.complete_frame_series(frames, series if grain != "day" else None)
frame_breaks = analysis.series_change_points(frames, "share", ["direction", "frame"]) if not frames.empty else \
    pd.DataFrame(columns=["direction", "frame", "period", "segment_end", "before", "after"])

st.subheader(t("change_points", lang))
rows = []
for _, b in stance_breaks.iterrows():
    rows.append({"direction": b["direction"], "series": "mean stance", "frame": None, "from": b["period"],
                 "to": b["segment_end"], "before": b["before"], "after": b["after"]})
for _, b in frame_breaks.iterrows():
    rows.append({"direction": b["direction"], "series": "frame share", "frame": b["frame"], "from": b["period"],
                 "to": b["segment_end"], "before": b["before"], "after": b["after"]})
changes = pd.DataFrame(rows, columns=["direction", "series", "frame", "from", "to", "before", "after"])
if changes.empty:
    st.caption(t("no_change_points", lang))
else:
    changes = changes.sort_values(["from", "direction"], ignore_index=True)
    series_names = {"mean stance": t("series.mean_stance", lang), "frame share": t("series.frame_share", lang)}
    st.dataframe(changes.assign(series=changes["series"].map(series_names)), hide_index=True, key="change-table",
                 column_config=column_labels(lang, changes.columns, {
                     "from": st.column_config.DateColumn(format="YYYY-MM-DD"),
                     "to": st.column_config.DateColumn(format="YYYY-MM-DD"),
                     "before": st.column_config.NumberColumn(format="%+.3f"),
                     "after": st.column_config.NumberColumn(format="%+.3f")}))
    # Stance change points have no frame (None, or NaN once pandas has seen the column).
    labels = [f"{t(r.direction, lang)} · {series_names[r.series]}"
              f"{' · ' + charts.frame_label(r.frame, lang, view.frame_labels) if isinstance(r.frame, str) else ''}"
              f" · {pd.Timestamp(r['from']):%Y-%m-%d}"
              for _, r in changes.iterrows()]
    choice = st.selectbox(t("articles_behind_change", lang), range(len(labels)), format_func=labels.__getitem__,
                          key="change_choice")
    chosen = changes.iloc[choice]
    start = pd.Timestamp(chosen["from"]).date()
    end = max(pd.Timestamp(chosen["to"]).date(), start) + timedelta(days=6 if grain == "week" else 0)
    if grain == "month":
        end = (pd.Timestamp(chosen["to"]) + pd.offsets.MonthEnd(0)).date()
    rising = chosen["after"] > chosen["before"]
    if chosen["series"] == "mean stance":
        order = "most_positive" if rising else "most_negative"
        why = t("why_stance_positive" if rising else "why_stance_negative", lang,
                before=f"{chosen['before']:+.3f}", after=f"{chosen['after']:+.3f}")
        drivers = cache.article_list(view.data_dir, view.snapshot_stamp, view.filters, direction=chosen["direction"],
                                     date_from=start, date_to=end, order=order, limit=50)
    else:
        why = t("why_frame", lang, frame=chosen["frame"], before=f"{chosen['before']:.0%}",
                after=f"{chosen['after']:.0%}")
        drivers = cache.article_list(view.data_dir, view.snapshot_stamp, view.filters, direction=chosen["direction"],
                                     date_from=start, date_to=end, frame=chosen["frame"], order="newest", limit=50)
    st.caption(t("drivers_caption", lang, start=f"{start:%Y-%m-%d}", end=f"{end:%Y-%m-%d}", why=why))
    evidence_table(view, drivers, key="drivers")

with st.expander(t("frame_shares_expander", lang), expanded=False):
    if frames.empty:
        st.caption(t("no_frame_scores", lang))
    for direction in ("us->mx", "mx->us"):
        own = frames[frames["direction"] == direction]
        if own.empty:
            continue
        top = own.groupby("frame")["articles"].sum().nlargest(6).index
        own = own[own["frame"].isin(top)]
        st.altair_chart(charts.frame_lines(own, frame_breaks[(frame_breaks["direction"] == direction)
                                                               & frame_breaks["frame"].isin(top)],
                                           direction, time_format, float(frames["share"].max() or 1.0), lang,
                                           view.frame_labels))

st.subheader(t("vocabulary", lang))
st.caption(t("vocabulary_caption", lang))
vocab_lang = st.segmented_control(t("vocab_language", lang), ["en", "es", "all"], default="es",
                                  format_func=lambda code: t(f"lang.{code}", lang),
                                  key="vocab_lang", required=True) or "es"
vocab_filters = view.filters if vocab_lang == "all" else \
    replace(view.filters, languages=(vocab_lang,))


def show_distinctive_words(scores, first: tuple[str, str], second: tuple[str, str], top: int = 20) -> None:
    """Two columns: the words most distinctive of the first group, then of the second (z flipped to read positive)."""
    left, right = st.columns(2)
    left.markdown(f"**{first[0]}**")
    left.dataframe(scores.head(top), hide_index=True, key=first[1],
                   column_config=column_labels(lang, scores.columns))
    right.markdown(f"**{second[0]}**")
    right.dataframe(scores.tail(top).iloc[::-1].assign(z=lambda d: -d["z"], delta=lambda d: -d["delta"]),
                    hide_index=True, key=second[1], column_config=column_labels(lang, scores.columns))


tab_dir, tab_period = st.tabs([t("tab.directions", lang), t("tab.periods", lang)])
with tab_dir:
    counts = cache.vocabulary_counts(view.data_dir, view.snapshot_stamp, vocab_filters, analysis.STOPWORDS,
                                     False, None)
    groups = set(counts["grp"]) if not counts.empty else set()
    if groups != {"us->mx", "mx->us"}:
        st.caption(t("vocab_needs_both", lang, language=t(f"lang.{vocab_lang}", lang).lower(),
                     found=", ".join(t(g, lang) for g in sorted(groups)) or t("none", lang)))
    else:
        show_distinctive_words(analysis.weighted_log_odds(counts, "us->mx", "mx->us"),
                               (t("us->mx", lang), "vocab-us"), (t("mx->us", lang), "vocab-mx"))
with tab_period:
    direction = st.radio(t("direction", lang), ["us->mx", "mx->us"], format_func=lambda d: t(d, lang), horizontal=True,
                         key="vocab_direction")
    prev = view.filters.previous()
    counts = cache.vocabulary_counts(view.data_dir, view.snapshot_stamp, vocab_filters, analysis.STOPWORDS,
                                     True, direction)
    groups = set(counts["grp"]) if not counts.empty else set()
    if groups != {"current", "previous"}:
        st.caption(t("vocab_no_previous", lang, prev_from=f"{prev.date_from:%Y-%m-%d}",
                     prev_to=f"{prev.date_to:%Y-%m-%d}"))
    else:
        show_distinctive_words(analysis.weighted_log_odds(counts, "current", "previous"),
                               (f"{view.filters.date_from:%Y-%m-%d} – {view.filters.date_to:%Y-%m-%d}", "vocab-now"),
                               (f"{prev.date_from:%Y-%m-%d} – {prev.date_to:%Y-%m-%d}", "vocab-before"))
