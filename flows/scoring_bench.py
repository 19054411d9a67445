"""`make bench`, scoring part: per mention (naive vs Espejo) and the pipeline's analysis stage, one run.

Three figures, measured back to back on this machine with the same model and threads:

  naive     transformers' pipeline, one mention at a time, then the trained head (fp32)
  espejo    `TrainedSentimentScorer` per mention, at the precision the pipeline scores with
  pipeline  `analyse_articles` as the nightly run calls it (language, sentences, mentions, sentiment and
            frames, chunks of SCORE_CHUNK articles), in articles/s and mentions/s, on the offline news web
            and on long real-length articles; "before" is the same stage in fp32, as it ran before bf16

Before any speed is reported the precisions are compared: labels must agree on >= 99% of mentions and
probabilities within 0.02, or the bench fails. The last line printed is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

LABEL_AGREEMENT_FLOOR = 0.99
PROBABILITY_TOLERANCE = 0.02
EXTRACTION_BENCHMARK = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "extraction-benchmark"


def offline_web_articles():
    """The offline news web's articles as the warehouse would hand them to nlp (extracted from their pages)."""
    from espejo.newsweb.generate import build_site, file_for
    from espejo.records import StoredArticle
    from espejo.spiders.extraction import extract_article

    articles = []
    with tempfile.TemporaryDirectory() as tmp:
        manifest = json.loads(build_site(Path(tmp)).read_text(encoding="utf-8"))
        for entry in manifest["articles"]:
            path = entry["url"].split("/", 3)[3]
            page = Path(tmp) / entry["outlet"] / file_for("/" + path)
            extracted = extract_article(page.read_text(encoding="utf-8", errors="replace"), entry["url"])
            if extracted is not None:
                articles.append(StoredArticle(entry["id"], entry["source_country"], extracted.title,
                                              extracted.text, entry["language"]))
    return articles


