"""Streamlit pieces the pages share: direction headings, the evidence table with links into the article
explorer and to each article's story, the empty-result message and CSV/Parquet download buttons."""

from __future__ import annotations

import io
from collections.abc import Callable
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from espejo.dashboards import cache
from espejo.dashboards.charts import frame_label
from espejo.dashboards.data import DIRECTIONS
from espejo.dashboards.i18n import has, t
from espejo.dashboards.model_quality import HEADLINE_METRICS, MEASURE_SENTIMENT, REALNEWS_DEV, ModelQuality
from espejo.dashboards.view import View

STANCE_DEFINITION = t("stance_definition", "en")


def stance_definition(lang: str) -> str:
    return t("stance_definition", lang)


def sentiment_label(label, lang: str) -> str:
    """A sentiment label (negative / neutral / positive) in `lang`; anything else as it is."""
    return t(f"sentiment.{label}", lang) if isinstance(label, str) and has(f"sentiment.{label}") else label


def column_labels(lang: str, columns, config: dict | None = None) -> dict:
    """A `column_config` that gives every column its header in `lang` (i18n keys "col.<name>"), keeping the
    formats and help texts of `config`. The data keep their column names (links, exports and tests use them)."""
    config = dict(config or {})
    for name in columns:
        key = f"col.{name}"
        if not has(key):
            continue
        existing = config.get(name)
        if existing is None:
            config[name] = {"label": t(key, lang)}
        elif isinstance(existing, dict):
            config[name] = {**existing, "label": t(key, lang)}
    return config


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
    lang = view.lang
    parts = [period_label(view), t("caption.model", lang, model=f.model_version)]
    if f.outlets:
        parts.append(t("caption.outlets", lang, values=", ".join(f.outlets)))
    if f.languages:
        parts.append(t("caption.languages", lang, values=", ".join(f.languages)))
    if f.topic:
        topic = next((tp.label(lang) for tp in view.topics if tp.key == f.topic), f.topic)
        parts.append(t("caption.topic", lang, value=topic))
    if f.frame:
        parts.append(t("caption.frame", lang, value=frame_label(f.frame, lang, view.frame_labels)))
    return " · ".join(parts)


def unit_label(unit, lang: str) -> str:
    """A unit of a measured figure (sentences / articles) in `lang`; anything else as it is."""
    return t(f"unit.{unit}", lang) if isinstance(unit, str) and has(f"unit.{unit}") else unit


def quality_line(quality: ModelQuality, lang: str) -> str:
    """One line: the model's realnews-dev sentiment macro-F1 and stance correlation per direction, with n; or
    that it was not measured, and the command that measures it. Never a figure of another model version."""
    if quality.error:
        return t("quality_file_error", lang, error=quality.error)
    headline = quality.headline()
    if not headline:
        return t("quality_not_measured", lang, model=quality.model_version, command=MEASURE_SENTIMENT)
    parts = []
    for direction in DIRECTIONS:
        figures = headline.get(direction.key, {})
        shown = []
        for metric in HEADLINE_METRICS:
            if metric in figures:
                value, n, unit = figures[metric]
                shown.append(f"{t(f'quality.{metric}', lang)} {value:.2f} (n = {n:,} {unit_label(unit, lang)})")
        text = ", ".join(shown) if shown else t("quality_direction_not_measured", lang)
        parts.append(f"{t(direction.key, lang)}: {text}")
    return t("quality_line", lang, dataset=REALNEWS_DEV, date=quality.measured_on() or "—",
             figures=" · ".join(parts), page=t("page.health", lang))


def no_match(view: View) -> None:
    st.info(t("no_match", view.lang), icon=":material/filter_alt_off:")


def page_link(view: View, page: str, **params: str) -> str:
    """A relative link to another page (its url path) with the current filters and `params` added."""
    return f"{page}?{view.query_string + '&' if view.query_string else ''}{urlencode(params)}"


def explorer_link(view: View, article_id: str) -> str:
    """A relative link that opens the article in the explorer with the current filters."""
    return page_link(view, "explorer", article=article_id)


STORIES_PAGE = "stories"  # the Stories page's url path (streamlit_app.PAGES)


def story_link(view: View, story_id: str) -> str:
    """A relative link that opens the story on the Stories page with the current filters."""
    return page_link(view, STORIES_PAGE, story=story_id)


def story_links(view: View, article_ids) -> list[str | None] | None:
    """Per article, a link to its story when it belongs to one of at least two articles; None when no listed
    article does (or the snapshot predates stories), so a table adds the column only where it says something."""
    ids = tuple(str(a) for a in article_ids)
    stories = cache.article_stories(view.data_dir, view.snapshot_stamp, ids)
    if not stories:
        return None
    return [story_link(view, stories[a]) if a in stories else None for a in ids]


def evidence_table(view: View, rows: pd.DataFrame, key: str | None = None) -> None:
    """Articles with the sentence behind the strongest-scored mention, linked to the explorer and to their story."""
    if rows.empty:
        st.caption(t("no_scored_articles", view.lang))
        return
    table = pd.DataFrame(
        {
            "date": rows["day"],
            "title": rows["title"],
            "sentence": rows["sentence"],
            "target as written": rows["target_as_written"],
            "stance": rows["stance"],
            "label": [sentiment_label(x, view.lang) for x in rows["label"]],
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
    links = story_links(view, rows["article_id"])
    if links is not None:
        table.insert(table.columns.get_loc("explorer") + 1, "story", links)
    st.dataframe(
        table,
        hide_index=True,
        key=key,
        column_config=column_labels(view.lang, table.columns, {
            "date": st.column_config.DateColumn(format="YYYY-MM-DD", help=t("date_help", view.lang)),
            "stance": st.column_config.NumberColumn(format="%+.2f", help=stance_definition(view.lang)),
            "sentence": st.column_config.TextColumn(width="large"),
            "explorer": st.column_config.LinkColumn(
                display_text=t("open_article", view.lang), help=t("explorer_help", view.lang)),
            "url": st.column_config.LinkColumn(),
            **({"story": st.column_config.LinkColumn(display_text=t("open_story", view.lang),
                                                     help=t("story_link_help", view.lang))}
               if links is not None else {}),
        }),
    )


def to_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def to_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def download_buttons(view: View, frame: pd.DataFrame | Callable[[], pd.DataFrame], stem: str, key: str) -> None:
    """CSV and Parquet buttons. Given a function instead of a frame, the file is only read and converted when
    a button is clicked (Streamlit's deferred download), so a large export does not slow the page down."""
    if callable(frame):
        load = frame
        csv, parquet = (lambda: to_csv(load())), (lambda: to_parquet(load()))
    else:
        csv, parquet = to_csv(frame), to_parquet(frame)
    left, right = st.columns(2)
    left.download_button(f"{t('download_csv', view.lang)} · {stem}", csv, file_name=f"{stem}.csv",
                         mime="text/csv", key=f"{key}-csv", on_click="ignore", icon=":material/download:")
    right.download_button(f"{t('download_parquet', view.lang)} · {stem}", parquet,
                          file_name=f"{stem}.parquet", mime="application/vnd.apache.parquet", key=f"{key}-parquet",
                          on_click="ignore", icon=":material/download:")


DIRECTION_KEYS = tuple(d.key for d in DIRECTIONS)
