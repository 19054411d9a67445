"""Validation: researchers draw a sample of the scored mentions and articles, code it blind, and see how far
the coders agree with each other (Krippendorff's α) and with the model (macro-F1, accuracy, confusion matrix),
for the model version on screen and the one the sample was drawn under.

Codings live in a store of their own (`codings.duckdb` in the data folder, `espejo.warehouse.codings`), never
in the read-only snapshot. Every click is saved at once, so a reload, a closed tab or a second coder resumes at
the next item; the model's answer is never on screen while an item is being coded."""

from __future__ import annotations

import html
import json

import pandas as pd
import streamlit as st

from espejo.dashboards import cache, charts
from espejo.dashboards.charts import frame_label
from espejo.dashboards.i18n import has, t
from espejo.dashboards.ui import column_labels, filters_caption
from espejo.dashboards.view import current_view
from espejo.warehouse import codings

# Keyboard shortcuts of the coding buttons (Streamlit reserves C and R).
SHORTCUTS = {"negative": "1", "neutral": "2", "positive": "3", "n/a": "4", "skip": "S", "undo": "Z"}
KINDS = ("mention", "article")
TARGET_BACKGROUND = "rgba(240, 228, 66, 0.55)"  # Okabe–Ito yellow: marks the target, says nothing of a label
MESSAGE_KEY = "validation-last-action"  # what the last click did, shown above the next item

view = current_view()
lang = view.lang
data_dir = view.data_dir
st.title(t("page.validation", lang))
st.caption(t("validation.intro", lang))


def number(value, digits: int = 2) -> str:
    return "—" if value is None or (isinstance(value, float) and pd.isna(value)) else f"{value:.{digits}f}"


def interval(figures: dict, key: str) -> str:
    low, high = figures.get(f"{key}_low"), figures.get(f"{key}_high")
    return "—" if low is None or high is None else f"{number(low)} – {number(high)}"


def label_name(label: str) -> str:
    """A coding label (negative / neutral / positive / n/a) as the buttons name it."""
    return t(f"validation.label.{label}", lang) if has(f"validation.label.{label}") else label


def group_label(group: str) -> str:
    """A group of the report (all, a direction, a language, train / holdout) in the interface language."""
    for key in (f"validation.group.{group}", group, f"lang.{group}"):
        if has(key):
            return t(key, lang)
    return group


def sample_frame_keys(info: codings.SampleInfo) -> list[str]:
    """The frames coders choose from: the codebook's keys, as the sample recorded them when it was drawn."""
    return list(info.design.get("frame_keys") or view.frame_labels)


# --- 1. draw a sample -------------------------------------------------------------------------------


def newest_first() -> list[codings.SampleInfo]:
    # Only look: opening the store would create it, and a visit is no reason to write to the data folder.
    return codings.list_samples(data_dir)[::-1] if codings.codings_path(data_dir).exists() else []


samples = newest_first()
just_drawn = False
st.subheader(t("validation.draw", lang))
with st.expander(t("validation.draw_form", lang), expanded=not samples, icon=":material/casino:"):
    st.caption(t("validation.draw_uses", lang, filters=filters_caption(view)))
    with st.form("draw-sample"):
        name = st.text_input(t("validation.sample_name", lang), key="draw-name",
                             placeholder=t("validation.sample_name_placeholder", lang),
                             help=t("validation.sample_name_help", lang))
        left, right = st.columns(2)
        n_mentions = left.number_input(t("validation.n_mentions", lang), min_value=0, max_value=5000, value=50,
                                       step=10, key="draw-mentions", help=t("validation.n_mentions_help", lang))
        n_articles = right.number_input(t("validation.n_articles", lang), min_value=0, max_value=2000, value=20,
                                        step=5, key="draw-articles", help=t("validation.n_articles_help", lang))
        strata = st.multiselect(t("validation.strata", lang), list(codings.STRATA), default=["direction"],
                                format_func=lambda s: t(f"validation.stratum.{s}", lang), key="draw-strata",
                                help=t("validation.strata_help", lang))
        left, right = st.columns(2)
        overlap = left.slider(t("validation.overlap", lang), min_value=0.0, max_value=1.0, value=0.2, step=0.05,
                              key="draw-overlap", help=t("validation.overlap_help", lang))
        seed = right.number_input(t("validation.seed", lang), min_value=0, value=13, step=1, key="draw-seed",
                                  help=t("validation.seed_help", lang))
        drawn = st.form_submit_button(t("validation.draw_button", lang), type="primary", key="draw-submit",
                                      icon=":material/casino:")
    if drawn and not name.strip():
        st.error(t("validation.need_name", lang), icon=":material/error:")
    elif drawn:
        try:
            info = codings.draw_sample(
                data_dir,
                codings.SampleDesign(name=name.strip(), mentions=int(n_mentions), articles=int(n_articles),
                                     strata=tuple(strata), overlap=float(overlap), seed=int(seed)),
                view.filters.params(), frame_keys=list(view.frame_labels))
        except codings.SampleExists:
            st.error(t("validation.sample_exists", lang, name=name.strip()), icon=":material/error:")
        except codings.CodingsError as error:
            st.error(t("validation.draw_failed", lang, error=error), icon=":material/error:")
        else:
            # The sample picker below opens on the new sample (it is bound to the URL, so the link follows).
            st.session_state["sample"] = info.name
            st.success(t("validation.drawn", lang, name=info.name, mentions=info.n_mentions,
                         articles=info.n_articles), icon=":material/check_circle:")
            samples = newest_first()
            just_drawn = True

