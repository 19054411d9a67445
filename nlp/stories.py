"""Stories: the articles about one event, across outlets, countries and languages (issue 11).

An article brings its title and lead embedded by the e5 backbone (multilingual, so an English and a
Spanish telling of one event land close together), its names (capitalised words of title and lead) and
its day. `assign` adds a night's new articles to the stories active around their days, or opens new
ones, by the rule in `stories.toml` (one place, commented for a researcher). It is pure numpy: the
warehouse reads and writes (espejo.warehouse.stories), the flow runs it (espejo.flows.stories).

Incremental by construction: a night's cost is its new articles times the stories active within the
window of their days, whatever the warehouse holds. A story's id comes from its first article, so it
never changes; a second pass over the same articles finds them all placed and adds nothing.

`b_cubed` and `cross_language_linked` score a clustering against planted events (`espejo eval stories`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from espejo.settings import read_toml, validate_file

STORIES_CONFIG = Path(__file__).resolve().parent / "stories.toml"
STORY_NAMES_KEPT = 30  # names a story keeps (stories.names), most frequent first


class StoryRulesError(ValueError):
    """stories.toml is missing, malformed or holds an impossible rule."""


# --------------------------------------------------------------------------------------------------
# The rule (stories.toml)


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Similarity = Annotated[float, Field(ge=-1.0, le=1.0)]


class _Rule(_Table):
    window_days: Annotated[int, Field(ge=0)]
    min_similarity: Similarity
    min_similarity_with_names: Similarity
    min_shared_names: Annotated[int, Field(ge=1)]
    max_story_days: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _names_lower_the_bar(self):
        if self.min_similarity_with_names > self.min_similarity:
            raise ValueError("min_similarity_with_names must not exceed min_similarity (shared names lower the bar)")
        return self


class _Text(_Table):
    lead_max_chars: Annotated[int, Field(ge=50)]
    lead_min_words: Annotated[int, Field(ge=1)]
    ignore_gazetteer_kinds: tuple[str, ...]
    max_length: Annotated[int, Field(ge=16, le=512)]

    @field_validator("ignore_gazetteer_kinds")
    @classmethod
    def _known_kinds(cls, kinds: tuple[str, ...]) -> tuple[str, ...]:
        from espejo.nlp.mentions import KINDS

        if unknown := sorted(set(kinds) - KINDS):
            raise ValueError(f"unknown gazetteer kinds {unknown}; known: {sorted(KINDS)}")
        return kinds


class _StoriesFile(_Table):
    rule: _Rule
    text: _Text


@dataclass(frozen=True)
class StoryRules:
    """The rule of stories.toml, flattened. Build it with `load_story_rules`; the text defaults here only
    serve rules built in code (tests), the file states every value."""

    window_days: int
    min_similarity: float
    min_similarity_with_names: float
    min_shared_names: int
    max_story_days: int
    lead_max_chars: int = 400
    lead_min_words: int = 6
    ignore_gazetteer_kinds: tuple[str, ...] = ("country", "demonym", "demonym_colloquial", "capital", "leader")
    max_length: int = 128

    @property
    def sha256(self) -> str:
        """Of the values, not the file: a comment edited in stories.toml does not make new stories differ."""
        values = {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}
        return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def load_story_rules(path: str | Path | None = None) -> StoryRules:
    path = Path(path or STORIES_CONFIG)
    config = validate_file(_StoriesFile, read_toml(path, StoryRulesError), path, StoryRulesError)
    return StoryRules(**config.rule.model_dump(), **config.text.model_dump())


# --------------------------------------------------------------------------------------------------
# What an article brings: lead, names, vector


def lead(text: str, title: str = "", max_chars: int = 400, min_words: int = 6) -> str:
    """The first paragraph of `text` that is not the title and has `min_words` words, cut to `max_chars`.

    Extracted text often starts with the headline, a section kicker ("Mundo") or a dateline
    ("Publicado: 02/11/2025"); none of them tells the event. When no paragraph qualifies, the first
    non-empty one stands in."""
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    folded_title = _fold(title).strip()
    chosen = next((p for p in paragraphs if _fold(p) != folded_title and len(p.split()) >= min_words),
                  paragraphs[0] if paragraphs else "")
    if len(chosen) <= max_chars:
        return chosen
    cut = chosen[:max_chars]
    return cut.rsplit(" ", 1)[0] if " " in cut else cut  # end on a whole word


def article_features(title: str | None, text: str, rules: StoryRules) -> tuple[str, tuple[str, ...]]:
    """What the rule reads of an article: the text to embed (title and lead) and its names."""
    lead_text = lead(text, title, rules.lead_max_chars, rules.lead_min_words)
    return embedding_text(title, lead_text), article_names(title, lead_text, rules.ignore_gazetteer_kinds)


def embedding_text(title: str, lead_text: str) -> str:
    return f"{title.strip()}\n{lead_text}".strip()


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SENTENCE_END = set(".!?¿¡:;\"“”«»()[]—–")
# Capitalised at a sentence start or as a title, but no name: articles, pronouns, prepositions,
# conjunctions, auxiliaries, titles of office, days and months, in English and Spanish (accents folded).
FUNCTION_WORDS = frozenset("""
a about above after again against all also an and any are as at be because been before being below
between both but by can could did do does during each even ever every few for from had has have he her
here hers him his how however i if in into is it its just last least less like many may me might more
most much must my new next no nor not now of off on once one only or other our out over own same says
said she should since so some still such than that the their them then there these they this those
though through to too under until up upon very was we were what when where whether which while who
whom whose why will with within without would yet you your
mr mrs ms dr st
el la lo los las un una unos unas y e o u ni pero sino que quien quienes cual cuales cuando cuanto
donde como de del al a ante bajo con contra desde durante en entre hacia hasta para por segun sin
sobre tras este esta esto estos estas ese esa eso esos esas aquel aquella aquellos aquellas su sus
mi mis tu tus nuestro nuestra nuestros nuestras se le les me te nos no si sí ya mas muy tambien
aun hoy ayer manana otro otra otros otras todo toda todos todas cada ademas mientras luego antes
despues aunque porque pues asi ha han hay fue fueron es son era eran sera seran dijo dice
sr sra srta don dona
president presidenta presidente mayor alcalde alcaldesa governor gobernador gobernadora secretary
secretario secretaria minister ministro ministra senator senador senadora representative diputado
diputada ambassador embajador embajadora consul chief jefe jefa director directora general
monday tuesday wednesday thursday friday saturday sunday lunes martes miercoles jueves viernes
sabado domingo january february march april june july august september october november december
enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre
""".split())


def _fold(text: str) -> str:
    """Lower-cased, accents and case folded away: "México" and "MEXICO" are "mexico"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@functools.cache
