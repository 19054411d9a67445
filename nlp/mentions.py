"""Mentions of the United States and Mexico, found with the editable gazetteer (gazetteer.toml).

Matching is leftmost, then longest: at each word start the longest term wins, and a match
consumes its characters, so "Nuevo México" is one U.S. state mention and never also "México".
Excluded phrases ("Golfo de México") and names ("U.S.-Mexico-Canada Agreement", "Arizona
Cardinals") take part in the same race and are then dropped, which is how they hide the terms
inside them. All terms of a language are compiled into one regular expression shaped like a trie,
so an article costs one pass whatever the size of the gazetteer. Accents are folded away before
matching (character for character, so offsets hold).
"""

from __future__ import annotations

import functools
import re
import tomllib
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from espejo.nlp.sentences import split_sentences
from espejo.records import COUNTRIES, Mention, Sentence

GAZETTEER_PATH = Path(__file__).with_name("gazetteer.toml")
KINDS = frozenset(
    "country demonym demonym_colloquial capital state city leader institution".split()
)
TERM_LANGUAGES = ("en", "es", "all")
_SELECTIONS = {"en": ("en", "all"), "es": ("es", "all"), "und": ("en", "es", "all")}

_FOLDS = tuple(zip("áéíóúüàèìòùÁÉÍÓÚÜÀÈÌÒÙ’", "aeiouuaeiouAEIOUUAEIOU'"))
# Between the words of a term: spaces, line breaks, hyphens (ASCII, U+2010, non-breaking U+2011)
# and the en dash that joins compounds ("United States–Mexico–Canada Agreement").
_SEPARATORS = re.compile(r"[\s\-‐‑–]+")
_SEPARATOR_ATOM = r"[\s\-‐‑–]+"
# After a period inside a word of a term ("U.S.", "EE.UU."): a line break, from a page that wraps its
# lines in the middle of an acronym ("U.\nS."). Spaces alone do not count: "U. S." stays unmatched.
_WRAP_ATOM = r"(?:[^\S\n]*\n[^\S\n]*)?"
_SPACE_AFTER_PERIOD = re.compile(r"\. ")
_BRACES = re.compile(r"\{([^{}]*)\}")


class GazetteerError(ValueError):
    """The gazetteer file is malformed; the message says where."""


@dataclass(frozen=True)
class Entry:
    target: str | None  # "US" | "MX"; None for an excluded phrase or name
    kind: str | None


@dataclass(frozen=True)
class _Term:
    phrase: str
    language: str  # one of TERM_LANGUAGES
    entry: Entry


def _fold(text: str) -> str:
    """`text` without accents (and with straight apostrophes), same length so offsets hold.

    A chain of str.replace is several times faster than str.translate on non-ASCII text.
    """
    for accented, plain in _FOLDS:
        if accented in text:
            text = text.replace(accented, plain)
    return text


def _fold_key(phrase: str) -> str:
    """How a term and a matched surface compare: no accents, lowercase, separators as one space, and
    none after a period, so a surface wrapped inside an acronym ("U.\nS.") finds its term ("U.S.")."""
    return _spaced_key(_fold(phrase))


def _spaced_key(folded: str) -> str:
    return _SPACE_AFTER_PERIOD.sub(".", _SEPARATORS.sub(" ", folded)).lower()


class _Matcher:
    """One compiled pattern for a set of terms, and what each matched key means."""

    def __init__(self, terms: list[_Term], case_sensitive: frozenset[str]) -> None:
        self.entries = _entries_by_key(terms)
        trie: dict = {}
        for term in terms:
            node = trie
            for atom in _atoms(term.phrase, exact=_is_exact(term.phrase, case_sensitive)):
                node = node.setdefault(atom, {})
            node[""] = {}  # "" marks the end of a term
        # Every term starts with a letter or digit (checked on load), so "\b" marks a word start;
        # the look-ahead on first letters lets the engine skip most words without entering the trie.
        initials = {_fold(term.phrase)[0] for term in terms}
        initials |= {c.lower() for c in initials} | {c.upper() for c in initials}
        first = re.escape("".join(sorted(initials)))
        self.pattern = re.compile(rf"\b(?=[{first}])(?:{_trie_pattern(trie)})(?!\w)")

    def scan(self, text: str) -> Iterator[tuple[int, int, Entry]]:
        """Every match, excluded phrases included, as (start, end, entry)."""
        for match in self.pattern.finditer(_fold(text)):
            yield match.start(), match.end(), self.entries[_spaced_key(match.group())]  # folded already


