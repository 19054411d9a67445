"""Espejo's dashboard: how U.S. news media portray Mexico, and Mexican news media the United States.

    streamlit run dashboards/streamlit_app.py

This file owns the page setup, the navigation and the sidebar every page shares: the interface
language, the model version, the global filters (dates, outlets, article language, topic, frame) and
the provenance of the snapshot (data folder, latest run). Every filter widget is bound to a URL query
parameter (`bind="query-params"`) and the page is the URL's path, so a view can be shared as a link.
Pages live in `app_pages/` and only draw; data comes from `dashboards.data` through `dashboards.cache`.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from espejo.dashboards import cache, data
from espejo.dashboards.filters import Filters, load_topics, with_topic
from espejo.dashboards.i18n import LANGUAGES, t
from espejo.dashboards.view import View, set_current_view
from espejo.settings import DATA_DIR_ENV, default_data_dir

MODEL_VERSION_KEY = "model_version"
LANG_KEY = "lang"
DATES_KEY = "dates"
OUTLETS_KEY = "outlets"
LANGUAGES_KEY = "languages"
TOPIC_KEY = "topic"
FRAME_KEY = "frame"
ALL = "all"  # the "no filter" option of the topic and frame selectors
URL_KEYS = (LANG_KEY, MODEL_VERSION_KEY, DATES_KEY, OUTLETS_KEY, LANGUAGES_KEY, TOPIC_KEY, FRAME_KEY)
# A page's own URL parameters, which belong to the view too: the explorer's search text and open article, the
# validation page's sample and coder, the Stories page's open story and coverage filter.
PAGE_URL_KEYS = {"explorer": ("q", "article"), "validation": ("sample", "coder"), "stories": ("story", "sides")}

# (file, url path, string key, icon); the first is the default page.
PAGES = (
    ("app_pages/mirrors.py", "mirrors", "page.mirrors", ":material/compare:"),
    ("app_pages/stories.py", "stories", "page.stories", ":material/hub:"),
    ("app_pages/trends.py", "trends", "page.trends", ":material/timeline:"),
    ("app_pages/frames.py", "frames", "page.frames", ":material/view_quilt:"),
    ("app_pages/outlets.py", "outlets", "page.outlets", ":material/newspaper:"),
    ("app_pages/diplomacy.py", "diplomacy", "page.diplomacy", ":material/handshake:"),
    ("app_pages/explorer.py", "explorer", "page.explorer", ":material/search:"),
    ("app_pages/validation.py", "validation", "page.validation", ":material/fact_check:"),
    ("app_pages/opinion.py", "opinion", "page.opinion", ":material/groups:"),
    ("app_pages/health.py", "health", "page.health", ":material/monitor_heart:"),
    ("app_pages/export.py", "export", "page.export", ":material/download:"),
)


def _url_lang() -> str:
    """The interface language before the sidebar exists (the pages without data have no switch)."""
    lang = st.query_params.get(LANG_KEY, st.session_state.get(LANG_KEY, "en"))
    return lang if lang in LANGUAGES else "en"


def show_empty_warehouse() -> None:
    data_dir = default_data_dir()
    st.title("Espejo")
    st.info(t("empty_warehouse", _url_lang(), data_dir=data_dir, env=DATA_DIR_ENV), icon=":material/info:")


def show_nothing_analysed() -> None:
    data_dir = default_data_dir()
    st.title("Espejo")
    st.info(t("nothing_analysed", _url_lang(), data_dir=data_dir), icon=":material/info:")


def show_stale_snapshot() -> None:
    st.title("Espejo")
    st.info(t("stale_snapshot", st.session_state.get(LANG_KEY, "en")), icon=":material/info:")


def _format_time(value: pd.Timestamp | datetime | None) -> str:
    return "—" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def _date_range(value, first: date, last: date) -> tuple[date, date]:
    """The date input's value as (from, to): a half-picked range counts as one day; empty means all."""
    if not value:
        return first, last
    if isinstance(value, date):
        return value, value
    value = tuple(value)
    return (value[0], value[0]) if len(value) == 1 else (value[0], value[1])


def sidebar_language() -> str:
    with st.sidebar:
        # No format_func on a bound widget: the URL would carry the displayed label, not the key.
        lang = st.segmented_control(
            # One label in both languages: the switch must be findable whichever language is on.
            t("interface_language", "en") + " / " + t("interface_language", "es"), list(LANGUAGES),
            default="en", key=LANG_KEY, bind="query-params", required=True,
            label_visibility="collapsed", help=" / ".join(f"{k}: {v}" for k, v in LANGUAGES.items()),
        )
    return lang or "en"


