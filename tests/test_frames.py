"""The frame codebook, the in-house gold set and the trained frame scorer."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest

from espejo.nlp.frames_eval import GOLD_PATH, evaluate_frames, format_report, load_gold
from espejo.nlp.frames_model import (
    DEFAULT_FRAMES_MODEL_DIR,
    MIN_EXEMPLARS,
    TrainedFrameScorer,
    load_frame_codebook,
)
from espejo.nlp.scoring import ANY_DIRECTION, CodebookError, FrameInput, load_codebook

# Measured 0.509 micro-F1 (sentence level, product rule) when the artifact was trained; a few points of slack.
GOLD_MICRO_F1_FLOOR = 0.46


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
    from espejo.nlp.frames_model import StaleFrameModel

    with pytest.raises(StaleFrameModel):
        TrainedFrameScorer(models_dir, codebook_path=edited, on_stale="error")


def test_gold_micro_f1_floor(scorer):
    report = evaluate_frames(GOLD_PATH, scorer)
    text = format_report(report)
    assert "micro" in text and report.n_sentences >= 200
    assert report.micro_f1 >= GOLD_MICRO_F1_FLOOR, text