def _is_exact(phrase: str, case_sensitive: frozenset[str]) -> bool:
    """Acronyms ("US" is not "us") and listed words ("Rubio" is not "rubio") keep their case."""
    is_acronym = not any(c.islower() for c in phrase) and sum(c.isupper() for c in phrase) >= 2
    return is_acronym or phrase in case_sensitive


def _atoms(phrase: str, exact: bool) -> list[str]:
    """The regex pieces of a term, one per character, separators collapsed into one piece."""
    atoms: list[str] = []
    for index, part in enumerate(_SEPARATORS.split(_fold(phrase).strip())):
        if index:
            atoms.append(_SEPARATOR_ATOM)
        for position, char in enumerate(part):
            lower, upper = char.lower(), char.upper()
            caseless = not exact and lower != upper and len(lower) == len(upper) == 1
            atoms.append(f"[{lower}{upper}]" if caseless else re.escape(char))
            if char == "." and position + 1 < len(part):
                atoms.append(_WRAP_ATOM)
    return atoms


def _trie_pattern(node: dict) -> str:
    """A regex for a trie; an optional tail is greedy, so longer terms are tried first.

    A letter can start two branches of a node: exact ("M", from a case-sensitive term) and caseless
    ("[mM]"). Alternation takes the first branch that succeeds, not the longest, so where a term of
    one branch runs on from a term of the other ("Mexico Center", a case-sensitive name, and
    "Mexico"), the exact branch, placed first, also carries those caseless terms: the longer then
    wins whatever the order of the file, and text that misses the exact letter falls through to
    the caseless branch as before.
    """
    branches = []
    for atom, child in sorted(node.items(), key=lambda item: _caseless_twin(item[0]) not in node):
        if not atom:
            continue
        if (twin := _caseless_twin(atom)) in node:
            child = _with_shadowing_terms(child, node[twin])
        branches.append(atom + _trie_pattern(child))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if "" in node else body


def _caseless_twin(atom: str) -> str | None:
    """The caseless atom ("[mM]") matching every text an exact letter atom ("M") matches."""
    if len(atom) != 1 or not atom.isalpha():
        return None
    lower, upper = atom.lower(), atom.upper()
    return f"[{lower}{upper}]" if lower != upper and len(lower) == len(upper) == 1 else None


def _with_shadowing_terms(exact: dict, caseless: dict) -> dict:
    """The exact trie plus every caseless term that could outrun or be outrun by one of its terms.

    Two terms compete for the same text only when one is the other's start up to a word boundary
    ("mexico" and "mexico center"); others differ before a word ends, so at most one matches. The
    caseless terms joined are closed under that relation ("mexico center" brings "mexico", which
    brings "mexico city"), so the exact branch always finds the longest match of the two.
    """
    joined = list(_term_paths(exact))
    starts = {_caseless(path) for path in joined}
    boundaries = set().union(*map(_boundary_prefixes, joined))
    waiting = list(_term_paths(caseless))
    added = []
    while True:
        taken = [
            path for path in waiting
            if _boundary_prefixes(path) & starts or _caseless(path) in boundaries
        ]
        if not taken:
            break
        waiting = [path for path in waiting if path not in taken]
        added += taken
        starts |= {_caseless(path) for path in taken}
        boundaries = boundaries.union(*map(_boundary_prefixes, taken))
    if not added:
        return exact
    merged = dict(exact)
    for path in added:
        node = merged
        for atom in path:
            node[atom] = dict(node.get(atom, {}))  # copied on the way down: tries are shared
            node = node[atom]
        node[""] = {}
    return merged


