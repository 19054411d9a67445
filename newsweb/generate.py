"""Deterministic generator of the offline news web.

`build_site(out_dir, ports)` writes one folder per outlet (articles, section fronts, tag pages,
feed, sitemaps, robots.txt, and `_server.json` with per-file headers and redirects for the server)
plus `out_dir/manifest.json`, the ground truth the tests read.

All prose comes from the TOML banks next to this file (bank_en.toml, bank_es_us.toml,
bank_es_mx.toml, wire.toml, events.toml, chrome.toml, sites.toml) and the HTML templates in
templates/. The generator only picks, fills and lays out; it uses nothing but the standard library
and a fixed seed, so the same inputs give byte-identical output.

The planted events of events.toml (one event told by several outlets, in both countries and
languages; the ground truth for story clustering) are drawn last, from generators of their own:
every other story keeps its text, date, URL, id and page.

Run it alone with `python -m espejo.newsweb.generate --out DIR`.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import string
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from random import Random
from xml.sax.saxutils import escape as xml_escape

from .outlets import (DEMO_OUTLETS, FEED_PATH, OUTLETS_BY_KEY, SITEMAP_PATH, DemoOutlet, base_url,
                      default_ports)

SEED = 20260501
DATA_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = DATA_DIR / "templates"

START = date(2025, 11, 1)
END = date(2026, 10, 31)

THEMES = (
    "trade", "migration", "security", "remittances", "culture_tourism", "exchanges",
    "sister_cities", "world_cup", "energy", "water", "diplomacy",
)
# How often each theme is covered (relative weights).
THEME_WEIGHTS = {
    "trade": 3.0, "migration": 3.0, "security": 3.0, "remittances": 1.5, "culture_tourism": 1.5,
    "exchanges": 1.0, "sister_cities": 1.0, "world_cup": 1.5, "energy": 1.0, "water": 1.0,
    "diplomacy": 1.5,
}
# Probability of (negative, neutral, positive) tone per direction and theme; stable over the year.
TONE_ODDS = {
    "us->mx": {
        "trade": (0.35, 0.35, 0.30), "migration": (0.5, 0.3, 0.2), "security": (0.7, 0.2, 0.1),
        "remittances": (0.15, 0.45, 0.4), "culture_tourism": (0.1, 0.25, 0.65),
        "exchanges": (0.05, 0.3, 0.65), "sister_cities": (0.05, 0.3, 0.65),
        "world_cup": (0.1, 0.3, 0.6), "energy": (0.35, 0.4, 0.25), "water": (0.45, 0.35, 0.2),
        "diplomacy": (0.3, 0.4, 0.3),
    },
    "mx->us": {
        "trade": (0.4, 0.3, 0.3), "migration": (0.65, 0.2, 0.15), "security": (0.1, 0.2, 0.7),
        "remittances": (0.3, 0.4, 0.3), "culture_tourism": (0.1, 0.3, 0.6),
        "exchanges": (0.05, 0.3, 0.65), "sister_cities": (0.05, 0.3, 0.65),
        "world_cup": (0.15, 0.3, 0.55), "energy": (0.4, 0.35, 0.25), "water": (0.5, 0.3, 0.2),
        "diplomacy": (0.35, 0.4, 0.25),
    },
}
TONE_NAMES = {-1: "negative", 0: "neutral", 1: "positive"}

# The planted narrative shift: Mexican media on U.S. security cooperation turn hostile in May 2026.
SHIFT_DIRECTION = "mx->us"
SHIFT_THEME = "security"
SHIFT_DATE = date(2026, 5, 1)
SHIFT_ARTICLES_PER_OUTLET = 9  # 4 or 5 on each side of the shift, per Mexican outlet
SHIFT_TONES_BEFORE = [1] * 13 + [0] * 3 + [-1] * 2  # mean about +0.6 over 18 articles
SHIFT_TONES_AFTER = [-1] * 14 + [0] * 2 + [1] * 2  # mean about -0.67 over 18 articles

ARTICLES_PER_OUTLET = 40
OFFTOPIC_PER_OUTLET = 5
FEED_SIZE = 30
# World Cup stories talk about matches being played, so they sit around the tournament.
WORLD_CUP_WINDOW = (date(2026, 4, 1), date(2026, 7, 31))

WIRE_OUTLETS = ("harbor-courier", "midwest-ledger", "capital-dispatch", "sunbelt-times")
LATIN1_OUTLET = "diario-del-norte"
REDIRECT_OUTLET = "harbor-courier"
NOT_FOUND_OUTLET = "capital-dispatch"

UTC_OFFSETS = {
    "harbor-courier": -8, "midwest-ledger": -6, "capital-dispatch": -5, "sunbelt-times": -7,
    "heraldo-del-valle": -6, "voz-de-la-republica": -6, "diario-del-norte": -6,
    "cronica-capitalina": -6, "noticias-frontera": -7,
}

SLOT = re.compile(r"\{([A-Z_]+)\}")
# Slots that name a place: chosen once per article, so a story stays in one city.
STICKY_SLOTS = {"MX_CITY", "MX_STATE", "EU_CIUDAD", "EU_ESTADO", "MX_CIUDAD", "MX_ESTADO"}
TRICKY_TERMS = ("New Mexico", "Nuevo México", "continente americano", "gringo", "gringos", "americano",
                "americanos", "sueño americano")


# ----------------------------------------------------------------------------- data loading

def _load_toml(name: str) -> dict:
    with open(DATA_DIR / name, "rb") as fh:
        return tomllib.load(fh)


@dataclass
class Bank:
    """One text bank (a language and a target country), checked on load."""

    name: str
    data: dict

    @property
    def language(self) -> str:
        return self.data["language"]

    @property
    def target(self) -> str:
        return self.data["target"]

    def names_target(self, template: str, literally: bool = True) -> bool:
        """Whether a bank sentence names the target country, through a slot or (if `literally`)
        a word of `target_words`. Context sentences count through slots only, so a literal
        "New Mexico" in background text is never taken for Mexico."""
        if any(slot in self.data["target_slots"] for slot in SLOT.findall(template)):
            return True
        return literally and any(word in template for word in self.data["target_words"])

    def themes(self) -> list[str]:
        return [t for t in THEMES if t in self.data["themes"]]

    def group(self, theme: str, tone: int) -> dict:
        return self.data["themes"][theme][TONE_NAMES[tone]]

    def validate(self) -> None:
        for theme in self.themes():
            for tone in (-1, 0, 1):
                for sentence in self.group(theme, tone)["sentences"]:
                    if not self.names_target(sentence):
                        raise ValueError(f"{self.name}: {theme}/{TONE_NAMES[tone]} sentence does not name the target: {sentence!r}")
        forbidden = self.data["offtopic_forbidden"]
        for topic, table in self.data["offtopic"].items():
            for text in table["headlines"] + table["sentences"]:
                hit = [w for w in forbidden if w.lower() in text.lower()]
                if hit:
                    raise ValueError(f"{self.name}: off-topic {topic} text names {hit}: {text!r}")


def load_banks() -> dict[str, Bank]:
    banks = {
        "en": Bank("bank_en.toml", _load_toml("bank_en.toml")),
        "es_us": Bank("bank_es_us.toml", _load_toml("bank_es_us.toml")),
        "es_mx": Bank("bank_es_mx.toml", _load_toml("bank_es_mx.toml")),
    }
    for bank in banks.values():
        bank.validate()
    return banks


def bank_for(outlet: DemoOutlet, banks: dict[str, Bank]) -> Bank:
    if outlet.language == "en":
        return banks["en"]
    return banks["es_us"] if outlet.country == "MX" else banks["es_mx"]


def direction_of(outlet: DemoOutlet) -> str:
    return "us->mx" if outlet.country == "US" else "mx->us"


# ----------------------------------------------------------------------------- text filling

class Filler:
    """Fills {SLOTS} for one article: places stay fixed, people and mention forms vary."""

    def __init__(self, rng: Random, bank: Bank, site: dict, chrome: dict, published: date):
        self.rng = rng
        self.pools = bank.data["pools"]
        self.site = site
        self.chrome = chrome
        self.published = published
        self.language = bank.language
        self.sticky: dict[str, str] = {}

    def _value(self, slot: str) -> str:
        rng = self.rng
        if slot in STICKY_SLOTS:
            if slot not in self.sticky:
                choices = [c for c in self.pools[slot] if c not in self.sticky.values()] or self.pools[slot]
                self.sticky[slot] = rng.choice(choices)
            return self.sticky[slot]
        if slot in self.pools:
            return rng.choice(self.pools[slot])
        if slot == "LOCAL_CITY":
            if slot not in self.sticky:
                self.sticky[slot] = rng.choice(self.site["local_cities"])
            return self.sticky[slot]
        if slot in ("LOCAL_TEAM", "LOCAL_BODY", "LEGISLATURE"):
            return self.site[slot.lower()]
        if slot == "PCT":
            return str(rng.randint(3, 38))
        if slot == "NUM":
            return str(rng.randint(40, 950))
        if slot == "BIG":
            return f"{rng.randint(12, 480) * 100:,}"
        if slot == "BILLION":
            return f"{rng.randint(20, 640) / 10:.1f}"
        if slot == "SMALL":
            return str(rng.randint(2, 9))
        if slot == "MONTH":
            later = self.published + timedelta(days=rng.randint(30, 120))
            return self.chrome["months"][later.month - 1]
        if slot == "WEEKDAY":
            return rng.choice(self.chrome["weekdays"])
        raise KeyError(f"unknown slot {{{slot}}}")

    def fill(self, template: str) -> str:
        text = template
        for _ in range(3):  # pool values may hold slots themselves ({LOCAL_CITY} in a resident)
            if "{" not in text:
                break
            text = SLOT.sub(lambda m: self._value(m.group(1)), text)
        if self.language == "es":
            text = re.sub(r"\bde el\b", "del", text)
            text = re.sub(r"\ba el\b", "al", text)
        return capitalize_first(text)


def capitalize_first(text: str) -> str:
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1:]
    return text


def slugify(text: str, max_words: int = 9) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words[:max_words]) or "story"


# ----------------------------------------------------------------------------- planning

@dataclass
class Article:
    outlet: DemoOutlet
    published: date
    hour: int
    minute: int
    theme: str | None  # None for off-topic stories
    topic: str | None  # off-topic topic key
    tone: int | None
    title: str = ""
    paragraphs: list[str] = field(default_factory=list)
    frames: list[str] = field(default_factory=list)
    target_sentences: list[dict] = field(default_factory=list)
    mixed: bool = False
    author: str = ""
    wire: bool = False
    section: str = ""
    path: str = ""
    article_id: str = ""
    latin1: bool = False
    theme_label: str = ""  # the theme (or off-topic topic) in the outlet's language
    event: str | None = None  # id of the planted event (events.toml) this story reports, if any

    @property
    def target(self) -> str | None:
        return None if self.theme is None else self.outlet.target

    @property
    def tz(self) -> timezone:
        return timezone(timedelta(hours=UTC_OFFSETS[self.outlet.key]))

    @property
    def moment(self) -> datetime:
        return datetime(self.published.year, self.published.month, self.published.day,
                        self.hour, self.minute, tzinfo=self.tz)


def _random_day(rng: Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _sample_tone(rng: Random, direction: str, theme: str) -> int:
    neg, neu, _ = TONE_ODDS[direction][theme]
    roll = rng.random()
    return -1 if roll < neg else 0 if roll < neg + neu else 1


def plan_outlet(outlet: DemoOutlet, bank: Bank, rng: Random, shift_tones: dict[str, list[int]],
                outlet_index: int) -> list[Article]:
    """Decide date, theme and tone of every story of one outlet (the wire story comes later)."""
    direction = direction_of(outlet)
    count = ARTICLES_PER_OUTLET - (1 if outlet.key in WIRE_OUTLETS else 0)
    if outlet.key == "noticias-frontera":
        count = 38
    plan: list[Article] = []

    def moment() -> tuple[int, int]:
        return rng.randint(6, 22), rng.choice((0, 5, 10, 15, 20, 30, 40, 45, 50))

    topics = list(bank.data["offtopic"])
    rng.shuffle(topics)
    for i in range(OFFTOPIC_PER_OUTLET):
        topic = topics[i % len(topics)]  # spread over topics so the small pools repeat less
        plan.append(Article(outlet, _random_day(rng, START, END), *moment(), None, topic, None))

    themes = bank.themes()
    remaining = count - OFFTOPIC_PER_OUTLET
    if direction == SHIFT_DIRECTION:
        before = SHIFT_ARTICLES_PER_OUTLET // 2 + (outlet_index % 2)
        for i in range(SHIFT_ARTICLES_PER_OUTLET):
            side = "before" if i < before else "after"
            if side == "before":
                day = _random_day(rng, START, SHIFT_DATE - timedelta(days=1))
            else:
                day = _random_day(rng, SHIFT_DATE, END)
            plan.append(Article(outlet, day, *moment(), SHIFT_THEME, None, shift_tones[side].pop()))
        remaining -= SHIFT_ARTICLES_PER_OUTLET
        themes = [t for t in themes if t != SHIFT_THEME]

    # Every theme the bank covers appears at least once; the rest follow the weights.
    chosen = list(themes) + rng.choices(themes, weights=[THEME_WEIGHTS[t] for t in themes],
                                        k=remaining - len(themes))
    for theme in chosen:
        window = WORLD_CUP_WINDOW if theme == "world_cup" else (START, END)
        plan.append(Article(outlet, _random_day(rng, *window), *moment(), theme, None,
                            _sample_tone(rng, direction, theme)))
    return plan


# ----------------------------------------------------------------------------- composing

def compose_article(article: Article, bank: Bank, site: dict, chrome: dict, rng: Random,
                    used_headlines: set[str]) -> None:
    """Write title and paragraphs of one planned story."""
    filler = Filler(rng, bank, site, chrome, article.published)
    article.author = rng.choice(site["reporters"])
    if article.theme is None:
        _compose_offtopic(article, bank, filler, rng, used_headlines)
        return

    theme_table = bank.data["themes"][article.theme]
    group = bank.group(article.theme, article.tone)
    article.title = filler.fill(_pick_headline(group["headlines"], rng, used_headlines))

    tone_count = min(len(group["sentences"]), rng.randint(4, 7))
    tone_sentences = [(s, article.tone) for s in rng.sample(group["sentences"], tone_count)]
    context = rng.sample(theme_table["context"], min(len(theme_table["context"]), rng.randint(1, 3)))
    opposite: list[tuple[str, int]] = []
    if rng.random() < 0.25:
        article.mixed = True
        other_tones = [-article.tone] if article.tone else [-1, 1]
        for tone in other_tones:
            opposite.append((rng.choice(bank.group(article.theme, tone)["sentences"]), tone))

    # A quotation rarely opens a news story: lead with a plain sentence when there is one.
    tone_sentences.sort(key=lambda item: item[0].startswith('"'))
    lead, *rest = tone_sentences
    general = bank.data["general"][TONE_NAMES[article.tone]]["sentences"]
    rest += [(g, article.tone) for g in rng.sample(general, rng.randint(1, 2))]
    color = rng.sample(bank.data["color"]["sentences"], rng.randint(0, 2))
    body: list[tuple[str, int | None]] = rest + [(c, None) for c in context + color]
    rng.shuffle(body)
    for item in opposite:  # a dissenting voice comes after the story is established
        body.insert(rng.randint(1, max(1, len(body))), item)
    if rng.random() < 0.6:
        body.append((rng.choice(bank.data["closers"]["sentences"]), None))

    filled_lead = filler.fill(lead[0])
    sentences: list[str] = [filled_lead]
    article.target_sentences = [{"text": filled_lead, "tone": lead[1]}]
    for template, tone in body:
        text = filler.fill(template)
        sentences.append(text)
        if tone is not None:
            article.target_sentences.append({"text": text, "tone": tone})
        elif bank.names_target(template, literally=False):
            article.target_sentences.append({"text": text, "tone": 0})
    article.paragraphs = _paragraphs(sentences, rng)

    frames = list(group["frames"])
    for template, tone in opposite:
        frames.append(bank.group(article.theme, tone)["frames"][0])
    frames += theme_table["frames"]
    article.frames = list(dict.fromkeys(frames))[:5]


def _compose_offtopic(article: Article, bank: Bank, filler: Filler, rng: Random,
                      used_headlines: set[str]) -> None:
    table = bank.data["offtopic"][article.topic]
    article.title = filler.fill(_pick_headline(table["headlines"], rng, used_headlines))
    count = min(len(table["sentences"]), rng.randint(4, 7))
    sentences = [filler.fill(s) for s in rng.sample(table["sentences"], count)]
    article.paragraphs = _paragraphs(sentences, rng)
    article.frames = []
    text = " ".join([article.title] + article.paragraphs).lower()
    leaks = [w for w in bank.data["offtopic_forbidden"] if w.lower() in text]
    if leaks:
        raise ValueError(f"off-topic story of {article.outlet.key} names {leaks}")


def _pick_headline(headlines: list[str], rng: Random, used: set[str]) -> str:
    fresh = [h for h in headlines if h not in used]
    choice = rng.choice(fresh or headlines)
    used.add(choice)
    return choice


def _paragraphs(sentences: list[str], rng: Random) -> list[str]:
    """News style: the lead stands alone, then paragraphs of one to three sentences (3-8 in all)."""
    rest = sentences[1:]
    sizes: list[int] = []
    left = len(rest)
    while left:
        size = min(left, rng.choice((1, 2, 2, 2, 3)))
        sizes.append(size)
        left -= size
    while len(sizes) < 2 and max(sizes, default=1) > 1:  # short stories still get 3 paragraphs
        big = sizes.index(max(sizes))
        sizes[big:big + 1] = [1, sizes[big] - 1]
    while len(sizes) > 7:  # long ones no more than 8
        sizes[-2:] = [sizes[-2] + sizes[-1]]
    paragraphs, start = [sentences[0]], 0
    for size in sizes:
        paragraphs.append(" ".join(rest[start:start + size]))
        start += size
    return paragraphs


def wire_articles(wire: dict) -> list[Article]:
    published = date.fromisoformat(wire["published"])
    copies = []
    for offset, key in enumerate(WIRE_OUTLETS):
        article = Article(OUTLETS_BY_KEY[key], published, 9 + offset, 15 * offset, wire["theme"],
                          None, wire["tone"])
        article.title = wire["headlines"][key]
        article.paragraphs = list(wire["body"]["paragraphs"])
        article.frames = list(wire["frames"])
        article.author = wire["byline"].removeprefix("By ")
        article.wire = True
        article.target_sentences = [dict(item) for item in wire["target_sentences"]]
        copies.append(article)
    return copies


# ----------------------------------------------------------------------------- planted events

# Ground truth for story clustering (events.toml): one event told by several outlets, in their own
# words and languages. Sides: who tells it, by outlet country and language.
EVENT_SIDES = {"us_en": ("US", "en"), "us_es": ("US", "es"), "mx_es": ("MX", "es")}
# The text bank of each side (bank_for's choice for its outlets).
EVENT_SIDE_BANKS = {"us_en": "en", "us_es": "es_mx", "mx_es": "es_us"}
EVENT_SLOT = re.compile(r"\{([a-z_]+)\}")  # event facts; the banks' slots are upper case
EVENT_SPAN_DAYS = 2  # an event's stories appear on its day or up to two days later
CROSS_BORDER_ARTICLES = (3, 6)  # how many outlets tell an event both countries cover
ONE_SIDE_ARTICLES = (2, 4)  # and one that only one country covers
SIDE_MAX = {"us_en": 3, "us_es": 1, "mx_es": 3}  # outlets of one side on one event
LOOK_ALIKE_MIN_DAYS = 7  # a look-alike happens in another week than the event it resembles


def side_of(outlet: DemoOutlet) -> str:
    return f"{outlet.country.lower()}_{outlet.language}"


@dataclass
class Event:
    id: str
    kind: str
    theme: str
    day: date
    place: dict[str, str]  # language -> the place's name in it
    place_country: str
    sides: tuple[str, ...]
    tones: dict[str, int]  # side -> tone of its stories toward the other country
    facts: dict[str, dict[str, str]]  # slot -> language -> text
    look_alike_of: str | None
    articles: list[Article] = field(default_factory=list)

    @property
    def cross_border(self) -> bool:
        return len({EVENT_SIDES[s][0] for s in self.sides}) == 2


def _tagged(items: list) -> list[tuple[str, int]]:
    """Event sentences are plain strings (neutral) or {text, tone} tables."""
    return [(item, 0) if isinstance(item, str) else (item["text"], item.get("tone", 0)) for item in items]


def _by_language(value) -> dict[str, str]:
    return {"en": value, "es": value} if isinstance(value, str) else {"en": value["en"], "es": value["es"]}


def event_text(template: str, event: Event, language: str, chrome: dict) -> str:
    """Fill an event's own slots ({place}, {weekday}, {date} and its facts); bank slots stay for the Filler."""
    def value(match: re.Match) -> str:
        slot = match.group(1)
        if slot == "place":
            return event.place[language]
        if slot == "weekday":
            return chrome["weekdays"][event.day.weekday()]
        if slot == "date":
            month = chrome["months"][event.day.month - 1]
            return f"{month} {event.day.day}" if language == "en" else f"{event.day.day} de {month}"
        if slot not in event.facts:
            raise KeyError(f"events.toml: event {event.id} has no fact {{{slot}}}")
        return event.facts[slot][language]
    return EVENT_SLOT.sub(value, template)


