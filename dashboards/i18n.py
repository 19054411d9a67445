"""The interface's strings in English and Spanish. Data (titles, sentences, outlet names) is never translated.

`t(key, lang)` gives the string; a key missing from the Spanish column falls back to English, and an
unknown key raises, so a typo shows up in the tests rather than as a blank label.
"""

from __future__ import annotations

LANGUAGES = {"en": "English", "es": "Español"}

STRINGS: dict[str, tuple[str, str]] = {
    # navigation
    "page.mirrors": ("Two mirrors", "Dos espejos"),
    "page.trends": ("Trends and narrative shifts", "Tendencias y giros narrativos"),
    "page.frames": ("Frames", "Encuadres"),
    "page.outlets": ("Outlets", "Medios"),
    "page.diplomacy": ("Public-diplomacy tracker", "Seguimiento de diplomacia pública"),
    "page.explorer": ("Article explorer", "Explorador de artículos"),
    "page.opinion": ("Public-opinion reference", "Referencia de opinión pública"),
    "page.health": ("Runs and data health", "Corridas y salud de los datos"),
    "page.export": ("Export", "Exportar"),
    # sidebar
    "filters": ("Filters", "Filtros"),
    "interface_language": ("Interface", "Interfaz"),
    "model_version": ("Model version", "Versión del modelo"),
    "dates": ("Dates", "Fechas"),
    "outlets": ("Outlets", "Medios"),
    "outlets_all": ("All outlets", "Todos los medios"),
    "languages": ("Article language", "Idioma del artículo"),
    "languages_all": ("All languages", "Todos los idiomas"),
    "topic": ("Topic", "Tema"),
    "frame": ("Frame", "Encuadre"),
    "all": ("All", "Todos"),
    "latest_run": ("Latest run", "Última corrida"),
    "no_run": ("No run recorded.", "No hay corridas registradas."),
    "data_folder": ("Data folder", "Carpeta de datos"),
    "share_link": ("Link to this view", "Enlace a esta vista"),
    "share_link_help": ("Filters and page live in the URL: copy it to share this view.",
                        "Los filtros y la página van en la URL: cópiela para compartir esta vista."),
    # directions
    "us->mx": ("U.S. media on Mexico", "Medios de EE. UU. sobre México"),
    "mx->us": ("Mexican media on the U.S.", "Medios mexicanos sobre EE. UU."),
    # common
    "articles": ("Articles", "Artículos"),
    "scored_mentions": ("Scored mentions", "Menciones puntuadas"),
    "mean_stance": ("Mean stance", "Postura media"),
    "share_negative": ("Share negative", "Proporción negativa"),
    "leading_frames": ("Leading frames", "Encuadres principales"),
    "vs_previous": ("vs previous", "vs periodo anterior"),
    "previous_period": ("Previous period", "Periodo anterior"),
    "no_match": ("No articles match these filters. Widen the dates, or clear the outlet, language, topic or "
                 "frame filter in the sidebar.",
                 "Ningún artículo coincide con estos filtros. Amplíe las fechas o quite el filtro de medio, "
                 "idioma, tema o encuadre en la barra lateral."),
    "open_article": ("open", "abrir"),
    "evidence": ("Articles and the sentences behind their scores",
                 "Artículos y las oraciones detrás de sus puntuaciones"),
    "grain": ("Period", "Periodo"),
    "day": ("Day", "Día"),
    "week": ("Week", "Semana"),
    "month": ("Month", "Mes"),
    "change_points": ("Change points", "Puntos de cambio"),
    "vocabulary": ("Distinctive vocabulary", "Vocabulario distintivo"),
    "search": ("Search titles and text", "Buscar en títulos y texto"),
    "article_id": ("Article id", "Id del artículo"),
    "download_csv": ("CSV", "CSV"),
    "download_parquet": ("Parquet", "Parquet"),
    "different_measure": (
        "A different measure: survey percentages of people favourable to the other country, not media sentiment.",
        "Otra medida: porcentajes de encuesta de personas con opinión favorable del otro país, no el tono de "
        "los medios."),
    "empty_title": ("No published data yet", "Aún no hay datos publicados"),
    "stale_snapshot": (
        "This snapshot was published before the dashboard's tables existed (migration 002). Run `espejo run` "
        "(or `espejo demo`) once to rebuild the aggregates, then reload.",
        "Esta instantánea se publicó antes de que existieran las tablas del tablero (migración 002). Ejecute "
        "`espejo run` (o `espejo demo`) una vez para reconstruir los agregados y recargue."),
}


def t(key: str, lang: str = "en") -> str:
    en, es = STRINGS[key]
    return es if lang == "es" and es else en
