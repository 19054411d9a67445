"""`make bench` (scoring part): target mentions per second, the naive way and Espejo's, same run.

The naive way is what a first script would do: transformers' feature-extraction pipeline called one
mention at a time, then the same trained head. Espejo's way is `TrainedSentimentScorer.score_mentions`:
batches sorted by length, `torch.inference_mode`, inputs cropped to the target's neighbourhood, a mention
the model would read identically to another scored once, bfloat16 where the CPU has it (checked against
fp32 in the same run). Both
use the same model (the adapter merged into the encoder), the same mentions and the same threads; the
bench checks they give the same probabilities before it reports any speed.

The mentions come from the offline news web's articles (built in a temporary folder), so the bench
needs nothing outside the repository.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import numpy as np


def bench_mentions(limit: int, seed: int = 7) -> list[tuple[str, int, int]]:
    """(sentence, start, end) of mentions of the other country in the offline news web's articles."""
    from espejo.newsweb.generate import build_site
    from espejo.nlp.mentions import find_mentions
    from espejo.nlp.sentences import split_sentences
    from espejo.records import other_country

    with tempfile.TemporaryDirectory() as tmp:
        manifest = json.loads(build_site(Path(tmp)).read_text(encoding="utf-8"))
    items = []
    for article in manifest["articles"]:
        if not article["target"]:
            continue
        for entry in article.get("target_sentences", []):
            text = entry["text"] if isinstance(entry, dict) else str(entry)
            sentences = split_sentences(text, article["language"])
            for mention in find_mentions(text, sentences, article["language"]):
                if mention.target == other_country(article["source_country"]):
                    sentence = sentences[mention.sentence_index]
                    items.append((sentence.text, mention.start - sentence.start, mention.end - sentence.start))
    random.Random(seed).shuffle(items)
    return items[:limit]


def naive_probabilities(scorer, items) -> np.ndarray:
    """One mention at a time through a transformers pipeline, then the trained head."""
    import torch
    from transformers import pipeline

    from espejo.nlp.sentiment_model import encode_inputs, prepare_text

    tokenizer, model = scorer._load()
    extractor = pipeline("feature-extraction", model=model.encoder, tokenizer=tokenizer)
    rows = []
    for sentence, start, end in items:
        text, _, _ = prepare_text(sentence, start, end, scorer.settings)
        hidden = torch.tensor(extractor(text, truncation=True, max_length=scorer.settings.max_length))
        _, mask, target_mask = encode_inputs(tokenizer, [(sentence, start, end)], scorer.settings)
        with torch.no_grad():
            logits = model.head_logits(model.head(hidden, mask, target_mask), model.scoring_head)
        rows.append(torch.softmax(logits.double() / scorer.temperature, dim=-1).numpy()[0])  # same calibration
    return np.array(rows)


def run(mentions: int = 400, naive_mentions: int = 120, precision: str | None = None) -> dict:
    """Naive and Espejo rates on the same mentions. Espejo is first checked equal to the naive way in fp32,
    then timed at `precision` (default: what the pipeline uses) and checked close to its own fp32 output."""
    from espejo.nlp.backbone import configure_torch_threads, inference_precision
    from espejo.nlp.sentiment_model import distinct_inputs, load_trained_sentiment

    threads = configure_torch_threads()
    precision = precision or inference_precision()
    items = bench_mentions(mentions)
    scorer = load_trained_sentiment()
    scorer.precision = "fp32"
    scorer.predict_proba(items[:8])  # load and warm up both ways before timing
    naive_probabilities(scorer, items[:2])

    started = time.perf_counter()
    naive = naive_probabilities(scorer, items[:naive_mentions])
    naive_s = time.perf_counter() - started

    reference = scorer.predict_proba(items)
    max_difference = float(np.abs(naive - reference[: len(naive)]).max())
    if max_difference > 1e-3:
        raise AssertionError(f"the two ways disagree (max probability difference {max_difference:.4f})")

    scorer.precision = precision
    scorer.predict_proba(items[:8])
    started = time.perf_counter()
    fast = scorer.predict_proba(items)
    fast_s = time.perf_counter() - started
    scorer.precision = inference_precision()
    agreement = float((fast.argmax(1) == reference.argmax(1)).mean())
    drift = float(np.abs(fast - reference).max())
    if agreement < 0.99 or drift > 0.02:
        raise AssertionError(f"{precision} drifts from fp32: labels agree on {agreement:.1%}, max difference {drift:.3f}")
    naive_rate, fast_rate = len(naive) / naive_s, len(items) / fast_s
    distinct = len(distinct_inputs(items, scorer.settings)[1])
    return {
        "threads": threads,
        "precision": precision,
        "model_version": scorer.model_version,
        "naive": {"mentions": len(naive), "seconds": round(naive_s, 2), "mentions_per_s": round(naive_rate, 1)},
        "espejo": {"mentions": len(items), "distinct_inputs": distinct, "seconds": round(fast_s, 2),
                   "mentions_per_s": round(fast_rate, 1)},
        "speedup": round(fast_rate / naive_rate, 2),
        "max_probability_difference": max_difference,
        "precision_label_agreement": agreement,
        "precision_max_difference": drift,
    }


def describe(result: dict) -> str:
    """The per-mention figures as lines of text."""
    return "\n".join([
        f"target-sentiment scoring, {result['threads']} torch threads, model {result['model_version']}",
        f"  naive (pipeline, one mention at a time, fp32): {result['naive']['mentions_per_s']:7.1f} mentions/s "
        f"({result['naive']['mentions']} mentions in {result['naive']['seconds']} s)",
        f"  espejo (batched, sorted, {result['precision']}):          {result['espejo']['mentions_per_s']:7.1f} "
        f"mentions/s ({result['espejo']['mentions']} mentions, {result['espejo']['distinct_inputs']} distinct model "
        f"inputs, in {result['espejo']['seconds']} s)",
        f"  speed-up {result['speedup']}x; fp32 equals the naive way within {result['max_probability_difference']:.1e};"
        f" {result['precision']} gives the fp32 label on {result['precision_label_agreement']:.1%} of mentions, "
        f"probabilities within {result['precision_max_difference']:.3f}",
    ])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=400, help="mentions scored the Espejo way")
    parser.add_argument("--naive-mentions", type=int, default=120, help="mentions scored the naive way")
    args = parser.parse_args(argv)
    result = run(args.mentions, args.naive_mentions)
    print(describe(result))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
