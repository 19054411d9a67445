"""Streamlit pieces the pages share: direction headings, the evidence table with links into the article
explorer, the empty-result message and CSV/Parquet download buttons."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from espejo.dashboards.data import DIRECTIONS
from espejo.dashboards.i18n import t
from espejo.dashboards.view import View

STANCE_DEFINITION = (
    "stance = mean over an article's mentions of the other country of P(positive) − P(negative), "
    "from −1 (all negative) to +1 (all positive)"
)


def signed(value: float | None) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:+.2f}"


def percent(value: float | None) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.0%}"


def direction_title(direction: str, lang: str) -> str:
    return t(direction, lang)


def period_label(view: View) -> str:
    f = view.filters
    return f"{f.date_from:%Y-%m-%d} – {f.date_to:%Y-%m-%d}"


def filters_caption(view: View) -> str:
    f = view.filters
    parts = [period_label(view), f"model `{f.model_version}`"]
    if f.outlets:
        parts.append("outlets: " + ", ".join(f.outlets))
    if f.languages:
        parts.append("language: " + ", ".join(f.languages))
    if f.topic:
        parts.append(f"topic: {f.topic}")
    if f.frame:
        parts.append(f"frame: {f.frame}")
    return " · ".join(parts)


def no_match(view: View) -> None:
    st.info(t("no_match", view.lang), icon=":material/filter_alt_off:")


def explorer_link(view: View, article_id: str) -> str:
    """A relative link that opens the article in the explorer with the current filters."""
    extra = urlencode({"article": article_id})
    return f"explorer?{view.query_string + '&' if view.query_string else ''}{extra}"


def evidence_table(view: View, rows: pd.DataFrame, key: str | None = None) -> None:
    """Articles with the sentence behind the strongest-scored mention, linked to the explorer."""
    if rows.empty:
        st.caption("No scored articles.")
        return
    table = pd.DataFrame(
        {
            "date": rows["day"],
            "title": rows["title"],
            "sentence": rows["sentence"],
            "target as written": rows["target_as_written"],
            "stance": rows["stance"],
            "label": rows["label"],
            "P(neg / neu / pos)": [
                "—" if pd.isna(n) else f"{n:.2f} / {u:.2f} / {p:.2f}"
                for n, u, p in zip(rows["p_negative"], rows["p_neutral"], rows["p_positive"], strict=True)
            ],
            "outlets": rows["outlets"].fillna(rows["outlet"]),
            "explorer": [explorer_link(view, a) for a in rows["article_id"]],
            "url": rows["url"],
            "model version": rows["model_version"],
            "run id": rows["run_id"],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        key=key,
        column_config={
            "date": st.column_config.DateColumn("date", format="YYYY-MM-DD",
                                                help="Publication date, else the fetch date."),
            "stance": st.column_config.NumberColumn("stance", format="%+.2f", help=STANCE_DEFINITION),
            "sentence": st.column_config.TextColumn("sentence", width="large"),
            "explorer": st.column_config.LinkColumn(
                "explorer", display_text=t("open_article", view.lang),
                help="Every sentence of the article, highlighted by its sentiment, with its frames and evidence."),
            "url": st.column_config.LinkColumn("url"),
        },
    )


def to_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def to_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def download_buttons(view: View, frame: pd.DataFrame, stem: str, key: str) -> None:
    left, right = st.columns(2)
    left.download_button(f"{t('download_csv', view.lang)} · {stem}", to_csv(frame), file_name=f"{stem}.csv",
                         mime="text/csv", key=f"{key}-csv", on_click="ignore", icon=":material/download:")
    right.download_button(f"{t('download_parquet', view.lang)} · {stem}", to_parquet(frame),
                          file_name=f"{stem}.parquet", mime="application/vnd.apache.parquet", key=f"{key}-parquet",
                          on_click="ignore", icon=":material/download:")


DIRECTION_KEYS = tuple(d.key for d in DIRECTIONS)