def load_events(banks: dict[str, Bank], chrome: dict) -> tuple[dict, list[Event]]:
    """events.toml's kinds (texts per side) and events, checked: every story they give must be a
    relevant one like the others (its lead names the other country, its theme is in the side's bank)."""
    data = _load_toml("events.toml")
    kinds = {}
    for name, raw in data["kinds"].items():
        kind = {"theme": raw["theme"]}
        for side in EVENT_SIDES:
            if side in raw:
                kind[side] = {"headlines": list(raw[side]["headlines"]), "leads": _tagged(raw[side]["leads"]),
                              "details": _tagged(raw[side]["details"])}
        kinds[name] = kind
    events: list[Event] = []
    for raw in data["events"]:
        kind = kinds[raw["kind"]]
        place = _by_language(raw["place"])
        event = Event(raw["id"], raw["kind"], kind["theme"], raw["day"], place, raw["place_country"],
                      tuple(raw["sides"]), dict(raw["tones"]),
                      {k: _by_language(v) for k, v in raw.get("facts", {}).items()}, raw.get("look_alike_of"))
        _check_event(event, kind, banks, chrome, {e.id: e for e in events})
        events.append(event)
    return kinds, events


def _check_event(event: Event, kind: dict, banks: dict[str, Bank], chrome: dict, earlier: dict[str, Event]) -> None:
    where = f"events.toml: event {event.id}"
    if event.id in earlier:
        raise ValueError(f"{where}: id used twice")
    if not isinstance(event.day, date):
        raise ValueError(f"{where}: day must be a TOML date (2026-02-10), not {event.day!r}")
    window = WORLD_CUP_WINDOW if event.theme == "world_cup" else (START, END)
    if not window[0] <= event.day <= window[1] - timedelta(days=EVENT_SPAN_DAYS):
        raise ValueError(f"{where}: day {event.day} outside {window[0]}..{window[1]} (less {EVENT_SPAN_DAYS} days)")
    if not event.sides or set(event.sides) - set(EVENT_SIDES) or set(event.tones) != set(event.sides):
        raise ValueError(f"{where}: sides {event.sides} and tones {sorted(event.tones)} must match, "
                         f"among {list(EVENT_SIDES)}")
    fewest = CROSS_BORDER_ARTICLES[0] if event.cross_border else ONE_SIDE_ARTICLES[0]
    if sum(SIDE_MAX[s] for s in event.sides) < fewest:
        raise ValueError(f"{where}: sides {event.sides} have too few outlets for {fewest} stories")
    if event.look_alike_of is not None:
        other = earlier.get(event.look_alike_of)
        if other is None or (other.kind, other.place) != (event.kind, event.place):
            raise ValueError(f"{where}: look_alike_of must name an earlier event of the same kind and place")
        if abs((other.day - event.day).days) < LOOK_ALIKE_MIN_DAYS:
            raise ValueError(f"{where}: a look-alike happens at least {LOOK_ALIKE_MIN_DAYS} days from its twin")
    for side in event.sides:
        bank = banks[EVENT_SIDE_BANKS[side]]
        language = EVENT_SIDES[side][1]
        if side not in kind or event.theme not in bank.themes() or event.tones[side] not in (-1, 0, 1):
            raise ValueError(f"{where}: kind {event.kind} has no {side} texts, or {bank.name} lacks theme "
                             f"{event.theme}, or a bad tone")
        texts = kind[side]
        tone = event.tones[side]
        leads = [t for t, lead_tone in texts["leads"] if lead_tone in (0, tone)]
        details = [t for t, detail_tone in texts["details"] if detail_tone in (0, tone)]
        if len(texts["headlines"]) < SIDE_MAX[side] or len(leads) < SIDE_MAX[side] or len(details) < 2:
            raise ValueError(f"{where}: {side} needs {SIDE_MAX[side]} headlines and leads, and 2 details, "
                             f"of tone 0 or {tone}")
        for template in leads:
            if not bank.names_target(event_text(template, event, language, chrome[language])):
                raise ValueError(f"{where}: {side} lead does not name the other country: {template!r}")
        for template, detail_tone in texts["details"]:
            text = event_text(template, event, language, chrome[language])
            if detail_tone and not bank.names_target(text):
                raise ValueError(f"{where}: {side} detail with a tone does not name the other country: {template!r}")
        for template in texts["headlines"]:
            event_text(template, event, language, chrome[language])


