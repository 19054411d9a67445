"""Hostile article texts through the real nightly flow: one bad article costs one article, never the run.

Each text below is a kind of input that has broken, or could break, a text pipeline: a name wrapped across
a line break (the "EE.\\nUU." that failed the run every night), NUL bytes, bidi controls, a 1 MB line, a
100,000-character word, a 20,000-sentence body and more. They are loaded the way a run loads its crawl
(`warehouse.load.load_items`), and then the real nightly flow runs with no outlet selected, so that its own
scoring task meets them as they are stored: a crawl would clean them first (the extractor drops markup and
control characters), and what matters here is what scoring does with whatever reaches it. Real e5-small
model, real DuckDB file, real Prefect flow; the health page is read back with Streamlit's AppTest.

Two more articles are made to fail: the scorer is given the old bug back for sentences holding a marker
word (their mention's span runs past the sentence's end, as "EE.\\nUU."'s did), and the real scorer raises on
them, as it did. They stand for the next bug of that kind: recorded, retried once, then left.
"""

from __future__ import annotations

import time
import tracemalloc
from dataclasses import dataclass, replace

import pytest

from espejo.nlp.analyse import MAX_FRAME_SENTENCES, analyse_isolated
from espejo.nlp.language import detect_language
from espejo.nlp.mentions import sentences_and_mentions
from espejo.nlp.scoring import mark_target
from espejo.records import ArticleItem, StoredArticle, other_country
from espejo.spiders.extraction import fingerprint
from espejo.warehouse import db, load

US_OUTLET, MX_OUTLET = "hostile-courier", "hostile-diario"
REGISTRY = f"""
[[source]]
key = "{US_OUTLET}"
name = "Hostile Courier"
country = "US"
language = "en"
homepage = "http://127.0.0.1:9/"
feeds = ["http://127.0.0.1:9/feed.xml"]

[[source]]
key = "{MX_OUTLET}"
name = "Diario Hostil"
country = "MX"
language = "es"
homepage = "http://127.0.0.1:9/es/"
feeds = ["http://127.0.0.1:9/es/feed.xml"]
"""


@dataclass(frozen=True)
class Hostile:
    country: str  # the outlet's
    language: str  # the outlet's
    title: str
    text: str
    scored: tuple[str, ...]  # the surfaces of the other country's mentions, in order: what gets a sentiment


_FILLER = "The committee went over the quarterly figures and asked for more data on water."