if not samples:
    st.info(t("validation.no_samples", lang), icon=":material/info:")
    st.stop()

# --- 2. code ----------------------------------------------------------------------------------------

st.subheader(t("validation.code", lang))
by_name = {s.name: s for s in samples}
if st.session_state.get("sample") not in by_name:
    st.session_state.pop("sample", None)  # a link to a sample this data folder does not hold
left, right = st.columns(2)
sample_name = left.selectbox(t("validation.sample", lang), list(by_name), key="sample", bind="query-params",
                             help=t("validation.sample_help", lang))
coder = right.text_input(t("validation.coder", lang), key="coder", bind="query-params",
                         placeholder=t("validation.coder_placeholder", lang), help=t("validation.coder_help", lang))
coder = (coder or "").strip()
info = by_name[sample_name]


def design_table(info: codings.SampleInfo) -> pd.DataFrame:
    """The sample's design as (setting, value) rows: what was asked for and what the filters held."""
    rows = [("model_version", info.model_version),
            ("created_at", pd.Timestamp(info.created_at).strftime("%Y-%m-%d %H:%M UTC")),
            ("snapshot_run_id", info.snapshot_run_id or "—"), ("n_mentions", info.n_mentions),
            ("n_articles", info.n_articles)]
    rows += [(key, value) for key, value in info.design.items() if key not in ("name", "frame_keys")]
    # The topic's pattern is derived from its key; the model version is shown above.
    rows += [(f"filter.{key}", value) for key, value in info.filters.items()
             if value not in (None, [], "") and key not in ("topic_pattern", "model_version")]
    return pd.DataFrame({
        "setting": [t(f"validation.design.{k}", lang) if has(f"validation.design.{k}") else k for k, _ in rows],
        "value": [v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str) for _, v in rows],
    })


with st.expander(t("validation.design", lang, name=info.name), expanded=just_drawn, icon=":material/tune:"):
    st.dataframe(design_table(info), hide_index=True, key="sample-design",
                 column_config=column_labels(lang, ["setting", "value"]))


def highlighted_sentence(item: dict) -> str:
    """The sentence with the target marked; everything escaped (article text is data, never markup)."""
    sentence = str(item.get("sentence") or "")
    start, end = item.get("target_start"), item.get("target_end")
    if start is None or end is None or pd.isna(start) or pd.isna(end):
        return html.escape(sentence)
    if not 0 <= int(start) < int(end) <= len(sentence):
        return html.escape(sentence)
    start, end = int(start), int(end)
    return (html.escape(sentence[:start])
            + f'<mark style="background:{TARGET_BACKGROUND};padding:1px 3px;border-radius:3px"><b>'
            + html.escape(sentence[start:end]) + "</b></mark>" + html.escape(sentence[end:]))


def plain_text_block(text: str, size: str = "1rem") -> str:
    # One line of HTML, so Markdown leaves the (escaped) text alone whatever it holds.
    body = html.escape(text).replace("\n", "<br>")
    return f'<div style="font-size:{size};line-height:1.6">{body}</div>'