def ignored_names(kinds: tuple[str, ...]) -> frozenset[str]:
    """The words of the gazetteer's terms of `kinds` (countries, demonyms, ...), folded."""
    from espejo.nlp.mentions import default_gazetteer

    words = set()
    for term in default_gazetteer()._terms:  # its phrases are already brace-expanded
        if term.entry.kind in kinds:
            words.update(_fold(w) for w in _WORD.findall(term.phrase))
    return frozenset(words)


def article_names(title: str, lead_text: str, ignore_kinds: Iterable[str] = StoryRules.ignore_gazetteer_kinds
                  ) -> tuple[str, ...]:
    """The names of title and lead: capitalised words, folded and sorted, without function words and the
    gazetteer's country words.

    A capitalised word at a sentence start is a name only when it starts a run of capitalised words
    ("Tucson Mayor ...") or is capitalised elsewhere too; "Firefighters from San Diego" names San Diego
    alone. A title in Title Case ("Mexico Raises Tariffs On Steel") gives only the names its lead confirms."""
    ignored = ignored_names(tuple(ignore_kinds))
    segments = [(lead_text, False)]
    if title.strip():
        segments.insert(0, (title, _title_case(title)))
    tokens = []  # (folded, capitalised, sentence-initial, next token capitalised and adjacent, from a Title Case title)
    for text, title_case in segments:
        found = list(_WORD.finditer(text))
        for index, match in enumerate(found):
            word = re.sub(r"['’]s$", "", match.group())
            before = text[:match.start()].rstrip()
            initial = not before or before[-1] in _SENTENCE_END
            following = found[index + 1] if index + 1 < len(found) else None
            run = (following is not None and following.group()[:1].isupper()
                   and text[match.end():following.start()].strip() == "")
            tokens.append((_fold(word), word[:1].isupper(), initial, run, title_case))
    confirmed = {t[0] for t in tokens if t[1] and not t[2] and not t[4]}
    names = set()
    for folded, capitalised, initial, run, title_case in tokens:
        if not capitalised or len(folded) < 2 or folded in FUNCTION_WORDS or folded in ignored:
            continue
        if title_case and folded not in confirmed:
            continue
        if initial and not run and folded not in confirmed:
            continue
        names.add(folded)
    return tuple(sorted(names))


