"""Export: the filtered articles, their scored mentions and the monthly aggregates, as CSV and Parquet.

The page shows how many rows each file holds and one page of them at a time; the files are read and
converted only when a download button is clicked, so a year of mentions does not slow the page down.
What is shown is the file's own rows, in the file's order (the same query, paged)."""

from __future__ import annotations

import math

import streamlit as st

from espejo.dashboards import cache, data
from espejo.dashboards.data import EXPORT_PAGE_ROWS, EXPORT_ROWS
from espejo.dashboards.i18n import t
from espejo.dashboards.ui import column_labels, download_buttons, filters_caption, no_match
from espejo.dashboards.view import current_view

view = current_view()
lang = view.lang
st.title(t("page.export", lang))
st.caption(filters_caption(view))
counts = cache.export_counts(view.data_dir, view.snapshot_stamp, view.filters)
if counts["articles"] == 0:
    no_match(view)
    st.stop()
stem = f"espejo_{view.filters.date_from:%Y%m%d}-{view.filters.date_to:%Y%m%d}"
st.caption(t("export_columns_note", lang))


def whole_file(name: str):
    # Runs on Streamlit's download thread when a button is clicked: plain data calls, no widgets.
    if name == "aggregates":
        return lambda: data.period_series(view.data_dir, view.filters, "month")
    return lambda: data.EXPORTS[name](view.data_dir, view.filters)


for name in ("articles", "mentions", "aggregates"):
    st.subheader(t(f"export.{name}", lang))
    if name == "aggregates":  # one row per direction and month: small, shown whole
        frame = cache.export_file(view.data_dir, view.snapshot_stamp, view.filters, name)
        total = len(frame)
    else:
        total = counts[name]
    in_file = min(total, EXPORT_ROWS)
    st.caption(t(f"export_desc.{name}", lang) + (t("export_capped", lang, n=f"{EXPORT_ROWS:,}")
                                                  if total > EXPORT_ROWS else ""))
    st.metric(t("rows", lang), f"{in_file:,}")
    if name != "aggregates":
        pages = max(1, math.ceil(in_file / EXPORT_PAGE_ROWS))
        page = 1
        if pages > 1:
            page = int(st.number_input(t("export_page", lang, n=f"{EXPORT_PAGE_ROWS:,}"), min_value=1,
                                       max_value=pages, value=1, step=1, key=f"export-page-{name}"))
        frame = cache.export_page(view.data_dir, view.snapshot_stamp, view.filters, name, page)
    first = (0 if name == "aggregates" else (page - 1) * EXPORT_PAGE_ROWS) + 1
    st.dataframe(frame, hide_index=True, key=f"export-{name}", column_config=column_labels(lang, frame.columns))
    if len(frame) < in_file:
        st.caption(t("export_shown", lang, first=f"{first:,}", last=f"{first + len(frame) - 1:,}",
                     total=f"{in_file:,}", in_file=f"{in_file:,}"))
        download_buttons(view, whole_file(name), f"{stem}_{name}", key=f"dl-{name}")
    else:  # the page is the whole file
        download_buttons(view, frame, f"{stem}_{name}", key=f"dl-{name}")
