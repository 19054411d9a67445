"""Export: the filtered articles, their scored mentions and the monthly aggregates, as CSV and Parquet.
The files hold exactly the rows shown here (the same cached query)."""

from __future__ import annotations

import streamlit as st

from espejo.dashboards import cache
from espejo.dashboards.data import EXPORT_ROWS
from espejo.dashboards.i18n import t
from espejo.dashboards.ui import download_buttons, filters_caption, no_match
from espejo.dashboards.view import current_view

view = current_view()
lang = view.lang
st.title(t("page.export", lang))
st.caption(filters_caption(view))
tables = cache.export_tables(view.data_dir, view.snapshot_stamp, view.filters)
if tables["articles"].empty:
    no_match(view)
    st.stop()
stem = f"espejo_{view.filters.date_from:%Y%m%d}-{view.filters.date_to:%Y%m%d}"
descriptions = {
    "articles": "One row per scored article: direction, date, outlets, title, URL, stance, mention counts, "
                "model version and the run that analysed it.",
    "mentions": "One row per scored mention of the other country: the sentence, the surface as written, the label "
                "and its probabilities, model version and run.",
    "aggregates": "Per direction and month: articles, mentions, mean stance with its SD and 95% interval, share "
                  "negative.",
}
for name, frame in tables.items():
    st.subheader(name)
    st.caption(descriptions[name] + (f" Capped at {EXPORT_ROWS:,} rows: narrow the filters for more."
                                     if len(frame) >= EXPORT_ROWS else ""))
    st.metric("Rows", f"{len(frame):,}")
    st.dataframe(frame.head(1000), hide_index=True, key=f"export-{name}")
    download_buttons(view, frame, f"{stem}_{name}", key=f"dl-{name}")
