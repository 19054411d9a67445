"""Stories bench: clustering one night's new articles on a warehouse of a million (issue 11, aim: under
60 s for a night on 2 cores, growing with the new articles, not with the warehouse).

A synthetic warehouse (espejo.warehouse.synthetic: articles over two years, each in a story as the
clustering would have stored it) gets `--new` articles, the offline news web's texts, published the day
after its last; then the run's task places them. Reported: the whole, the embedding part, and the rest
(finding the new articles, reading the stories active around their day, the rule, writing), per 1,000
new articles. Run it with `python -m espejo.flows.stories_bench [--articles N] [--new N]`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

DAYS = 730
FIRST_DAY = "2024-11-01"  # of the synthetic warehouse (warehouse/sql/synthetic.sql)
FRAMES = ["economic", "security_defense", "crime_punishment", "political", "cultural_identity", "health_safety",
          "human_rights", "immigration", "culture_people", "diplomacy"]


def bench(articles: int, new: int, data_dir: Path) -> dict:
    from datetime import date

    from espejo.flows.stories import cluster_new_articles
    from espejo.flows.stories_eval import offline_web_articles
    from espejo.newsweb.generate import build_site
    from espejo.nlp import backbone
    from espejo.nlp.stories import embed_model_id
    from espejo.warehouse import db
    from espejo.warehouse.synthetic import add_articles, fill_synthetic, fill_synthetic_stories

    model = backbone.ensure_backbone()
    started = time.monotonic()
    with db.connect(data_dir) as con:
        fill_synthetic(con, articles=articles, days=DAYS, model="bench-model", mentions_per_article=1, frames=FRAMES)
        fill_synthetic_stories(con, embed_model=embed_model_id(model))
    built = time.monotonic() - started
    with tempfile.TemporaryDirectory(prefix="espejo-bench-web-") as web:
        build_site(Path(web))
        texts = offline_web_articles(Path(web))
    night = date.fromisoformat(FIRST_DAY) + timedelta(days=DAYS)
    picked = [texts[k % len(texts)] for k in range(new)]
    with db.connect(data_dir) as con:
        add_articles(con, [f"new-{k:05d}" for k in range(new)], [a.title for a in picked], [a.text for a in picked],
                     night)
    backbone.embed(["warm up"], model)  # loading the encoder is not the night's work
    started = time.monotonic()
    outcome = cluster_new_articles(data_dir, "bench-run", model)
    seconds = time.monotonic() - started
    per_1000 = 1000 / max(new, 1)
    return {
        "warehouse_articles": articles, "new_articles": new, "placed": outcome.articles,
        "stories_new": outcome.stories_new, "stories_grown": outcome.stories_grown,
        "seconds": round(seconds, 2), "embed_seconds": round(outcome.embed_seconds, 2),
        "other_seconds": round(seconds - outcome.embed_seconds, 2),
        "seconds_per_1000_new": round(seconds * per_1000, 2),
        "other_seconds_per_1000_new": round((seconds - outcome.embed_seconds) * per_1000, 2),
        "build_seconds": round(built, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000, help="articles already in the warehouse")
    parser.add_argument("--new", type=int, default=1000, help="the night's new articles")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    data_dir = Path(tempfile.mkdtemp(prefix="espejo-stories-bench-"))
    try:
        result = bench(args.articles, args.new, data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"stories: {result['new_articles']} new articles on a warehouse of {result['warehouse_articles']:,} "
              f"placed in {result['seconds']:.1f} s ({result['embed_seconds']:.1f} s embedding, "
              f"{result['other_seconds']:.1f} s reading, rule and writing): "
              f"{result['seconds_per_1000_new']:.1f} s per 1,000 new articles")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