def _one_mb_line() -> str:
    words = "the river authority kept counting trucks at the crossing while the rain went on "
    half = words * (1_000_000 // len(words) // 2 + 1)
    return half + "and Mexico said the count was fair " + half + "as Mexico had asked"


HOSTILE = {
    "wrapped_ee_uu": Hostile(
        "MX", "es", "Aranceles al acero",
        "El gobierno de EE.\nUU. anunció aranceles al acero. La Secretaría de Economía contestó el lunes.",
        ("EE.\nUU.",)),
    "wrapped_u_s": Hostile(
        "MX", "en", "Steel tariffs",
        "The U.\nS. government announced tariffs on steel. Officials in Mexico City answered on Monday.",
        ("U.\nS.",)),
    "wrapped_crlf": Hostile(
        "MX", "es", "Cruce cerrado",
        "Los agentes de EE.\r\nUU. cerraron el cruce.\r\nLa fila llegó a tres kilómetros.", ("EE.\r\nUU.",)),
    "wrapped_name": Hostile(
        "MX", "es", "Tratado de aguas",
        "La delegación viajó a Estados\nUnidos para hablar del tratado de aguas.", ("Estados\nUnidos",)),
    "nul_bytes": Hostile(
        "MX", "es", "Nulos\x00 en el título",
        "Estados\x00Unidos y Estados Unidos\x00 firmaron.\x00 El pacto con EE.UU. sigue\x00 vigente.",
        ("Estados Unidos", "EE.UU.")),
    "bidi_marks": Hostile(
        "US", "en", "Talks resume",
        "Talks with \u202eMexico\u202c resumed. The envoy of \u2067Mexico\u2069 and a \u200fMexico\u200e "
        "delegate agreed.",
        ("Mexico", "Mexico", "Mexico")),
    "one_mb_line": Hostile("US", "en", "Counting trucks", _one_mb_line(), ("Mexico", "Mexico")),
    "word_100k": Hostile(
        "US", "en", "A very long word", "x" * 100_000 + " and then Mexico agreed to the plan. " + "y" * 100_000,
        ("Mexico",)),
    "emoji_flags": Hostile(
        "MX", "es", "🇲🇽🇺🇸", "🇺🇸 Estados Unidos 🇺🇸 y 🇲🇽 México 👨‍👩‍👧‍👦 firmaron. 🏳️‍🌈 EE.UU.🇺🇸 celebró.",
        ("Estados Unidos", "EE.UU.")),
    "mixed_scripts": Hostile(
        "MX", "es", "Mezcla de alfabetos",
        "美国 y Estados Unidos hablaron. Россия, Ελλάδα y الولايات المتحدة también. Меxico con М cirílica no es México.",
        ("Estados Unidos",)),
    "only_mentions": Hostile(
        "MX", "es", "EE.UU.",
        " ".join(["Estados Unidos.", "EE.UU.", "Washington.", "Casa Blanca.", "Estadounidenses."] * 8),
        ("Estados Unidos", "EE.UU.", "Washington", "Casa Blanca", "Estadounidenses") * 8),
    "empty_body": Hostile("MX", "es", "Estados Unidos y México", "", ()),
    "html_leftovers": Hostile(
        "US", "en", "<b>Mexico</b> &amp; more",
        "<p>Mexico &amp; the U.S. &mdash; talks</p><script>var x = '</p>';</script>&nbsp;M&eacute;xico &#77;exico "
        "agreed.<br/>Mexico said.", ("Mexico", "Mexico")),
    "many_sentences": Hostile(
        "US", "en", "A long report", " ".join([_FILLER] * 20_000) + " In the end Mexico agreed to the plan.",
        ("Mexico",)),
    "decomposed_accents": Hostile(
        "MX", "es", "Acentos", "Me\u0301xico y Estados Unidos firmaron. Los estadounidenses celebraron.",
        ("Estados Unidos", "estadounidenses")),
    "zero_width": Hostile(
        "MX", "es", "Espacios invisibles",
        "Estados\u200bUnidos y Estados Unidos\u200d firmaron el acuerdo. \ufeffEE.UU. respondió.",
        ("Estados Unidos", "EE.UU.")),
    "only_punctuation": Hostile("MX", "es", "¿?", "....\n!!!\n¿¿??\n…\n«»\n— 7 —", ()),
    "line_separators": Hostile(
        "MX", "es", "Separadores",
        "El gobierno de EE.\u2028UU. y Estados\u2029Unidos\x0bfirmaron.\x0cLa prensa de EE. UU. informó.",
        ("EE.\u2028UU.", "Estados\u2029Unidos", "EE. UU.")),
    "math_letters": Hostile(
        "US", "en", "Fancy letters", "𝐌𝐞𝐱𝐢𝐜𝐨 and Mexico signed. Ⅿⅇⅹⅈⅽⅈ and Mexico.", ("Mexico", "Mexico")),
    "truncated_end": Hostile("MX", "es", "Cortado", "El acuerdo con EE.", ()),
    "huge_title": Hostile("US", "en", "Mexico " * 5_000, "Mexico agreed to the plan on Monday.", ("Mexico",)),
    "control_chars": Hostile(
        "MX", "es", "Control", "\x01\x02Estados Unidos\x07 firmó\x1b[31m con México\x1b[0m. \x7fEE.UU.\x08 respondió.",
        ("Estados Unidos", "EE.UU.")),
    "nested_brackets": Hostile(
        "US", "en", "Brackets", "«««((([[[Mexico]]])))»»» said “‘\"Mexico\"’” again.", ("Mexico", "Mexico")),
    "leading_combining": Hostile(
        "US", "en", "Marks", "\u0301\u0301\u0308Mexico signed the accord. \u20ddMexico too.", ("Mexico", "Mexico")),
}

# The marker word of the articles the scorer is made to fail on (see SpanBugScorer).
POISON = "Zorbalandia"
POISONED = {
    "poisoned_en": Hostile("US", "en", "Border fair",
                           f"Traders from Mexico met at the {POISON} fair. Prices held steady.", ("Mexico",)),
    "poisoned_es": Hostile("MX", "es", "Feria",
                           f"Comerciantes de Estados Unidos llegaron a la feria de {POISON}. Los precios no cambiaron.",
                           ("Estados Unidos",)),
}


class SpanBugScorer:
    """The real scorer, with the old bug put back for sentences holding POISON: their mention's span runs
    past the sentence's end, as a mention across a line break did, and the real scorer raises on it."""

    def __init__(self, scorer):
        self.scorer = scorer
        self.model_version = scorer.model_version
        self.mention_batches = 0

    def score_mentions(self, items):
        self.mention_batches += 1
        return self.scorer.score_mentions(
            [replace(item, end=len(item.sentence) + 4) if POISON in item.sentence else item for item in items])

    def score_frames(self, articles):
        return self.scorer.score_frames(articles)


def _url(name: str) -> str:
    return f"http://127.0.0.1:9/news/{name}.html"


def _item(name: str, case: Hostile) -> ArticleItem:
    return ArticleItem(
        url=_url(name), source_key=US_OUTLET if case.country == "US" else MX_OUTLET, source_country=case.country,
        title=case.title, text=case.text, published=None, fetched_at="2026-03-02T06:00:00+00:00",
        fingerprint=fingerprint(case.text) if case.text else fingerprint(name), language_hint=case.language)


def _stored(name: str, case: Hostile) -> StoredArticle:
    item = _item(name, case)
    return StoredArticle(item.fingerprint, case.country, case.title, case.text, case.language)


# --- the pieces, without the flow -----------------------------------------------------------------------


def test_every_mention_of_every_hostile_text_lies_inside_its_sentence():
    """What the scorer needs of a mention (mark_target raised on the one that did not), for every case."""
    for name, case in {**HOSTILE, **POISONED}.items():
        language = detect_language(f"{case.title}\n{case.text}", hint=case.language)
        sentences, mentions = sentences_and_mentions(case.text, language if language in ("en", "es") else case.language)
        for mention in mentions:
            sentence = sentences[mention.sentence_index]
            assert sentence.start <= mention.start and mention.end <= sentence.end, (name, mention)
            mark_target(sentence.text, mention.start - sentence.start, mention.end - sentence.start, "[", "]")
        scored = tuple(m.surface for m in mentions if m.target == other_country(case.country))
        assert scored == case.scored, name


@pytest.mark.parametrize("name", ["one_mb_line", "word_100k", "many_sentences"])
def test_huge_texts_cost_a_fraction_of_a_second_and_little_memory(name):
    text = HOSTILE[name].text
    sentences_and_mentions("Mexico", "en")  # the matcher compiles once per process
    tracemalloc.start()
    began = time.perf_counter()
    sentences, _ = sentences_and_mentions(text, "en")
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # Measured 0.1-0.3 s and 1-9 MB on two cores; the bounds leave room for a busy machine.
    assert seconds < 3, seconds
    assert peak < 20 * len(text) + 10_000_000, peak
    assert sum(len(s.text) for s in sentences) <= len(text)


@pytest.fixture(scope="module")
def scorer(models_dir):
    from espejo.nlp.scorers import load_scorer

    return load_scorer(models_dir)


def test_a_clean_chunk_is_one_batch_and_only_a_failing_one_is_split(scorer):
    good = [_stored(name, HOSTILE[name]) for name in ("wrapped_ee_uu", "bidi_marks", "zero_width")]
    bad = _stored("poisoned_en", POISONED["poisoned_en"])
    counting = SpanBugScorer(scorer)
    clean = analyse_isolated(good, counting)
    assert counting.mention_batches == 1 and not clean.failures
    assert [a.article_id for a in clean.analysed] == [a.article_id for a in good]
    counting.mention_batches = 0
    mixed = analyse_isolated([*good[:2], bad, good[2]], counting)
    assert counting.mention_batches == 1 + 4  # the batch, then each article alone
    assert [a.article_id for a in mixed.analysed] == [a.article_id for a in good]
    assert [(f.article_id, f.error_type) for f in mixed.failures] == [(bad.article_id, "ValueError")]
    assert "outside a sentence" in mixed.failures[0].message and "mark_target" in mixed.failures[0].where
    # Alone or in a batch, an article gets the same scores (up to float rounding of padded batches).
    for alone, batched in zip(mixed.analysed, clean.analysed, strict=True):
        assert [s.mention for s in alone.scored] == [s.mention for s in batched.scored]
        for a, b in zip(alone.scored, batched.scored, strict=True):
            assert abs(a.sentiment.p_positive - b.sentiment.p_positive) < 1e-4


class _BrokenScorer:
    """A scorer whose model is gone: it fails on every article, so the articles are not to blame."""

    def __init__(self, scorer):
        self.model_version = scorer.model_version

    def score_mentions(self, items):
        raise OSError("model weights not found")

    def score_frames(self, articles):
        raise OSError("model weights not found")


def test_a_scorer_that_fails_on_everything_fails_the_chunk_and_blames_no_article(scorer):
    articles = [_stored(name, HOSTILE[name]) for name in ("wrapped_ee_uu", "bidi_marks")]
    with pytest.raises(RuntimeError, match="probe article too") as raised:
        analyse_isolated(articles, _BrokenScorer(scorer))
    assert isinstance(raised.value.__cause__, OSError)


# --- three nights of the real flow over the stored hostile texts -------------------------------------------


@pytest.fixture(scope="module")
def nights(tmp_path_factory, models_dir, prefect_db):
    from espejo.flows import nightly as nightly_module
    from espejo.nlp.scorers import load_scorer
    from espejo.spiders.registry import load_sources

    data_dir = tmp_path_factory.mktemp("hostile")
    registry = data_dir / "sources.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    cases = {**HOSTILE, **POISONED}
    with db.connect(data_dir) as con:
        load.upsert_sources(con, load_sources(registry))
        loaded = load.load_items(con, [_item(name, case) for name, case in cases.items()], "hostile-load")
    assert loaded.articles_new == len(cases)
    reports, seconds = [], []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nightly_module, "load_scorer", lambda path: SpanBugScorer(load_scorer(path)))
        for night in (1, 2, 3):
            began = time.monotonic()
            # No outlet is selected (both are non-demo): the run loads nothing and scores what is stored.
            reports.append(nightly_module.nightly(data_dir=str(data_dir), sources_file=str(registry), only="demo",
                                                  run_label=f"hostile-{night}"))
            seconds.append(time.monotonic() - began)
    print(f"\nthree nights over {len(cases)} hostile articles: " + ", ".join(f"{s:.1f} s" for s in seconds))
    ids = {name: _item(name, case).fingerprint for name, case in cases.items()}
    return {"data_dir": data_dir, "reports": reports, "ids": ids, "seconds": seconds}


