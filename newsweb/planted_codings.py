"""A coding sheet filled from what the offline news web planted, for demonstrating and testing validation.

The offline web records, for every article, the tone each sentence about the other country was written
with, the article's tone and its frames (`manifest.json`). Given a sample exported by `espejo codings
export NAME` (its CSV), this fills a sheet that `espejo codings import` reads: the planted tone of each
sampled sentence, and the planted tone and first three frames of each sampled article. A sentence the web
did not plant a tone for is left out rather than guessed.

`--flip SHARE` changes that share of the codes at random (another label; for articles another tone), to
stand in for a second, imperfect coder; `--overlap-only` codes only the sample's overlap items, as a second
coder does. These are simulated coders: the README and the tests say so wherever they use them.

    python -m espejo.newsweb.planted_codings SAMPLE.csv newsweb/manifest.json --coder planted -o sheet.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

TONE_LABELS = {-1: "negative", 0: "neutral", 1: "positive"}
SHEET_COLUMNS = ("sample", "item_id", "coder", "label", "frames")


def _normalise(text: str) -> str:
    return " ".join(text.split())


def planted_rows(sample_rows: list[dict], manifest: dict, coder: str, *, flip: float = 0.0,
                 overlap_only: bool = False, seed: int = 0) -> list[dict]:
    by_url = {a["url"]: a for a in manifest["articles"]}
    rng = random.Random(seed)
    seen, rows = set(), []
    for row in sample_rows:
        if row["item_id"] in seen or (overlap_only and str(row.get("overlap", "")).lower() not in ("true", "1")):
            continue
        seen.add(row["item_id"])
        article = by_url.get(row.get("url", ""))
        if article is None or article.get("tone") is None:
            continue
        if row["kind"] == "mention":
            tones = {_normalise(s["text"]): s["tone"] for s in article.get("target_sentences", [])}
            tone = tones.get(_normalise(row.get("sentence", "")))
            if tone is None:
                continue  # not a sentence the web planted a tone for
            label, frames = TONE_LABELS[tone], ""
            if rng.random() < flip:
                label = rng.choice([x for x in (*TONE_LABELS.values(), "n/a") if x != label])
        else:
            label, frames = TONE_LABELS[article["tone"]], ";".join(article.get("frames", [])[:3])
            if rng.random() < flip:
                label = rng.choice([x for x in TONE_LABELS.values() if x != label])
        rows.append({"sample": row["sample"], "item_id": row["item_id"], "coder": coder, "label": label,
                     "frames": frames})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sample_csv", type=Path, help="the CSV `espejo codings export NAME` wrote")
    parser.add_argument("manifest", type=Path, help="the offline web's manifest.json (<data dir>/newsweb/)")
    parser.add_argument("--coder", required=True)
    parser.add_argument("--flip", type=float, default=0.0, help="share of codes changed at random")
    parser.add_argument("--overlap-only", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--out", type=Path, required=True)
    args = parser.parse_args(argv)
    with args.sample_csv.open(encoding="utf-8", newline="") as handle:
        sample_rows = list(csv.DictReader(handle))
    manifest = json.loads(args.manifest.read_text(encoding="utf-8"))
    rows = planted_rows(sample_rows, manifest, args.coder, flip=args.flip, overlap_only=args.overlap_only,
                        seed=args.seed)
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SHEET_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} codings by {args.coder} written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