def _term_paths(node: dict, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Each term under a trie node, as its atoms."""
    for atom, child in node.items():
        if atom:
            yield from _term_paths(child, (*path, atom))
        else:
            yield path


def _caseless(path: tuple[str, ...]) -> tuple[str, ...]:
    """Atoms with case ignored: "[mM]" and "M" are both "m"."""
    return tuple(a[1] if len(a) == 4 and a.startswith("[") else a.lower() for a in path)


def _boundary_prefixes(path: tuple[str, ...]) -> set[tuple[str, ...]]:
    """A term's starts that end where a word ends ("mexico" of "mexico center"), case ignored."""
    folded = _caseless(path)
    return {folded[:index] for index, atom in enumerate(folded) if not atom.isalnum()}


def _entries_by_key(terms: Iterable[_Term]) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for term in terms:
        key = _fold_key(term.phrase)
        if entries.setdefault(key, term.entry) != term.entry:
            raise GazetteerError(
                f"{term.phrase!r} is listed twice with different meanings: "
                f"{entries[key]} and {term.entry}"
            )
    return entries


class Gazetteer:
    """Validated terms; the matcher for each language is compiled on first use."""

    def __init__(self, terms: Iterable[_Term], case_sensitive: Iterable[str]) -> None:
        self._terms = tuple(terms)
        self._case_sensitive = frozenset(case_sensitive)
        self._matchers: dict[str, _Matcher] = {}

    def terms_for(self, language: str) -> list[_Term]:
        """Terms of `language` plus those for all languages; both languages for anything else."""
        wanted = _SELECTIONS.get(language, _SELECTIONS["und"])
        return [term for term in self._terms if term.language in wanted]

    def matcher(self, language: str) -> _Matcher:
        selection = language if language in _SELECTIONS else "und"
        if selection not in self._matchers:
            self._matchers[selection] = _Matcher(self.terms_for(selection), self._case_sensitive)
        return self._matchers[selection]


def load_gazetteer(path: Path = GAZETTEER_PATH) -> Gazetteer:
    """Read and validate a gazetteer file (the packaged one by default)."""
    with open(path, "rb") as file:
        return parse_gazetteer(tomllib.load(file))


def parse_gazetteer(data: Mapping) -> Gazetteer:
    """Validate the parsed TOML; raise GazetteerError naming the faulty table or term."""
    terms: list[_Term] = []
    case_sensitive: list[str] = []
    name_phrases: list[str] = []  # [names] match only as written: case-sensitive
    for name, table in data.items():
        _require_table(table, name)
        if name == "matching":
            if unknown_keys := set(table) - {"case_sensitive"}:
                raise GazetteerError(f"matching: unknown keys {sorted(unknown_keys)}")
            case_sensitive = _phrases(table.get("case_sensitive", []), "matching.case_sensitive")
        elif name in ("exclude", "names"):  # names: excluded too, but only as written
            for language, phrases in table.items():
                _check_language(language, f"{name}.{language}")
                for phrase in _phrases(phrases, f"{name}.{language}"):
                    terms.append(_Term(phrase, language, Entry(None, None)))
                    if name == "names":
                        name_phrases.append(phrase)
        elif name in COUNTRIES:
            terms.extend(_country_terms(name, table))
        else:
            raise GazetteerError(
                f"unknown country {name!r}: expected one of {', '.join(COUNTRIES)} "
                "(or the tables 'exclude', 'names' and 'matching')"
            )
    known = {term.phrase for term in terms}
    if unknown := [phrase for phrase in case_sensitive if phrase not in known]:
        raise GazetteerError(f"matching.case_sensitive: not a term in any list: {unknown}")
    gazetteer = Gazetteer(terms, [*case_sensitive, *name_phrases])
    for selection in _SELECTIONS:  # a conflict must fail on load, not on the first article
        _entries_by_key(gazetteer.terms_for(selection))
    return gazetteer


def _country_terms(country: str, table: Mapping) -> Iterator[_Term]:
    for language, kinds in table.items():
        where = f"{country}.{language}"
        _check_language(language, where)
        _require_table(kinds, where)
        for kind, phrases in kinds.items():
            if kind not in KINDS:
                raise GazetteerError(
                    f"{where}: unknown kind {kind!r}: expected one of {', '.join(sorted(KINDS))}"
                )
            for phrase in _phrases(phrases, f"{where}.{kind}"):
                yield _Term(phrase, language, Entry(country, kind))


def _require_table(value: object, where: str) -> None:
    if not isinstance(value, Mapping):
        raise GazetteerError(f"{where}: expected a table, got {type(value).__name__}")


def _check_language(language: str, where: str) -> None:
    if language not in TERM_LANGUAGES:
        raise GazetteerError(
            f"{where}: unknown language {language!r}: expected one of {', '.join(TERM_LANGUAGES)}"
        )


def _phrases(value: object, where: str) -> list[str]:
    """The terms of one list, braces expanded; every term a non-empty string."""
    if not isinstance(value, list):
        raise GazetteerError(f"{where}: expected a list of terms, got {type(value).__name__}")
    phrases: list[str] = []
    for index, term in enumerate(value):
        if not isinstance(term, str) or not term.strip():
            raise GazetteerError(f"{where}[{index}]: empty or non-text term {term!r}")
        place = f"{where}[{index}]"
        for phrase in _expand(term.strip(), place):
            if not phrase[:1].isalnum():  # the matcher relies on it: see _Matcher
                raise GazetteerError(f"{place}: {phrase!r} must start with a letter or digit")
            phrases.append(phrase)
    return phrases


def _expand(term: str, where: str) -> list[str]:
    """"mexican{o,a}" -> ["mexicano", "mexicana"]; several groups multiply."""
    group = _BRACES.search(term)
    if group is None:
        if "{" in term or "}" in term:
            raise GazetteerError(f"{where}: unbalanced braces in {term!r}")
        return [term]
    return [
        expanded
        for option in group.group(1).split(",")
        for expanded in _expand(term[: group.start()] + option + term[group.end() :], where)
    ]


@functools.cache
def default_gazetteer() -> Gazetteer:
    return load_gazetteer()


def find_mentions(
    text: str, sentences: list[Sentence], language: str, gazetteer: Gazetteer | None = None
) -> list[Mention]:
    """Country mentions in `text`, in order, none overlapping, each inside one of `sentences`.

    `language` ("en", "es"; anything else means both) picks the terms; sentences should cover
    the text as split_sentences returns them. A match that a sentence boundary cuts is dropped:
    no sentence holds it to be scored in. `sentences_and_mentions` splits so that none is cut.
    """
    matcher = (gazetteer or default_gazetteer()).matcher(language)
    return _mentions_within(text, sentences, _country_matches(matcher, text))


def sentences_and_mentions(
    text: str, language: str, gazetteer: Gazetteer | None = None
) -> tuple[list[Sentence], list[Mention]]:
    """The sentences of `text` and its country mentions, as the pipeline scores them.

    The mentions are found first and the splitter told not to cut them, so a name that a line break
    runs through ("EE.\nUU.", "U.\nS.") is one mention in one sentence: measured, not lost.
    """
    matcher = (gazetteer or default_gazetteer()).matcher(language)
    matches = _country_matches(matcher, text)
    sentences = split_sentences(text, language, keep_together=[(start, end) for start, end, _ in matches])
    return sentences, _mentions_within(text, sentences, matches)


def _country_matches(matcher: _Matcher, text: str) -> list[tuple[int, int, Entry]]:
    return [(start, end, entry) for start, end, entry in matcher.scan(text) if entry.target is not None]


def _mentions_within(text: str, sentences: list[Sentence], matches: list[tuple[int, int, Entry]]) -> list[Mention]:
    sentence_starts = [sentence.start for sentence in sentences]
    mentions = []
    for start, end, entry in matches:
        index = bisect_right(sentence_starts, start) - 1
        if index >= 0 and end > sentences[index].end:
            continue  # runs past the end of its sentence: cut by a boundary
        mentions.append(
            Mention(sentence_index=max(index, 0), start=start, end=end, surface=text[start:end],
                    target=entry.target, kind=entry.kind)
        )
    return mentions


def mentions_of(mentions: Iterable[Mention], target: str) -> list[Mention]:
    return [mention for mention in mentions if mention.target == target]


def count_by_target(mentions: Iterable[Mention]) -> dict[str, int]:
    """{"US": n, "MX": m}, both keys always present."""
    counts = dict.fromkeys(COUNTRIES, 0)
    for mention in mentions:
        counts[mention.target] += 1
    return counts


def is_about(
    text: str,
    target: str,
    language: str,
    min_mentions: int = 2,
    gazetteer: Gazetteer | None = None,
) -> bool:
    """Whether raw `text` mentions `target` at least `min_mentions` times.

    The spider's relevance filter: no sentence splitting, and it stops at the last mention needed.
    """
    if target not in COUNTRIES:
        raise ValueError(f"unknown target {target!r}: expected one of {', '.join(COUNTRIES)}")
    matcher = (gazetteer or default_gazetteer()).matcher(language)
    hits = (1 for _, _, entry in matcher.scan(text) if entry.target == target)
    return sum(islice(hits, min_mentions)) >= min_mentions