def item_context(item: dict) -> str:
    day = item.get("day")
    parts = [str(item.get("outlet") or item.get("source_key") or "—"),
             pd.Timestamp(day).strftime("%Y-%m-%d") if day is not None and not pd.isna(day) else "—",
             t(item["direction"], lang) if has(str(item.get("direction"))) else str(item.get("direction")),
             t("language_code", lang, code=item.get("language") or "?")]
    return " · ".join(parts)


def remember(kind: str, text: str) -> None:
    st.session_state[MESSAGE_KEY] = (kind, text)


def save_coding(name: str, coder: str, item_id: str, kind: str, label: str) -> None:
    frames: list[str] = []
    if kind == "article":
        frames = list(st.session_state.get(f"frames-{item_id}") or [])
        if not 1 <= len(frames) <= 3:
            remember("warning", t("validation.choose_frames", lang))
            return
    try:
        codings.record_coding(data_dir, name, item_id, coder, label=label, frames=frames)
    except codings.CodingsError as error:
        remember("error", t("validation.not_saved", lang, error=error))
        return
    remember("saved", t("validation.saved", lang, label=label_name(label), item=item_id))


def skip_item(name: str, coder: str, item_id: str) -> None:
    codings.record_skip(data_dir, name, item_id, coder)
    remember("saved", t("validation.skipped", lang, item=item_id))


def undo_last(name: str, coder: str) -> None:
    item_id = codings.undo_last(data_dir, name, coder)
    if item_id is None:
        remember("info", t("validation.nothing_to_undo", lang))
    else:
        remember("saved", t("validation.undone", lang, item=item_id))


def show_last_action() -> None:
    kind, text = st.session_state.pop(MESSAGE_KEY, (None, None))
    if kind == "saved":
        st.caption(f":material/check: {text}")
    elif kind == "warning":
        st.warning(text, icon=":material/warning:")
    elif kind == "error":
        st.error(text, icon=":material/error:")
    elif kind == "info":
        st.info(text, icon=":material/info:")


def label_buttons(name: str, coder: str, item_id: str | None, kind: str) -> None:
    labels = codings.MENTION_LABELS if kind == "mention" else codings.TONES
    buttons = st.columns(len(labels) + 2)
    for column, label in zip(buttons, labels, strict=False):
        column.button(label_name(label), key=f"code-{label}", shortcut=SHORTCUTS[label],
                      on_click=save_coding, args=(name, coder, item_id, kind, label), disabled=item_id is None,
                      width="stretch", help=t(f"validation.label_help.{label}", lang))
    buttons[-2].button(t("validation.skip", lang), key="code-skip", shortcut=SHORTCUTS["skip"], on_click=skip_item,
                       args=(name, coder, item_id), disabled=item_id is None, width="stretch", type="tertiary",
                       icon=":material/skip_next:", help=t("validation.skip_help", lang))
    buttons[-1].button(t("validation.undo", lang), key="code-undo", shortcut=SHORTCUTS["undo"], on_click=undo_last,
                       args=(name, coder), width="stretch", type="tertiary", icon=":material/undo:",
                       help=t("validation.undo_help", lang))


