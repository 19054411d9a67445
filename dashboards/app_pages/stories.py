"""Stories: one event as each side of the border told it. The biggest stories with any article under the
sidebar's filters; for the open story, its timeline and the two countries' coverage side by side (articles per
outlet, stance toward the other country, leading frames, one sentence that stands for each side) and every
article. A story only one side covered is labelled so: that silence is a finding too."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from espejo.dashboards import cache, charts
from espejo.dashboards.data import DIRECTIONS, STORY_MIN_ARTICLES, STORY_ROWS, STORY_SIDES, StoryDetail, StorySide
from espejo.dashboards.i18n import t
from espejo.dashboards.ui import (column_labels, explorer_link, filters_caption, no_match, sentiment_label, signed,
                                  stance_definition, story_link)
from espejo.dashboards.view import View, current_view

STORY_KEY = "story"  # the open story, bound to the URL like the explorer's article
SIDES_PARAM = "sides"  # the coverage filter's URL parameter (absent: every story)
SIDES_KEY = "story_sides"  # its widget, kept in step with the URL by hand (its labels are translated)
PICK_KEY = "story_pick"


def _markdown_text(text: str) -> str:
    """Article text shown as Markdown, taken literally (no emphasis, links or formulas of its own)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$])", r"\\\1", str(text))


def _sides_to_url() -> None:
    # A callback runs before the rerun, so the sidebar's link already carries the new choice.
    value = st.session_state.get(SIDES_KEY) or "all"
    if value == "all":
        st.query_params.pop(SIDES_PARAM, None)
    else:
        st.query_params[SIDES_PARAM] = value


def _open_picked() -> None:
    picked = st.session_state.get(PICK_KEY)
    if picked:
        st.session_state[STORY_KEY] = picked
    st.session_state[PICK_KEY] = None


def show_counts(counts: dict[str, int], view: View) -> None:
    lang = view.lang
    cells = st.columns(4)
    cells[0].metric(t("stories", lang), f"{sum(counts.values()):,}",
                    help=t("stories_help", lang, n=STORY_MIN_ARTICLES))
    cells[1].metric(t("coverage.both", lang), f"{counts['both']:,}", help=t("coverage.both_help", lang))
    cells[2].metric(t("coverage.us_only", lang), f"{counts['us_only']:,}", help=t("coverage.one_help", lang))
    cells[3].metric(t("coverage.mx_only", lang), f"{counts['mx_only']:,}", help=t("coverage.one_help", lang))


def show_list(stories: pd.DataFrame, sides: str, view: View) -> None:
    lang = view.lang
    keep = f"&{urlencode({SIDES_PARAM: sides})}" if sides != "all" else ""  # the link keeps the coverage chosen
    table = stories.assign(
        coverage=[t(f"coverage.{c}", lang) for c in stories["coverage"]],
        open=[story_link(view, s) + keep for s in stories["story_id"]],
    )[["title", "first_day", "last_day", "articles", "us_articles", "mx_articles", "coverage", "languages",
       "matched", "open", "story_id"]]
    st.dataframe(table, hide_index=True, key="story-list", column_config=column_labels(lang, table.columns, {
        "first_day": st.column_config.DateColumn(format="YYYY-MM-DD", help=t("date_help", lang)),
        "last_day": st.column_config.DateColumn(format="YYYY-MM-DD", help=t("date_help", lang)),
        "matched": st.column_config.NumberColumn(help=t("matched_help", lang)),
        "open": st.column_config.LinkColumn(display_text=t("open_story", lang)),
    }))
    st.caption(t("story_list_caption", lang, n=STORY_ROWS))


def show_side(side: StorySide, max_outlet: int, view: View) -> None:
    lang = view.lang
    st.subheader(t(side.direction, lang))
    if side.articles == 0:
        # The other side ran the story and this one did not: shown, not hidden.
        st.info(t("story_side_silent", lang), icon=":material/visibility_off:")
        return
    left, right = st.columns(2)
    left.metric(t("articles", lang), f"{side.articles:,}", help=t("story_articles_help", lang))
    right.metric(t("mean_stance", lang), signed(side.mean_stance),
                 help=t("mean_stance_help", lang, definition=stance_definition(lang)))
    interval = (t("ci_range", lang, low=signed(side.ci_low), high=signed(side.ci_high))
                if side.ci_low is not None else t("ci_needs_two", lang))
    st.caption(t("story_side_caption", lang, scored=side.scored, n=side.articles, interval=interval,
                 model=view.model_version))

    st.markdown(f"**{t('story_outlets', lang)}**")
    st.altair_chart(charts.story_outlets(side.outlets, side.direction, max_outlet, lang))

    st.markdown(f"**{t('leading_frames', lang)}**")
    if side.frames.empty:
        st.caption(t("story_no_frames", lang))
    else:
        st.altair_chart(charts.story_frames(side.frames, side.direction, lang, view.frame_labels))

    st.markdown(f"**{t('story_voice', lang)}**")
    chosen = side.representative
    if chosen is None:
        st.caption(t("story_no_voice", lang, model=view.model_version))
        return
    # Data in Markdown (titles and sentences are never translated); the interface's words in the caption.
    st.markdown(f"> {_markdown_text(chosen['sentence'])}")
    st.markdown(f"{_markdown_text(chosen['title'] or t('untitled', lang))} · {_markdown_text(chosen['outlet_name'])}"
                f" · {pd.Timestamp(chosen['day']):%Y-%m-%d} · [{t('open_article', lang)}]"
                f"({explorer_link(view, chosen['article_id'])})")
    st.caption(t("story_voice_caption", lang, stance=signed(chosen["stance"]),
                 label=sentiment_label(chosen["label"], lang), target=chosen["target_as_written"],
                 model=view.model_version))


