"""`espejo eval stories`: the stories against the events planted in the offline news web.

The manifest of the offline news web (newsweb/generate.py) gives each article's event (an id, or null for
an article about no planted event). Two ways to measure:

* on a data folder holding a warehouse and `newsweb/manifest.json` (after `espejo demo`): the stories a
  run stored, each article matched to the manifest by the URLs it appeared at;
* without one: the web is built in a temporary folder and its articles (wire copies taken once, as the
  warehouse does) are extracted like a crawl and clustered directly, in one pass, by the rule in
  nlp/stories.toml.

The truth puts each article of an event in that event's cluster and every other article alone. Figures:
B-cubed precision, recall and F1 over all articles and over the articles of events only (most articles
are alone, so the first is high for any cautious rule), and the share of the cross-language pairs (two
articles of one event in different languages) put in one story; the same for two baselines from the same run: "title words"
(titles sharing three words within the window, linked transitively) and "alone" (every article its own
story). No prefect here: an evaluation starts no flow.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from espejo.nlp import stories as rule
from espejo.settings import models_dir as default_models_dir

MANIFEST = Path("newsweb") / "manifest.json"


class StoriesEvalError(ValueError):
    """Nothing to measure: no manifest, no events, or no article of the warehouse in the manifest."""


@dataclass(frozen=True)
class EvalArticle:
    article_id: str
    day: date
    title: str
    text: str
    language: str
    country: str
    event: str | None


def truth_of(articles: list[EvalArticle]) -> dict[str, str]:
    """Each article's true cluster: its event, else itself alone."""
    return {a.article_id: f"event:{a.event}" if a.event else f"alone:{a.article_id}" for a in articles}


def offline_web_articles(web_dir: Path) -> list[EvalArticle]:
    """The articles of a built offline news web, as a crawl would store them: extracted from their pages,
    a wire story carried by several outlets taken once (the warehouse's content fingerprint)."""
    from espejo.newsweb.generate import file_for
    from espejo.spiders.extraction import extract_article, fingerprint

    manifest = _read_manifest(Path(web_dir) / "manifest.json")
    articles, seen = [], set()
    for entry in manifest["articles"]:
        page = Path(web_dir) / entry["outlet"] / file_for(urlsplit(entry["url"]).path)
        extracted = extract_article(page.read_text("utf-8", errors="replace"), entry["url"])
        if extracted is None:
            continue
        key = fingerprint(extracted.text)
        if key in seen:
            continue
        seen.add(key)
        articles.append(EvalArticle(entry["id"], date.fromisoformat(entry["published"]), extracted.title,
                                    extracted.text, entry["language"], entry["source_country"], entry.get("event")))
    return articles


def cluster_in_memory(articles: list[EvalArticle], model, rules: rule.StoryRules) -> dict[str, str]:
    """Every article's story id, from one pass of the rule over all of them."""
    features = [rule.article_features(a.title, a.text, rules) for a in articles]
    vectors = rule.embed_articles([text for text, _ in features], model, rules)
    new = [rule.StoryArticle(a.article_id, a.day, vector, names, a.country, a.language, a.title)
           for a, (_, names), vector in zip(articles, features, vectors)]
    memberships, _ = rule.assign(new, [], rules, run_id="eval", embed_model=rule.embed_model_id(model))
    return {m.article_id: m.story_id for m in memberships}


def evaluate_offline(models_dir: Path | None = None, rules: rule.StoryRules | None = None,
                     echo: Callable[[str], None] = lambda line: None, web_dir: Path | None = None) -> dict:
    """Build the offline web in a temporary folder (or read one built at `web_dir`) and cluster its
    articles directly."""
    from espejo.newsweb.generate import build_site
    from espejo.nlp import backbone

    rules = rules or rule.load_story_rules()
    model = backbone.ensure_backbone(models_dir or default_models_dir())
    if web_dir is not None:
        articles = offline_web_articles(Path(web_dir))
    else:
        with tempfile.TemporaryDirectory(prefix="espejo-stories-eval-") as folder:
            build_site(Path(folder))
            articles = offline_web_articles(Path(folder))
    echo(f"offline news web: {len(articles)} articles (wire copies once), clustering...")
    started = time.monotonic()
    predicted = cluster_in_memory(articles, model, rules)
    seconds = time.monotonic() - started
    result = _report(articles, predicted, rules, "offline news web, clustered in one pass")
    result["embed_model"] = rule.embed_model_id(model)
    result["seconds_per_1000_articles"] = round(seconds / max(len(articles), 1) * 1000, 1)
    return result