# A fragment: a click reruns only the coding panel, not the reliability figures below (their bootstrap takes
# a moment), so coding stays quick. The figures catch up at the next full rerun.
@st.fragment
def coding_panel(info: codings.SampleInfo, coder: str) -> None:
    kinds = [k for k in KINDS if (info.n_mentions if k == "mention" else info.n_articles)]
    kind = st.segmented_control(t("validation.kind", lang), kinds, default=kinds[0], required=True,
                                format_func=lambda k: t(f"validation.kind.{k}", lang), key="validation-kind")
    kind = kind or kinds[0]
    progress, item = codings.coding_state(data_dir, info.name, coder, kind)  # one read per click
    done, total = progress[kind]
    kind_name = t(f"validation.kind.{kind}", lang)
    st.progress(done / total if total else 1.0, text=t("validation.progress", lang, done=done, total=total,
                                                       kind=kind_name))
    show_last_action()
    if item is None:
        st.success(t("validation.queue_done", lang, kind=kind_name), icon=":material/task_alt:")
        label_buttons(info.name, coder, None, kind)
        return
    item_id = str(item["item_id"])
    with st.container(border=True, key="coding-item"):
        # The item's id first: the browser test reads it from the first code span.
        st.markdown(f":gray[`{item_id}` · {html.escape(item_context(item))}]")
        if kind == "mention":
            st.markdown(f'<div style="font-size:1.3rem;line-height:1.6">{highlighted_sentence(item)}</div>',
                        unsafe_allow_html=True)
            target = item.get("surface") or item.get("target") or "?"
            st.caption(t("validation.mention_question", lang, target=target))
            with st.expander(t("validation.show_article", lang), icon=":material/article:"):
                st.markdown(f"**{html.escape(str(item.get('title') or t('untitled', lang)))}**")
                st.markdown(plain_text_block(str(item.get("article_text") or "")), unsafe_allow_html=True)
        else:
            st.markdown(f"#### {html.escape(str(item.get('title') or t('untitled', lang)))}")
            text = str(item.get("article_text") or "")
            # A long article scrolls in its own box, so the frames and the buttons stay in view.
            with st.container(height=360 if len(text) > 1500 else "content", border=False):
                st.markdown(plain_text_block(text), unsafe_allow_html=True)
            labels = view.frame_labels
            st.multiselect(t("validation.frames", lang), sample_frame_keys(info), max_selections=3,
                           format_func=lambda k: frame_label(k, lang, labels), key=f"frames-{item_id}",
                           placeholder=t("validation.frames_placeholder", lang),
                           help=t("validation.frames_help", lang))
            st.caption(t("validation.article_question", lang))
        if item.get("url"):
            st.markdown(f":gray[{html.escape(str(item['url']))}]")
    label_buttons(info.name, coder, item_id, kind)
    st.caption(t(f"validation.shortcuts.{kind}", lang))


if coder:
    coding_panel(info, coder)
else:
    st.info(t("validation.need_coder", lang), icon=":material/badge:")

# --- 3. reliability and agreement ------------------------------------------------------------------

st.subheader(t("validation.report", lang))


def alpha_interval(figures: dict) -> str:
    return f"{number(figures.get('low'))} – {number(figures.get('high'))}"


def alpha_rows(alphas: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [{"group": group_label(group), "alpha": a.get("alpha"), "alpha_low": a.get("low"),
          "alpha_high": a.get("high"), "units": a.get("units"), "codings": a.get("codings")}
         for group, a in alphas.items() if isinstance(a, dict)],
        columns=["group", "alpha", "alpha_low", "alpha_high", "units", "codings"])


def agreement_rows(groups: dict, version: str | None = None) -> pd.DataFrame:
    rows = [{"model_version": version, "group": group_label(group), "n": a.get("n"), "macro_f1": a.get("macro_f1"),
             "macro_f1_low": a.get("macro_f1_low"), "macro_f1_high": a.get("macro_f1_high"),
             "accuracy": a.get("accuracy"), "accuracy_low": a.get("accuracy_low"),
             "accuracy_high": a.get("accuracy_high")} for group, a in groups.items() if isinstance(a, dict)]
    frame = pd.DataFrame(rows, columns=["model_version", "group", "n", "macro_f1", "macro_f1_low", "macro_f1_high",
                                        "accuracy", "accuracy_low", "accuracy_high"])
    return frame if version else frame.drop(columns="model_version")


def per_label_rows(per_label: dict, column: str, name=lambda x: x) -> pd.DataFrame:
    return pd.DataFrame(
        [{column: name(key), "precision": v.get("precision"), "recall": v.get("recall"), "f1": v.get("f1"),
          "support": v.get("support")} for key, v in (per_label or {}).items()],
        columns=[column, "precision", "recall", "f1", "support"])


def confusion_frame(confusion: dict) -> pd.DataFrame:
    labels = [label_name(x) for x in confusion.get("labels", [])]
    matrix = confusion.get("matrix", [])
    return pd.DataFrame([{"truth": labels[i], "predicted": labels[j], "items": int(count)}
                         for i, row in enumerate(matrix) for j, count in enumerate(row)],
                        columns=["truth", "predicted", "items"])


