"""Runs and data health: recent runs, each outlet's crawl results and failures, outlets whose volume is
unusually low or high against their own history (robust z-score), and every figure measured on real news
for the model version on screen."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from espejo.dashboards import analysis, cache, data
from espejo.dashboards.i18n import t
from espejo.dashboards.model_quality import MEASURE_FRAMES, MEASURE_SENTIMENT
from espejo.dashboards.ui import column_labels, quality_line, unit_label
from espejo.dashboards.view import current_view
from espejo.warehouse.load import SCORE_ATTEMPTS

view = current_view()
lang = view.lang
st.title(t("page.health", lang))

runs = cache.recent_runs(view.data_dir, view.snapshot_stamp)
st.subheader(t("recent_runs", lang))
if runs.empty:
    st.info(t("no_run_yet", lang), icon=":material/info:")
else:
    latest = runs.iloc[0]
    a, b, c, d = st.columns(4)
    a.metric(t("runs_recorded", lang), f"{len(runs)}")
    b.metric(t("latest_status", lang), str(latest["status"]))
    c.metric(t("sources_failed_latest", lang), "—" if pd.isna(latest["sources_failed"])
             else f"{int(latest['sources_failed'])}")
    d.metric(t("new_articles_latest", lang), "—" if pd.isna(latest["articles_new"]) else f"{int(latest['articles_new'])}")
    st.dataframe(runs, hide_index=True, key="runs-table", column_config=column_labels(lang, runs.columns))

sources = cache.run_sources(view.data_dir, view.snapshot_stamp)
st.subheader(t("outlets_per_run", lang))
if sources.empty:
    st.caption(t("no_outlet_results", lang))
else:
    failed = sources[sources["status"] != "ok"]
    if failed.empty:
        st.success(t("no_outlet_failed", lang), icon=":material/check_circle:")
    else:
        st.error(t("failed_crawls", lang, n=len(failed)), icon=":material/error:")
        st.dataframe(failed, hide_index=True, key="failed-table", column_config=column_labels(lang, failed.columns))
    per_source = sources.groupby(["source_key", "name", "country"], dropna=False).agg(
        runs=("run_id", "nunique"), failures=("status", lambda s: int((s != "ok").sum())),
        items_last=("items", "first"), items_median=("items", "median")).reset_index()
    st.dataframe(per_source, hide_index=True, key="per-source", column_config=column_labels(lang, per_source.columns))
    # Items per run: the latest run against the outlet's earlier runs.
    rows = []
    for key, group in sources.sort_values("started_at").groupby("source_key"):
        if len(group) >= 4:
            z = analysis.robust_z(group["items"].astype(float))
            rows.append((key, int(group["items"].iloc[-1]), float(group["items"].iloc[:-1].median()),
                         float(z.iloc[-1]) if z.notna().iloc[-1] else None))
    if rows:
        st.markdown(f"**{t('items_vs_earlier', lang)}**")
        z_columns = ["source_key", "items_latest", "items_median_before", "robust_z"]
        st.dataframe(pd.DataFrame(rows, columns=z_columns), hide_index=True, key="run-z",
                     column_config=column_labels(lang, z_columns))

# Page problems of the latest run (migration 004): what was lost or stored with a caveat, and why.
# Strings kept here until they join espejo.dashboards.i18n.
_PROBLEM_TEXT = {
    "title": ("Page problems in the latest run", "Problemas de páginas en la última corrida"),
    "none": ("No page problems were recorded in the latest run.",
             "La última corrida no registró problemas de páginas."),
    "count": ("{n} page problems in the latest run, by outlet and kind; the rows below say what happened to each page.",
              "{n} problemas de páginas en la última corrida, por medio y tipo; las filas de abajo dicen qué pasó con cada página."),
    # Articles the analysis could not score (migration 007).
    "score_title": ("Articles that could not be scored", "Artículos que no se pudieron puntuar"),
    "score_none": ("Every stored article was scored: no analysis failed.",
                   "Todos los artículos guardados se puntuaron: ningún análisis falló."),
    "score_count": ("{n} articles could not be scored. A run that meets such an article records it and goes on; "
                    "the next run tries it once more, and after {attempts} failed attempts it is left here until "
                    "the model version changes.",
                    "{n} artículos no se pudieron puntuar. Una corrida que encuentra uno lo registra y sigue; la "
                    "siguiente lo intenta una vez más, y tras {attempts} intentos fallidos queda aquí hasta que "
                    "cambie la versión del modelo."),
    "col.attempt": ("attempt", "intento"),
    "col.error_type": ("error type", "tipo de error"),
    "col.location": ("raised at", "lanzado en"),
    "col.failed_at": ("failed at", "falló el"),
}


def _problem_text(key: str, **values) -> str:
    en, es = _PROBLEM_TEXT[key]
    return (es if lang == "es" else en).format(**values)


problems = data.crawl_problems(view.data_dir)
st.subheader(_problem_text("title"))
if problems.empty:
    st.caption(_problem_text("none"))
else:
    st.markdown(_problem_text("count", n=len(problems)))
    by_kind = problems.pivot_table(index="source_key", columns="kind", values="url", aggfunc="count",
                                   fill_value=0).reset_index()
    st.dataframe(by_kind, hide_index=True, key="problems-by-kind", column_config=column_labels(lang, ["source_key"]))
    problem_rows = problems[["source_key", "kind", "url", "detail"]]
    st.dataframe(problem_rows, hide_index=True, key="problems-table",
                 column_config=column_labels(lang, problem_rows.columns))

failures = data.score_failures(view.data_dir)
st.subheader(_problem_text("score_title"))
if failures.empty:
    st.caption(_problem_text("score_none"))
else:
    st.warning(_problem_text("score_count", n=len(failures), attempts=SCORE_ATTEMPTS), icon=":material/warning:")
    failure_rows = failures[["source_key", "title", "url", "error_type", "error", "location", "attempt", "run_id",
                             "failed_at", "model_version"]]
    local_labels = {c: {"label": _problem_text(f"col.{c}")} for c in ("attempt", "error_type", "location", "failed_at")}
    st.dataframe(failure_rows, hide_index=True, key="score-failures-table",
                 column_config=column_labels(lang, failure_rows.columns, local_labels))

st.subheader(t("unusual_volume", lang))
weekly = cache.source_weekly_volume(view.data_dir, view.snapshot_stamp)
if weekly.empty:
    st.caption(t("no_articles_stored", lang))
else:
    flags = analysis.unusual_volumes(weekly)
    unusual = flags[flags["status"].isin(["high", "low"])]
    if unusual.empty:
        st.success(t("no_unusual_volume", lang), icon=":material/check_circle:")
    else:
        st.warning(t("unusual_outlets", lang, n=len(unusual), outlets=", ".join(
            f"{r.source_key} ({t(f'volume_status.{r.status}', lang)})" for r in unusual.itertuples())),
            icon=":material/warning:")
    st.dataframe(flags, hide_index=True, key="volume-flags",
                 column_config=column_labels(lang, flags.columns, {
                     "robust_z": st.column_config.NumberColumn(format="%+.1f"),
                     "latest_week": st.column_config.DateColumn(format="YYYY-MM-DD")}))
    st.caption(t("volume_caption_health", lang))

st.subheader(t("model_quality", lang))
quality = cache.model_quality(view.model_version)
if quality.error:
    st.warning(t("quality_file_error", lang, error=quality.error), icon=":material/warning:")
elif quality.rows.empty:
    st.info(t("model_not_measured", lang, model=view.model_version, sentiment=MEASURE_SENTIMENT,
              frames=MEASURE_FRAMES), icon=":material/info:")
else:
    if not quality.headline():  # frames measured, sentiment not (or not on realnews dev)
        st.info(quality_line(quality, lang), icon=":material/info:")
    measured = quality.rows.assign(unit=[unit_label(u, lang) for u in quality.rows["unit"]])
    st.dataframe(measured, hide_index=True, key="model-quality",
                 column_config=column_labels(lang, measured.columns, {
                     "value": st.column_config.NumberColumn(format="%.3f"),
                     "command": st.column_config.TextColumn(width="large")}))
    st.caption(t("model_quality_caption", lang, model=view.model_version, path=quality.path))
