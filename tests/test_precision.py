"""Scoring precision: bf16 where the CPU has it, fp32 on request, and the bench that holds them to each other."""

from __future__ import annotations

import json

import numpy as np
import pytest


def test_precision_setting_is_read_and_checked(monkeypatch):
    from espejo.nlp import backbone

    monkeypatch.setenv(backbone.PRECISION_ENV, "fp32")
    assert backbone.inference_precision() == "fp32"
    monkeypatch.setenv(backbone.PRECISION_ENV, "BF16")
    assert backbone.inference_precision() == "bf16"
    monkeypatch.setenv(backbone.PRECISION_ENV, "auto")
    assert backbone.inference_precision() in ("bf16", "fp32")
    monkeypatch.setenv(backbone.PRECISION_ENV, "fp8")
    with pytest.raises(ValueError, match="ESPEJO_PRECISION='fp8': expected one of auto, bf16, fp32"):
        backbone.inference_precision()


def test_bf16_scores_stay_within_the_bench_tolerance_of_fp32(models_dir):
    from espejo.nlp.backbone import embed, ensure_backbone
    from espejo.nlp.sentiment_model import TrainedSentimentScorer

    items = [("Mexico and the United States signed a water treaty after long talks.", 0, 6),
             ("Cartel violence in Mexico worries investors in Texas.", 16, 22),
             ("Los aranceles de Estados Unidos golpean a los productores de aguacate.", 18, 32),
             ("La Ciudad de México recibirá partidos del Mundial con aficionados de Estados Unidos.", 69, 83)]
    scorer = TrainedSentimentScorer(models_dir, precision="fp32")
    fp32 = scorer.predict_proba(items)
    scorer.precision = "bf16"
    bf16 = scorer.predict_proba(items)
    assert np.abs(fp32 - bf16).max() < 0.02
    assert (fp32.argmax(1) == bf16.argmax(1)).all()
    texts = [sentence for sentence, _, _ in items]
    backbone_dir = ensure_backbone(models_dir)
    cosines = (embed(texts, backbone_dir) * embed(texts, backbone_dir, precision="bf16")).sum(axis=1)
    assert cosines.min() > 0.999


@pytest.mark.slow
def test_scoring_bench_reports_naive_espejo_and_the_pipeline_stage(models_dir, capsys):
    from espejo.flows import scoring_bench

    scoring_bench.main(["--mentions", "40", "--naive-mentions", "8", "--long-articles", "2", "--web-articles", "8"])
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert set(result) >= {"naive", "espejo", "pipeline", "speedup", "pipeline_speedup", "precision"}
    assert result["naive"] > 0 and result["espejo"] > 0
    assert set(result["pipeline"]) == {"offline_web", "long_articles"}
    assert any(line.startswith("pipeline analysis stage, offline_web: 8 articles") for line in lines)
    assert any("same labels on" in line for line in lines)