def _query(nights, sql: str, params: list | None = None) -> list[tuple]:
    with db.open_snapshot(nights["data_dir"]) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.mark.slow
def test_the_runs_complete_and_say_what_failed(nights):
    first, second, third = nights["reports"]
    assert (first.status, first.articles_failed) == ("completed_with_failures", 2)
    assert (second.status, second.articles_failed) == ("completed_with_failures", 2)
    assert (third.status, third.articles_failed, third.mentions_scored) == ("completed", 0, 0)
    runs = dict(_query(nights, "SELECT run_id, articles_failed FROM runs"))
    assert [runs[r.run_id] for r in nights["reports"]] == [2, 2, 0]
    assert first.mentions_scored == sum(len(c.scored) for c in HOSTILE.values())


@pytest.mark.slow
def test_every_good_article_is_scored_as_written(nights):
    first_run = nights["reports"][0].run_id
    rows = _query(nights, "SELECT x.article_id, x.relevant, x.mentions_other, x.run_id FROM analyses x")
    analysed = {article_id: (relevant, mentions, run) for article_id, relevant, mentions, run in rows}
    assert set(analysed) == {nights["ids"][name] for name in HOSTILE}
    for name, case in HOSTILE.items():
        relevant, mentions, run = analysed[nights["ids"][name]]
        assert (relevant, mentions, run) == (bool(case.scored), len(case.scored), first_run), name
        surfaces = _query(nights, "SELECT m.surface FROM mentions m JOIN sentiment_scores s USING (mention_id)"
                                  " WHERE m.article_id = ? ORDER BY m.start_char", [nights["ids"][name]])
        assert tuple(s for (s,) in surfaces) == case.scored, name
    # Every stored mention lies inside the stored sentence it names.
    outside = _query(nights, "SELECT m.mention_id FROM mentions m JOIN sentences s USING (article_id)"
                             " WHERE s.sentence_index = m.sentence_index"
                             " AND (m.start_char < s.start_char OR m.end_char > s.end_char)")
    assert outside == []
    wrapped = _query(nights, "SELECT s.text FROM mentions m JOIN sentences s USING (article_id)"
                             " WHERE s.sentence_index = m.sentence_index AND m.article_id = ?",
                     [nights["ids"]["wrapped_ee_uu"]])
    assert wrapped == [("El gobierno de EE.\nUU. anunció aranceles al acero.",)]