def plan_events(events: list[Event], rng: Random) -> list[Article]:
    """Which outlets tell each event, on which day (the event's or up to two days later) and with what tone."""
    pools = {side: [o for o in DEMO_OUTLETS if side_of(o) == side] for side in EVENT_SIDES}
    planned: list[Article] = []
    for event in events:
        low, high = CROSS_BORDER_ARTICLES if event.cross_border else ONE_SIDE_ARTICLES
        caps = {side: min(SIDE_MAX[side], len(pools[side])) for side in event.sides}
        total = rng.randint(max(low, len(event.sides)), min(high, sum(caps.values())))
        counts = dict.fromkeys(event.sides, 1)
        while sum(counts.values()) < total:
            side = rng.choice([s for s in event.sides if counts[s] < caps[s]])
            counts[side] += 1
        offsets = [0] + [rng.choice((0, 1, 1, 2)) for _ in range(total - 1)]  # someone reports it that day
        for side in event.sides:
            for outlet in rng.sample(pools[side], counts[side]):
                day = event.day + timedelta(days=offsets.pop())
                article = Article(outlet, day, rng.randint(7, 22), rng.choice((0, 10, 15, 25, 30, 40, 45, 55)),
                                  event.theme, None, event.tones[side], event=event.id)
                planned.append(article)
                event.articles.append(article)
    return planned