def evaluate_warehouse(data_dir: Path) -> dict:
    """The stories the warehouse of `data_dir` holds, against `data_dir/newsweb/manifest.json`."""
    from espejo.warehouse import db
    from espejo.warehouse.stories import article_stories

    manifest = _read_manifest(Path(data_dir) / MANIFEST)
    by_url = {_url_key(entry["url"]): entry for entry in manifest["articles"]}
    by_path: dict[str, list[dict]] = {}
    for entry in manifest["articles"]:
        by_path.setdefault(_path_key(entry["url"]), []).append(entry)
    with db.open_snapshot(Path(data_dir)) as con:
        if con is None:
            raise StoriesEvalError(f"{data_dir}: no published warehouse (run `espejo demo` or `espejo run` first)")
        rows = article_stories(con)
    articles, predicted = [], {}
    for row in rows:
        entries = [_match(url, by_url, by_path) for url in row["urls"] or []]
        entries = [e for e in entries if e is not None]
        if not entries:
            continue  # an article from another source than the offline web
        event = next((e.get("event") for e in entries if e.get("event")), None)
        articles.append(EvalArticle(row["article_id"], row["day"] or date.fromisoformat(entries[0]["published"]),
                                    row["title"], "", row["language"], entries[0]["source_country"], event))
        if row["story_id"]:
            predicted[row["article_id"]] = row["story_id"]
    if not articles:
        raise StoriesEvalError(f"{data_dir}: none of the warehouse's articles is in {MANIFEST}")
    return _report(articles, predicted, rule.load_story_rules(), f"warehouse in {data_dir}")


def _report(articles: list[EvalArticle], predicted: dict[str, str], rules: rule.StoryRules, source: str) -> dict:
    truth = truth_of(articles)
    languages = {a.article_id: a.language for a in articles}
    events = {a.event for a in articles if a.event}
    baselines = {
        "title_words": rule.title_words_baseline([(a.article_id, a.day, a.title) for a in articles], rules.window_days),
        "alone": {a.article_id: a.article_id for a in articles},
    }
    pairs = sum(1 for _ in rule.cross_language_pairs(truth, languages))
    return {
        "source": source,
        "articles": len(articles),
        "events": len(events),
        "articles_in_events": sum(1 for a in articles if a.event),
        "cross_language_pairs": pairs,
        "articles_not_clustered": sum(1 for a in articles if a.article_id not in predicted),
        "stories": rule.summary(truth, predicted, languages),
        "baselines": {name: rule.summary(truth, clusters, languages) for name, clusters in baselines.items()},
        "rules": {"window_days": rules.window_days, "min_similarity": rules.min_similarity,
                  "min_similarity_with_names": rules.min_similarity_with_names,
                  "min_shared_names": rules.min_shared_names, "max_story_days": rules.max_story_days,
                  "sha256": rules.sha256[:12]},
    }


def format_report(result: dict) -> list[str]:
    """The figures as lines for a terminal."""
    lines = [f"{result['source']}: {result['articles']} articles, {result['events']} planted events "
             f"({result['articles_in_events']} articles, {result['cross_language_pairs']} cross-language pairs)"]
    rows = [("stories (nlp/stories.toml)", result["stories"])] + [
        (f"baseline: {name.replace('_', ' ')}", figures) for name, figures in result["baselines"].items()]
    lines.append(f"{'':28} {'B3 prec':>8} {'B3 rec':>8} {'B3 F1':>8} {'(event articles: P':>19} {'R':>6} "
                 f"{'F1)':>6} {'x-lang linked':>14} {'stories 2+':>11}")
    for name, figures in rows:
        linked, events = figures["cross_language_linked"], figures["event_articles"]
        lines.append(f"{name:28} {figures['precision']:8.3f} {figures['recall']:8.3f} {figures['f1']:8.3f} "
                     f"{events['precision']:19.3f} {events['recall']:6.3f} {events['f1']:6.3f} "
                     f"{'n/a' if linked is None else f'{linked:.3f}':>14} {figures['stories_of_two_or_more']:11d}")
    if "seconds_per_1000_articles" in result:
        lines.append(f"{result['seconds_per_1000_articles']:.1f} s per 1,000 articles (embedding and rule)")
    return lines


def _read_manifest(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoriesEvalError(f"{path}: no manifest of the offline news web") from None
    except (OSError, ValueError) as err:
        raise StoriesEvalError(f"{path}: cannot be read: {err}") from None


def _url_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}:{parts.port}{parts.path}"


def _path_key(url: str) -> str:
    return urlsplit(url).path


def _match(url: str, by_url: dict, by_path: dict) -> dict | None:
    """The manifest entry of a stored URL: by host, port and path, else by a path only one entry has."""
    entry = by_url.get(_url_key(url))
    if entry is None and len(by_path.get(_path_key(url), [])) == 1:
        entry = by_path[_path_key(url)][0]
    return entry