FIGURE_FORMATS = {c: st.column_config.NumberColumn(format="%.2f") for c in (
    "alpha", "alpha_low", "alpha_high", "macro_f1", "macro_f1_low", "macro_f1_high", "accuracy", "accuracy_low",
    "accuracy_high", "precision", "recall", "f1", "frames_micro_f1", "frames_macro_f1", "rho")}


def table(frame: pd.DataFrame, key: str) -> None:
    st.dataframe(frame, hide_index=True, key=key, column_config=column_labels(lang, frame.columns, FIGURE_FORMATS))


def confusion_chart(confusion: dict | None, title: str, key: str) -> None:
    frame = confusion_frame(confusion or {})
    if frame.empty or not frame["items"].sum():
        return
    # Fixed-size cells: Streamlit would squeeze a layered chart's rows into its default height.
    st.altair_chart(charts.confusion_chart(frame, title, lang), key=key, width="content")


def mention_section(report: dict, model_version: str) -> None:
    alphas = report.get("alpha") or {}
    overall = alphas.get("all") or {}
    model = report.get("model") or {}
    agreement = model.get("all") or {}
    a, b, c, d = st.columns(4)
    a.metric(t("validation.coded_items", lang), f"{report.get('coded_items', 0)} / {report.get('items', 0)}",
             help=t("validation.coded_items_help", lang))
    b.metric(t("validation.alpha", lang), number(overall.get("alpha")),
             help=t("validation.alpha_help", lang, interval=alpha_interval(overall), units=overall.get("units") or 0))
    n = agreement.get("n") or 0
    c.metric(t("validation.macro_f1", lang), number(agreement.get("macro_f1")),
             help=t("validation.macro_f1_help", lang, interval=interval(agreement, "macro_f1"), n=n))
    d.metric(t("validation.accuracy", lang), number(agreement.get("accuracy")),
             help=t("validation.accuracy_help", lang, interval=interval(agreement, "accuracy"), n=n))
    majority = report.get("majority") or {}
    coders = report.get("coders") or {}
    st.caption(t("validation.mention_caption", lang, model=model_version, coders=len(coders),
                 majority=majority.get("items", 0), na=majority.get("n/a", 0), tied=majority.get("no_majority", 0)))
    st.markdown(f"**{t('validation.alpha_table', lang)}**")
    table(alpha_rows(alphas), "mention-alpha")
    st.caption(t("validation.alpha_caption", lang))
    st.markdown(f"**{t('validation.agreement_table', lang, model=model_version)}**")
    table(agreement_rows(model), "mention-agreement")
    confusion_and_labels(agreement, t("validation.confusion_title", lang), "mention")
    if coders:
        st.markdown(f"**{t('validation.coders_table', lang)}**")
        table(pd.DataFrame({"coder": list(coders), "codings": list(coders.values())}), "mention-coders")


def confusion_and_labels(agreement: dict, title: str, key: str) -> None:
    """The coders' majority against the model as a heatmap, beside each label's precision, recall and F1."""
    left, right = st.columns(2)
    with left:
        confusion_chart(agreement.get("confusion"), title, f"{key}-confusion")
    with right:
        table(per_label_rows(agreement.get("per_label"), "label", label_name), f"{key}-per-label")


def article_groups(report: dict) -> pd.DataFrame:
    """Per group of articles (all, each direction and language, train / holdout): tone α, the model's tone
    and frames against the coders, and the stance's correlation with the coders' tone."""
    groups = {"all": {"items": report.get("items"), **{k: report.get(k) for k in
                                                      ("tone_alpha", "frames", "tone", "stance_spearman")}},
              **(report.get("by_group") or {})}
    rows = []
    for group, figures in groups.items():
        tone, frames = figures.get("tone") or {}, figures.get("frames") or {}
        rows.append({"group": group_label(group), "n": tone.get("n"),
                     "alpha": (figures.get("tone_alpha") or {}).get("alpha"), "macro_f1": tone.get("macro_f1"),
                     "accuracy": tone.get("accuracy"), "frames_micro_f1": frames.get("micro_f1"),
                     "frames_macro_f1": frames.get("macro_f1"),
                     "rho": (figures.get("stance_spearman") or {}).get("rho")})
    return pd.DataFrame(rows, columns=["group", "n", "alpha", "macro_f1", "accuracy", "frames_micro_f1",
                                       "frames_macro_f1", "rho"])