def compose_event_article(article: Article, event: Event, kind: dict, bank: Bank, site: dict, chrome: dict,
                          rng: Random, used: dict[str, set[str]]) -> None:
    """Write one outlet's story of an event: its own headline and lead (none other at the event's outlets of
    that language has them), some of the event's details, then the outlet's usual material on the theme."""
    side, language = side_of(article.outlet), article.outlet.language
    texts = kind[side]
    filler = Filler(rng, bank, site, chrome, article.published)
    # Bank sentences that name a city of the event's country name the event's own city.
    for slot in {"MX": ("MX_CITY", "MX_CIUDAD"), "US": ("EU_CIUDAD",)}[event.place_country]:
        if slot in filler.pools:
            filler.sticky[slot] = event.place[language]
    article.author = rng.choice(site["reporters"])

    def own(template: str) -> str:
        return event_text(template, event, language, chrome)

    article.title = filler.fill(own(_pick_headline(texts["headlines"], rng, used["headlines"])))
    leads = [(t, tone) for t, tone in texts["leads"] if tone in (0, article.tone) and t not in used["leads"]]
    lead, lead_tone = rng.choice(leads)
    used["leads"].add(lead)
    details = [(t, tone) for t, tone in texts["details"] if tone in (0, article.tone)]
    details = rng.sample(details, min(len(details), rng.randint(2, 3)))

    theme_table = bank.data["themes"][event.theme]
    group = bank.group(event.theme, article.tone)
    toned = rng.sample(group["sentences"], min(len(group["sentences"]), rng.randint(2, 4)))
    toned += rng.sample(bank.data["general"][TONE_NAMES[article.tone]]["sentences"], rng.randint(0, 1))
    background = rng.sample(theme_table["context"], min(len(theme_table["context"]), rng.randint(0, 2)))
    background += rng.sample(bank.data["color"]["sentences"], rng.randint(0, 1))
    # (template, tone, where from): the event's facts right after the lead, the rest mixed.
    rest = ([(own(t), tone, "event") for t, tone in details[1:]] + [(t, article.tone, "bank") for t in toned]
            + [(t, None, "background") for t in background])
    rng.shuffle(rest)
    body = [(own(details[0][0]), details[0][1], "event")] + rest
    if rng.random() < 0.5:
        body.append((rng.choice(bank.data["closers"]["sentences"]), None, "background"))

    lead_text = filler.fill(own(lead))
    sentences = [lead_text]
    article.target_sentences = [{"text": lead_text, "tone": lead_tone}]  # every lead names the other country
    for template, tone, origin in body:
        text = filler.fill(template)
        sentences.append(text)
        if origin == "bank":
            article.target_sentences.append({"text": text, "tone": tone})
        elif origin == "event" and bank.names_target(template):
            article.target_sentences.append({"text": text, "tone": tone})
        elif origin == "background" and bank.names_target(template, literally=False):
            article.target_sentences.append({"text": text, "tone": 0})
    article.paragraphs = _paragraphs(sentences, rng)
    article.frames = list(dict.fromkeys(list(group["frames"]) + list(theme_table["frames"])))[:5]


