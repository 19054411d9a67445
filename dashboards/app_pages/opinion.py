"""Public-opinion reference: survey figures beside the media sentiment series, clearly a different measure.
The figures are data: dashboards/public_opinion.csv (source and year on every row)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
import os

import pandas as pd
import streamlit as st

from espejo.dashboards import cache, charts
from espejo.dashboards.i18n import t
from espejo.dashboards.ui import column_labels, filters_caption, no_match, stance_definition
from espejo.dashboards.view import current_view

OPINION_FILE_ENV = "ESPEJO_OPINION_FILE"
REQUIRED = ["measure", "population", "view_of", "percent", "year", "source"]


def opinion_file() -> Path:
    override = os.environ.get(OPINION_FILE_ENV)
    return Path(override) if override else Path(str(resources.files("espejo.dashboards").joinpath("public_opinion.csv")))


view = current_view()
lang = view.lang
st.title(t("page.opinion", lang))
st.warning(t("different_measure", lang), icon=":material/compare_arrows:")

path = opinion_file()
try:
    survey = pd.read_csv(path)
except FileNotFoundError:
    survey = pd.DataFrame(columns=REQUIRED)
missing = [c for c in REQUIRED if c not in survey.columns]
if missing or survey.empty:
    st.info(t("no_survey", lang, path=path,
              missing=t("missing_columns", lang, columns=", ".join(missing)) if missing else ""),
            icon=":material/info:")
else:
    # Mexicans' view of the U.S. mirrors Mexican media on the U.S.; Americans' view of Mexico, U.S. media on Mexico.
    survey["direction"] = survey["view_of"].map({"United States": "mx->us", "Mexico": "us->mx"})
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader(t("surveys_heading", lang))
        st.altair_chart(charts.opinion_chart(survey, lang))
        st.caption(t("surveys_caption", lang))
    with right:
        st.subheader(t("media_heading", lang))
        series = cache.period_series(view.data_dir, view.snapshot_stamp, view.filters, "month")
        if series.empty:
            no_match(view)
        else:
            import altair as alt

            chart = alt.Chart(series).mark_line(point=True).encode(
                x=alt.X("period:T", title=None, axis=alt.Axis(format="%b %Y")),
                y=alt.Y("mean_stance:Q", title=t("chart.mean_stance_range", lang), scale=alt.Scale(domain=[-1, 1])),
                color=charts.direction_colour(lang=lang),
                tooltip=[alt.Tooltip("direction:N", title=t("chart.direction", lang)),
                         alt.Tooltip("period:T", title=t("chart.month", lang), format="%Y-%m"),
                         alt.Tooltip("articles:Q", title=t("articles", lang)),
                         alt.Tooltip("mean_stance:Q", title=t("mean_stance", lang), format="+.3f")],
            ).properties(height=280)
            st.altair_chart(charts.localised(chart, lang))
            st.caption(t("media_caption", lang, definition=stance_definition(lang), filters=filters_caption(view)))
    table = survey.drop(columns="direction")
    st.dataframe(table, hide_index=True, key="opinion-table",
                 column_config=column_labels(lang, table.columns, {
                     "source_url": st.column_config.LinkColumn(),
                     "year": st.column_config.NumberColumn(format="%d")}))
    st.caption(t("edit_survey", lang, path=path))