def _title_case(title: str) -> bool:
    """Most longer words capitalised: an English headline style, where capitals say nothing of names."""
    words = [w for w in _WORD.findall(title) if len(w) > 3]
    return len(words) >= 4 and sum(w[:1].isupper() for w in words) >= 0.7 * len(words)


def embed_model_id(model: str | Path) -> str:
    """The backbone weights' sha256, first 12 hex (a hub id or unknown folder: its name)."""
    from espejo.nlp import backbone

    metadata = backbone.read_backbone_metadata(Path(model)) if Path(str(model)).exists() else None
    return metadata["weights_sha256"][:12] if metadata else str(model)


def embed_articles(texts: Sequence[str], model: str | Path, rules: StoryRules, batch_size: int = 32) -> np.ndarray:
    """L2-normalised float32 [n, 384] of each `embedding_text(title, lead)`, in fp32 so vectors do not
    depend on the machine (bf16 where the CPU has it would move similarities by ~0.01)."""
    from espejo.nlp import backbone

    if not texts:
        return np.zeros((0, 384), np.float32)
    return backbone.embed(list(texts), model, prefix=backbone.QUERY_PREFIX, max_length=rules.max_length,
                          batch_size=batch_size, precision="fp32")


# --------------------------------------------------------------------------------------------------
# The rule itself


@dataclass(frozen=True)
class StoryArticle:
    """One new article, as the rule sees it."""

    article_id: str
    day: date
    vector: np.ndarray  # L2-normalised
    names: tuple[str, ...]
    country: str  # "US" | "MX": the outlet's country
    language: str
    title: str = ""


@dataclass
class Story:
    story_id: str
    first_day: date
    last_day: date
    articles: int
    us_articles: int
    mx_articles: int
    languages: tuple[str, ...]
    centroid: np.ndarray  # the sum of its articles' vectors (float64 here)
    name_counts: dict[str, int]
    formed_run_id: str
    updated_run_id: str
    embed_model: str
    rules_sha256: str
    title: str | None = None
    match_names: frozenset[str] = field(default=frozenset(), repr=False)

    def __post_init__(self):
        self.centroid = np.asarray(self.centroid, np.float64)
        self.match_names = frozenset(self.names)

    @property
    def names(self) -> list[str]:
        """The most frequent names of its articles, ties alphabetically, at most STORY_NAMES_KEPT."""
        ranked = sorted(self.name_counts.items(), key=lambda item: (-item[1], item[0]))
        return [name for name, _ in ranked[:STORY_NAMES_KEPT]]


@dataclass(frozen=True)
class Membership:
    article_id: str
    story_id: str
    similarity: float  # cosine with the story's centroid when it joined; 1.0 for its first article


def story_id_for(article_id: str) -> str:
    return "story-" + hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:16]