def event_record(event: Event) -> dict:
    """An event as the manifest lists it (its stories carry its id in their "event" field)."""
    sides = []
    for side in event.sides:
        country, language = EVENT_SIDES[side]
        mine = [a for a in event.articles if side_of(a.outlet) == side]
        sides.append({"side": side, "country": country, "language": language, "tone": event.tones[side],
                      "outlets": sorted(a.outlet.key for a in mine)})
    return {
        "id": event.id, "kind": event.kind, "theme": event.theme, "place": event.place["en"],
        "place_country": event.place_country, "day": event.day.isoformat(),
        "days": sorted({a.published.isoformat() for a in event.articles}),
        "countries": sorted({s["country"] for s in sides}), "languages": sorted({s["language"] for s in sides}),
        "cross_border": event.cross_border, "sides": sides, "look_alike_of": event.look_alike_of,
        "articles": sorted(a.article_id for a in event.articles),
    }


# ----------------------------------------------------------------------------- dates

def display_date(article: Article, style: str, chrome: dict) -> str:
    d, m = article.moment, article.published.month
    if style == "en_long":
        return f"{chrome['months'][m - 1]} {d.day}, {d.year}"
    if style == "en_short_time":
        hour12 = d.hour % 12 or 12
        ampm = "a.m." if d.hour < 12 else "p.m."
        return f"{chrome['months_ap'][m - 1]} {d.day}, {d.year} at {hour12}:{d.minute:02d} {ampm} ET"
    if style == "us_numeric":
        return f"{m:02d}/{d.day:02d}/{d.year}"
    if style == "mx_numeric":
        return f"{d.day:02d}/{m:02d}/{d.year}"
    if style == "es_long":
        return f"{d.day} de {chrome['months'][m - 1]} de {d.year}"
    if style == "es_weekday":
        return f"{chrome['weekdays'][d.weekday()]} {d.day} de {chrome['months'][m - 1]} de {d.year}"
    if style == "es_compact":
        return f"{d.day} {chrome['months'][m - 1]}, {d.year} | {d.hour:02d}:{d.minute:02d} hrs"
    raise ValueError(f"unknown date style {style}")


# ----------------------------------------------------------------------------- rendering

@dataclass
class OutletSite:
    outlet: DemoOutlet
    site: dict
    chrome: dict
    base: str
    articles: list[Article] = field(default_factory=list)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)

    @property
    def es(self) -> bool:
        return self.outlet.language == "es"

    def section_path(self, section: str) -> str:
        return f"/{'seccion' if self.es else 'section'}/{section}/"

    def tag_path(self, key: str) -> str:
        return f"/{'tema' if self.es else 'tag'}/{key.replace('_', '-')}/"

    def url(self, path: str) -> str:
        return self.base + path


def file_for(path: str) -> str:
    """Relative file that serves a URL path."""
    rel = path.lstrip("/")
    if rel == "" or rel.endswith("/"):
        return rel + "index.html"
    if "." in rel.rsplit("/", 1)[-1]:
        return rel
    return rel + "/index.html"


def assign_paths(site: OutletSite, rng: Random, articles: list[Article] | None = None,
                 used: set[str] | None = None, numbers: set[int] | None = None) -> tuple[set[str], set[int]]:
    """Section and URL path of each article (all of the site's by default); returns the paths and
    numbers taken, so articles added later get paths of their own."""
    used = set() if used is None else used
    numbers = set() if numbers is None else numbers
    for article in site.articles if articles is None else articles:
        if article.theme is None:
            article.section = site.site["section_for_offtopic"][article.topic]
        else:
            mapping = site.site["section_for_theme"]
            article.section = mapping.get(article.theme, mapping["default"])
        slug = slugify(article.title)
        num = rng.randint(10000, 99999)
        while num in numbers:
            num = rng.randint(10000, 99999)
        numbers.add(num)
        d = article.published
        base_slug, n = slug, 2
        while True:
            path = site.site["article_url"].format(
                yyyy=f"{d.year:04d}", mm=f"{d.month:02d}", dd=f"{d.day:02d}", slug=slug,
                num=num, section=article.section)
            if path not in used:
                break
            slug, n = f"{base_slug}-{n}", n + 1
        used.add(path)
        article.path = path
    return used, numbers


def _nav(site: OutletSite) -> str:
    return "".join(f'<li><a href="{site.url(site.section_path(key))}">{html.escape(name)}</a></li>'
                   for key, name in site.site["sections"].items())


def _head_meta(site: OutletSite, article: Article, description: str) -> str:
    outlet, kinds = site.outlet, site.site["metadata"]
    iso = article.moment.isoformat()
    section_name = site.site["sections"][article.section]
    keywords = [_tag_label(site, article)]
    parts: list[str] = []
    if "jsonld" in kinds:
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "description": description,
            "datePublished": iso,
            "dateModified": iso,
            "inLanguage": outlet.language,
            "articleSection": section_name,
            "keywords": keywords,
            "author": ({"@type": "Organization", "name": "Continental Press"} if article.wire
                       else {"@type": "Person", "name": article.author}),
            "publisher": {"@type": "Organization", "name": outlet.name,
                          "logo": {"@type": "ImageObject", "url": site.url("/static/logo.png")}},
            "mainEntityOfPage": {"@type": "WebPage", "@id": site.url(article.path)},
        }
        payload = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
        parts.append(f'<script type="application/ld+json">\n{payload}\n</script>')
    if "opengraph" in kinds:
        locale = "es_MX" if outlet.country == "MX" else ("es_US" if outlet.language == "es" else "en_US")
        og = [
            ("og:type", "article"), ("og:title", article.title), ("og:description", description),
            ("og:url", site.url(article.path)), ("og:site_name", outlet.name), ("og:locale", locale),
            ("article:published_time", iso), ("article:section", section_name),
            ("article:author", article.author), ("article:tag", keywords[0]),
        ]
        parts += [f'<meta property="{k}" content="{html.escape(v)}">' for k, v in og]
    if "plain" in kinds:
        parts += [
            f'<meta name="author" content="{html.escape(article.author)}">',
            f'<meta name="date" content="{article.published.isoformat()}">',
            f'<meta name="keywords" content="{html.escape(", ".join(keywords))}">',
        ]
    return "\n".join(parts)


