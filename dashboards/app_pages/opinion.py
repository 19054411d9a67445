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
from espejo.dashboards.ui import STANCE_DEFINITION, filters_caption, no_match
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
    st.info(f"No survey reference points in `{path}`" + (f" (missing columns: {', '.join(missing)})" if missing else "")
            + ". Add rows with measure, population, view_of, percent, year and source.", icon=":material/info:")
else:
    # Mexicans' view of the U.S. mirrors Mexican media on the U.S.; Americans' view of Mexico, U.S. media on Mexico.
    survey["direction"] = survey["view_of"].map({"United States": "mx->us", "Mexico": "us->mx"})
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader("Surveys: % of the public")
        st.altair_chart(charts.opinion_chart(survey))
        st.caption("Each point is a survey figure as cited in the source; colour: the media direction it sits beside "
                   "(Mexicans on the U.S. ↔ Mexican media; Americans on Mexico ↔ U.S. media). Approximate figures "
                   "(“three in ten”) and inferred years are marked in the table.")
    with right:
        st.subheader("Media: mean stance per month")
        series = cache.period_series(view.data_dir, view.snapshot_stamp, view.filters, "month")
        if series.empty:
            no_match(view)
        else:
            import altair as alt

            chart = alt.Chart(series).mark_line(point=True).encode(
                x=alt.X("period:T", title=None, axis=alt.Axis(format="%b %Y")),
                y=alt.Y("mean_stance:Q", title="Mean stance (−1 to +1)", scale=alt.Scale(domain=[-1, 1])),
                color=charts.direction_colour(),
                tooltip=["direction:N", alt.Tooltip("period:T", format="%Y-%m"), "articles:Q",
                         alt.Tooltip("mean_stance:Q", format="+.3f")],
            ).properties(height=280)
            st.altair_chart(chart)
            st.caption(f"{STANCE_DEFINITION}. {filters_caption(view)}. Not comparable in level with the survey "
                       "percentages: shown for direction and timing only.")
    st.dataframe(survey.drop(columns="direction"), hide_index=True, key="opinion-table",
                 column_config={"source_url": st.column_config.LinkColumn("source_url"),
                                "year": st.column_config.NumberColumn(format="%d")})
    st.caption(f"Edit `{path}` to add survey points; every row needs its source and year.")