def assign(new_articles: Sequence[StoryArticle], candidate_stories: Iterable[Story], rules: StoryRules, *,
           run_id: str = "", embed_model: str = "", rules_sha256: str | None = None
           ) -> tuple[list[Membership], list[Story]]:
    """Place each new article in a story: (one membership per article, the stories opened or changed).

    Articles are taken in (day, article id) order; each joins its best candidate (highest cosine with
    the centroid, ties to the smaller story id) among the stories whose articles lie within window_days
    of its day and which would not span more than max_story_days with it, when the cosine reaches
    min_similarity, or min_similarity_with_names with min_shared_names names in common; else it opens
    a story. `candidate_stories` are not modified: the changed ones come back as copies."""
    if not new_articles:
        return [], []
    rules_sha256 = rules.sha256 if rules_sha256 is None else rules_sha256
    stories: list[Story] = sorted(candidate_stories, key=lambda s: s.story_id)
    copied: set[int] = set()  # rows already copied: a candidate is copied when it first changes
    ordered = sorted(new_articles, key=lambda a: (a.day, a.article_id))
    capacity = len(stories) + len(ordered)
    units = np.zeros((capacity, ordered[0].vector.shape[0]), np.float32)  # each story's centroid, normalised
    first = np.zeros(capacity, np.int64)
    last = np.zeros(capacity, np.int64)
    for row, story in enumerate(stories):
        units[row] = _unit(story.centroid)
        first[row], last[row] = story.first_day.toordinal(), story.last_day.toordinal()
    changed: dict[str, Story] = {}
    memberships: list[Membership] = []
    for article in ordered:
        day = article.day.toordinal()
        n = len(stories)
        near = ((first[:n] - day <= rules.window_days) & (day - last[:n] <= rules.window_days)
                & (np.maximum(last[:n], day) - np.minimum(first[:n], day) <= rules.max_story_days))
        rows = np.flatnonzero(near)
        best, best_similarity = None, 1.0
        if rows.size:
            # One product over every story, then the near ones: cheaper than gathering their rows first.
            similarities = (units[:n] @ np.asarray(article.vector, np.float32))[rows]
            joins = similarities >= rules.min_similarity
            names = set(article.names)
            for index in np.flatnonzero(~joins & (similarities >= rules.min_similarity_with_names)).tolist():
                joins[index] = len(names & stories[rows[index]].match_names) >= rules.min_shared_names
            if joins.any():
                top = similarities[joins].max()
                winners = rows[joins & (similarities == top)].tolist()
                best, best_similarity = min(winners, key=lambda row: stories[row].story_id), float(top)
        if best is None:
            story = _open(article, run_id, embed_model, rules_sha256)
            stories.append(story)
            best = len(stories) - 1
            copied.add(best)
        else:
            if best not in copied:
                stories[best] = _copy(stories[best])
                copied.add(best)
            story = stories[best]
            _join(story, article, run_id)
        units[best] = _unit(story.centroid)
        first[best], last[best] = story.first_day.toordinal(), story.last_day.toordinal()
        changed[story.story_id] = story
        memberships.append(Membership(article.article_id, story.story_id, round(best_similarity, 6)))
    return memberships, sorted(changed.values(), key=lambda s: s.story_id)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm > 0 else vector).astype(np.float32)


def _copy(story: Story) -> Story:
    return Story(**{**story.__dict__, "centroid": story.centroid.copy(), "name_counts": dict(story.name_counts)})


def _open(article: StoryArticle, run_id: str, embed_model: str, rules_sha256: str) -> Story:
    return Story(
        story_id=story_id_for(article.article_id), first_day=article.day, last_day=article.day, articles=1,
        us_articles=int(article.country == "US"), mx_articles=int(article.country == "MX"),
        languages=(article.language,), centroid=np.asarray(article.vector, np.float64),
        name_counts=dict.fromkeys(article.names, 1), formed_run_id=run_id, updated_run_id=run_id,
        embed_model=embed_model, rules_sha256=rules_sha256, title=article.title or None,
    )


def _join(story: Story, article: StoryArticle, run_id: str) -> None:
    story.first_day = min(story.first_day, article.day)
    story.last_day = max(story.last_day, article.day)
    story.articles += 1
    story.us_articles += int(article.country == "US")
    story.mx_articles += int(article.country == "MX")
    story.languages = tuple(sorted({*story.languages, article.language}))
    story.centroid = story.centroid + np.asarray(article.vector, np.float64)
    for name in article.names:
        story.name_counts[name] = story.name_counts.get(name, 0) + 1
    story.match_names = frozenset(story.names)
    story.updated_run_id = run_id