def _tag_label(site: OutletSite, article: Article) -> str:
    return article.theme_label or article.theme or article.topic or ""


def _comments(site: OutletSite, rng: Random) -> str:
    if not site.site["comments"]:
        return ""
    chrome = site.chrome
    count = rng.randint(0, 4)
    form = f'<p class="comment-form">{html.escape(chrome["comment_form"])}</p>'
    if count == 0:
        return f'<section class="comments" id="comments">{form}</section>'
    items = "".join(
        f'<li class="comment"><span class="comment-author">{html.escape(rng.choice(chrome["commenters"]))}</span>'
        f'<p>{html.escape(text)}</p></li>'
        for text in rng.sample(chrome["comments"], count))
    return (f'<section class="comments" id="comments"><h2>{chrome["comments_heading"]} ({count})</h2>'
            f'<ol>{items}</ol>{form}</section>')


def render_article(site: OutletSite, article: Article, related: list[Article], rng: Random,
                   template: string.Template, charset: str = "utf-8") -> str:
    lead_words = article.paragraphs[0].split()
    description = " ".join(lead_words[:22]) + (" ..." if len(lead_words) > 22 else "")
    body = "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in article.paragraphs)
    related_html = "".join(
        f'<li><a href="{site.url(r.path)}">{html.escape(r.title)}</a></li>' for r in related)
    tag_key = article.theme or article.topic
    tags = f'<a href="{site.url(site.tag_path(tag_key))}">{html.escape(_tag_label(site, article))}</a>'
    return template.substitute(
        lang=site.outlet.language,
        charset=charset,
        title=html.escape(article.title),
        site_name=html.escape(site.outlet.name),
        tagline=html.escape(site.site["tagline"]),
        canonical=site.url(article.path),
        head_meta=_head_meta(site, article, description),
        nav=_nav(site),
        cookie=html.escape(site.site["cookie"]),
        author=html.escape(article.author),
        date_display=display_date(article, site.site["date_style"], site.chrome),
        datetime_iso=article.moment.isoformat(),
        section_name=html.escape(site.site["sections"][article.section]),
        section_url=site.url(site.section_path(article.section)),
        body=body,
        related=related_html,
        comments=_comments(site, rng),
        newsletter=html.escape(site.site["newsletter"]),
        footer=html.escape(site.site["footer"]),
        tags=tags,
        home=site.base,
        description=html.escape(description),
        year=str(article.published.year),
    )


def render_listing(site: OutletSite, template: string.Template, title: str, path: str,
                   articles: list[Article], kind: str) -> str:
    items = "\n".join(
        f'    <li><a href="{site.url(a.path)}">{html.escape(a.title)}</a> '
        f'<span class="date">{display_date(a, site.site["date_style"], site.chrome)}</span></li>'
        for a in articles)
    return template.substitute(
        lang=site.outlet.language, charset="utf-8", title=html.escape(title),
        site_name=html.escape(site.outlet.name), tagline=html.escape(site.site["tagline"]),
        canonical=site.url(path), nav=_nav(site), cookie=html.escape(site.site["cookie"]),
        home=site.base, items=items, footer=html.escape(site.site["footer"]), page_kind=kind)


def render_rss(site: OutletSite, items: list[dict]) -> str:
    outlet = site.outlet
    entries = []
    for item in items:
        guid = (f'<guid isPermaLink="false">{xml_escape(item["guid"])}</guid>' if item["tracked"]
                else f'<guid isPermaLink="true">{xml_escape(item["link"])}</guid>')
        entries.append(
            "  <item>\n"
            f"    <title>{xml_escape(item['title'])}</title>\n"
            f"    <link>{xml_escape(item['link'])}</link>\n"
            f"    {guid}\n"
            f"    <pubDate>{format_datetime(item['moment'])}</pubDate>\n"
            f"    <dc:creator>{xml_escape(item['author'])}</dc:creator>\n"
            f"    <category>{xml_escape(item['category'])}</category>\n"
            f"    <description>{xml_escape(item['summary'])}</description>\n"
            "  </item>")
    newest = items[0]["moment"]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
        f"  <title>{xml_escape(outlet.name)}</title>\n"
        f"  <link>{site.base}/</link>\n"
        f'  <atom:link href="{site.url(FEED_PATH)}" rel="self" type="application/rss+xml"/>\n'
        f"  <description>{xml_escape(site.site['tagline'])}</description>\n"
        f"  <language>{'es' if site.es else 'en-us'}</language>\n"
        f"  <lastBuildDate>{format_datetime(newest)}</lastBuildDate>\n"
        + "\n".join(entries) + "\n</channel>\n</rss>\n")


def render_atom(site: OutletSite, items: list[dict]) -> str:
    outlet = site.outlet
    entries = []
    for item in items:
        stamp = item["moment"].isoformat()
        entries.append(
            "  <entry>\n"
            f"    <title>{xml_escape(item['title'])}</title>\n"
            f'    <link rel="alternate" type="text/html" href="{xml_escape(item["link"])}"/>\n'
            f"    <id>{xml_escape(item['guid'])}</id>\n"
            f"    <published>{stamp}</published>\n"
            f"    <updated>{stamp}</updated>\n"
            f"    <author><name>{xml_escape(item['author'])}</name></author>\n"
            f'    <category term="{xml_escape(item["category"])}"/>\n'
            f"    <summary>{xml_escape(item['summary'])}</summary>\n"
            "  </entry>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{outlet.language}">\n'
        f"  <title>{xml_escape(outlet.name)}</title>\n"
        f"  <subtitle>{xml_escape(site.site['tagline'])}</subtitle>\n"
        f'  <link rel="alternate" href="{site.base}/"/>\n'
        f'  <link rel="self" href="{site.url(FEED_PATH)}"/>\n'
        f"  <id>{site.base}/</id>\n"
        f"  <updated>{items[0]['moment'].isoformat()}</updated>\n"
        + "\n".join(entries) + "\n</feed>\n")


def render_news_sitemap(site: OutletSite, articles: list[Article]) -> str:
    urls = []
    for a in articles:
        urls.append(
            "  <url>\n"
            f"    <loc>{xml_escape(site.url(a.path))}</loc>\n"
            f"    <lastmod>{a.moment.isoformat()}</lastmod>\n"
            "    <news:news>\n"
            "      <news:publication>\n"
            f"        <news:name>{xml_escape(site.outlet.name)}</news:name>\n"
            f"        <news:language>{site.outlet.language}</news:language>\n"
            "      </news:publication>\n"
            f"      <news:publication_date>{a.moment.isoformat()}</news:publication_date>\n"
            f"      <news:title>{xml_escape(a.title)}</news:title>\n"
            "    </news:news>\n"
            "  </url>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
            + "\n".join(urls) + "\n</urlset>\n")


def render_plain_sitemap(site: OutletSite, paths: list[str]) -> str:
    urls = "\n".join(f"  <url><loc>{xml_escape(site.url(p))}</loc><changefreq>hourly</changefreq></url>"
                     for p in paths)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "\n</urlset>\n")