def sidebar_filters(data_dir: Path, stamp: int, model_versions: list[str], lang: str) -> Filters:
    """Draw the filters; return them. Every widget is bound to the query parameter named by its key."""
    # The snapshot may have been republished without the version chosen earlier in this session.
    if st.session_state.get(MODEL_VERSION_KEY) not in model_versions:
        st.session_state.pop(MODEL_VERSION_KEY, None)
    with st.sidebar:
        model_version = st.selectbox(
            t("model_version", lang), model_versions, key=MODEL_VERSION_KEY, bind="query-params",
            help=t("model_version_help", lang),
        )
        options = cache.filter_options(data_dir, stamp, model_version)
        first = options.first_day or date.today()
        last = options.last_day or first
        picked = st.date_input(
            t("dates", lang), value=(first, last), key=DATES_KEY, bind="query-params", format="YYYY-MM-DD",
            help=t("dates_help", lang),
        )
        date_from, date_to = _date_range(picked, first, last)
        names = dict(zip(options.outlets["source_key"], options.outlets["name"], strict=True))
        countries = dict(zip(options.outlets["source_key"], options.outlets["country"], strict=True))
        # Bound widgets show their keys (the URL carries what is shown); names are in the help and below.
        outlets = st.multiselect(
            t("outlets", lang), list(names), key=OUTLETS_KEY, bind="query-params",
            placeholder=t("outlets_all", lang),
            help="; ".join(f"{k}: {names[k]} ({countries[k]})" for k in names),
        )
        if outlets:
            st.caption(", ".join(f"{names.get(k, k)} ({countries.get(k, '?')})" for k in outlets))
        languages = st.multiselect(
            t("languages", lang), options.languages, key=LANGUAGES_KEY, bind="query-params",
            placeholder=t("languages_all", lang),
        )
        topics = load_topics()
        topic_labels = {tp.key: tp.label(lang) for tp in topics}
        topic = st.selectbox(
            t("topic", lang), [ALL, *topic_labels], key=TOPIC_KEY, bind="query-params",
            help=t("topic_help", lang, topics="; ".join(f"{k}: {v}" for k, v in topic_labels.items())),
        )
        if topic in topic_labels:
            st.caption(topic_labels[topic])
        frame = st.selectbox(
            t("frame", lang), [ALL, *options.frames], key=FRAME_KEY, bind="query-params",
            help=t("frame_help", lang),
        )
    filters = Filters(
        model_version=model_version,
        date_from=min(date_from, date_to),
        date_to=max(date_from, date_to),
        outlets=tuple(outlets),
        languages=tuple(languages),
        topic=None if topic == ALL else topic,
        frame=None if frame == ALL else frame,
    )
    return with_topic(filters, topics)


def sidebar_provenance(data_dir: Path, stamp: int, lang: str) -> None:
    with st.sidebar:
        run = cache.latest_run(data_dir, stamp)
        st.markdown(f"**{t('latest_run', lang)}**")
        if run is None:
            st.caption(t("no_run", lang))
        else:
            st.markdown(f"`{run.run_id}`")
            st.caption(t("run_started_finished", lang, started=_format_time(run.started_at),
                         finished=_format_time(run.finished_at), status=run.status, model=run.model_version or "—"))
        st.markdown(f"**{t('data_folder', lang)}**")
        st.caption(f"`{data_dir}`")
        st.caption(t("snapshot_published", lang, time=_format_time(pd.Timestamp(stamp, unit="ns"))))


def view_query(filters: Filters, lang: str, model_versions: list[str], first: date | None, last: date | None) -> str:
    """The current view as a URL query, in the form the bound widgets read back (defaults left out)."""
    pairs: list[tuple[str, str]] = []
    if lang != "en":
        pairs.append((LANG_KEY, lang))
    if filters.model_version != model_versions[0]:
        pairs.append((MODEL_VERSION_KEY, filters.model_version))
    if (filters.date_from, filters.date_to) != (first, last):
        pairs += [(DATES_KEY, filters.date_from.isoformat()), (DATES_KEY, filters.date_to.isoformat())]
    pairs += [(OUTLETS_KEY, o) for o in filters.outlets]
    pairs += [(LANGUAGES_KEY, x) for x in filters.languages]
    if filters.topic:
        pairs.append((TOPIC_KEY, filters.topic))
    if filters.frame:
        pairs.append((FRAME_KEY, filters.frame))
    return urlencode(pairs)


def main() -> None:
    st.set_page_config(page_title=t("app_title", _url_lang()), page_icon=":material/compare:", layout="wide")
    data_dir = default_data_dir()
    stamp = data.snapshot_stamp(data_dir)

    if stamp is None:
        st.navigation([st.Page(show_empty_warehouse, title=t("page.getting_started", _url_lang()))]).run()
        return
    model_versions = cache.model_versions(data_dir, stamp)
    if not model_versions:
        st.navigation([st.Page(show_nothing_analysed, title=t("page.getting_started", _url_lang()))]).run()
        return

    lang = sidebar_language()
    if not cache.has_dashboard_tables(data_dir, stamp):
        st.navigation([st.Page(show_stale_snapshot, title=t("page.getting_started", lang))]).run()
        return
    filters = sidebar_filters(data_dir, stamp, model_versions, lang)
    sidebar_provenance(data_dir, stamp, lang)

    pages = [
        # Page paths are relative to this file (Streamlit resolves them against the main script).
        st.Page(path, title=t(title, lang), icon=icon, url_path=url, default=(i == 0))
        for i, (path, url, title, icon) in enumerate(PAGES)
    ]
    page = st.navigation(pages)
    options = cache.filter_options(data_dir, stamp, filters.model_version)
    query = view_query(filters, lang, model_versions, options.first_day, options.last_day)
    with st.sidebar:
        st.markdown(f"**{t('share_link', lang)}**")
        # The page's widgets are drawn after this: on a session's first run their values are still in the URL.
        extra = [(k, str(v)) for k in PAGE_URL_KEYS.get(page.url_path, ())
                 if (v := st.session_state.get(k, st.query_params.get(k)))]
        full = "&".join(x for x in (query, urlencode(extra)) if x)
        st.code(f"/{page.url_path}{'?' + full if full else ''}", language=None, wrap_lines=True)
        st.caption(t("share_link_help", lang))
    set_current_view(
        View(data_dir=data_dir, snapshot_stamp=stamp, model_version=filters.model_version, filters=filters,
             lang=lang, topics=tuple(load_topics()), frame_labels=cache.frame_labels(data_dir, stamp),
             query_string=query)
    )
    page.run()


main()
