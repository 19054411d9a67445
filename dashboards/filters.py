"""The global filters every page applies, and the topics file. Plain Python: no Streamlit here.

The sidebar (streamlit_app.py) turns its widgets into one `Filters`; `Filters.params()` gives the values
the warehouse binds into its SQL. Topics are data: `dashboards/topics.toml`, terms in English and Spanish.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import ConfigDict, Field, ValidationInfo, field_validator
from pydantic.dataclasses import dataclass as validated_dataclass

from espejo.records import NonEmptyText
from espejo.settings import read_toml, validate_tables

TOPICS_FILE_ENV = "ESPEJO_TOPICS_FILE"


class TopicsError(ValueError):
    """The topics file is not valid; the message lists every problem with its topic entry."""


@dataclass(frozen=True)
class Filters:
    model_version: str
    date_from: date
    date_to: date
    outlets: tuple[str, ...] = ()  # empty: all outlets
    languages: tuple[str, ...] = ()  # empty: all languages
    topic: str | None = None  # a topic key from topics.toml
    topic_pattern: str | None = None  # its terms as one regular expression (set by `with_topic`)
    frame: str | None = None

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> Filters:
        """The same filters over the period of equal length that ends the day before this one starts."""
        return replace(self, date_from=self.date_from - timedelta(days=self.days),
                       date_to=self.date_from - timedelta(days=1))

    def params(self) -> dict:
        """The named parameters of the `filtered` query in warehouse/sql/dashboard.sql (the warehouse keeps
        one of topic_key and topic_pattern: the key where the snapshot holds the topic as it is now)."""
        return {
            "model_version": self.model_version,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "outlets": list(self.outlets) or None,
            "languages": list(self.languages) or None,
            "frame": self.frame,
            "topic_key": self.topic,
            "topic_pattern": self.topic_pattern,
        }


# Validated (pydantic): topics.toml is read into it, and these are its only defaults.
@validated_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Topic:
    key: NonEmptyText
    label_en: Annotated[str, Field(validate_default=True)] = ""  # none given: the key
    label_es: Annotated[str, Field(validate_default=True)] = ""  # none given: the English label
    terms_en: tuple[NonEmptyText, ...] = ()
    terms_es: tuple[NonEmptyText, ...] = ()

    @field_validator("label_en", "label_es")
    @classmethod
    def _label_or_fallback(cls, label: str, info: ValidationInfo) -> str:
        fallback = {"label_en": "key", "label_es": "label_en"}[info.field_name]
        return label or info.data.get(fallback, "")

    def label(self, lang: str) -> str:
        return self.label_es if lang == "es" else self.label_en

    @property
    def pattern(self) -> str:
        return terms_pattern(self.terms_en + self.terms_es)


def terms_pattern(terms: tuple[str, ...] | list[str]) -> str:
    """One case-insensitive regex (RE2) that matches any term at the start of a word; terms are literal text."""
    # Longest first, then alphabetical: the same terms give the same pattern in every process (the
    # aggregates store it to tell whether their topic membership is still current).
    alternatives = sorted({re.escape(t.strip().lower()) for t in terms if t.strip()}, key=lambda a: (-len(a), a))
    if not alternatives:
        raise ValueError("a topic needs at least one term")
    # RE2's \b knows ASCII letters only, so a start of word is written out: start of text or a non-letter.
    return r"(^|[^a-z0-9áéíóúüñ])(" + "|".join(alternatives) + ")"


def topics_file() -> Path:
    override = os.environ.get(TOPICS_FILE_ENV)
    if override:
        return Path(override)
    return Path(str(resources.files("espejo.dashboards").joinpath("topics.toml")))


def load_topics(path: Path | None = None) -> list[Topic]:
    path = Path(path or topics_file())
    return validate_tables(Topic, read_toml(path, TopicsError, "topics file"), "topic", path, TopicsError,
                           "invalid topics file", check=_some_term)


def _some_term(entry: dict) -> list[str]:
    # Checked on the raw entry, beside the field checks, so it is reported together with them.
    if not entry.get("terms_en") and not entry.get("terms_es"):
        return ["needs at least one term in terms_en or terms_es"]
    return []


def topic_patterns(topics: list[Topic] | None = None) -> dict[str, str]:
    """{key: regex} of the topics (default: the topics file), as the warehouse's aggregates materialise them."""
    return {topic.key: topic.pattern for topic in (load_topics() if topics is None else topics)}


def with_topic(filters: Filters, topics: list[Topic]) -> Filters:
    """Fill in the regex of the chosen topic (an unknown key means no topic filter)."""
    chosen = next((t for t in topics if t.key == filters.topic), None)
    return replace(filters, topic=chosen.key if chosen else None, topic_pattern=chosen.pattern if chosen else None)


def like_pattern(text: str) -> str:
    """A user's search text as an ILIKE pattern (bound, with its own wildcards escaped)."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