def render_sitemap_index(site: OutletSite, paths: list[str], lastmod: str) -> str:
    entries = "\n".join(f"  <sitemap><loc>{xml_escape(site.url(p))}</loc><lastmod>{lastmod}</lastmod></sitemap>"
                        for p in paths)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + entries + "\n</sitemapindex>\n")


def render_robots(site: OutletSite) -> str:
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /search", "Disallow: /newsletter/",
             "Allow: /", "", "User-agent: BadBot", "Disallow: /", "",
             f"Sitemap: {site.url(SITEMAP_PATH)}"]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- writing

def _write(root: Path, rel: str, content: str | bytes) -> None:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    target.write_bytes(data)


def _related(article: Article, pool: list[Article], rng: Random) -> list[Article]:
    same_kind = [a for a in pool if a is not article and (a.theme is None) == (article.theme is None)]
    same_theme = [a for a in same_kind if a.theme == article.theme and a.topic == article.topic]
    picks = same_theme if len(same_theme) >= 3 else same_kind
    return rng.sample(picks, min(4, len(picks)))


def write_outlet(site: OutletSite, out_dir: Path, rng: Random, theme_labels: dict[str, str],
                 special: dict) -> None:
    root = out_dir / site.outlet.key
    article_template = string.Template((TEMPLATE_DIR / f"{site.outlet.key}.html").read_text("utf-8"))
    listing_template = string.Template((TEMPLATE_DIR / "listing.html").read_text("utf-8"))
    articles = sorted(site.articles, key=lambda a: a.moment, reverse=True)
    for article in articles:
        article.theme_label = theme_labels.get(article.theme or article.topic, article.theme or article.topic)

    # The Latin-1 page: the newest story of that outlet whose text fits in ISO-8859-1.
    # Regular stories only: their pages (related links, comments) are as they were before events existed.
    regular = [a for a in articles if a.event is None]
    latin1_done = site.outlet.key != LATIN1_OUTLET
    for article in regular:
        related = _related(article, regular, rng)
        rel = file_for(article.path)
        if not latin1_done and article.theme is not None:
            page = render_article(site, article, related, rng, article_template, charset="iso-8859-1")
            try:
                encoded = page.encode("iso-8859-1")
            except UnicodeEncodeError:
                encoded = None
            if encoded is not None and any(ch in page for ch in "áéíóúñ"):
                _write(root, rel, encoded)
                site.headers[rel] = {"Content-Type": "text/html; charset=iso-8859-1"}
                article.latin1 = True
                latin1_done = True
                special["latin1_url"] = site.url(article.path)
                continue
        _write(root, rel, render_article(site, article, related, rng, article_template))
    # The planted events' stories draw their page furniture from a generator of their own.
    event_rng = Random(f"{SEED}:{site.outlet.key}:event-pages")
    for article in articles:
        if article.event is not None:
            related = _related(article, articles, event_rng)
            _write(root, file_for(article.path), render_article(site, article, related, event_rng, article_template))

    # Section fronts, tag pages and the homepage: crawlable pages that are not articles.
    listing_paths = ["/"]
    _write(root, "index.html", render_listing(site, listing_template, site.outlet.name, "/",
                                              articles[:25], "home"))
    for key, name in site.site["sections"].items():
        path = site.section_path(key)
        members = [a for a in articles if a.section == key]
        _write(root, file_for(path), render_listing(site, listing_template, name, path, members[:40], "section"))
        listing_paths.append(path)
    for key in dict.fromkeys(a.theme or a.topic for a in articles):
        path = site.tag_path(key)
        members = [a for a in articles if (a.theme or a.topic) == key]
        _write(root, file_for(path), render_listing(site, listing_template, theme_labels.get(key, key),
                                                    path, members, "tag"))
        listing_paths.append(path)

    _write_feed(site, root, articles, special)

    # Sitemaps: an index pointing to the news sitemap(s) (every article) and a plain one (listings).
    news_paths: list[str] = []
    if site.site["news_sitemaps"] == "monthly":
        months = sorted({a.published.strftime("%Y-%m") for a in articles}, reverse=True)
        for month in months:
            path = f"/sitemaps/news-{month}.xml"
            members = [a for a in articles if a.published.strftime("%Y-%m") == month]
            _write(root, path.lstrip("/"), render_news_sitemap(site, members))
            news_paths.append(path)
    else:
        news_paths.append("/sitemap-news.xml")
        _write(root, "sitemap-news.xml", render_news_sitemap(site, articles))
    _write(root, "sitemap-pages.xml", render_plain_sitemap(site, listing_paths))
    lastmod = articles[0].moment.isoformat()
    _write(root, SITEMAP_PATH.lstrip("/"), render_sitemap_index(site, news_paths + ["/sitemap-pages.xml"], lastmod))
    _write(root, "robots.txt", render_robots(site))

    feed_type = "application/rss+xml" if site.site["feed_format"] == "rss" else "application/atom+xml"
    site.headers["feed.xml"] = {"Content-Type": f"{feed_type}; charset=utf-8"}
    for rel in ["sitemap.xml", "sitemap-pages.xml"] + [p.lstrip("/") for p in news_paths]:
        site.headers[rel] = {"Content-Type": "application/xml; charset=utf-8"}
    site.headers["robots.txt"] = {"Content-Type": "text/plain; charset=utf-8"}
    config = {
        "outlet": site.outlet.key,
        "built_base_url": site.base,
        "headers": site.headers,
        "redirects": site.redirects,
    }
    _write(root, "_server.json", json.dumps(config, indent=1, ensure_ascii=False, sort_keys=True))


def _write_feed(site: OutletSite, root: Path, articles: list[Article], special: dict) -> None:
    tracking = site.site["feed_tracking"]
    items = []
    # The special cases below are chosen among regular stories, so the events leave them unchanged.
    regular = [a for a in articles if a.event is None]
    for article in articles[:FEED_SIZE]:
        canonical = site.url(article.path)
        link = f"{canonical}?{tracking}" if tracking else canonical
        items.append({
            "title": article.title, "link": link, "guid": canonical, "tracked": bool(tracking),
            "moment": article.moment, "author": article.author, "summary": article.paragraphs[0],
            "category": article.theme_label,
        })
        if tracking and "tracking_url" not in special and article.event is None:
            special["tracking_url"] = link
            special["tracking_canonical"] = canonical

    if site.outlet.key == REDIRECT_OUTLET:
        # The story moved: the feed still carries its old address, which answers 301.
        article = next(regular[i] for i in range(4, len(regular)) if regular[i].theme is not None)
        index = articles.index(article)
        item = items[index]
        old_path = f"/news/archive/{article.published.year}/{slugify(article.title, 5)}.html"
        site.redirects[old_path] = article.path
        item["link"] = item["guid"] = site.url(old_path)
        special["redirect_from"] = site.url(old_path)
        special["redirect_to"] = site.url(article.path)

    if site.outlet.key == NOT_FOUND_OUTLET:
        # A story that was pulled after the feed was built: its link answers 404.
        index = articles.index(regular[2])
        moment = regular[2].moment - timedelta(minutes=30)
        path = f"/world/{moment.year}/{moment.month:02d}/{moment.day:02d}/retracted-report-on-port-inspections"
        items.insert(index, {
            "title": "Report on port inspections (retracted)", "link": site.url(path),
            "guid": site.url(path), "tracked": False, "moment": moment, "author": "Staff",
            "summary": "This story has been removed pending review.", "category": "World",
        })
        special["not_found"] = site.url(path)

    render = render_rss if site.site["feed_format"] == "rss" else render_atom
    _write(root, FEED_PATH.lstrip("/"), render(site, items))


