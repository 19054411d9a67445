"""Article explorer: search the filtered articles, then read one article with each sentence that mentions
the other country highlighted by its sentiment, the frames with their evidence, and the model version and
runs behind every score."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from espejo.dashboards import cache
from espejo.dashboards.i18n import t
from espejo.dashboards.ui import (column_labels, explorer_link, filters_caption, sentiment_label, signed,
                                  stance_definition)
from espejo.dashboards.view import current_view

# Okabe–Ito colours that are not the two direction colours, as light backgrounds.
SENTIMENT_BACKGROUND = {
    "negative": "rgba(204, 121, 167, 0.40)",  # reddish purple
    "neutral": "rgba(153, 153, 153, 0.25)",  # grey
    "positive": "rgba(0, 158, 115, 0.35)",  # bluish green
}

view = current_view()
lang = view.lang
st.title(t("page.explorer", lang))
st.caption(filters_caption(view) + " · " + t("search_note", lang))

query = st.text_input(t("search", lang), key="q", bind="query-params", placeholder=t("search_placeholder", lang))
if query.strip():
    results = cache.search_articles(view.data_dir, view.snapshot_stamp, view.filters, query)
    if results.empty:
        st.info(t("no_search_match", lang, query=query), icon=":material/search_off:")
    else:
        st.caption(t("search_count", lang, n=len(results)))
        result_columns = ["day", "direction", "title", "outlet", "stance", "mentions", "explorer", "article_id", "url"]
        st.dataframe(
            results.assign(explorer=[explorer_link(view, a) for a in results["article_id"]])[result_columns],
            hide_index=True, key="search-results",
            column_config=column_labels(lang, result_columns, {
                "day": st.column_config.DateColumn(format="YYYY-MM-DD"),
                "stance": st.column_config.NumberColumn(format="%+.2f", help=stance_definition(lang)),
                "explorer": st.column_config.LinkColumn(display_text=t("open_article", lang)),
                "url": st.column_config.LinkColumn(),
            }),
        )

article_id = st.text_input(t("article_id", lang), key="article", bind="query-params",
                           help=t("article_id_help", lang))
if not article_id.strip():
    st.caption(t("open_hint", lang))
    st.stop()

detail = cache.article_detail(view.data_dir, view.snapshot_stamp, article_id.strip(), view.model_version)
if detail.header is None:
    st.warning(t("no_article_id", lang, id=article_id), icon=":material/help:")
    st.stop()
head = detail.header
st.subheader(head["title"] or t("untitled", lang))
published = head["published"]
st.markdown(
    f"[{head['url']}]({head['url']}) · {head['outlet_name'] or head['source_key']} · "
    + (t("published_on", lang, date=pd.Timestamp(published).strftime("%Y-%m-%d")) if not pd.isna(published)
       else t("no_publication_date", lang))
    + f" · {t('language_code', lang, code=head['language'])} · {t(head['direction'], lang)}"
)
st.caption(t(
    "article_caption", lang, id=head["article_id"], outlets=head["outlets"], first_run=head["first_run_id"],
    model=view.model_version, analysis_run=head["analysis_run_id"] or "—", stance=signed(head["stance"]),
    definition=stance_definition(lang),
))
if pd.isna(head["model_version"]):
    st.info(t("not_analysed_by_model", lang, model=view.model_version), icon=":material/info:")


def render_sentences(sentences: pd.DataFrame) -> str:
    parts = []
    for index, group in sentences.groupby("sentence_index", sort=True):
        text = str(group["text"].iloc[0])
        scored = group.dropna(subset=["label"])
        if scored.empty:
            parts.append(html.escape(text))
            continue
        # The sentence takes the colour of its most strongly scored mention; each mention is underlined.
        strongest = scored.iloc[(scored["p_positive"] - scored["p_negative"]).abs().argmax()]
        pieces, cursor = [], 0
        for _, m in scored.sort_values("start_in_sentence").iterrows():
            start, end = int(m["start_in_sentence"]), int(m["end_in_sentence"])
            if start < cursor or end > len(text):
                continue
            pieces.append(html.escape(text[cursor:start]))
            pieces.append(f"<u><b>{html.escape(text[start:end])}</b></u>")
            cursor = end
        pieces.append(html.escape(text[cursor:]))
        title = "; ".join(
            t("mention_tooltip", lang, surface=m["surface"], label=t(f"sentiment.{m['label']}", lang),
              neg=f"{m['p_negative']:.2f}", neu=f"{m['p_neutral']:.2f}", pos=f"{m['p_positive']:.2f}",
              run=m["run_id"])
            for _, m in scored.iterrows()
        )
        label = t(f"sentiment.{strongest['label']}", lang)
        parts.append(
            f'<span style="background:{SENTIMENT_BACKGROUND[strongest["label"]]};border-radius:3px;padding:1px 2px" '
            f'title="{html.escape(title, quote=True)}">{"".join(pieces)}</span>'
            f'<sup style="font-size:0.7em"> [{index}·{html.escape(label)}]</sup>'
        )
    return " ".join(parts)


st.markdown(
    " ".join(f'<span style="background:{c};padding:1px 6px;border-radius:3px">{t(f"sentiment.{label}", lang)}</span>'
             for label, c in SENTIMENT_BACKGROUND.items())
    + " — " + t("sentence_legend", lang),
    unsafe_allow_html=True,
)
st.markdown(f'<div style="line-height:1.7">{render_sentences(detail.sentences)}</div>', unsafe_allow_html=True)

st.markdown(f"**{t('target_mentions', lang)}**")
mentions = detail.sentences.dropna(subset=["label"])
mention_columns = ["sentence_index", "surface", "label", "p_negative", "p_neutral", "p_positive", "run_id", "sentence"]
st.dataframe(mentions[["sentence_index", "surface", "label", "p_negative", "p_neutral", "p_positive", "run_id",
                       "text"]].rename(columns={"text": "sentence"})
             .assign(label=lambda d: [sentiment_label(x, lang) for x in d["label"]]),
             hide_index=True, key="article-mentions", column_config=column_labels(lang, mention_columns))
st.markdown(f"**{t('frames_evidence', lang)}**")
if detail.frames.empty:
    st.caption(t("no_frame_scores_model", lang))
else:
    st.dataframe(detail.frames, hide_index=True, key="article-frames",
                 column_config=column_labels(lang, detail.frames.columns, {
                     "score": st.column_config.NumberColumn(format="%.2f"),
                     "leading": st.column_config.CheckboxColumn(help=t("leading_help", lang))}))
