"""The Spanish interface is complete: every page, drawn in Spanish on the fixture warehouse, shows no string
of the English column of the i18n table (text, widget labels and help, metric labels, table headers, chart
titles, axes, legends and tooltips), and the table itself has both languages for every key."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from espejo.dashboards.i18n import LANGUAGES, STRINGS, t
from espejo.settings import DATA_DIR_ENV

from test_dashboard import APP, APP_TIMEOUT_S, TWO_SIDED, US_ONLY, build_warehouse
from test_dashboard_pages import open_page

PAGES = ["mirrors", "stories", "trends", "frames", "outlets", "diplomacy", "explorer", "validation", "opinion",
         "health", "export"]
# Extra views that draw what the default ones do not: an open article or story, search results, empty results.
VIEWS = [(page, {}) for page in PAGES] + [
    ("explorer", {"q": "Mexic", "article": "us1"}),
    ("stories", {"story": TWO_SIDED}),
    ("stories", {"story": US_ONLY, "sides": "one"}),
    ("explorer", {"q": "no-such-word"}),
    ("explorer", {"article": "no-such-id"}),
    ("trends", {"dates": ["2026-08-01", "2026-08-31"]}),
    *[(page, {"dates": ["2020-01-01", "2020-01-31"]}) for page in PAGES if page not in ("opinion", "health")],
]
# Proto fields that hold identifiers or data, not text for people.
SKIP_FIELDS = {"id", "form_id", "query_param_key", "icon", "arrow_data", "data", "url", "vega_lite_theme", "spec",
               "columns"}
# English words that never appear in Spanish prose (Spanish "a", "no" and "en" are left out).
ENGLISH_WORDS = re.compile(r"\b(the|and|of|with|for|from|than|this|these|that|is|are|or|to|in|on|at|by|per|which|"
                           r"its|their|an|none|shown|scored|share|articles|outlets?|frames?|stance|run)\b", re.I)


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("espejo-i18n")
    build_warehouse(data_dir)
    return data_dir


def open_view(data_dir: Path, monkeypatch, page: str, params: dict, lang: str = "es") -> AppTest:
    return open_page(data_dir, monkeypatch, page, {"lang": lang, **params})


# --- what a page shows --------------------------------------------------------------------------------


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _proto_strings(message):
    """(field name, text) for every string field of a proto message, nested ones included."""
    for field, value in message.ListFields():
        if field.name in SKIP_FIELDS:
            continue
        items = value if field.is_repeated else [value]
        if field.type == field.TYPE_MESSAGE:
            for item in items:
                yield from _proto_strings(item)
        elif field.type == field.TYPE_STRING:
            for item in items:
                yield field.name, item


def _chart_strings(spec: dict, problems: list[str]) -> list[str]:
    """The titles, legend labels and tooltip titles of a Vega-Lite spec. A tooltip without a title, or an encoded
    field whose channel has no explicit title anywhere in the chart, would show a column name: a problem."""
    texts: list[str] = []
    channels: dict[str, list[dict]] = {}

    def walk(value, parent_key=None):
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("data", "datasets"):
                    continue
                if key == "title":
                    titles = item.get("text") if isinstance(item, dict) else item
                    texts.extend([titles] if isinstance(titles, str) else [x for x in titles or [] if x])
                elif key == "labelExpr":
                    texts.extend(re.findall(r"'([^']*)'", item))
                elif key == "tooltip" and isinstance(item, list):
                    for tip in item:
                        if "title" not in tip:
                            problems.append(f"tooltip without a title: {tip}")
                elif key == "encoding":
                    for channel, definition in item.items():
                        if isinstance(definition, dict) and "field" in definition:
                            channels.setdefault(channel, []).append(definition)
                walk(item, key)
        elif isinstance(value, list):
            for item in value:
                walk(item, parent_key)

    walk(spec)
    for channel in ("x", "y", "color", "strokeDash", "shape", "size", "facet", "row", "column"):
        definitions = channels.get(channel, [])
        if definitions and not any("title" in d or d.get("legend", 0) is None for d in definitions):
            problems.append(f"{channel} shows the field name {definitions[0]['field']!r} as its title")
    return texts


def page_text(at: AppTest) -> tuple[list[str], list[str], list[str]]:
    """(every text a person can read, the prose among it, problems found on the way)."""
    texts: list[str] = []
    prose: list[str] = []
    problems: list[str] = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or type(node).__name__ in ("ElementTree", "SpecialBlock"):
            continue
        if getattr(proto, "query_param_key", "") == "lang":
            continue  # the language switch names each language in its own language, on purpose
        kind = type(node).__name__
        for field, value in _proto_strings(proto):
            texts.append(value)
            # Markdown and headings can carry article text (explorer); the rest is the interface's own.
            if field in ("label", "help", "placeholder") or kind in ("Caption", "Info", "Warning", "Success",
                                                                        "Error"):
                prose.append(value)
        if hasattr(proto, "spec") and proto.spec:
            found = _chart_strings(json.loads(proto.spec), problems)
            texts += found
            prose += found
        if kind == "Dataframe":
            config = json.loads(proto.columns or "{}")
            for column in node.value.columns:
                label = config.get(str(column), {}).get("label")
                if not label:
                    problems.append(f"table column {column!r} has no header in the interface language")
                for key in ("label", "help"):
                    if config.get(str(column), {}).get(key):
                        texts.append(config[str(column)][key])
                        prose.append(config[str(column)][key])
                display = config.get(str(column), {}).get("type_config", {}).get("display_text")
                if display:
                    texts.append(display)
    return texts, prose, problems


def _segments(text: str) -> set[str]:
    parts = re.split(r"\*\*|\s[·/—–×]\s|[:;()\n\[\]]", text)
    return {p.strip(" .,*`“”«»") for p in parts if p.strip(" .,*`“”«»")}


def english_leftovers(texts: list[str]) -> list[tuple[str, str]]:
    """(key, English text) for each English string of the i18n table that shows up in `texts`. Long pieces
    count as substrings; short strings only when a whole label or segment equals them (so that data, such as
    English article sentences, cannot trigger a false alarm)."""
    segments = set().union(*(_segments(x) for x in texts)) | {x.strip() for x in texts}
    found = []
    for key, (en, es) in STRINGS.items():
        pieces = [p.strip(" .,;:()") for p in re.split(r"\{[^}]*\}", en)]
        for piece in pieces:
            if not piece or piece in es:
                continue
            long_piece = len(piece) >= 16 and " " in piece
            if (long_piece and any(piece in x for x in texts)) or (not long_piece and piece == en.strip(" .")
                                                                    and piece in segments):
                found.append((key, piece))
    return found


def english_words(prose: list[str]) -> list[str]:
    found = []
    for text in prose:
        plain = re.sub(r"`[^`]*`", "", text)  # code: paths, model versions, run ids
        if ENGLISH_WORDS.search(plain):
            found.append(text)
    return found


# --- tests --------------------------------------------------------------------------------------------


def test_every_key_has_both_languages_with_the_same_placeholders():
    assert set(LANGUAGES) == {"en", "es"}
    formatter = string.Formatter()
    for key, pair in STRINGS.items():
        assert isinstance(pair, tuple) and len(pair) == 2, key
        en, es = pair
        assert en.strip() and es.strip(), f"{key}: both languages need a text"
        names = [{name for _, name, _, _ in formatter.parse(text) if name} for text in (en, es)]
        assert names[0] == names[1], f"{key}: placeholders differ between English and Spanish"
    assert t("no_match", "es") != t("no_match", "en")
    assert t("model_sentence", "es", model="m1") == "Modelo `m1`."


def test_the_leftover_check_finds_english(warehouse_dir, monkeypatch):
    """The checks below are not vacuous: the English pages trip them."""
    at = open_view(warehouse_dir, monkeypatch, "mirrors", {}, lang="en")
    texts, prose, problems = page_text(at)
    keys = {key for key, _ in english_leftovers(texts)}
    assert {"mirrors_intro", "articles", "mean_stance", "chart.month", "col.sentence"} <= keys
    assert english_words(prose) and not problems


@pytest.mark.parametrize(("page", "params"), VIEWS, ids=[f"{p}-{'-'.join(q) or 'default'}" for p, q in VIEWS])
def test_spanish_pages_show_no_english(warehouse_dir, monkeypatch, page, params):
    at = open_view(warehouse_dir, monkeypatch, page, params)
    texts, prose, problems = page_text(at)
    assert texts, "the page drew nothing"
    assert not problems, problems
    assert not english_leftovers(texts), english_leftovers(texts)
    assert not english_words(prose), english_words(prose)
    for spec in (json.loads(c.proto.spec) for c in at.get("vega_lite_chart")):
        assert spec.get("config", {}).get("locale", {}).get("time", {}).get("months", [""])[0] == "enero"


def test_spanish_pages_without_data(tmp_path, monkeypatch):
    from espejo.warehouse.db import connect, publish_snapshot

    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    for step in ("empty", "unanalysed"):
        if step == "unanalysed":
            with connect(tmp_path) as con:
                publish_snapshot(con, tmp_path)
        at = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT_S)
        at.query_params["lang"] = "es"
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        texts, prose, _ = page_text(at)
        assert "espejo run" in " ".join(i.value for i in at.info)
        assert not english_leftovers(texts), english_leftovers(texts)
        assert not english_words(prose), english_words(prose)


def test_spanish_tables_name_sentiment_in_spanish_and_keep_the_data(warehouse_dir, monkeypatch):
    at = open_view(warehouse_dir, monkeypatch, "explorer", {"article": "us1"})
    mentions = next(d.value for d in at.dataframe if "surface" in d.value)
    assert set(mentions["label"]) <= {"negativo", "neutral", "positivo"} and "negativo" in set(mentions["label"])
    assert "Mexico" in set(mentions["surface"])  # data as written
    at = open_view(warehouse_dir, monkeypatch, "mirrors", {})
    evidence = next(d.value for d in at.dataframe if "sentence" in d.value)
    assert set(evidence["label"]) <= {"negativo", "neutral", "positivo"}