# ----------------------------------------------------------------------------- entry point

def build_site(out_dir: Path, ports: dict[str, int] | None = None) -> Path:
    """Generate the whole offline news web under `out_dir`; returns the manifest path.

    `ports` maps outlet keys to loopback ports (defaults: 8731..8739); every absolute URL in the
    pages, feeds and sitemaps uses them. Existing outlet folders in `out_dir` are replaced.
    """
    out_dir = Path(out_dir)
    ports = {**default_ports(), **(ports or {})}
    banks = load_banks()
    sites_data = _load_toml("sites.toml")
    chrome_data = _load_toml("chrome.toml")
    wire = _load_toml("wire.toml")

    shift_rng = Random(f"{SEED}:shift")
    shift_tones = {"before": list(SHIFT_TONES_BEFORE), "after": list(SHIFT_TONES_AFTER)}
    shift_rng.shuffle(shift_tones["before"])
    shift_rng.shuffle(shift_tones["after"])

    sites: list[OutletSite] = []
    mx_index = 0
    for outlet in DEMO_OUTLETS:
        rng = Random(f"{SEED}:{outlet.key}")
        bank = bank_for(outlet, banks)
        chrome = chrome_data[outlet.language]
        site_data = dict(sites_data[outlet.key])
        site_data["reporters"] = rng.sample(chrome["reporters"], 5)
        site = OutletSite(outlet, site_data, chrome, base_url(ports[outlet.key]))
        plan = plan_outlet(outlet, bank, rng, shift_tones, mx_index)
        if direction_of(outlet) == SHIFT_DIRECTION:
            mx_index += 1
        used_headlines: set[str] = set()
        for article in plan:
            compose_article(article, bank, site_data, chrome, rng, used_headlines)
        site.articles = plan
        sites.append(site)

    for copy in wire_articles(wire):
        next(s for s in sites if s.outlet.key == copy.outlet.key).articles.append(copy)

    # The planted events come after everything else and draw from generators of their own, so every
    # other story keeps its text, date, path and id.
    kinds, events = load_events(banks, chrome_data)
    event_rng = Random(f"{SEED}:events")
    event_articles = plan_events(events, event_rng)
    by_key = {site.outlet.key: site for site in sites}
    used: dict[tuple[str, str], dict[str, set[str]]] = {}
    for event in events:
        for article in event.articles:
            site = by_key[article.outlet.key]
            compose_event_article(article, event, kinds[event.kind], bank_for(article.outlet, banks), site.site,
                                  site.chrome, event_rng, used.setdefault((event.id, side_of(article.outlet)),
                                                                          {"headlines": set(), "leads": set()}))

    special: dict = {}
    for site in sites:
        site.articles.sort(key=lambda a: a.moment)
        rng = Random(f"{SEED}:{site.outlet.key}:layout")
        taken = assign_paths(site, rng)
        for number, article in enumerate(site.articles, start=1):
            article.article_id = f"{site.outlet.key}-{number:03d}"
        # Event stories are numbered after the regular ones (ids stay as they were), in time order.
        mine = sorted((a for a in event_articles if a.outlet.key == site.outlet.key), key=lambda a: a.moment)
        assign_paths(site, Random(f"{SEED}:{site.outlet.key}:event-layout"), mine, *taken)
        for number, article in enumerate(mine, start=len(site.articles) + 1):
            article.article_id = f"{site.outlet.key}-{number:03d}"
        site.articles += mine
        bank = bank_for(site.outlet, banks)
        labels = {t: bank.data["themes"][t]["label"] for t in bank.themes()}
        labels.update({k: v["label"] for k, v in bank.data["offtopic"].items()})
        root = out_dir / site.outlet.key
        if root.exists():
            shutil.rmtree(root)
        write_outlet(site, out_dir, rng, labels, special)

    manifest = _manifest(sites, ports, special, events)
    manifest_path = out_dir / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), "utf-8")
    return manifest_path


def _manifest(sites: list[OutletSite], ports: dict[str, int], special: dict, events: list[Event]) -> dict:
    articles: list[dict] = []
    wire_keys = [s.outlet.key for s in sites if any(a.wire for a in s.articles)]
    for site in sites:
        for a in site.articles:
            articles.append({
                "id": a.article_id,
                "outlet": site.outlet.key,
                "url": site.url(a.path),
                "title": a.title,
                "published": a.published.isoformat(),
                "published_at": a.moment.isoformat(),
                "author": a.author,
                "language": site.outlet.language,
                "source_country": site.outlet.country,
                "target": a.target,
                "theme": a.theme,
                "offtopic_topic": a.topic,
                "tone": a.tone,
                "mixed": a.mixed,
                "frames": a.frames,
                "first_sentence": a.paragraphs[0],
                "paragraphs": len(a.paragraphs),
                "target_sentences": a.target_sentences,
                "tricky_terms": [t for t in TRICKY_TERMS
                                 if re.search(rf"\b{re.escape(t)}\b", " ".join(a.paragraphs))],
                "wire": a.wire,
                "also_at": [k for k in wire_keys if k != site.outlet.key] if a.wire else [],
                "latin1": a.latin1,
                "event": a.event,
            })

    def shift_mean(after: bool) -> tuple[float, int]:
        tones = [a["tone"] for a in articles
                 if a["theme"] == SHIFT_THEME and a["source_country"] == "MX"
                 and (a["published"] >= SHIFT_DATE.isoformat()) == after]
        return round(sum(tones) / len(tones), 2), len(tones)

    before, n_before = shift_mean(False)
    after, n_after = shift_mean(True)
    return {
        "generated_with_seed": SEED,
        "date_range": [START.isoformat(), END.isoformat()],
        "outlets": [{
            "key": s.outlet.key, "name": s.outlet.name, "country": s.outlet.country,
            "language": s.outlet.language, "port": ports[s.outlet.key], "base_url": s.base,
            "homepage": s.url("/"), "feed": s.url(FEED_PATH), "feed_format": s.site["feed_format"],
            "sitemap": s.url(SITEMAP_PATH), "robots": s.url("/robots.txt"),
            "articles": len(s.articles),
        } for s in sites],
        "shift": {
            "direction": SHIFT_DIRECTION, "theme": SHIFT_THEME, "month": SHIFT_DATE.strftime("%Y-%m"),
            "tone_before": before, "tone_after": after,
            "articles_before": n_before, "articles_after": n_after,
        },
        "wire": {"agency": "Continental Press", "outlets": list(WIRE_OUTLETS)},
        "special": special,
        "events": [event_record(e) for e in events],
        "articles": articles,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate Espejo's offline news web.")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the site into")
    args = parser.parse_args(argv)
    manifest = build_site(args.out)
    data = json.loads(manifest.read_text("utf-8"))
    print(f"wrote {len(data['articles'])} articles for {len(data['outlets'])} outlets; manifest: {manifest}")


if __name__ == "__main__":
    main()