@pytest.mark.slow
def test_the_long_article_is_stored_whole_and_framed_from_its_first_sentences(nights):
    article = nights["ids"]["many_sentences"]
    assert _query(nights, "SELECT count(*) FROM sentences WHERE article_id = ?", [article]) == [(20_001,)]
    evidence = _query(nights, "SELECT max(evidence_sentence_index), count(*) FROM frame_scores WHERE article_id = ?",
                      [article])[0]
    assert evidence[1] > 0 and evidence[0] < MAX_FRAME_SENTENCES
    line = nights["ids"]["one_mb_line"]
    assert _query(nights, "SELECT count(*), max(length(text)) FROM sentences WHERE article_id = ?", [line]) == [
        (1, len(HOSTILE["one_mb_line"].text))]


@pytest.mark.slow
def test_a_bad_article_is_recorded_retried_once_then_left(nights):
    first, second, third = (r.run_id for r in nights["reports"])
    rows = _query(nights, "SELECT article_id, run_id, attempt, error_type, error, location, model_version"
                          " FROM score_failures ORDER BY run_id, article_id")
    poisoned = sorted(nights["ids"][name] for name in POISONED)
    assert [(a, r, n) for a, r, n, *_ in rows] == [(a, first, 1) for a in poisoned] + [(a, second, 2) for a in poisoned]
    version = _query(nights, "SELECT model_version FROM runs WHERE run_id = ?", [third])[0][0]
    for _, _, _, error_type, error, location, failed_version in rows:
        assert error_type == "ValueError" and "outside a sentence" in error
        assert location.startswith("scoring.py:") and location.endswith("in mark_target")
        assert failed_version == version
    with db.connect(nights["data_dir"]) as con:
        assert load.articles_to_analyse(con, version) == []  # left: the third night did not try them
    assert _query(nights, "SELECT count(*) FROM analyses WHERE article_id IN (?, ?)", poisoned) == [(0,)]


