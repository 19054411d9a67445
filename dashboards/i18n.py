"""The interface's strings in English and Spanish. Data (titles, sentences, outlet names, frame and topic keys,
model labels) is never translated.

`STRINGS` is the table a translator edits: key -> (English, Spanish). Text in braces, such as {model} or {n},
is filled in by the code and must stay as it is in both columns. Keys "col.<name>" are table column headers
(the data keep their column names; exported files too). Every page is checked in Spanish by
tests/test_dashboard_i18n.py, which fails when an English string of this table shows up there.

`t(key, lang, **values)` gives the string; a key missing from the Spanish column falls back to English, and an
unknown key raises, so a typo shows up in the tests rather than as a blank label.
"""

from __future__ import annotations

LANGUAGES = {"en": "English", "es": "Español"}

STRINGS: dict[str, tuple[str, str]] = {
    # navigation
    "page.mirrors": ("Two mirrors", "Dos espejos"),
    "page.stories": ("Stories", "Historias"),
    "page.trends": ("Trends and narrative shifts", "Tendencias y giros narrativos"),
    "page.frames": ("Frames", "Encuadres"),
    "page.outlets": ("Outlets", "Medios"),
    "page.diplomacy": ("Public-diplomacy tracker", "Seguimiento de diplomacia pública"),
    "page.explorer": ("Article explorer", "Explorador de artículos"),
    "page.opinion": ("Public-opinion reference", "Referencia de opinión pública"),
    "page.validation": ("Validation", "Validación"),
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
    # Placeholders in braces ({model}, {n}, …) are filled in by the code: keep them as they are when translating.
    # getting started (no data yet)
    "page.getting_started": ("Getting started", "Primeros pasos"),
    "app_title": ("Espejo — two mirrors", "Espejo — dos espejos"),
    "empty_warehouse": (
        "**No published data yet** in `{data_dir}`.\n\n"
        "The dashboard reads the snapshot a pipeline run publishes (`snapshot.duckdb`). To make one:\n\n"
        "- `espejo demo` crawls and scores the bundled offline news web: a full dashboard, no internet needed;\n"
        "- `espejo run` crawls the real outlets and scores what is new.\n\n"
        "If your data lives elsewhere, point the dashboard at it with `{env}=/path/to/data`.\n"
        "Then reload this page.",
        "**Aún no hay datos publicados** en `{data_dir}`.\n\n"
        "El tablero lee la instantánea que publica cada corrida del proceso (`snapshot.duckdb`). Para crear una:\n\n"
        "- `espejo demo` rastrea y puntúa la red de noticias sin conexión incluida: un tablero completo, sin "
        "necesidad de internet;\n"
        "- `espejo run` rastrea los medios reales y puntúa lo nuevo.\n\n"
        "Si sus datos están en otro lugar, indíquele al tablero dónde con `{env}=/ruta/a/los/datos`.\n"
        "Después recargue esta página."),
    "nothing_analysed": (
        "The snapshot in `{data_dir}` holds no analysed articles yet. Run `espejo run` (or `espejo demo`) to crawl "
        "and score some, then reload this page.",
        "La instantánea en `{data_dir}` aún no contiene artículos analizados. Ejecute `espejo run` (o `espejo demo`) "
        "para rastrear y puntuar algunos y después recargue esta página."),
    # sidebar: help texts and provenance
    "model_version_help": (
        "Every score is stored with the model version that produced it; the newest is first.",
        "Cada puntuación se guarda con la versión del modelo que la produjo; la más reciente aparece primero."),
    "dates_help": (
        "Publication date (fetch date when the page gave none). Comparisons use the period of equal length just "
        "before this one.",
        "Fecha de publicación (la fecha de descarga cuando la página no indica ninguna). Las comparaciones usan el "
        "periodo de igual duración inmediatamente anterior."),
    "topic_help": (
        "Topics and their terms (English and Spanish) are defined in dashboards/topics.toml: {topics}",
        "Los temas y sus términos (en inglés y en español) se definen en dashboards/topics.toml: {topics}"),
    "frame_help": (
        "Keep only articles leading with this frame (score over the threshold and among its top frames).",
        "Conservar solo los artículos cuyo encuadre principal es este (puntuación por encima del umbral y entre "
        "sus encuadres más altos)."),
    "run_started_finished": (
        "Started {started}, finished {finished} ({status}); model {model}",
        "Inició {started}, terminó {finished} ({status}); modelo {model}"),
    "snapshot_published": ("Snapshot published {time} (UTC)", "Instantánea publicada {time} (UTC)"),
    # filters caption
    "caption.model": ("model `{model}`", "modelo `{model}`"),
    "caption.outlets": ("outlets: {values}", "medios: {values}"),
    "caption.languages": ("language: {values}", "idioma: {values}"),
    "caption.topic": ("topic: {value}", "tema: {value}"),
    "caption.frame": ("frame: {value}", "encuadre: {value}"),
    "model_sentence": ("Model `{model}`.", "Modelo `{model}`."),
    # stance
    "stance_definition": (
        "stance = mean over an article's mentions of the other country of P(positive) − P(negative), from −1 "
        "(all negative) to +1 (all positive)",
        "postura = promedio, sobre las menciones del otro país en un artículo, de P(positivo) − P(negativo), de −1 "
        "(todas negativas) a +1 (todas positivas)"),
    # evidence table
    "no_scored_articles": ("No scored articles.", "No hay artículos puntuados."),
    "date_help": ("Publication date, else the fetch date.", "Fecha de publicación; si falta, la fecha de descarga."),
    "explorer_help": (
        "Every sentence of the article, highlighted by its sentiment, with its frames and evidence.",
        "Todas las oraciones del artículo, resaltadas según su sentimiento, con sus encuadres y su evidencia."),
    # two mirrors
    "mirrors_intro": (
        "How U.S. news media portray Mexico (left) and how Mexican news media portray the United States (right): "
        "the same measures on the same axes, so each side is the comparison for the other, and each figure is "
        "compared with the period of equal length just before.",
        "Cómo retratan los medios de EE. UU. a México (izquierda) y cómo retratan los medios mexicanos a Estados "
        "Unidos (derecha): las mismas medidas en los mismos ejes, de modo que cada lado sirve de comparación para el "
        "otro, y cada cifra se compara con el periodo de igual duración inmediatamente anterior."),
    "no_scored_for_model": (
        "No scored articles for model version `{model}` with these filters.",
        "No hay artículos puntuados con la versión del modelo `{model}` y estos filtros."),
    "articles_help": (
        "Relevant articles with at least one scored mention of the other country; a story republished by several "
        "outlets counts once.",
        "Artículos relevantes con al menos una mención puntuada del otro país; una nota republicada por varios "
        "medios cuenta una sola vez."),
    "mentions_help": ("Mentions of the other country given a sentiment score.",
                      "Menciones del otro país que recibieron una puntuación de sentimiento."),
    "mean_stance_help": (
        "Mean of article stance; {definition}. Interval: mean ± t·SD/√n over articles.",
        "Promedio de la postura de los artículos; {definition}. Intervalo: media ± t·DE/√n sobre los artículos."),
    "share_negative_help": ("Share of scored mentions whose most likely label is negative.",
                            "Proporción de menciones puntuadas cuya etiqueta más probable es negativa."),
    "ci_range": ("95% CI {low} to {high}", "intervalo de confianza del 95 % de {low} a {high}"),
    "ci_needs_two": ("95% CI needs ≥ 2 articles", "el intervalo de confianza del 95 % requiere ≥ 2 artículos"),
    "headline_caption": (
        "Mean stance {interval} · n = {n} articles · model `{model}`. {previous_period} ({prev_from} – {prev_to}): "
        "n = {prev_n}, mean stance {prev_mean}, share negative {prev_negative}.",
        "Postura media: {interval} · n = {n} artículos · modelo `{model}`. {previous_period} ({prev_from} – "
        "{prev_to}): n = {prev_n}, postura media {prev_mean}, proporción negativa {prev_negative}."),
    "volume_caption": (
        "Relevant articles with at least one scored mention, by publication month (fetch month when undated); same "
        "scale as the other mirror. Model `{model}`.",
        "Artículos relevantes con al menos una mención puntuada, por mes de publicación (mes de descarga si no "
        "tienen fecha); misma escala que el otro espejo. Modelo `{model}`."),
    "stance_caption": (
        "{definition}. Line: mean over the month's articles; band: 95% interval (t·SD/√n); dashed line: 0 = neutral "
        "on balance. Model `{model}`.",
        "{definition}. Línea: media de los artículos del mes; banda: intervalo de confianza del 95 % (t·DE/√n); "
        "línea discontinua: 0 = neutral en promedio. Modelo `{model}`."),
    "no_frame_scores_model": ("No frame scores for this model version.",
                              "No hay puntuaciones de encuadre para esta versión del modelo."),
    "frame_bars_caption": (
        "Bars: share of the period's scored articles leading with the frame (score over the threshold and among the "
        "article's top frames; an article can lead with several, so shares need not add to 100%). Black ticks: the "
        "previous period. Model `{model}`.",
        "Barras: proporción de los artículos puntuados del periodo cuyo encuadre principal es este (puntuación por "
        "encima del umbral y entre los encuadres más altos del artículo; un artículo puede tener varios, así que las "
        "proporciones no tienen por qué sumar 100 %). Marcas negras: el periodo anterior. Modelo `{model}`."),
    "evidence_caption": (
        "The newest {n} articles at most. Per article: its stance, and the sentence holding its most strongly scored "
        "mention of the other country, with the label and its probabilities (negative / neutral / positive); "
        "*open* shows every sentence in the article explorer.",
        "Los {n} artículos más recientes como máximo. Por artículo: su postura y la oración con su mención del otro "
        "país puntuada con más fuerza, con la etiqueta y sus probabilidades (negativa / neutral / positiva); "
        "*abrir* muestra todas las oraciones en el explorador de artículos."),
    # charts
    "chart.month": ("Month", "Mes"),
    "chart.day": ("Day", "Día"),
    "chart.direction": ("Direction", "Dirección"),
    "chart.period": ("Period", "Periodo"),
    "chart.share": ("Share", "Proporción"),
    "chart.share_scored": ("Share of scored articles", "Proporción de artículos puntuados"),
    "chart.share_articles": ("Share of articles", "Proporción de artículos"),
    "chart.share_outlet": ("Share of the outlet's articles", "Proporción de los artículos del medio"),
    "chart.previous_share": ("Previous period share", "Proporción en el periodo anterior"),
    "chart.previous_articles": ("Previous period articles", "Artículos en el periodo anterior"),
    "chart.articles_n": ("Articles (n)", "Artículos (n)"),
    "chart.articles_in_period": ("Articles in period", "Artículos en el periodo"),
    "chart.ci_from": ("95% interval from", "Intervalo del 95 %: desde"),
    "chart.ci_to": ("95% interval to", "Intervalo del 95 %: hasta"),
    "chart.sd": ("SD", "DE"),
    "chart.share_mentions_negative": ("Share of mentions negative", "Proporción de menciones negativas"),
    "chart.rolling_mean": ("Rolling mean", "Media móvil"),
    "chart.change_point": ("Change point", "Punto de cambio"),
    "chart.before": ("Before", "Antes"),
    "chart.after": ("After", "Después"),
    "chart.method": ("Interval method", "Método del intervalo"),
    "chart.outlet": ("Outlet", "Medio"),
    "chart.survey_year": ("Survey year", "Año de la encuesta"),
    "chart.percent_public": ("% of the public (survey)", "% del público (encuesta)"),
    "chart.mirrors_direction": ("Mirrors the direction", "Refleja la dirección"),
    "chart.measure": ("Measure", "Medida"),
    "chart.population": ("Population", "Población"),
    "chart.view_of": ("View of", "Opinión sobre"),
    "chart.percent": ("Percent", "Porcentaje"),
    "chart.year": ("Year", "Año"),
    "chart.year_note": ("Year note", "Nota sobre el año"),
    "chart.wording": ("Wording", "Redacción"),
    "chart.source": ("Source", "Fuente"),
    "chart.mean_stance_range": ("Mean stance (−1 to +1)", "Postura media (−1 a +1)"),
    # trends
    "trend_caption": (
        "Points: mean article stance per {grain}; line: article-weighted rolling mean over {window} periods; band: "
        "95% percentile bootstrap interval of the period's mean ({resamples} resamples of its articles, normal "
        "interval above 2,000 articles); dashed rules: change points (PELT, ruptures, on the standardised means per "
        "period, penalty 2·ln n). Each direction is the comparison for the other. Model `{model}`.",
        "Puntos: postura media de los artículos por {grain}; línea: media móvil ponderada por artículos sobre {window} "
        "periodos; banda: intervalo de confianza del 95 % por bootstrap de percentiles de la media del periodo "
        "({resamples} remuestreos de sus artículos; intervalo normal con más de 2,000 artículos); líneas "
        "discontinuas: puntos de cambio (PELT, ruptures, sobre las medias estandarizadas por periodo, penalización "
        "2·ln n). Cada dirección sirve de comparación para la otra. Modelo `{model}`."),
    "series.mean_stance": ("mean stance", "postura media"),
    "series.frame_share": ("frame share", "proporción del encuadre"),
    "no_change_points": (
        "No change points: no series shifts by more than its noise at this grain and these filters.",
        "No hay puntos de cambio: ninguna serie se desplaza más que su ruido con este periodo y estos filtros."),
    "articles_behind_change": ("Articles behind the change point", "Artículos detrás del punto de cambio"),
    "why_stance_positive": (
        "the most positive articles of the new segment (stance moved {before} → {after})",
        "los artículos más positivos del nuevo segmento (la postura pasó de {before} a {after})"),
    "why_stance_negative": (
        "the most negative articles of the new segment (stance moved {before} → {after})",
        "los artículos más negativos del nuevo segmento (la postura pasó de {before} a {after})"),
    "why_frame": (
        "the new segment's articles leading with `{frame}` (share {before} → {after})",
        "los artículos del nuevo segmento cuyo encuadre principal es `{frame}` (proporción de {before} a {after})"),
    "drivers_caption": ("{start} – {end}: {why}; 50 at most.", "{start} – {end}: {why}; 50 como máximo."),
    "frame_shares_expander": ("Frame shares with their change points", "Proporciones de encuadres con sus puntos de "
    "cambio"),
    "no_frame_scores": ("No frame scores.", "No hay puntuaciones de encuadre."),
    "vocabulary_caption": (
        "Weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008): z > 0 marks a "
        "word used more in the first group than the second beyond what its overall frequency explains. Words from the "
        "sentences holding scored mentions of up to 5,000 articles per group (a fixed pseudo-random sample); English "
        "and Spanish function words removed. Compare within one article language: across languages every word "
        "differs.",
        "Razón de log-momios ponderada con una previa de Dirichlet informativa (Monroe, Colaresi y Quinn, 2008): "
        "z > 0 señala una palabra que el primer grupo usa más que el segundo, más allá de lo que explica su frecuencia "
        "general. Palabras de las oraciones con menciones puntuadas de hasta 5,000 artículos por grupo (una muestra "
        "pseudoaleatoria fija); se eliminan las palabras funcionales del inglés y del español. Compare dentro de un "
        "mismo idioma de los artículos: entre idiomas todas las palabras difieren."),
    "vocab_language": ("Article language for the comparison", "Idioma de los artículos para la comparación"),
    "lang.en": ("English", "Inglés"),
    "lang.es": ("Spanish", "Español"),
    "lang.all": ("All", "Todos"),
    "tab.directions": ("U.S. media vs Mexican media", "Medios de EE. UU. frente a medios mexicanos"),
    "tab.periods": ("This period vs the one before", "Este periodo frente al anterior"),
    "vocab_needs_both": (
        "Both directions need articles in this language ({language}) for a comparison; found: {found}",
        "Para comparar, ambas direcciones necesitan artículos en este idioma ({language}); se encontraron: {found}"),
    "none": ("none", "ninguna"),
    "direction": ("Direction", "Dirección"),
    "vocab_no_previous": (
        "The previous period ({prev_from} – {prev_to}) has no articles for this direction and language: narrow the "
        "dates to compare a period with the one before it.",
        "El periodo anterior ({prev_from} – {prev_to}) no tiene artículos para esta dirección e idioma: acote las "
        "fechas para comparar un periodo con el anterior."),
    # frames
    "frames_shown": ("Frames shown per direction", "Encuadres mostrados por dirección"),
    "no_articles_filters": ("No articles with these filters.", "No hay artículos con estos filtros."),
    "frame_lines_caption": (
        "Share of each {grain}'s scored articles leading with the frame (score over the threshold and among the "
        "article's top frames), for the frames most used in the period; both panels share the y axis, so the other "
        "direction is the comparison. Dashed rules: change points (PELT). Model `{model}`.",
        "Proporción de los artículos puntuados de cada {grain} cuyo encuadre principal es este (puntuación por encima "
        "del umbral y entre los encuadres más altos del artículo), para los encuadres más usados en el periodo; ambos "
        "paneles comparten el eje y, así que la otra dirección sirve de comparación. Líneas discontinuas: puntos de "
        "cambio (PELT). Modelo `{model}`."),
    "frame_outlet": ("Frame × outlet", "Encuadre × medio"),
    "no_frame_scores_filters": ("No frame scores for these filters.",
                                "No hay puntuaciones de encuadre con estos filtros."),
    "frame_outlet_caption": (
        "Each cell: share of the outlet's scored articles (every outlet that ran a story counts it) leading with the "
        "frame; compare along a column to see which outlets lean on a frame more than others. The 12 most used "
        "frames. Model `{model}`.",
        "Cada celda: proporción de los artículos puntuados del medio (cada medio que publicó una nota la cuenta) cuyo "
        "encuadre principal es este; compare a lo largo de una columna para ver qué medios recurren más a un "
        "encuadre. Los 12 encuadres más usados. Modelo `{model}`."),
    # outlets
    "outlet_volume_caption": (
        "Scored articles that ran at the outlet (a wire story counts at each outlet that ran it); colour: the "
        "direction the outlet covers. Previous period in the table below.",
        "Artículos puntuados que publicó el medio (una nota de agencia cuenta en cada medio que la publicó); color: la "
        "dirección que cubre el medio. El periodo anterior está en la tabla de abajo."),
    "outlet_tone_caption": (
        "{definition}. Point: the outlet's mean; line: 95% interval (t·SD/√n); dashed: neutral.",
        "{definition}. Punto: la media del medio; línea: intervalo de confianza del 95 % (t·DE/√n); discontinua: "
        "neutral."),
    "frame_mix_caption": (
        "Frame mix: share of each outlet's scored articles leading with each of the 10 most used frames.",
        "Mezcla de encuadres: proporción de los artículos puntuados de cada medio cuyo encuadre principal es cada uno "
        "de los 10 encuadres más usados."),
    # public diplomacy
    "no_topics": ("No topics defined in `{path}`.", "No hay temas definidos en `{path}`."),
    "topic_summary_caption": (
        "Per topic and direction: scored articles whose title or text contains one of the topic's terms (English or "
        "Spanish, at the start of a word), their share of all the direction's articles, their mean stance and how far "
        "it sits from the direction's overall mean (the comparison), and the count in the previous period of equal "
        "length. Overall: U.S. media {us}, Mexican media {mx}. Terms: `{file}`.",
        "Por tema y dirección: artículos puntuados cuyo título o texto contiene uno de los términos del tema (en "
        "inglés o en español, al inicio de una palabra), su proporción sobre todos los artículos de la dirección, su "
        "postura media y su distancia a la media general de la dirección (la comparación), y el conteo en el periodo "
        "anterior de igual duración. En general: medios de EE. UU. {us}, medios mexicanos {mx}. Términos: `{file}`."),
    "no_topic_match": ("No article matches any topic with these filters.",
                       "Ningún artículo coincide con algún tema con estos filtros."),
    "topic_lines_caption": (
        "Monthly; one line per direction (blue: U.S. media on Mexico, vermillion: Mexican media on the U.S.).",
        "Mensual; una línea por dirección (azul: medios de EE. UU. sobre México; bermellón: medios mexicanos sobre "
        "EE. UU.)."),
    "topic_evidence_caption": (
        "{topic}: the newest 100 matching articles at most, with the sentence behind each score. Share negative "
        "overall: U.S. media {us}, Mexican media {mx}.",
        "{topic}: los 100 artículos coincidentes más recientes como máximo, con la oración detrás de cada puntuación. "
        "Proporción negativa en general: medios de EE. UU. {us}, medios mexicanos {mx}."),
    # stories: the articles about one event, across outlets, countries and languages
    "stories_intro": (
        "A story is the articles about one event, grouped across outlets, countries and languages by their title "
        "and lead (the rule and its thresholds: `nlp/stories.toml`). Listed: the biggest stories with any article "
        "under the sidebar's filters; a story's size, days and sides are the whole story's.",
        "Una historia reúne los artículos sobre un mismo suceso, agrupados entre medios, países e idiomas según su "
        "título y su entrada (la regla y sus umbrales: `nlp/stories.toml`). Se listan las historias más grandes con "
        "algún artículo dentro de los filtros de la barra lateral; el tamaño, los días y los lados de una historia "
        "son los de la historia entera."),
    "stories_missing": (
        "This snapshot predates stories: the next run (`espejo run`) groups its articles into stories.",
        "Esta instantánea es anterior a las historias: la próxima corrida (`espejo run`) agrupará sus artículos en "
        "historias."),
    "no_stories_yet": (
        "No stories yet: each run groups the new articles into stories, and a story is listed once it has {n} "
        "articles.",
        "Aún no hay historias: cada corrida agrupa los artículos nuevos en historias, y una historia aparece cuando "
        "reúne {n} artículos."),
    "no_stories_match": (
        "No story of {n} articles or more has an article under these filters. Widen the dates, or clear the outlet, "
        "language, topic or frame filter in the sidebar.",
        "Ninguna historia de {n} artículos o más tiene un artículo dentro de estos filtros. Amplíe las fechas o "
        "quite el filtro de medio, idioma, tema o encuadre en la barra lateral."),
    "no_stories_sides": ("No story with this coverage under these filters.",
                         "Ninguna historia con esta cobertura dentro de estos filtros."),
    "story_sides": ("Coverage", "Cobertura"),
    "story_sides.all": ("All stories", "Todas las historias"),
    "story_sides.both": ("Both sides", "Ambos lados"),
    "story_sides.one": ("One side only", "Un solo lado"),
    "story_sides_help": (
        "Both sides: articles from U.S. and from Mexican outlets. One side only: the other country's media ran "
        "nothing on it.",
        "Ambos lados: artículos de medios de EE. UU. y de medios mexicanos. Un solo lado: los medios del otro país "
        "no publicaron nada al respecto."),
    "stories": ("Stories", "Historias"),
    "stories_help": (
        "Stories of {n} articles or more with any article under the filters.",
        "Historias de {n} artículos o más con algún artículo dentro de los filtros."),
    "coverage.both": ("Both sides", "Ambos lados"),
    "coverage.us_only": ("Only U.S. media", "Solo medios de EE. UU."),
    "coverage.mx_only": ("Only Mexican media", "Solo medios mexicanos"),
    "coverage.both_help": ("Stories with articles from outlets of both countries.",
                           "Historias con artículos de medios de ambos países."),
    "coverage.one_help": ("Stories only one country's media covered: the other side's silence is a finding too.",
                          "Historias que solo cubrieron los medios de un país: el silencio del otro lado también "
                          "es un hallazgo."),
    "matched_help": ("The story's articles under the sidebar's filters (scored by this model version).",
                     "Artículos de la historia dentro de los filtros de la barra lateral (puntuados por esta versión "
                     "del modelo)."),
    "story_list_caption": (
        "The {n} biggest stories at most, by articles. *open* shows a story below; the link keeps it in the URL.",
        "Las {n} historias más grandes como máximo, según sus artículos. *abrir* muestra una historia abajo; el "
        "enlace la conserva en la URL."),
    "open_story": ("open story", "abrir historia"),
    "story_link_help": ("The story this article belongs to: the same event in other outlets, on both sides.",
                        "La historia a la que pertenece este artículo: el mismo suceso en otros medios, de ambos "
                        "lados."),
    "story_pick": ("Open a story", "Abrir una historia"),
    "story_pick_placeholder": ("Choose one of the stories listed", "Elija una de las historias listadas"),
    "story_id": ("Story id", "Id de la historia"),
    "story_id_help": ("Set by the “open story” links; paste an id to open any story.",
                      "Lo fijan los enlaces «abrir historia»; pegue un id para abrir cualquier historia."),
    "story_open_hint": (
        "Open a story from the list, from a link in the evidence tables of Two mirrors or Trends, or paste its id.",
        "Abra una historia desde la lista, desde un enlace de las tablas de evidencia de Dos espejos o Tendencias, "
        "o pegue su id."),
    "no_story_id": ("No story with id `{id}` in this snapshot.",
                    "No hay ninguna historia con id `{id}` en esta instantánea."),
    "story_names": ("Names", "Nombres"),
    "story_caption": (
        "{first} – {last} · {n} articles: {us} from U.S. media, {mx} from Mexican media · languages: {languages}",
        "{first} – {last} · {n} artículos: {us} de medios de EE. UU., {mx} de medios mexicanos · idiomas: "
        "{languages}"),
    "story_provenance": (
        "Story `{id}` · formed by run `{formed}`, last joined by run `{updated}` · embedding model `{embed}` · "
        "rule file sha256 `{rules}`",
        "Historia `{id}` · formada en la corrida `{formed}`, último artículo sumado en la corrida `{updated}` · "
        "modelo de incrustación `{embed}` · sha256 del archivo de reglas `{rules}`"),
    "story_one_side.us_only": (
        "Only U.S. media covered this story: no Mexican outlet's article joined it.",
        "Solo los medios de EE. UU. cubrieron esta historia: ningún artículo de un medio mexicano se sumó."),
    "story_one_side.mx_only": (
        "Only Mexican media covered this story: no U.S. outlet's article joined it.",
        "Solo los medios mexicanos cubrieron esta historia: ningún artículo de un medio de EE. UU. se sumó."),
    "story_side_silent": ("No article from this country's outlets joined this story.",
                          "Ningún artículo de los medios de este país se sumó a esta historia."),
    "story_timeline": ("Articles per day", "Artículos por día"),
    "story_timeline_caption": (
        "Every article of the story, scored or not, by publication date (fetch date when undated), coloured by "
        "the country of its outlet.",
        "Todos los artículos de la historia, puntuados o no, por fecha de publicación (fecha de descarga si no "
        "tienen), coloreados según el país de su medio."),
    "story_articles_help": ("The story's articles from this country's outlets; a copy run by several outlets "
                            "counts once.",
                            "Artículos de la historia publicados por medios de este país; una nota republicada "
                            "por varios medios cuenta una sola vez."),
    "story_side_caption": (
        "{scored} of {n} articles scored; mean stance {interval} · model `{model}`.",
        "{scored} de {n} artículos puntuados; postura media: {interval} · modelo `{model}`."),
    "story_outlets": ("Articles per outlet", "Artículos por medio"),
    "story_no_frames": ("No leading frames for this side's articles with this model version.",
                        "Los artículos de este lado no tienen encuadres principales con esta versión del modelo."),
    "story_voice": ("A representative sentence", "Una oración representativa"),
    "story_no_voice": ("Model version `{model}` scored no article of this side.",
                       "La versión del modelo `{model}` no puntuó ningún artículo de este lado."),
    "story_voice_caption": (
        "The strongest-scored mention (`{target}`, {label}) of the side's scored article closest to the story's "
        "centroid; article stance {stance}, model `{model}`.",
        "La mención puntuada con más fuerza (`{target}`, {label}) del artículo puntuado de este lado más cercano al "
        "centroide de la historia; postura del artículo {stance}, modelo `{model}`."),
    "story_articles": ("The story's articles", "Los artículos de la historia"),
    "story_articles_caption": (
        "Every article of the story, oldest first; stance, label and sentence as model `{model}` scored it (empty "
        "where it did not).",
        "Todos los artículos de la historia, del más antiguo al más reciente; postura, etiqueta y oración según la "
        "puntuación del modelo `{model}` (vacías donde no lo puntuó)."),
    "closeness_help": ("Cosine similarity of the article's title and lead to the story's centroid (1 = the centre).",
                       "Similitud coseno del título y la entrada del artículo con el centroide de la historia "
                       "(1 = el centro)."),
    # explorer
    "search_note": (
        "search: case-insensitive substring of title or text (the DuckDB `fts` extension cannot be installed "
        "offline, so no stemming or ranking)",
        "búsqueda: subcadena del título o del texto, sin distinguir mayúsculas (la extensión `fts` de DuckDB no puede "
        "instalarse sin conexión, así que no hay lematización ni ordenamiento por relevancia)"),
    "search_placeholder": ("e.g. aranceles, sister city", "p. ej., aranceles, sister city"),
    "no_search_match": ("No article with “{query}” matches these filters.",
                        "Ningún artículo con «{query}» coincide con estos filtros."),
    "search_count": ("Articles found: {n} (200 at most), newest first.",
                     "Artículos encontrados: {n} (200 como máximo), los más recientes primero."),
    "article_id_help": ("Set by the “open” links of every evidence table; paste an id to open any article.",
                        "Lo fijan los enlaces «abrir» de cada tabla de evidencia; pegue un id para abrir cualquier "
                        "artículo."),
    "open_hint": ("Open an article from any evidence table (the “open” column) or search results, or paste its id.",
                  "Abra un artículo desde cualquier tabla de evidencia (la columna «abrir») o desde los resultados de "
                  "búsqueda, o pegue su id."),
    "no_article_id": ("No article with id `{id}` in this snapshot.",
                      "No hay ningún artículo con id `{id}` en esta instantánea."),
    "untitled": ("(untitled)", "(sin título)"),
    "published_on": ("published {date}", "publicado el {date}"),
    "no_publication_date": ("no publication date", "sin fecha de publicación"),
    "language_code": ("language `{code}`", "idioma `{code}`"),
    "article_caption": (
        "Article `{id}` · also at: {outlets} · first stored by run `{first_run}` · model `{model}`, analysed by run "
        "`{analysis_run}` · stance {stance} ({definition})",
        "Artículo `{id}` · también en: {outlets} · guardado por primera vez en la corrida `{first_run}` · modelo "
        "`{model}`, analizado en la corrida `{analysis_run}` · postura {stance} ({definition})"),
    "not_analysed_by_model": ("Model version `{model}` has not analysed this article.",
                              "La versión del modelo `{model}` no ha analizado este artículo."),
    "sentiment.negative": ("negative", "negativo"),
    "sentiment.neutral": ("neutral", "neutral"),
    "sentiment.positive": ("positive", "positivo"),
    "mention_tooltip": ("{surface}: {label} (neg {neg} / neu {neu} / pos {pos}, run {run})",
                        "{surface}: {label} (neg {neg} / neu {neu} / pos {pos}, corrida {run})"),
    "sentence_legend": (
        "sentences that mention the other country, coloured by the label of their most strongly scored mention "
        "(hover for every mention's probabilities); the mention itself is underlined.",
        "oraciones que mencionan al otro país, coloreadas según la etiqueta de su mención puntuada con más fuerza "
        "(pase el cursor para ver las probabilidades de cada mención); la mención misma está subrayada."),
    "target_mentions": ("Target mentions", "Menciones del objetivo"),
    "frames_evidence": ("Frames and their evidence", "Encuadres y su evidencia"),
    "leading_help": ("Counted as a leading frame (over the threshold, among the top frames)",
                     "Se cuenta como encuadre principal (por encima del umbral, entre los encuadres más altos)"),
    # validation: the researchers' own coding of a sample
    "validation.intro": (
        "Check the scores against your own reading: draw a sample of the scored mentions and articles, code it "
        "blind (the model's answer is never shown while you code), then see how far the coders agree with each "
        "other and with the model. Codings are saved with every click in `codings.duckdb` in the data folder.",
        "Contraste las puntuaciones con su propia lectura: extraiga una muestra de las menciones y artículos "
        "puntuados, codifíquela a ciegas (la respuesta del modelo nunca se muestra mientras codifica) y vea cuánto "
        "coinciden quienes codifican entre sí y con el modelo. Cada clic guarda la codificación en "
        "`codings.duckdb`, dentro de la carpeta de datos."),
    "validation.draw": ("Draw a sample", "Extraer una muestra"),
    "validation.draw_form": ("New sample", "Nueva muestra"),
    "validation.draw_uses": (
        "The sample is drawn from what the sidebar selects: {filters}. Change the filters or the model version "
        "there to sample something else.",
        "La muestra se extrae de lo que selecciona la barra lateral: {filters}. Cambie allí los filtros o la "
        "versión del modelo para muestrear otra cosa."),
    "validation.sample_name": ("Sample name", "Nombre de la muestra"),
    "validation.sample_name_placeholder": ("e.g. pilot-2026-08", "p. ej., piloto-2026-08"),
    "validation.sample_name_help": ("A short name of your own; it names the exported files too.",
                                    "Un nombre breve de su elección; también nombra los archivos exportados."),
    "validation.n_mentions": ("Mentions", "Menciones"),
    "validation.n_mentions_help": ("Scored mentions to code for their sentiment (the sentence, target marked).",
                                   "Menciones puntuadas que se codificarán por su sentimiento (la oración, con el "
                                   "objetivo resaltado)."),
    "validation.n_articles": ("Articles", "Artículos"),
    "validation.n_articles_help": ("Scored articles to code for their frames (1 to 3) and tone.",
                                   "Artículos puntuados que se codificarán por sus encuadres (de 1 a 3) y su tono."),
    "validation.strata": ("Strata", "Estratos"),
    "validation.strata_help": (
        "Items are allocated to every combination of these in proportion to its size (largest remainder), so "
        "small groups are not left out by chance.",
        "Los elementos se reparten entre todas las combinaciones de estos criterios en proporción a su tamaño "
        "(mayor residuo), así que los grupos pequeños no quedan fuera por azar."),
    "validation.stratum.direction": ("Direction", "Dirección"),
    "validation.stratum.outlet": ("Outlet", "Medio"),
    "validation.stratum.month": ("Month", "Mes"),
    "validation.stratum.predicted": ("Model's label", "Etiqueta del modelo"),
    "validation.overlap": ("Overlap share", "Proporción común"),
    "validation.overlap_help": (
        "The share of items every coder codes, for inter-coder reliability; each remaining item is coded once, by "
        "whoever reaches it first.",
        "La proporción de elementos que codifican todas las personas, para medir la fiabilidad entre "
        "codificadores; cada elemento restante se codifica una vez, por quien llegue primero."),
    "validation.seed": ("Seed", "Semilla"),
    "validation.seed_help": ("The same seed, design and snapshot give the same items.",
                             "La misma semilla, el mismo diseño y la misma instantánea dan los mismos elementos."),
    "validation.draw_button": ("Draw the sample", "Extraer la muestra"),
    "validation.need_name": ("Give the sample a name first.", "Primero dé un nombre a la muestra."),
    "validation.sample_exists": ("A sample named `{name}` already exists: choose another name.",
                                 "Ya existe una muestra llamada `{name}`: elija otro nombre."),
    "validation.draw_failed": ("No sample was drawn: {error}", "No se extrajo ninguna muestra: {error}"),
    "validation.drawn": ("Sample `{name}` drawn: {mentions} mentions and {articles} articles.",
                         "Muestra `{name}` extraída: {mentions} menciones y {articles} artículos."),
    "validation.no_samples": (
        "No sample yet. Draw one above: set the filters and model version in the sidebar, give the sample a name "
        "and press “Draw the sample”.",
        "Aún no hay muestras. Extraiga una arriba: fije los filtros y la versión del modelo en la barra lateral, "
        "dé un nombre a la muestra y pulse «Extraer la muestra»."),
    "validation.code": ("Code", "Codificar"),
    "validation.sample": ("Sample", "Muestra"),
    "validation.sample_help": ("Samples drawn in this data folder, newest first.",
                               "Muestras extraídas en esta carpeta de datos, la más reciente primero."),
    "validation.coder": ("Coder", "Codificador"),
    "validation.coder_placeholder": ("your name or initials", "su nombre o sus iniciales"),
    "validation.coder_help": (
        "Codings are kept under this name; use the same name to resume where you left off.",
        "Las codificaciones se guardan con este nombre; use el mismo nombre para retomar donde se quedó."),
    "validation.need_coder": ("Enter your coder name to start coding.",
                              "Escriba su nombre de codificador para empezar a codificar."),
    "validation.design": ("Design of sample `{name}`", "Diseño de la muestra `{name}`"),
    "validation.design.model_version": ("model version", "versión del modelo"),
    "validation.design.created_at": ("drawn", "extraída"),
    "validation.design.snapshot_run_id": ("latest run of the snapshot", "última corrida de la instantánea"),
    "validation.design.n_mentions": ("mentions drawn", "menciones extraídas"),
    "validation.design.n_articles": ("articles drawn", "artículos extraídos"),
    "validation.design.mentions": ("mentions asked for", "menciones pedidas"),
    "validation.design.articles": ("articles asked for", "artículos pedidos"),
    "validation.design.strata": ("strata", "estratos"),
    "validation.design.overlap": ("overlap share", "proporción común"),
    "validation.design.seed": ("seed", "semilla"),
    "validation.design.candidates": ("candidates per stratum", "candidatos por estrato"),
    "validation.design.allocation": ("drawn per stratum", "extraídos por estrato"),
    "validation.design.filter.date_from": ("filter: from", "filtro: desde"),
    "validation.design.filter.date_to": ("filter: to", "filtro: hasta"),
    "validation.design.filter.outlets": ("filter: outlets", "filtro: medios"),
    "validation.design.filter.languages": ("filter: article language", "filtro: idioma del artículo"),
    "validation.design.filter.frame": ("filter: frame", "filtro: encuadre"),
    "validation.design.filter.topic_key": ("filter: topic", "filtro: tema"),
    "validation.kind": ("Items", "Elementos"),
    "validation.kind.mention": ("Mentions", "Menciones"),
    "validation.kind.article": ("Articles", "Artículos"),
    "validation.progress": ("{kind}: {done} of {total} coded", "{kind}: {done} de {total} codificados"),
    "validation.queue_done": ("{kind}: nothing left to code in your queue. Thank you!",
                              "{kind}: no queda nada por codificar en su cola. ¡Gracias!"),
    "validation.mention_question": (
        "How does the sentence portray “{target}”? n/a: it is not about the country (a name, a dish, a team…).",
        "¿Cómo presenta la oración a «{target}»? n/a: no se refiere al país (un nombre, un platillo, un equipo…)."),
    "validation.show_article": ("Show the article", "Mostrar el artículo"),
    "validation.frames": ("Frames (1 to 3)", "Encuadres (de 1 a 3)"),
    "validation.frames_placeholder": ("Choose the article's leading frames", "Elija los encuadres principales"),
    "validation.frames_help": ("The frames the article leads with, from the codebook; then press its tone.",
                               "Los encuadres principales del artículo, del libro de códigos; después pulse su tono."),
    "validation.article_question": ("Choose 1 to 3 frames, then the article's tone towards the other country.",
                                    "Elija de 1 a 3 encuadres y después el tono del artículo hacia el otro país."),
    "validation.label.negative": ("Negative", "Negativo"),
    "validation.label.neutral": ("Neutral", "Neutral"),
    "validation.label.positive": ("Positive", "Positivo"),
    "validation.label.n/a": ("n/a", "n/a"),
    "validation.label_help.negative": ("Portrays the country badly. Key 1.", "Presenta mal al país. Tecla 1."),
    "validation.label_help.neutral": ("Neither good nor bad, or both in balance. Key 2.",
                                      "Ni bien ni mal, o ambas cosas en equilibrio. Tecla 2."),
    "validation.label_help.positive": ("Portrays the country well. Key 3.", "Presenta bien al país. Tecla 3."),
    "validation.label_help.n/a": ("Not applicable: the target is not the country. Key 4.",
                                  "No aplica: el objetivo no es el país. Tecla 4."),
    "validation.skip": ("Skip", "Saltar"),
    "validation.skip_help": ("Come back to it after the rest of your queue. Key S.",
                             "Volver a él después del resto de su cola. Tecla S."),
    "validation.undo": ("Undo", "Deshacer"),
    "validation.undo_help": ("Take back your latest coding or skip. Key Z.",
                             "Retirar su última codificación u omisión. Tecla Z."),
    "validation.shortcuts.mention": (
        "Keys: 1 negative · 2 neutral · 3 positive · 4 n/a · S skip · Z undo. Each choice is saved at once; the "
        "model's answer stays hidden.",
        "Teclas: 1 negativo · 2 neutral · 3 positivo · 4 n/a · S saltar · Z deshacer. Cada elección se guarda al "
        "momento; la respuesta del modelo permanece oculta."),
    "validation.shortcuts.article": (
        "Keys, once the frames are chosen: 1 negative · 2 neutral · 3 positive · S skip · Z undo. Each choice is "
        "saved at once; the model's answer stays hidden.",
        "Teclas, una vez elegidos los encuadres: 1 negativo · 2 neutral · 3 positivo · S saltar · Z deshacer. Cada "
        "elección se guarda al momento; la respuesta del modelo permanece oculta."),
    "validation.choose_frames": ("Choose 1 to 3 frames first, then the tone.",
                                 "Elija primero de 1 a 3 encuadres y después el tono."),
    "validation.not_saved": ("Not saved: {error}", "No se guardó: {error}"),
    "validation.saved": ("Saved: {label} (item `{item}`).", "Guardado: {label} (elemento `{item}`)."),
    "validation.skipped": ("Skipped item `{item}`: it comes back after the rest.",
                           "Elemento `{item}` saltado: volverá después del resto."),
    "validation.undone": ("Undone: item `{item}` is back in your queue.",
                          "Deshecho: el elemento `{item}` vuelve a su cola."),
    "validation.nothing_to_undo": ("Nothing to undo.", "No hay nada que deshacer."),
    "validation.report": ("Reliability and agreement", "Fiabilidad y concordancia"),
    "validation.refresh": ("Update the figures", "Actualizar las cifras"),
    "validation.refresh_help": (
        "Coding reruns only the coding panel, so it stays quick; the figures catch up when the page reruns, or "
        "here.",
        "Codificar solo vuelve a ejecutar el panel de codificación, para que sea ágil; las cifras se actualizan "
        "cuando la página se vuelve a ejecutar, o aquí."),
    "validation.no_codings": ("No codings in this sample yet: the figures appear once items are coded.",
                              "Esta muestra aún no tiene codificaciones: las cifras aparecen cuando se codifican "
                              "elementos."),
    "validation.coded_items": ("Coded items", "Elementos codificados"),
    "validation.coded_items_help": ("Items with at least one coding, of the items in the sample.",
                                    "Elementos con al menos una codificación, sobre el total de la muestra."),
    "validation.alpha": ("Krippendorff's α", "α de Krippendorff"),
    "validation.alpha_help": (
        "Agreement between coders (nominal), on items coded by 2 or more: 1 perfect, 0 chance. 95% bootstrap "
        "interval {interval}; {units} items.",
        "Concordancia entre codificadores (nominal), sobre elementos con 2 o más codificaciones: 1 perfecta, 0 "
        "azar. Intervalo bootstrap del 95 %: {interval}; {units} elementos."),
    "validation.macro_f1": ("Model macro-F1", "Macro-F1 del modelo"),
    "validation.macro_f1_help": (
        "F1 of each label, averaged: the model against the coders' majority. 95% bootstrap interval {interval}; "
        "n = {n}.",
        "F1 de cada etiqueta, promediado: el modelo frente a la mayoría de codificadores. Intervalo bootstrap del "
        "95 %: {interval}; n = {n}."),
    "validation.accuracy": ("Model accuracy", "Exactitud del modelo"),
    "validation.accuracy_help": (
        "Share of items where the model's label is the coders' majority. 95% bootstrap interval {interval}; n = {n}.",
        "Proporción de elementos cuya etiqueta del modelo coincide con la mayoría de codificadores. Intervalo "
        "bootstrap del 95 %: {interval}; n = {n}."),
    "validation.mention_caption": (
        "Model `{model}` against the majority label of {coders} coders, on the coded items whose majority is a "
        "sentiment and that the model scored. Of {majority} coded items, {na} have a majority of n/a (not about "
        "the country) and {tied} have no majority (a tie): both are left out of the model's figures.",
        "Modelo `{model}` frente a la etiqueta mayoritaria de {coders} codificadores, sobre los elementos "
        "codificados cuya mayoría es un sentimiento y que el modelo puntuó. De {majority} elementos codificados, "
        "{na} tienen mayoría n/a (no se refieren al país) y {tied} no tienen mayoría (empate): ambos quedan fuera "
        "de las cifras del modelo."),
    "validation.alpha_caption": (
        "α needs 2 or more items coded by 2 or more coders, with some variation; an empty cell means that is not "
        "there yet.",
        "α requiere 2 o más elementos codificados por 2 o más codificadores, con alguna variación; una celda vacía "
        "significa que aún no se cumple."),
    "validation.coders_table": ("Codings per coder", "Codificaciones por codificador"),
    "validation.alpha_table": ("Agreement between coders", "Concordancia entre codificadores"),
    "validation.agreement_table": ("Model `{model}` against the coders", "Modelo `{model}` frente a los codificadores"),
    "validation.confusion_title": ("Coders' majority × model", "Mayoría de codificadores × modelo"),
    "validation.tone_confusion_title": ("Tone: coders' majority × model", "Tono: mayoría de codificadores × modelo"),
    "validation.group.all": ("All", "Todos"),
    "validation.group.en": ("English articles", "Artículos en inglés"),
    "validation.group.es": ("Spanish articles", "Artículos en español"),
    "validation.group.train": ("Used in training", "Usados en el entrenamiento"),
    "validation.group.holdout": ("Held out of training", "Reservados fuera del entrenamiento"),
    "validation.tone_alpha": ("Tone α", "α del tono"),
    "validation.frames_micro_f1": ("Frames micro-F1", "Micro-F1 de encuadres"),
    "validation.frames_f1_help": (
        "The model's leading frames against the frames a majority of coders chose, pooled over every frame. 95% "
        "bootstrap interval {interval}; n = {n} articles.",
        "Los encuadres principales del modelo frente a los que eligió una mayoría de codificadores, agregando "
        "todos los encuadres. Intervalo bootstrap del 95 %: {interval}; n = {n} artículos."),
    "validation.tone_macro_f1": ("Tone macro-F1", "Macro-F1 del tono"),
    "validation.stance_spearman": ("Stance vs tone, ρ", "Postura frente a tono, ρ"),
    "validation.stance_spearman_help": ("Spearman correlation of article stance with the coders' tone; n = {n}, "
                                        "p = {p}.",
                                        "Correlación de Spearman entre la postura del artículo y el tono de los "
                                        "codificadores; n = {n}, p = {p}."),
    "validation.article_caption": (
        "Model `{model}`: leading frames against the frames a majority of coders chose (frames macro-F1 {macro}; "
        "{tied} articles where no frame had a majority are left out); tone from stance (below −1/3 negative, "
        "above +1/3 positive, else neutral) against the coders' majority tone.",
        "Modelo `{model}`: encuadres principales frente a los que eligió una mayoría de codificadores (macro-F1 de "
        "encuadres {macro}; se excluyen {tied} artículos donde ningún encuadre tuvo mayoría); tono según la postura "
        "(menor que −1/3 negativo, mayor que +1/3 positivo, si no neutral) frente al tono mayoritario de los "
        "codificadores."),
    "validation.article_groups": ("Model `{model}` against the coders, by group",
                                  "Modelo `{model}` frente a los codificadores, por grupo"),
    "validation.frame_table": ("Per frame: the model's F1 and the coders' α",
                               "Por encuadre: F1 del modelo y α de los codificadores"),
    "validation.compare": ("Model `{new}` (sidebar) against `{old}` (the sample's) on the same codings",
                           "Modelo `{new}` (barra lateral) frente a `{old}` (el de la muestra) con las mismas "
                           "codificaciones"),
    "validation.compare_caption": (
        "Items a model version was trained on are reported apart (used in training): agreement on them is no test.",
        "Los elementos con los que se entrenó una versión del modelo se muestran aparte (usados en el "
        "entrenamiento): la concordancia sobre ellos no es una prueba."),
    "validation.training_items": (
        "Model `{model}` was trained on {n} items of this sample ({held} more were held out): their agreement is "
        "reported apart, not as a test.",
        "El modelo `{model}` se entrenó con {n} elementos de esta muestra ({held} más quedaron reservados): su "
        "concordancia se muestra aparte, no como prueba."),
    "chart.model_label": ("Model", "Modelo"),
    "chart.coders_label": ("Coders' majority", "Mayoría de codificadores"),
    "chart.items": ("Items", "Elementos"),
    # public opinion
    "no_survey": (
        "No survey reference points in `{path}`{missing}. Add rows with measure, population, view_of, percent, year "
        "and source.",
        "No hay datos de encuesta de referencia en `{path}`{missing}. Agregue filas con measure, population, view_of, "
        "percent, year y source."),
    "missing_columns": (" (missing columns: {columns})", " (faltan las columnas: {columns})"),
    "surveys_heading": ("Surveys: % of the public", "Encuestas: % del público"),
    "surveys_caption": (
        "Each point is a survey figure as cited in the source; colour: the media direction it sits beside (Mexicans "
        "on the U.S. ↔ Mexican media; Americans on Mexico ↔ U.S. media). Approximate figures (“three in ten”) and "
        "inferred years are marked in the table.",
        "Cada punto es una cifra de encuesta tal como la cita la fuente; color: la dirección de los medios junto a la "
        "que se muestra (mexicanos sobre EE. UU. ↔ medios mexicanos; estadounidenses sobre México ↔ medios de "
        "EE. UU.). Las cifras aproximadas («tres de cada diez») y los años inferidos se señalan en la tabla."),
    "media_heading": ("Media: mean stance per month", "Medios: postura media por mes"),
    "media_caption": (
        "{definition}. {filters}. Not comparable in level with the survey percentages: shown for direction and timing "
        "only.",
        "{definition}. {filters}. No es comparable en nivel con los porcentajes de las encuestas: se muestra solo "
        "para ver la dirección y el momento de los cambios."),
    "edit_survey": ("Edit `{path}` to add survey points; every row needs its source and year.",
                    "Edite `{path}` para agregar datos de encuesta; cada fila necesita su fuente y su año."),
    # model quality on real news (Two mirrors' line, the health page's table)
    "quality_line": (
        "Quality of this model on real news (development set `{dataset}`, measured {date}) — {figures}. Every "
        "measured figure: {page}.",
        "Calidad de este modelo en noticias reales (conjunto de desarrollo `{dataset}`, medido el {date}) — "
        "{figures}. Todas las cifras medidas: {page}."),
    "quality.macro_f1": ("sentiment macro-F1", "macro-F1 del sentimiento"),
    "quality.stance_spearman": ("Spearman ρ of article stance vs annotated tone",
                                "ρ de Spearman entre la postura del artículo y el tono anotado"),
    "quality_direction_not_measured": ("not measured", "sin medir"),
    "quality_not_measured": (
        "The sentiment of model `{model}` has not been measured on real news: run `{command}` to measure it. "
        "A figure is only ever shown for the model version it was measured on.",
        "El sentimiento del modelo `{model}` no se ha medido con noticias reales: ejecute `{command}` para medirlo. "
        "Una cifra solo se muestra para la versión del modelo con la que se midió."),
    "quality_file_error": ("The model-quality file could not be read: `{error}`",
                           "No se pudo leer el archivo de calidad del modelo: `{error}`"),
    "model_quality": ("Model quality on real news", "Calidad del modelo en noticias reales"),
    "model_quality_caption": (
        "Every figure measured by `espejo eval … --record` for the components of model `{model}`, read from "
        "`{path}`: development sets, not the held-back test. `macro_f1` (sentiment): F1 of negative, neutral and "
        "positive, averaged, over annotated sentences; `stance_spearman`: Spearman correlation between an article's "
        "stance and its annotated tone; `ece`: expected calibration error of the sentence "
        "probabilities as the model gives them (calibration included); `micro_f1` / `macro_f1` (frames): the leading frames against the annotated frames, over "
        "articles.",
        "Todas las cifras medidas por `espejo eval … --record` para los componentes del modelo `{model}`, leídas de "
        "`{path}`: conjuntos de desarrollo, no la prueba reservada. `macro_f1` (sentimiento): F1 de negativo, "
        "neutral y positivo, promediado, sobre oraciones anotadas; `stance_spearman`: correlación de Spearman entre "
        "la postura de un artículo y su tono anotado; `ece`: error de calibración esperado de las "
        "probabilidades por oración tal como el modelo las da (calibración incluida); `micro_f1` / `macro_f1` (encuadres): los encuadres principales frente a los "
        "encuadres anotados, sobre artículos."),
    "model_not_measured": (
        "Model `{model}` has not been measured on real news. Run `{sentiment}` and `{frames}` to measure it; a "
        "figure is only ever shown for the model version it was measured on.",
        "El modelo `{model}` no se ha medido con noticias reales. Ejecute `{sentiment}` y `{frames}` para medirlo; "
        "una cifra solo se muestra para la versión del modelo con la que se midió."),
    "unit.sentences": ("sentences", "oraciones"),
    "unit.articles": ("articles", "artículos"),
    # runs and data health
    "recent_runs": ("Recent runs", "Corridas recientes"),
    "no_run_yet": ("No run recorded yet.", "Aún no hay corridas registradas."),
    "runs_recorded": ("Runs recorded", "Corridas registradas"),
    "latest_status": ("Latest status", "Estado más reciente"),
    "sources_failed_latest": ("Sources failed (latest)", "Fuentes fallidas (última)"),
    "new_articles_latest": ("New articles (latest)", "Artículos nuevos (última)"),
    "outlets_per_run": ("Outlets per run", "Medios por corrida"),
    "no_outlet_results": ("No per-outlet crawl results recorded.",
                          "No hay resultados de rastreo por medio registrados."),
    "no_outlet_failed": ("No outlet failed in the recent runs.", "Ningún medio falló en las corridas recientes."),
    "failed_crawls": ("Failed outlet crawls in the recent runs: {n}.",
                      "Rastreos de medios fallidos en las corridas recientes: {n}."),
    "items_vs_earlier": ("Items in the latest run against earlier runs (robust z)",
                         "Elementos en la última corrida frente a corridas anteriores (z robusto)"),
    "unusual_volume": ("Unusual weekly volume", "Volumen semanal inusual"),
    "no_articles_stored": ("No articles stored.", "No hay artículos guardados."),
    "no_unusual_volume": (
        "No outlet's latest week is unusually low or high against its own history (|robust z| < 3.5).",
        "Ningún medio tiene una última semana inusualmente baja o alta frente a su propio historial "
        "(|z robusto| < 3.5)."),
    "unusual_outlets": ("Outlets with an unusual latest week ({n}): {outlets}",
                        "Medios con una última semana inusual ({n}): {outlets}"),
    "volume_status.high": ("high", "alto"),
    "volume_status.low": ("low", "bajo"),
    "volume_caption_health": (
        "Articles first seen at each outlet per week (publication date, else fetch date). The latest week is compared "
        "with the outlet's earlier weeks (empty weeks count as zero): robust z = (x − median) / (1.4826·MAD); flagged "
        "at |z| ≥ 3.5. Fewer than 6 earlier weeks: too little history to judge.",
        "Artículos vistos por primera vez en cada medio por semana (fecha de publicación; si falta, fecha de "
        "descarga). La última semana se compara con las semanas anteriores del medio (las semanas vacías cuentan "
        "como cero): z robusto = (x − mediana) / (1.4826·MAD); se señala con |z| ≥ 3.5. Con menos de 6 semanas "
        "anteriores no hay historial suficiente para juzgar."),
    # export
    "export.articles": ("Articles", "Artículos"),
    "export.mentions": ("Mentions", "Menciones"),
    "export.aggregates": ("Aggregates", "Agregados"),
    "export_desc.articles": (
        "One row per scored article: direction, date, outlets, title, URL, stance, mention counts, model version and "
        "the run that analysed it.",
        "Una fila por artículo puntuado: dirección, fecha, medios, título, URL, postura, conteos de menciones, versión "
        "del modelo y la corrida que lo analizó."),
    "export_desc.mentions": (
        "One row per scored mention of the other country: the sentence, the surface as written, the label and its "
        "probabilities, model version and run.",
        "Una fila por mención puntuada del otro país: la oración, la forma tal como aparece escrita, la etiqueta y sus "
        "probabilidades, la versión del modelo y la corrida."),
    "export_desc.aggregates": (
        "Per direction and month: articles, mentions, mean stance with its SD and 95% interval, share negative.",
        "Por dirección y mes: artículos, menciones, postura media con su DE y su intervalo de confianza del 95 %, "
        "proporción negativa."),
    "export_capped": (" Capped at {n} rows: narrow the filters for more.",
                      " Limitado a {n} filas: acote los filtros para obtener más."),
    "export_columns_note": (
        "Column names in the files stay in English, whatever the interface language, so scripts can read them.",
        "Los nombres de las columnas en los archivos se mantienen en inglés, sea cual sea el idioma de la interfaz, "
        "para que los scripts puedan leerlos."),
    "rows": ("Rows", "Filas"),
    "export_page": ("Page ({n} rows each)", "Página ({n} filas cada una)"),
    "export_shown": ("Showing rows {first}–{last} of {total}; the files hold all {in_file} rows and are prepared "
                     "when you click a button.",
                     "Se muestran las filas {first}–{last} de {total}; los archivos contienen las {in_file} filas y "
                     "se preparan al hacer clic en un botón."),
    # table column headers ("col." + the column's name in the data; the files exported keep the names)
    "col.date": ("date", "fecha"),
    "col.day": ("date", "fecha"),
    "col.title": ("title", "título"),
    "col.sentence": ("sentence", "oración"),
    "col.target as written": ("target as written", "objetivo tal como aparece escrito"),
    "col.stance": ("stance", "postura"),
    "col.label": ("label", "etiqueta"),
    "col.P(neg / neu / pos)": ("P(neg / neu / pos)", "P(neg / neu / pos)"),
    "col.outlets": ("outlets", "medios"),
    "col.outlet": ("outlet", "medio"),
    "col.explorer": ("explorer", "explorador"),
    "col.url": ("url", "URL"),
    "col.model version": ("model version", "versión del modelo"),
    "col.model_version": ("model version", "versión del modelo"),
    "col.run id": ("run id", "id de la corrida"),
    "col.run_id": ("run id", "id de la corrida"),
    "col.topic": ("topic", "tema"),
    "col.direction": ("direction", "dirección"),
    "col.articles": ("articles", "artículos"),
    "col.share of direction's articles": ("share of direction's articles",
                                          "proporción de los artículos de la dirección"),
    "col.mean stance": ("mean stance", "postura media"),
    "col.mean_stance": ("mean stance", "postura media"),
    "col.vs direction overall": ("vs direction overall", "vs la dirección en general"),
    "col.articles, previous period": ("articles, previous period", "artículos, periodo anterior"),
    "col.articles_previous": ("articles, previous period", "artículos, periodo anterior"),
    "col.mean_stance_previous": ("mean stance, previous period", "postura media, periodo anterior"),
    "col.mentions": ("mentions", "menciones"),
    "col.article_id": ("article id", "id del artículo"),
    "col.mention_id": ("mention id", "id de la mención"),
    "col.sentence_index": ("sentence #", "n.º de oración"),
    "col.evidence_sentence_index": ("evidence sentence #", "n.º de la oración de evidencia"),
    "col.surface": ("as written", "tal como aparece escrito"),
    "col.target": ("target", "objetivo"),
    "col.p_negative": ("P(negative)", "P(negativo)"),
    "col.p_neutral": ("P(neutral)", "P(neutral)"),
    "col.p_positive": ("P(positive)", "P(positivo)"),
    "col.frame": ("frame", "encuadre"),
    "col.score": ("score", "puntuación"),
    "col.evidence": ("evidence", "evidencia"),
    "col.leading": ("leading", "principal"),
    "col.source_key": ("outlet key", "clave del medio"),
    "col.name": ("outlet", "medio"),
    "col.country": ("country", "país"),
    "col.language": ("language", "idioma"),
    "col.negative": ("negative mentions", "menciones negativas"),
    "col.analysis_run_id": ("analysis run", "corrida del análisis"),
    "col.period": ("period", "periodo"),
    "col.stance_sd": ("stance SD", "DE de la postura"),
    "col.ci_low": ("95% CI low", "IC 95 %: límite inferior"),
    "col.ci_high": ("95% CI high", "IC 95 %: límite superior"),
    "col.share_negative": ("share negative", "proporción negativa"),
    "col.series": ("series", "serie"),
    "col.from": ("from", "desde"),
    "col.to": ("to", "hasta"),
    "col.before": ("before", "antes"),
    "col.after": ("after", "después"),
    "col.word": ("word", "palabra"),
    "col.n_a": ("count, first group", "frecuencia, primer grupo"),
    "col.n_b": ("count, second group", "frecuencia, segundo grupo"),
    "col.delta": ("log-odds difference", "diferencia de log-momios"),
    "col.z": ("z", "z"),
    "col.measure": ("measure", "medida"),
    "col.population": ("population", "población"),
    "col.view_of": ("view of", "opinión sobre"),
    "col.percent": ("percent", "porcentaje"),
    "col.year": ("year", "año"),
    "col.year_note": ("year note", "nota sobre el año"),
    "col.wording": ("wording", "redacción"),
    "col.source": ("source", "fuente"),
    "col.source_url": ("source URL", "URL de la fuente"),
    "col.started_at": ("started", "inicio"),
    "col.finished_at": ("finished", "fin"),
    "col.status": ("status", "estado"),
    "col.sources_ok": ("sources ok", "fuentes correctas"),
    "col.sources_failed": ("sources failed", "fuentes fallidas"),
    "col.items_crawled": ("items crawled", "elementos rastreados"),
    "col.articles_new": ("new articles", "artículos nuevos"),
    "col.articles_failed": ("articles not scored", "artículos sin puntuar"),
    "col.mentions_scored": ("mentions scored", "menciones puntuadas"),
    "col.frames_scored": ("frames scored", "encuadres puntuados"),
    "col.total_seconds": ("seconds", "segundos"),
    "col.code_version": ("code version", "versión del código"),
    "col.notes": ("notes", "notas"),
    "col.items": ("items", "elementos"),
    "col.pages_fetched": ("pages fetched", "páginas descargadas"),
    "col.http_errors": ("HTTP errors", "errores HTTP"),
    "col.skipped_irrelevant": ("skipped: irrelevant", "omitidos: irrelevantes"),
    "col.skipped_known": ("skipped: already stored", "omitidos: ya guardados"),
    "col.error": ("error", "error"),
    "col.seconds": ("seconds", "segundos"),
    "col.runs": ("runs", "corridas"),
    "col.failures": ("failures", "fallos"),
    "col.items_last": ("items, latest run", "elementos, última corrida"),
    "col.items_median": ("items, median", "elementos, mediana"),
    "col.items_latest": ("items, latest run", "elementos, última corrida"),
    "col.items_median_before": ("items, median of earlier runs", "elementos, mediana de corridas anteriores"),
    "col.robust_z": ("robust z", "z robusto"),
    "col.latest_week": ("latest week", "última semana"),
    "col.median_before": ("median of earlier weeks", "mediana de semanas anteriores"),
    "col.component": ("component", "componente"),
    "col.dataset": ("dataset", "conjunto de datos"),
    "col.metric": ("metric", "métrica"),
    "col.value": ("value", "valor"),
    "col.n": ("n", "n"),
    "col.unit": ("unit", "unidad"),
    "col.measured": ("measured", "medido"),
    "col.command": ("command", "comando"),
    "col.group": ("group", "grupo"),
    "col.alpha": ("α", "α"),
    "col.alpha_low": ("α, 95% CI low", "α, IC 95 %: límite inferior"),
    "col.alpha_high": ("α, 95% CI high", "α, IC 95 %: límite superior"),
    "col.units": ("items", "elementos"),
    "col.codings": ("codings", "codificaciones"),
    "col.coder": ("coder", "codificador"),
    "col.kind": ("items", "elementos"),
    "col.macro_f1": ("macro-F1", "macro-F1"),
    "col.macro_f1_low": ("macro-F1, 95% CI low", "macro-F1, IC 95 %: límite inferior"),
    "col.macro_f1_high": ("macro-F1, 95% CI high", "macro-F1, IC 95 %: límite superior"),
    "col.accuracy": ("accuracy", "exactitud"),
    "col.accuracy_low": ("accuracy, 95% CI low", "exactitud, IC 95 %: límite inferior"),
    "col.accuracy_high": ("accuracy, 95% CI high", "exactitud, IC 95 %: límite superior"),
    "col.precision": ("precision", "precisión"),
    "col.recall": ("recall", "exhaustividad"),
    "col.f1": ("F1", "F1"),
    "col.support": ("support", "casos"),
    "col.setting": ("setting", "parámetro"),
    "col.frames_micro_f1": ("frames micro-F1", "micro-F1 de encuadres"),
    "col.frames_macro_f1": ("frames macro-F1", "macro-F1 de encuadres"),
    "col.rho": ("stance vs tone ρ", "ρ postura-tono"),
    "col.outlet_articles": ("outlet's articles", "artículos del medio"),
    "col.story": ("story", "historia"),
    "col.story_id": ("story id", "id de la historia"),
    "col.first_day": ("first day", "primer día"),
    "col.last_day": ("last day", "último día"),
    "col.us_articles": ("U.S. media", "medios de EE. UU."),
    "col.mx_articles": ("Mexican media", "medios mexicanos"),
    "col.coverage": ("coverage", "cobertura"),
    "col.languages": ("languages", "idiomas"),
    "col.matched": ("under the filters", "dentro de los filtros"),
    "col.open": ("open", "abrir"),
    "col.closeness": ("closeness to the story", "cercanía a la historia"),
    "col.joined_run_id": ("joined in run", "sumado en la corrida"),
}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The string for `key` in `lang`, its {placeholders} filled from `values` (when any are given)."""
    en, es = STRINGS[key]
    text = es if lang == "es" and es else en
    return text.format(**values) if values else text


def has(key: str) -> bool:
    return key in STRINGS
