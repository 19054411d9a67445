"""The clustering task of a run: place the articles no story holds yet into stories (espejo.nlp.stories).

Run by the nightly and backfill flows after scoring, before the dashboard's tables are rebuilt and the
snapshot published. It never fails the run: a failure is logged and comes back in the outcome, which the
flow writes into the run's notes; the articles it did not place are simply taken up by the next run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import MissingContextError

from espejo.nlp import stories as rule
from espejo.settings import models_dir
from espejo.warehouse import db
from espejo.warehouse import stories as store

# Articles placed per transaction: a long backlog (the first run after an upgrade, a large backfill) is
# taken in day order a chunk at a time, so memory stays flat and each chunk's work is kept as it ends.
CHUNK = 1000


@dataclass
class StoriesOutcome:
    articles: int = 0  # articles placed in a story this run
    stories_new: int = 0
    stories_grown: int = 0  # stories from earlier runs that took new articles
    articles_skipped: int = 0  # articles whose text could not be embedded (tried again next run)
    seconds: float = 0.0
    embed_seconds: float = 0.0  # of which embedding titles and leads (the rest: reading, the rule, writing)
    error: str | None = None  # why the task stopped early (the run goes on)

    def note(self) -> str | None:
        """What the run's notes say about it: only trouble."""
        if self.error:
            return f"stories not updated: {self.error}"
        if self.articles_skipped:
            return f"stories: {self.articles_skipped} articles could not be embedded (retried next run)"
        return None


def _logger():
    try:
        return get_run_logger()
    except MissingContextError:  # called outside a flow (tests, a script)
        return logging.getLogger("espejo.stories")


@task(cache_policy=NO_CACHE)
def cluster_stories(data_dir: Path, run_id: str, model: str | Path | None = None) -> StoriesOutcome:
    """Cluster this run's new articles; a failure is logged and returned, never raised."""
    logger = _logger()
    started = time.monotonic()
    try:
        outcome = cluster_new_articles(Path(data_dir), run_id, model, log=logger.info)
    except Exception as err:  # the run's scores are stored already: clustering must not undo the run
        logger.exception("clustering stories failed; the run goes on and the next run tries again")
        outcome = StoriesOutcome(error=f"{type(err).__name__}: {err}"[:500])
    outcome.seconds = round(time.monotonic() - started, 2)
    if not outcome.error:
        logger.info("stories: %d articles placed, %d new stories, %d grown, %.1f s", outcome.articles,
                    outcome.stories_new, outcome.stories_grown, outcome.seconds)
    return outcome


def cluster_new_articles(data_dir: Path, run_id: str, model: str | Path | None = None,
                         rules: rule.StoryRules | None = None, chunk: int = CHUNK,
                         log: Callable[..., None] = lambda *args: None) -> StoriesOutcome:
    """Place every article no story holds yet (by day, then id), `chunk` articles per transaction."""
    from espejo.nlp import backbone

    rules = rules or rule.load_story_rules()
    model = model or backbone.ensure_backbone(models_dir())
    embed_model = rule.embed_model_id(model)
    outcome = StoriesOutcome()
    with db.connect(data_dir) as con:
        todo = store.articles_without_story(con)
    if todo:
        log("stories: %d articles to place", len(todo))
    for start in range(0, len(todo), chunk):
        days = dict(todo[start:start + chunk])
        with db.connect(data_dir) as con:
            rows = store.articles_for_stories(con, list(days))
        embed_started = time.monotonic()
        articles, vectors, skipped = _prepare(rows, days, model, embed_model, rules, log)
        outcome.embed_seconds += time.monotonic() - embed_started
        outcome.articles_skipped += skipped
        if not articles:
            continue
        first, last = min(a.day for a in articles), max(a.day for a in articles)
        window = timedelta(days=rules.window_days)
        with db.connect(data_dir) as con:
            candidates = [_story(row) for row in
                          store.stories_active(con, first - window, last + window, embed_model)]
            known = {story.story_id for story in candidates}
            memberships, changed = rule.assign(articles, candidates, rules, run_id=run_id, embed_model=embed_model)
            store.write_stories(
                con, vectors,
                [{"article_id": m.article_id, "story_id": m.story_id, "similarity": m.similarity,
                  "joined_run_id": run_id} for m in memberships],
                [_row(story) for story in changed],
            )
        outcome.articles += len(memberships)
        outcome.stories_new += sum(1 for s in changed if s.story_id not in known)
        outcome.stories_grown += sum(1 for s in changed if s.story_id in known)
    return outcome


def _prepare(rows: list[dict], days: dict, model, embed_model: str, rules: rule.StoryRules, log):
    """The rule's view of each article, embedding those without a stored vector of this encoder.

    Returns (articles, vector rows to store, articles skipped). One article whose text breaks the encoder
    costs itself only: the batch is retried article by article and the culprit left for the next run."""
    fresh, texts, articles, vectors = [], [], [], []
    for row in rows:
        if row["vector"] is not None and row["embed_model"] == embed_model:
            vector, names = np.asarray(row["vector"], np.float32), tuple(row["names"])
        else:
            text, names = rule.article_features(row["title"], row["text"] or "", rules)
            fresh.append((row, names))
            texts.append(text)
            continue
        articles.append(_article(row, days[row["article_id"]], vector, names))
    embedded = _embed_isolated(texts, model, rules, log)
    skipped = 0
    for (row, names), vector in zip(fresh, embedded):
        if vector is None:
            skipped += 1
            continue
        day = days[row["article_id"]]
        articles.append(_article(row, day, vector, names))
        vectors.append({"article_id": row["article_id"], "embed_model": embed_model, "vector": vector,
                        "names": names, "day": day})
    return articles, vectors, skipped


def _embed_isolated(texts: list[str], model, rules: rule.StoryRules, log) -> list[np.ndarray | None]:
    if not texts:
        return []
    try:
        return list(rule.embed_articles(texts, model, rules))
    except Exception:  # find the text that breaks it; the others are embedded one by one
        found = []
        for text in texts:
            try:
                found.append(rule.embed_articles([text], model, rules)[0])
            except Exception as err:
                log("stories: an article could not be embedded (%s: %s)", type(err).__name__, err)
                found.append(None)
        return found


def _article(row: dict, day, vector: np.ndarray, names: tuple[str, ...]) -> rule.StoryArticle:
    return rule.StoryArticle(article_id=row["article_id"], day=day, vector=vector, names=names,
                             country=row["source_country"], language=row["language"], title=row["title"])


def _story(row: dict) -> rule.Story:
    return rule.Story(
        story_id=row["story_id"], first_day=row["first_day"], last_day=row["last_day"], articles=row["articles"],
        us_articles=row["us_articles"], mx_articles=row["mx_articles"], languages=tuple(row["languages"]),
        centroid=np.asarray(row["centroid"], np.float64), name_counts=row["name_counts"],
        formed_run_id=row["formed_run_id"], updated_run_id=row["updated_run_id"], embed_model=row["embed_model"],
        rules_sha256=row["rules_sha256"], title=row["title"],
    )


def _row(story: rule.Story) -> dict:
    return {
        "story_id": story.story_id, "first_day": story.first_day, "last_day": story.last_day,
        "articles": story.articles, "us_articles": story.us_articles, "mx_articles": story.mx_articles,
        "languages": list(story.languages), "centroid": story.centroid, "names": story.names,
        "formed_run_id": story.formed_run_id, "updated_run_id": story.updated_run_id,
        "embed_model": story.embed_model, "rules_sha256": story.rules_sha256, "title": story.title,
    }