# --------------------------------------------------------------------------------------------------
# Scoring a clustering against planted events


def b_cubed(truth: Mapping[str, str], predicted: Mapping[str, str],
            over: Iterable[str] | None = None) -> dict[str, float]:
    """B-cubed precision, recall and F1 (Bagga & Baldwin 1998) over the items of `truth`.

    Each item's precision is the share of its predicted cluster that shares its true cluster, its recall
    the share of its true cluster that shares its predicted cluster; both are averaged over items (over
    the items `over` only when given: clusters still count every item). An item `predicted` does not
    place is alone."""
    items = list(truth)
    averaged = items if over is None else [item for item in over if item in truth]
    if not averaged:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    label = {item: predicted.get(item, f"\0alone:{item}") for item in items}
    true_size = Counter(truth[i] for i in items)
    predicted_size = Counter(label[i] for i in items)
    both = Counter((truth[i], label[i]) for i in items)
    precision = sum(both[truth[i], label[i]] / predicted_size[label[i]] for i in averaged) / len(averaged)
    recall = sum(both[truth[i], label[i]] / true_size[truth[i]] for i in averaged) / len(averaged)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def cross_language_pairs(truth: Mapping[str, str], languages: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    """The pairs of articles in one true cluster and in different languages."""
    members: dict[str, list[str]] = {}
    for item, cluster in truth.items():
        members.setdefault(cluster, []).append(item)
    for items in members.values():
        for i, a in enumerate(items):
            for b in items[i + 1:]:
                if languages[a] != languages[b]:
                    yield a, b


def cross_language_linked(truth: Mapping[str, str], predicted: Mapping[str, str],
                          languages: Mapping[str, str]) -> float | None:
    """Of the pairs of articles in one true cluster and in different languages, the share placed in one
    predicted cluster; None when there is no such pair."""
    pairs = linked = 0
    for a, b in cross_language_pairs(truth, languages):
        pairs += 1
        linked += a in predicted and predicted.get(a) == predicted.get(b)
    return linked / pairs if pairs else None


def title_words_baseline(articles: Sequence[tuple[str, date, str]], window_days: int,
                         min_shared_words: int = 3) -> dict[str, str]:
    """A simple baseline: articles (id, day, title) whose titles share `min_shared_words` words of four
    letters or more (not function words) within `window_days` are one story (linked transitively)."""
    parent = {article_id: article_id for article_id, _, _ in articles}

    def root(item: str) -> str:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    words = {article_id: {w for w in map(_fold, _WORD.findall(title)) if len(w) >= 4 and w not in FUNCTION_WORDS}
             for article_id, _, title in articles}
    ordered = sorted(articles, key=lambda a: (a[1], a[0]))
    for i, (a, day_a, _) in enumerate(ordered):
        for b, day_b, _ in ordered[i + 1:]:
            if (day_b - day_a).days > window_days:
                break
            if len(words[a] & words[b]) >= min_shared_words:
                parent[root(b)] = root(a)
    return {article_id: root(article_id) for article_id in parent}


def summary(truth: Mapping[str, str], predicted: Mapping[str, str], languages: Mapping[str, str]) -> dict:
    """B-cubed figures over all articles and over the articles of events (true clusters of two or more:
    the figures over all are mostly the articles alone, which putting every article alone gets right),
    cross-language pairs linked, and the predicted stories of two or more articles."""
    true_sizes = Counter(truth.values())
    in_events = [item for item in truth if true_sizes[truth[item]] >= 2]
    linked = cross_language_linked(truth, predicted, languages)
    sizes = Counter(predicted.get(item, item) for item in truth)
    return {**{k: round(v, 4) for k, v in b_cubed(truth, predicted).items()},
            "event_articles": {k: round(v, 4) for k, v in b_cubed(truth, predicted, in_events).items()},
            "cross_language_linked": None if linked is None or math.isnan(linked) else round(linked, 4),
            "stories_of_two_or_more": sum(1 for n in sizes.values() if n >= 2)}
