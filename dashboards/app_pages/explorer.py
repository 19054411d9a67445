"""Article explorer: search the filtered articles, then read one article with each sentence that mentions
the other country highlighted by its sentiment, the frames with their evidence, and the model version and
runs behind every score."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from espejo.dashboards import cache
from espejo.dashboards.i18n import t
from espejo.dashboards.ui import STANCE_DEFINITION, explorer_link, filters_caption, signed
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
st.caption(filters_caption(view) + " · search: case-insensitive substring of title or text (the DuckDB `fts` "
           "extension cannot be installed offline, so no stemming or ranking)")

query = st.text_input(t("search", lang), key="q", bind="query-params", placeholder="e.g. aranceles, sister city")
if query.strip():
    results = cache.search_articles(view.data_dir, view.snapshot_stamp, view.filters, query)
    if results.empty:
        st.info(f"No article with “{query}” matches these filters.", icon=":material/search_off:")
    else:
        st.caption(f"{len(results)} articles (200 at most), newest first.")
        st.dataframe(
            results.assign(explorer=[explorer_link(view, a) for a in results["article_id"]])[
                ["day", "direction", "title", "outlet", "stance", "mentions", "explorer", "article_id", "url"]],
            hide_index=True, key="search-results",
            column_config={
                "day": st.column_config.DateColumn(format="YYYY-MM-DD"),
                "stance": st.column_config.NumberColumn(format="%+.2f", help=STANCE_DEFINITION),
                "explorer": st.column_config.LinkColumn(display_text=t("open_article", lang)),
                "url": st.column_config.LinkColumn(),
            },
        )

article_id = st.text_input(t("article_id", lang), key="article", bind="query-params",
                           help="Set by the “open” links of every evidence table; paste an id to open any article.")
if not article_id.strip():
    st.caption("Open an article from any evidence table (the “open” column) or search results, or paste its id.")
    st.stop()

detail = cache.article_detail(view.data_dir, view.snapshot_stamp, article_id.strip(), view.model_version)
if detail.header is None:
    st.warning(f"No article with id `{article_id}` in this snapshot.", icon=":material/help:")
    st.stop()
head = detail.header
st.subheader(head["title"] or "(untitled)")
published = head["published"]
st.markdown(
    f"[{head['url']}]({head['url']}) · {head['outlet_name'] or head['source_key']} · "
    f"{'published ' + pd.Timestamp(published).strftime('%Y-%m-%d') if not pd.isna(published) else 'no publication date'}"
    f" · language `{head['language']}` · {head['direction']}"
)
st.caption(
    f"Article `{head['article_id']}` · also at: {head['outlets']} · first stored by run `{head['first_run_id']}` · "
    f"model `{view.model_version}`, analysed by run `{head['analysis_run_id'] or '—'}` · stance "
    f"{signed(head['stance'])} ({STANCE_DEFINITION})"
)
if pd.isna(head["model_version"]):
    st.info(f"Model version `{view.model_version}` has not analysed this article.", icon=":material/info:")


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
            f"{m['surface']}: {m['label']} (neg {m['p_negative']:.2f} / neu {m['p_neutral']:.2f} / pos "
            f"{m['p_positive']:.2f}, run {m['run_id']})" for _, m in scored.iterrows()
        )
        parts.append(
            f'<span style="background:{SENTIMENT_BACKGROUND[strongest["label"]]};border-radius:3px;padding:1px 2px" '
            f'title="{html.escape(title, quote=True)}">{"".join(pieces)}</span>'
            f'<sup style="font-size:0.7em"> [{index}·{html.escape(str(strongest["label"]))}]</sup>'
        )
    return " ".join(parts)


st.markdown(
    " ".join(f'<span style="background:{c};padding:1px 6px;border-radius:3px">{label}</span>'
             for label, c in SENTIMENT_BACKGROUND.items())
    + " — sentences that mention the other country, coloured by the label of their most strongly scored mention "
      "(hover for every mention's probabilities); the mention itself is underlined.",
    unsafe_allow_html=True,
)
st.markdown(f'<div style="line-height:1.7">{render_sentences(detail.sentences)}</div>', unsafe_allow_html=True)

st.markdown("**Target mentions**")
mentions = detail.sentences.dropna(subset=["label"])
st.dataframe(mentions[["sentence_index", "surface", "label", "p_negative", "p_neutral", "p_positive", "run_id",
                       "text"]].rename(columns={"text": "sentence"}),
             hide_index=True, key="article-mentions")
st.markdown("**Frames and their evidence**")
if detail.frames.empty:
    st.caption("No frame scores for this model version.")
else:
    st.dataframe(detail.frames, hide_index=True, key="article-frames",
                 column_config={"score": st.column_config.NumberColumn(format="%.2f"),
                                "leading": st.column_config.CheckboxColumn(
                                    help="Counted as a leading frame (over the threshold, among the top frames)")})