def long_articles(web_articles, limit: int = 60) -> tuple[str, list]:
    """Real-length articles: the extraction benchmark's real bodies when ../shared is here, read once as a U.S.
    outlet's and once as a Mexican outlet's (so both directions' mentions are scored); else generated ones,
    each six offline-web articles end to end (about the same length)."""
    from espejo.records import StoredArticle

    truth = EXTRACTION_BENCHMARK / "ground-truth.json"
    if truth.is_file():
        bodies = [row.get("articleBody") or "" for row in json.loads(truth.read_text(encoding="utf-8")).values()]
        bodies = sorted((b for b in bodies if b.strip()), key=len, reverse=True)[: limit // 2]
        articles = [StoredArticle(f"real-{country}-{n}", country, "", body, None)
                    for n, body in enumerate(bodies) for country in ("US", "MX")]
        return f"{len(bodies)} real article bodies (extraction benchmark), each as from both countries", articles
    articles = []
    for n in range(limit):
        group = web_articles[(n * 6) % len(web_articles):][:6]
        articles.append(StoredArticle(f"long-{n}", group[0].source_country, group[0].title,
                                      "\n\n".join(a.text for a in group), group[0].language_hint))
    return f"{len(articles)} generated long articles (six offline-web articles each; ../shared absent)", articles


def _stage(articles, scorer) -> tuple[dict, list]:
    from espejo.nlp.analyse import analyse_articles, chunks_of

    started = time.perf_counter()
    analysed = []
    for chunk in chunks_of(articles):
        analysed.extend(analyse_articles(chunk, scorer))
    seconds = time.perf_counter() - started
    mentions = sum(len(a.scored) for a in analysed)
    return {"articles": len(articles), "mentions": mentions, "seconds": round(seconds, 2),
            "articles_per_s": round(len(articles) / seconds, 2), "mentions_per_s": round(mentions / seconds, 1)}, analysed


def _set_precision(scorer, precision: str) -> None:
    scorer.sentiment.precision = precision
    scorer.frames.precision = precision


def compare_outputs(before: list, after: list) -> dict:
    """How far the fast path's scores are from the fp32 path's: sentiment labels and probabilities, frame scores."""
    def probabilities(analysed):
        return np.array([[s.sentiment.p_negative, s.sentiment.p_neutral, s.sentiment.p_positive]
                         for a in analysed for s in a.scored]).reshape(-1, 3)

    p_before, p_after = probabilities(before), probabilities(after)
    f_before = np.array([f.score for a in before for f in a.frames])
    f_after = np.array([f.score for a in after for f in a.frames])
    return {"mentions": len(p_before),
            "label_agreement": float((p_before.argmax(1) == p_after.argmax(1)).mean()) if len(p_before) else 1.0,
            "max_probability_difference": float(np.abs(p_before - p_after).max()) if len(p_before) else 0.0,
            "max_frame_score_difference": float(np.abs(f_before - f_after).max()) if len(f_before) else 0.0}


def run(mentions: int = 400, naive_mentions: int = 120, long_limit: int = 60, web_limit: int | None = None) -> dict:
    from espejo.nlp import bench
    from espejo.nlp.backbone import inference_precision
    from espejo.nlp.scorers import load_scorer

    precision = inference_precision()
    per_mention = bench.run(mentions, naive_mentions, precision=precision)
    scorer = load_scorer()
    web = offline_web_articles()
    long_label, long_set = long_articles(web, long_limit)
    web = web[:web_limit]
    stages = {}
    for name, articles in (("offline_web", web), ("long_articles", long_set)):
        _set_precision(scorer, "fp32")
        _stage(articles[:8], scorer)  # warm up (model load, first shapes)
        before, before_out = _stage(articles, scorer)
        _set_precision(scorer, precision)
        after, after_out = _stage(articles, scorer)
        agreement = compare_outputs(before_out, after_out)
        if (agreement["label_agreement"] < LABEL_AGREEMENT_FLOOR
                or agreement["max_probability_difference"] > PROBABILITY_TOLERANCE):
            raise AssertionError(f"{name}: {precision} scores drift from fp32: {agreement}")
        stages[name] = {"before_fp32": before, "after": after, "agreement": agreement,
                        "speedup": round(after["mentions_per_s"] / before["mentions_per_s"], 2)
                        if before["mentions_per_s"] else None}
    stages["long_articles"]["source"] = long_label
    return {"threads": per_mention["threads"], "precision": precision, "load_average": round(os.getloadavg()[0], 2),
            "model_version": scorer.model_version,
            "naive": per_mention["naive"]["mentions_per_s"], "espejo": per_mention["espejo"]["mentions_per_s"],
            "speedup": per_mention["speedup"],
            "pipeline": {name: stage["after"]["mentions_per_s"] for name, stage in stages.items()},
            "pipeline_speedup": {name: stage["speedup"] for name, stage in stages.items()},
            "per_mention": per_mention, "stages": stages}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=400, help="mentions scored the Espejo way")
    parser.add_argument("--naive-mentions", type=int, default=120, help="mentions scored the naive way")
    parser.add_argument("--long-articles", type=int, default=60, help="real-length articles in the stage bench")
    parser.add_argument("--web-articles", type=int, default=None, help="offline-web articles (default: all)")
    args = parser.parse_args(argv)
    from espejo.nlp.bench import describe

    result = run(args.mentions, args.naive_mentions, args.long_articles, args.web_articles)
    print(describe(result["per_mention"]))
    for name, stage in result["stages"].items():
        before, after = stage["before_fp32"], stage["after"]
        print(f"pipeline analysis stage, {name}" + (f" ({stage['source']})" if "source" in stage else "")
              + f": {after['articles']} articles, {after['mentions']} mentions")
        print(f"  fp32 (before): {before['articles_per_s']:6.2f} articles/s {before['mentions_per_s']:7.1f} mentions/s")
        print(f"  {result['precision']} (now):    {after['articles_per_s']:6.2f} articles/s "
              f"{after['mentions_per_s']:7.1f} mentions/s  ({stage['speedup']}x)")
        a = stage["agreement"]
        print(f"  same labels on {a['label_agreement']:.1%} of {a['mentions']} mentions, probabilities within "
              f"{a['max_probability_difference']:.3f}, frame scores within {a['max_frame_score_difference']:.3f}")
    print(f"load average at the end: {result['load_average']} ({result['threads']} torch threads)")
    print(json.dumps({k: result[k] for k in ("naive", "espejo", "pipeline", "speedup", "pipeline_speedup",
                                             "precision", "threads", "load_average", "model_version")}))


if __name__ == "__main__":
    main()