def show_story(detail: StoryDetail, view: View) -> None:
    lang = view.lang
    head = detail.header
    st.divider()
    st.subheader(head["title"] or t("untitled", lang))
    names = ", ".join(list(head["names"])[:10]) if head["names"] is not None else ""
    if names:
        st.markdown(f"{t('story_names', lang)}: {_markdown_text(names)}")
    st.caption(t("story_caption", lang, first=f"{pd.Timestamp(head['first_day']):%Y-%m-%d}",
                 last=f"{pd.Timestamp(head['last_day']):%Y-%m-%d}", n=int(head["articles"]),
                 us=int(head["us_articles"]), mx=int(head["mx_articles"]),
                 languages=", ".join(list(head["languages"]))))
    st.caption(t("story_provenance", lang, id=head["story_id"], formed=head["formed_run_id"],
                 updated=head["updated_run_id"], embed=head["embed_model"], rules=str(head["rules_sha256"])[:12]))
    if int(head["us_articles"]) == 0 or int(head["mx_articles"]) == 0:
        only = "us_only" if int(head["us_articles"]) else "mx_only"
        st.warning(t(f"story_one_side.{only}", lang), icon=":material/visibility_off:")

    st.markdown(f"**{t('story_timeline', lang)}**")
    st.altair_chart(charts.story_timeline(detail.timeline, lang))
    st.caption(t("story_timeline_caption", lang))

    max_outlet = max((int(s.outlets["articles"].max()) for s in detail.sides.values() if not s.outlets.empty),
                     default=1)
    for column, direction in zip(st.columns(2, gap="large"), DIRECTIONS, strict=True):
        with column:
            show_side(detail.sides[direction.key], max_outlet, view)

    st.markdown(f"**{t('story_articles', lang)}**")
    members = detail.members
    table = pd.DataFrame({
        "day": members["day"],
        "direction": [t(d, lang) for d in members["direction"]],
        "title": members["title"],
        "outlets": [", ".join(list(names)) for names in members["outlet_names"]],
        "language": members["language"],
        "stance": members["stance"],
        "label": [sentiment_label(x, lang) for x in members["label"]],
        "sentence": members["sentence"],
        "closeness": members["closeness"],
        "explorer": [explorer_link(view, a) for a in members["article_id"]],
        "url": members["url"],
        "joined_run_id": members["joined_run_id"],
        "article_id": members["article_id"],
    })
    st.dataframe(table, hide_index=True, key="story-articles", column_config=column_labels(lang, table.columns, {
        "day": st.column_config.DateColumn(format="YYYY-MM-DD", help=t("date_help", lang)),
        "stance": st.column_config.NumberColumn(format="%+.2f", help=stance_definition(lang)),
        "closeness": st.column_config.NumberColumn(format="%.2f", help=t("closeness_help", lang)),
        "sentence": st.column_config.TextColumn(width="large"),
        "explorer": st.column_config.LinkColumn(display_text=t("open_article", lang), help=t("explorer_help", lang)),
        "url": st.column_config.LinkColumn(),
    }))
    st.caption(t("story_articles_caption", lang, model=view.model_version))


view = current_view()
lang = view.lang
st.title(t("page.stories", lang))
st.caption(t("stories_intro", lang) + " " + filters_caption(view))
if not cache.has_stories(view.data_dir, view.snapshot_stamp):
    st.info(t("stories_missing", lang), icon=":material/info:")
    st.stop()

if SIDES_KEY not in st.session_state:
    from_url = st.query_params.get(SIDES_PARAM)
    st.session_state[SIDES_KEY] = from_url if from_url in STORY_SIDES else "all"
sides = st.segmented_control(t("story_sides", lang), STORY_SIDES, key=SIDES_KEY, required=True,
                             format_func=lambda s: t(f"story_sides.{s}", lang), on_change=_sides_to_url,
                             help=t("story_sides_help", lang)) or "all"

overview = cache.story_overview(view.data_dir, view.snapshot_stamp, view.filters, sides)
counts, stories = overview.counts, overview.stories
if not any(counts.values()):
    matched = cache.direction_summaries(view.data_dir, view.snapshot_stamp, view.filters)
    if all(s.articles == 0 for s in matched.values()):
        no_match(view)
    elif cache.stories_stored(view.data_dir, view.snapshot_stamp) == 0:
        st.info(t("no_stories_yet", lang, n=STORY_MIN_ARTICLES), icon=":material/info:")
    else:
        st.info(t("no_stories_match", lang, n=STORY_MIN_ARTICLES), icon=":material/filter_alt_off:")
else:
    show_counts(counts, view)
    if stories.empty:
        st.info(t("no_stories_sides", lang), icon=":material/filter_alt_off:")
    else:
        show_list(stories, sides, view)
        # Titles can repeat: each option also shows the story's first day and size.
        labels = {row.story_id: f"{row.title or t('untitled', lang)} · {pd.Timestamp(row.first_day):%Y-%m-%d} · "
                                f"{row.articles}" for row in stories.itertuples()}
        st.selectbox(t("story_pick", lang), list(labels), index=None, key=PICK_KEY, format_func=labels.get,
                     placeholder=t("story_pick_placeholder", lang), on_change=_open_picked)

story_id = st.text_input(t("story_id", lang), key=STORY_KEY, bind="query-params", help=t("story_id_help", lang))
if not story_id.strip():
    st.caption(t("story_open_hint", lang))
    st.stop()
detail = cache.story_detail(view.data_dir, view.snapshot_stamp, story_id.strip(), view.model_version)
if detail.header is None:
    st.warning(t("no_story_id", lang, id=story_id.strip()), icon=":material/help:")
    st.stop()
show_story(detail, view)