def article_section(report: dict, model_version: str) -> None:
    tone_alpha = report.get("tone_alpha") or {}
    frames = report.get("frames") or {}
    tone = report.get("tone") or {}
    spearman = report.get("stance_spearman") or {}
    a, b, c, d = st.columns(4)
    a.metric(t("validation.tone_alpha", lang), number(tone_alpha.get("alpha")),
             help=t("validation.alpha_help", lang, interval=alpha_interval(tone_alpha),
                    units=tone_alpha.get("units") or 0))
    b.metric(t("validation.frames_micro_f1", lang), number(frames.get("micro_f1")),
             help=t("validation.frames_f1_help", lang, interval=interval(frames, "micro_f1"),
                    n=frames.get("n") or 0))
    c.metric(t("validation.tone_macro_f1", lang), number(tone.get("macro_f1")),
             help=t("validation.macro_f1_help", lang, interval=interval(tone, "macro_f1"), n=tone.get("n") or 0))
    d.metric(t("validation.stance_spearman", lang), number(spearman.get("rho")),
             help=t("validation.stance_spearman_help", lang, n=spearman.get("n") or 0,
                    p=number(spearman.get("p"), 3)))
    st.caption(t("validation.article_caption", lang, model=model_version, macro=number(frames.get("macro_f1")),
                 tied=frames.get("no_majority") or 0))
    def frame_name(key: str) -> str:
        return frame_label(key, lang, view.frame_labels)

    per_frame = per_label_rows(frames.get("per_frame"), "frame", frame_name)
    frame_alpha = alpha_rows({frame_name(k): v for k, v in (report.get("frame_alpha") or {}).items()})
    frame_alpha = frame_alpha.rename(columns={"group": "frame"})
    st.markdown(f"**{t('validation.frame_table', lang)}**")
    table(per_frame.merge(frame_alpha, on="frame", how="outer"), "article-frames")
    st.markdown(f"**{t('validation.article_groups', lang, model=model_version)}**")
    table(article_groups(report), "article-groups")
    confusion_and_labels(tone, t("validation.tone_confusion_title", lang), "article")


def comparison(report: dict, own: dict, sample_version: str) -> None:
    """The model version on screen against the one the sample was drawn under, on the same codings."""
    st.markdown(f"**{t('validation.compare', lang, new=view.model_version, old=sample_version)}**")
    rows = []
    for version, figures in ((view.model_version, report), (sample_version, own)):
        rows.append(agreement_rows((figures.get("mentions") or {}).get("model") or {}, version)
                    .assign(kind=t("validation.kind.mention", lang)))
        articles = figures.get("articles") or {}
        tones = {"all": articles.get("tone"), **{group: part.get("tone") for group, part in
                                                 (articles.get("by_group") or {}).items()}}
        if articles:
            rows.append(agreement_rows({g: v for g, v in tones.items() if v}, version)
                        .assign(kind=t("validation.kind.article", lang)))
    both = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    if not both.empty:
        both = both[["kind", *[c for c in both.columns if c != "kind"]]]
        table(both, "version-comparison")
    st.caption(t("validation.compare_caption", lang))


st.button(t("validation.refresh", lang), key="refresh-report", icon=":material/refresh:", type="tertiary",
          help=t("validation.refresh_help", lang))  # a click reruns the whole page, figures included
stamp = cache.codings_stamp(data_dir)
report = cache.validation_report(data_dir, view.snapshot_stamp, stamp, info.name, view.model_version)
sections = [(kind, report.get(f"{kind}s")) for kind in KINDS if (report.get(f"{kind}s") or {}).get("coded_items")]
if not sections:
    st.info(t("validation.no_codings", lang), icon=":material/info:")
    st.stop()
training = report.get("training") or {}
if any(training.values()):
    st.warning(t("validation.training_items", lang, model=view.model_version, n=training.get("train", 0),
                 held=training.get("holdout", 0)), icon=":material/model_training:")
for kind, figures in sections:
    st.markdown(f"#### {t(f'validation.kind.{kind}', lang)}")
    (mention_section if kind == "mention" else article_section)(figures, view.model_version)
if view.model_version != info.model_version:
    own = cache.validation_report(data_dir, view.snapshot_stamp, stamp, info.name, info.model_version)
    comparison(report, own, info.model_version)
