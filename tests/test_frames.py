"""The frame codebook, the in-house gold set, the trained frame scorers and their realnews evaluation.

The small realnews-layout files here are written for these tests; no realnews text is copied.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata

import numpy as np
import pytest

from espejo.nlp.frames_eval import (
    GOLD_PATH,
    evaluate_frames,
    evaluate_realnews_frames,
    format_realnews_comparison,
    format_report,
    leading_frames,
    load_gold,
    realnews_quality_rows,
)
from espejo.nlp.frames_model import (
    DEFAULT_FRAMES_MODEL_DIR,
    MIN_EXEMPLARS,
    PREVIOUS_FRAMES_MODEL_DIR,
    ArticleTrainConfig,
    StaleFrameModel,
    TrainedFrameScorer,
    TrainedHead,
    load_frame_codebook,
    train_frames,
)
from espejo.nlp.scoring import ANY_DIRECTION, DEFAULT_CODEBOOK, CodebookError, FrameInput, load_codebook
from espejo.records import FrameScore

# The codebook-only head measured 0.509 micro-F1 (sentence level, product rule); the article heads trained
# on realnews keep this floor (they measure more, see nlp/models/frames/README.md).
GOLD_MICRO_F1_FLOOR = 0.46
# realnews dev, leading frames vs annotated frames, per language: the target of issue 9 (the committed
# article heads measure more, see nlp/models/frames/README.md).
REALNEWS_DEV_MICRO_F1_FLOOR = {"en": 0.65, "es": 0.65}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).strip().lower())


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


@pytest.fixture(scope="module")
def gold():
    return load_gold(GOLD_PATH)


@pytest.fixture(scope="module")
def scorer(models_dir):
    # on_stale="error": the committed artifact must match the committed codebook and the backbone.
    return TrainedFrameScorer(models_dir, on_stale="error")


# ---------------------------------------------------------------- codebook


def test_codebook_has_five_exemplars_per_language_per_frame(codebook):
    fcb = load_frame_codebook()
    assert len(fcb.keys) == len(codebook.frames) >= 26
    for frame in codebook.frames:
        assert len(frame.exemplars_en) >= MIN_EXEMPLARS >= 5, frame.key
        assert len(frame.exemplars_es) >= MIN_EXEMPLARS, frame.key
    directions = {frame.direction for frame in codebook.frames}
    assert directions == {"any", "us->mx", "mx->us"}
    assert sum(frame.direction == "any" for frame in codebook.frames) == 15
    for key, implied in fcb.implies.items():
        assert all(dict((f.key, f.direction) for f in codebook.frames)[k] == "any" for k in implied), key


def test_frame_codebook_rejects_too_few_exemplars(tmp_path):
    from espejo.nlp.scoring import DEFAULT_CODEBOOK

    text = DEFAULT_CODEBOOK.read_text(encoding="utf-8")
    start = text.index("[frames.morality]")
    line = text.index("exemplars_en = [", start)
    first = text.index("\n  ", line)
    cut = text[: first] + text[text.index("\n", first + 1):]  # drop one English exemplar of one frame
    path = tmp_path / "frames.toml"
    path.write_text(cut, encoding="utf-8")
    with pytest.raises(CodebookError, match="morality"):
        load_frame_codebook(path)


# ---------------------------------------------------------------- gold set


def test_gold_set_size_languages_and_keys(gold, codebook):
    assert len(gold) >= 200
    by_language = {lang: sum(g.language == lang for g in gold) for lang in ("en", "es")}
    assert by_language["en"] >= 100 and by_language["es"] >= 100
    direction_of = {frame.key: frame.direction for frame in codebook.frames}
    assert len({g.id for g in gold}) == len(gold)
    assert len({_norm(g.text) for g in gold}) == len(gold)
    for g in gold:
        assert g.direction in ("us->mx", "mx->us", ANY_DIRECTION), g.id
        assert set(g.frames) <= set(direction_of), g.id
        assert len(set(g.frames)) == len(g.frames), g.id
        for frame in g.frames:  # a stereotype frame only on a sentence of its direction
            assert direction_of[frame] in (ANY_DIRECTION, g.direction), (g.id, frame)
        assert g.source.split(":")[0] in ("newsweb", "newsmtsc", "es-headlines"), g.id
    sources = {g.source.split(":")[0] for g in gold}
    assert sources == {"newsweb", "newsmtsc", "es-headlines"}
    assert any(not g.frames for g in gold)  # zero frames is a valid label


def test_gold_set_does_not_overlap_the_exemplars(gold, codebook):
    exemplars = {_norm(text) for frame in codebook.frames for text in frame.exemplars}
    overlap = [g.id for g in gold if _norm(g.text) in exemplars]
    assert not overlap, overlap


def test_gold_texts_match_their_shared_sources(gold, shared_data):
    """Each shared-data sentence is cited by split and id and is copied verbatim."""
    mtsc, heads = {}, {}
    for split in ("train", "dev"):
        for line in open(shared_data / "newsmtsc" / f"{split}.jsonl", encoding="utf-8"):
            row = json.loads(line)
            mtsc[(split, row["primary_gid"])] = row["sentence_normalized"]
        for line in open(shared_data / "es-headlines" / f"{split}.jsonl", encoding="utf-8"):
            row = json.loads(line)
            heads[(split, str(row["id"]))] = row["titulo"]
    for g in gold:
        kind, _, rest = g.source.partition(":")
        if kind == "newsmtsc":
            split, _, gid = rest.partition(":")
            assert mtsc[(split, gid)] == g.text, g.id
        elif kind == "es-headlines":
            split, _, hid = rest.partition(":")
            assert heads[(split, hid)] == g.text, g.id


# ---------------------------------------------------------------- trained scorer


def test_artifact_is_small_and_present():
    files = list(DEFAULT_FRAMES_MODEL_DIR.iterdir())
    assert {"frames_head.npz", "frames_head.json"} <= {f.name for f in files}
    assert sum(f.stat().st_size for f in files if f.is_file()) < 5 * 1024 * 1024


def test_trained_scorer_scores_directions_and_evidence(scorer, codebook):
    articles = [
        FrameInput("Cartel violence grips Sinaloa",
                   ["The weather was mild on Tuesday.",
                    "Cartel gunmen killed twelve people in Culiacán, and police arrested two suspects.",
                    "Tourists still visit the beaches."], "en", "US"),
        FrameInput("México y EE.UU. firman acuerdo",
                   ["Los cancilleres firmaron un acuerdo de cooperación en Washington.",
                    "Rifles comprados en Texas llegaron a manos de sicarios en Tamaulipas."], "es", "MX"),
        FrameInput("Empty", [], "en", "US"),
    ]
    results = scorer.score_frames(articles)
    assert len(results) == 3 and results[2] == []
    keys_for = {
        "US": [f.key for f in codebook.frames if f.direction in ("any", "us->mx")],
        "MX": [f.key for f in codebook.frames if f.direction in ("any", "mx->us")],
    }
    for article, scores in zip(articles[:2], results[:2]):
        assert [s.frame for s in scores] == keys_for[article.source_country]
        for s in scores:
            assert 0.0 <= s.score <= 1.0
            assert 0 <= s.evidence_sentence_index < len(article.sentences)
    us = {s.frame: s for s in results[0]}
    assert us["crime_punishment"].score >= 0.5 and us["crime_punishment"].evidence_sentence_index == 1
    assert us["mx_cartel_violence"].score >= 0.5 and us["mx_cartel_violence"].evidence_sentence_index == 1
    mx = {s.frame: s for s in results[1]}
    assert mx["us_source_of_guns"].evidence_sentence_index == 1
    assert mx["external_regulation_reputation"].evidence_sentence_index == 0


def test_trained_scorer_is_deterministic_and_versioned(scorer, models_dir):
    article = [FrameInput("Trade", ["Exports to Mexico rose sharply this year, economists said."], "en", "US")]
    first = scorer.score_frames(article)
    again = TrainedFrameScorer(models_dir, on_stale="error")
    assert again.model_version == scorer.model_version and scorer.model_version.startswith("frames-lr-")
    assert again.score_frames(article) == first


def test_stale_artifact_retrains_from_the_edited_codebook(tmp_path, models_dir):
    from espejo.nlp.scoring import DEFAULT_CODEBOOK

    edited = tmp_path / "frames.toml"
    edited.write_text(DEFAULT_CODEBOOK.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    with pytest.raises(StaleFrameModel, match="--realnews"):  # article heads: retraining needs the realnews file
        TrainedFrameScorer(models_dir, codebook_path=edited, on_stale="error")


def test_gold_micro_f1_floor(scorer):
    report = evaluate_frames(GOLD_PATH, scorer)
    text = format_report(report)
    assert "micro" in text and report.n_sentences >= 200
    assert report.micro_f1 >= GOLD_MICRO_F1_FLOOR, text


# ---------------------------------------------------------------- article heads and the previous head


def test_nightly_artifact_is_an_article_head_trained_on_realnews():
    head = TrainedHead.load(DEFAULT_FRAMES_MODEL_DIR)
    assert head.pooling == "mean" and head.metadata["format"] == 2
    assert head.metadata["realnews_train"].endswith("realnews/train_passages.jsonl")
    assert head.metadata["training_articles"] >= 400
    assert set(head.metadata["training_articles_by_language"]) == {"en", "es"}
    assert not head.v.any()  # no term feature


def test_previous_nightly_head_loads_beside_the_new_one(scorer, models_dir):
    previous = TrainedFrameScorer(models_dir, frames_model_dir=PREVIOUS_FRAMES_MODEL_DIR, on_stale="error")
    assert previous.head.pooling == "max"
    assert previous.model_version.startswith("frames-lr-") and previous.model_version != scorer.model_version
    article = [FrameInput("", ["Exports to Mexico rose sharply this year.", "Farmers cheered the news."], "en", "US")]
    scores = previous.score_frames(article)[0]
    assert scores and all(0 <= s.evidence_sentence_index < 2 for s in scores)


def test_leading_frames_is_the_dashboard_rule():
    scores = [FrameScore("economic", 0.9, 0), FrameScore("political", 0.7, 0), FrameScore("legality", 0.7, 1),
              FrameScore("morality", 0.6, 0), FrameScore("other", 0.4, 0)]
    assert leading_frames(scores) == {"economic", "legality", "political"}  # top 3; ties by key, as the SQL
    assert leading_frames(scores, top_k=None) == {"economic", "political", "legality", "morality"}
    assert leading_frames(scores, threshold=0.8) == {"economic"}
    assert leading_frames([FrameScore("other", 0.49, 0)]) == set()


# A tiny codebook (5 frames of the real one) and tiny articles in the realnews layout, written here.
TINY_FRAMES = ("economic", "crime_punishment", "external_regulation_reputation", "mx_cartel_violence", "us_partner")
TINY_ARTICLES = [
    # (id, language, outlet_country, summary, frames)
    ("t1", "en", "US", "Exports from Mexico to Texas rose again this quarter. Factory owners in Monterrey expect more "
     "orders. Economists said Mexico's trade surplus keeps growing.", ["economic"]),
    ("t2", "en", "US", "Gunmen linked to a cartel attacked a police post in Sinaloa, Mexico. Eight officers died. "
     "Prosecutors in Mexico opened an inquiry.", ["mx_cartel_violence", "crime_punishment"]),
    ("t3", "en", "US", "Mexico's foreign minister met his Canadian peer to discuss a border treaty. Both promised "
     "closer diplomatic ties.", ["external_regulation_reputation"]),
    ("t4", "en", "US", "Police in Mexico arrested a former mayor accused of fraud. A judge ordered him held.",
     ["crime_punishment"]),
    ("t5", "es", "MX", "Washington y México acordaron cooperar en seguridad fronteriza. Los cancilleres celebraron "
     "la alianza entre ambos gobiernos.", ["us_partner", "external_regulation_reputation"]),
    ("t6", "es", "MX", "Las remesas desde Estados Unidos alcanzaron una cifra récord. Los bancos prevén más "
     "inversión en el país.", ["economic"]),
    ("t7", "es", "MX", "Un tribunal de Estados Unidos condenó a un traficante por lavado de dinero. La fiscalía "
     "pidió cadena perpetua.", ["crime_punishment"]),
    ("t8", "es", "MX", "La embajada de Estados Unidos anunció becas conjuntas con universidades mexicanas. Ambos "
     "países reforzaron su cooperación.", ["us_partner"]),
]


def _toml_value(value) -> str:
    return str(value) if isinstance(value, int) else json.dumps(value, ensure_ascii=False)  # JSON strings are TOML strings


def write_tiny_codebook(path, extra: str = ""):
    data = tomllib.loads(DEFAULT_CODEBOOK.read_text(encoding="utf-8"))
    lines = ["[scoring]", *(f"{k} = {_toml_value(v)}" for k, v in data["scoring"].items())]
    for key in TINY_FRAMES:
        lines.append(f"[frames.{key}]")
        lines.extend(f"{field} = {_toml_value(value)}" for field, value in data["frames"][key].items())
    lines.append("[implies]")
    lines.extend(f"{key} = {_toml_value([t for t in targets if t in TINY_FRAMES])}"
                 for key, targets in data["implies"].items() if key in TINY_FRAMES)
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def write_passages(path, articles=TINY_ARTICLES):
    with open(path, "w", encoding="utf-8") as handle:
        for row in articles:
            handle.write(json.dumps(dict(zip(("id", "language", "outlet_country", "summary", "frames"), row),
                                         url="https://example.org/" + row[0], domain="example.org", tone="neutral"),
                                    ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, models_dir):
    """Article heads trained twice, from scratch, on the tiny codebook and articles."""
    folder = tmp_path_factory.mktemp("tiny-frames")
    codebook = write_tiny_codebook(folder / "frames.toml")
    passages = write_passages(folder / "train_passages.jsonl")
    config = ArticleTrainConfig(steps=150)
    first = train_frames(codebook, models_dir, folder / "first", config, realnews_train=passages)
    second = train_frames(codebook, models_dir, folder / "second", config, realnews_train=passages)
    return {"folder": folder, "codebook": codebook, "passages": passages, "first": first, "second": second}


def test_article_training_is_deterministic(tiny):
    first, second = tiny["first"], tiny["second"]
    for name in ("w", "v", "b", "thresholds"):
        assert np.array_equal(getattr(first, name), getattr(second, name)), name
    assert first.metadata == second.metadata
    assert first.keys == list(TINY_FRAMES) and first.pooling == "mean"
    assert first.metadata["training_articles"] == len(TINY_ARTICLES)
    assert first.metadata["training_articles_by_language"] == {"en": 4, "es": 4}
    saved = (tiny["folder"] / "first" / "frames_head.npz").read_bytes()
    assert saved == (tiny["folder"] / "second" / "frames_head.npz").read_bytes()


def test_article_heads_keep_the_interface_directions_and_evidence(tiny, models_dir):
    scorer = TrainedFrameScorer(models_dir, frames_model_dir=tiny["folder"] / "first", codebook_path=tiny["codebook"],
                                on_stale="error")
    articles = [
        FrameInput("Cartel attack in Sinaloa",
                   ["The weather was mild on Tuesday.",
                    "Cartel gunmen killed twelve people in Culiacán, and police arrested two suspects.",
                    "Tourists still visit the beaches."], "en", "US"),
        FrameInput("", ["Los cancilleres de México y Estados Unidos firmaron un acuerdo de cooperación.",
                        "El clima fue templado."], "es", "MX"),
        FrameInput("Empty", [], "en", "US"),
    ]
    results = scorer.score_frames(articles)
    assert len(results) == 3 and results[2] == []
    assert [s.frame for s in results[0]] == [f for f in TINY_FRAMES if f != "us_partner"]  # us->mx and any
    assert [s.frame for s in results[1]] == [f for f in TINY_FRAMES if f != "mx_cartel_violence"]  # mx->us and any
    for article, scores in zip(articles[:2], results[:2]):
        for s in scores:
            assert 0.0 <= s.score <= 1.0
            assert 0 <= s.evidence_sentence_index < len(article.sentences)
    us = {s.frame: s for s in results[0]}
    assert us["mx_cartel_violence"].evidence_sentence_index == 1
    # The article score is the head on the mean of the title and sentences, not the best sentence's score.
    single = scorer.sentence_scores(list(articles[0].sentences))
    column = TINY_FRAMES.index("mx_cartel_violence")
    assert us["mx_cartel_violence"].score != pytest.approx(float(single[:, column].max()))
    assert scorer.score_frames(articles) == results  # deterministic


def test_stale_article_heads_retrain_from_the_realnews_file_they_name(tiny, tmp_path, models_dir):
    edited = write_tiny_codebook(tmp_path / "frames.toml", extra="# edited\n")
    with pytest.raises(StaleFrameModel, match="--realnews"):
        TrainedFrameScorer(models_dir, frames_model_dir=tiny["folder"] / "first", codebook_path=edited, on_stale="error")
    retrained = TrainedFrameScorer(models_dir, frames_model_dir=tiny["folder"] / "first", codebook_path=edited)
    assert retrained.head.pooling == "mean" and retrained.head.metadata["training_articles"] == len(TINY_ARTICLES)
    assert retrained.head.metadata["codebook_sha256"] != tiny["first"].metadata["codebook_sha256"]


def test_realnews_training_rejects_unknown_frames(tmp_path, models_dir):
    passages = write_passages(tmp_path / "train_passages.jsonl",
                              [("x", "en", "US", "Mexico cut interest rates.", ["no_such_frame"])])
    with pytest.raises(CodebookError, match="no_such_frame"):
        train_frames(DEFAULT_CODEBOOK, models_dir, None, realnews_train=passages)


class _FixedScorer:
    """Scores each article from a table keyed by its first sentence (no model)."""

    model_version = "fixed-1"

    def __init__(self, table):
        self.table = table

    def score_frames(self, articles):
        return [[FrameScore(frame, score, 0) for frame, score in self.table[a.sentences[0]].items()] for a in articles]


def test_realnews_evaluation_counts_leading_frames_per_language(tmp_path):
    articles = [
        ("e1", "en", "US", "Alpha one. Alpha two.", ["economic", "political"]),
        ("e2", "en", "US", "Beta one.", ["crime_punishment"]),
        ("s1", "es", "MX", "Gamma uno. Gamma dos.", ["us_partner"]),
    ]
    path = write_passages(tmp_path / "dev_passages.jsonl", articles)
    scorer = _FixedScorer({
        "Alpha one.": {"economic": 0.9, "political": 0.4, "legality": 0.6},  # economic right, legality wrong, political missed
        "Beta one.": {"crime_punishment": 0.8, "mx_cartel_violence": 0.7},  # one right, one wrong
        "Gamma uno.": {"us_partner": 0.95, "economic": 0.3},  # right
    })
    report = evaluate_realnews_frames(path, scorer)
    # tp 3 (economic, crime_punishment, us_partner); predicted 5; gold 4 -> micro-F1 6/9
    assert report.n == 3 and report.micro_f1 == pytest.approx(round(6 / 9, 4))
    assert report.per_language["en"]["n"] == 2 and report.per_language["en"]["direction"] == "us->mx"
    assert report.per_language["en"]["micro_f1"] == pytest.approx(round(4 / 7, 4))  # tp 2, predicted 4, gold 3
    assert report.per_language["es"]["micro_f1"] == 1.0 and report.per_language["es"]["direction"] == "mx->us"
    frame = {m.frame: m for m in report.per_frame}
    assert (frame["economic"].support, frame["economic"].predicted, frame["economic"].tp) == (1, 1, 1)
    assert frame["legality"].precision == 0.0 and frame["political"].recall == 0.0
    # macro over the frames with support: economic 1, political 0, crime_punishment 1, us_partner 1
    assert report.macro_f1 == pytest.approx(0.75)
    rows = realnews_quality_rows(report, "realnews-dev")
    assert {(r["direction"], r["language"], r["metric"]) for r in rows} == {
        (d, lang, m) for d, lang in (("us->mx", "en"), ("mx->us", "es")) for m in ("micro_f1", "macro_f1")}
    assert all(r["component"] == "frames" and r["unit"] == "articles" for r in rows)
    text = format_realnews_comparison({"fixed": report})
    assert "economic" in text and "3 articles" in text
    assert report.summary()["per_language"]["es"] == {"direction": "mx->us", "micro_f1": 1.0, "macro_f1": 1.0, "n": 1}


def test_eval_frames_command_on_a_realnews_file(models_dir, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from espejo import quality
    from espejo.cli import main

    target = tmp_path / "quality.json"
    monkeypatch.setenv("ESPEJO_QUALITY_FILE", str(target))
    path = write_passages(tmp_path / "dev_passages.jsonl")
    result = CliRunner().invoke(main, ["eval", "frames", "--data", str(path), "--json", "--record",
                                       "--models-dir", str(models_dir)])
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert 0.0 <= last["micro_f1"] <= 1.0 and 0.0 <= last["macro_f1"] <= 1.0 and last["n"] == len(TINY_ARTICLES)
    assert {lang: last["per_language"][lang]["n"] for lang in ("en", "es")} == {"en": 4, "es": 4}
    assert set(last["baselines"]) == {"previous", "zeroshot"} and last["per_frame"]
    assert len({last["model_version"], *(b["model_version"] for b in last["baselines"].values())}) == 3
    rows = quality.quality_for(last["model_version"], target)
    figures = {(r["direction"], r["metric"]): r for r in rows}
    assert figures[("us->mx", "micro_f1")]["value"] == pytest.approx(last["per_language"]["en"]["micro_f1"])
    assert figures[("mx->us", "macro_f1")]["n"] == 4 and figures[("mx->us", "macro_f1")]["dataset"] == "realnews-dev"
    for baseline in last["baselines"].values():
        assert quality.quality_for(baseline["model_version"], target)
    usage = CliRunner().invoke(main, ["eval", "frames", "--record", "--models-dir", str(models_dir)])
    assert usage.exit_code != 0 and "--data" in usage.output


def test_realnews_dev_micro_f1_floor(shared_data, scorer):
    report = evaluate_realnews_frames(shared_data / "realnews" / "dev_passages.jsonl", scorer)
    text = format_realnews_comparison({"nightly": report})
    for language, floor in REALNEWS_DEV_MICRO_F1_FLOOR.items():
        assert report.per_language[language]["n"] >= 40, text
        assert report.per_language[language]["micro_f1"] >= floor, text