@pytest.mark.slow
def test_the_health_page_lists_the_articles_that_could_not_be_scored(nights, monkeypatch):
    from test_dashboard_pages import open_page

    app = open_page(nights["data_dir"], monkeypatch, "health")
    listed = next(d.value for d in app.dataframe if {"error_type", "attempt", "url"} <= set(d.value.columns))
    assert sorted(listed["url"]) == sorted(_url(name) for name in POISONED)
    assert set(listed["title"]) == {case.title for case in POISONED.values()}
    assert set(listed["attempt"]) == {2} and set(listed["run_id"]) == {nights["reports"][1].run_id}
    assert all("outside a sentence" in error for error in listed["error"])
    assert any("2 articles could not be scored" in w.value for w in app.warning)
    # In Spanish, every column of the new table has its header, and its text is Spanish.
    from test_dashboard_i18n import english_words, page_text

    _, prose, problems = page_text(open_page(nights["data_dir"], monkeypatch, "health", {"lang": "es"}))
    assert not problems, problems
    ours = [text for text in prose if "no se pudieron puntuar" in text or text in ("intento", "tipo de error")]
    assert len(ours) == 3 and not english_words(ours), ours  # the warning and two headers


def test_scoring_on_dask_isolates_a_bad_article_the_same_way(tmp_path, models_dir, scorer):
    """The Dask path's own flow and task (`score_on_dask`, `analyse_chunk`), run here on threads: the
    task's worker-side scorer is the span-bug one, the flow stores and records as the in-process path."""
    from prefect.task_runners import ThreadPoolTaskRunner

    from espejo.flows import dask_scoring

    cases = {name: HOSTILE[name] for name in ("wrapped_ee_uu", "wrapped_u_s")} | POISONED
    with db.connect(tmp_path) as con:
        load.load_items(con, [_item(name, case) for name, case in cases.items()], "dask-load")
    key = (str(models_dir), "")
    saved = dask_scoring._scorers.get(key)
    dask_scoring._scorers[key] = SpanBugScorer(scorer)
    try:
        on_threads = dask_scoring.score_on_dask.with_options(task_runner=ThreadPoolTaskRunner(max_workers=1))
        mentions, _ = on_threads(str(tmp_path), "dask-run", scorer.model_version, str(models_dir))
    finally:
        if saved is None:
            del dask_scoring._scorers[key]
        else:
            dask_scoring._scorers[key] = saved
    assert mentions == 2
    with db.connect(tmp_path) as con:
        failed = con.execute("SELECT article_id, attempt FROM score_failures WHERE run_id = 'dask-run'").fetchall()
        assert sorted(failed) == sorted((_item(name, c).fingerprint, 1) for name, c in POISONED.items())
        assert load.score_failures_in_run(con, "dask-run") == 2
        assert con.execute("SELECT count(*) FROM analyses").fetchone()[0] == 2


@pytest.mark.slow
def test_a_rescore_records_what_it_could_not_score_as_the_nightly_run_does(nights, tmp_path, monkeypatch):
    import shutil

    from espejo.flows import history

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for name in (db.WAREHOUSE_FILE, db.SNAPSHOT_FILE):  # a copy: the nights' folder stays as the tests above read it
        shutil.copy(nights["data_dir"] / name, data_dir / name)
    real = history.load_scorer
    monkeypatch.setattr(history, "load_scorer", lambda *args, **kwargs: SpanBugScorer(real(*args, **kwargs)))
    report = history.rescore(model="zeroshot", data_dir=str(data_dir))
    assert (report.status, report.articles_failed) == ("completed_with_failures", len(POISONED))
    assert report.articles_scored == len(nights["ids"]) - len(POISONED)
    with db.open_snapshot(data_dir) as con:
        assert con.execute("SELECT status, articles_failed FROM runs WHERE run_id = ?",
                           [report.run_id]).fetchall() == [("completed_with_failures", len(POISONED))]
