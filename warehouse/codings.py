"""The researchers' own codings: samples drawn from the published snapshot, coded blind one item at a time,
and the reliability and agreement figures computed from them (issue 10).

Everything lives in `codings.duckdb` in the data folder, a file of its own: never the read-only snapshot,
never espejo.duckdb (a nightly run holds that for its whole length). Every call opens the file, does its
work in one transaction and closes it, retrying for about ten seconds while another process (a second
dashboard, a CLI import) has it open, so several processes can code at once, and a killed process loses
only what it had not committed. Item texts are copied in when a sample is drawn: a sample outlives the
runs after it.

Samples are reproducible: which items are drawn, which are coded by everyone and in what order they are
shown depend only on the candidates, the design and its seed (hashes of the seed and each item's id),
never on the order SQL returns rows in.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import math
import threading
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from espejo import reliability
from espejo.warehouse import dashboard_queries, db, queries

CODINGS_FILE = "codings.duckdb"
MIGRATIONS_FOLDER = "codings_migrations"
VERSION_TABLE = "codings_migrations"
CODINGS_SQL = "codings.sql"

MENTION_LABELS = ("negative", "neutral", "positive", "n/a")
TONES = ("negative", "neutral", "positive")
STRATA = ("direction", "outlet", "month", "predicted")
KINDS = ("mention", "article")
ROLES = ("train", "holdout")
MAX_FRAMES = 3

# How long a call waits for another process to let go of the file: a coding takes milliseconds.
_OPEN_RETRIES = 100
_OPEN_WAIT_S = 0.1
# One opening at a time within a process: threads share DuckDB's instance of the file, and a fresh file's
# migration or the coding sequence must not be raced by a second thread.
_STORE_LOCK = threading.RLock()

# sample_items columns next_item leaves out: the model's answer stays hidden while coding.
_MODEL_COLUMNS = ("predicted_label", "p_negative", "p_neutral", "p_positive", "predicted_frames", "stance")
# Columns of sample_items one kind has and the other lacks (NULL there).
_KIND_COLUMNS = dict.fromkeys(("sentence", "target_start", "target_end", "surface", "target", "predicted_label",
                               "p_negative", "p_neutral", "p_positive", "predicted_frames", "stance"))
EXPORT_COLUMNS = ("sample", "item_id", "kind", "direction", "language", "outlet", "day", "sentence", "target_start",
                  "target_end", "surface", "title", "url", "coder", "label", "frames", "predicted_label",
                  "predicted_frames", "stance", "overlap")
IMPORT_COLUMNS = ("sample", "item_id", "coder", "label")


class CodingsError(ValueError):
    """Bad input to the codings store; the message says what and why."""


class SampleExists(CodingsError):
    pass


class UnknownSample(CodingsError):
    pass


class ImportRejected(CodingsError):
    """A coding sheet with bad rows: `problems` names every one; nothing was written."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.problems = list(problems)
        shown = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{Path(path).name}: {len(self.problems)} problem(s), nothing imported:\n{shown}")


@dataclass(frozen=True)
class SampleDesign:
    name: str
    mentions: int
    articles: int
    strata: tuple[str, ...] = ("direction",)
    overlap: float = 0.2
    seed: int = 13


@dataclass(frozen=True)
class SampleInfo:
    name: str
    created_at: datetime
    model_version: str
    design: dict
    filters: dict
    n_mentions: int
    n_articles: int
    snapshot_run_id: str | None


def codings_path(data_dir) -> Path:
    return Path(data_dir) / CODINGS_FILE


# --- the store ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _store(data_dir) -> Iterator[duckdb.DuckDBPyConnection]:
    with _STORE_LOCK, db.connect_file(codings_path(data_dir), folder=MIGRATIONS_FOLDER, version_table=VERSION_TABLE,
                                      retries=_OPEN_RETRIES, wait_s=_OPEN_WAIT_S) as con:
        yield con


@contextlib.contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _run(con: duckdb.DuckDBPyConnection, query: str, /, **params):
    sql = queries.sql(CODINGS_SQL, query)
    return con.execute(sql, queries.bind(sql, params))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _plain(value):
    """A value from a data frame as plain Python (JSON- and DuckDB-friendly): NA -> None, arrays -> lists."""
    if isinstance(value, np.ndarray | list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if pd.isna(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _require_sample(con: duckdb.DuckDBPyConnection, name: str) -> SampleInfo:
    rows = _records(_run(con, "samples", name=name).df())
    if not rows:
        known = [r["name"] for r in _records(_run(con, "samples", name=None).df())]
        hint = f" (samples: {', '.join(known)})" if known else " (no samples drawn yet)"
        raise UnknownSample(f"unknown sample {name!r}{hint}")
    return _sample_info(rows[0])


def _sample_info(row: dict) -> SampleInfo:
    return SampleInfo(name=row["name"], created_at=row["created_at"], model_version=row["model_version"],
                      design=json.loads(row["design"]), filters=json.loads(row["filters"]),
                      n_mentions=int(row["n_mentions"]), n_articles=int(row["n_articles"]),
                      snapshot_run_id=row["snapshot_run_id"])


# --- drawing a sample -----------------------------------------------------------------------------


def _hash(seed: int, purpose: str, item_id: str) -> int:
    digest = hashlib.blake2b(f"{seed}\x1f{purpose}\x1f{item_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def allocate(counts: dict[str, int], n: int) -> dict[str, int]:
    """Proportional allocation of `n` items over strata of `counts` candidates (largest remainder; ties go
    to the larger stratum, then the first by name). Never more than a stratum holds."""
    total = sum(counts.values())
    n = min(n, total)
    if n <= 0:
        return {s: 0 for s in counts}
    shares = {s: n * c / total for s, c in counts.items()}
    quota = {s: math.floor(x) for s, x in shares.items()}
    left = n - sum(quota.values())
    for s in sorted(counts, key=lambda s: (-(shares[s] - quota[s]), -counts[s], s))[:left]:
        quota[s] += 1
    return quota


def _stratum(row: dict, strata: Sequence[str]) -> str:
    parts = []
    for stratum in strata:
        if stratum == "direction":
            parts.append(row["direction"])
        elif stratum == "outlet":
            parts.append(row["source_key"])
        elif stratum == "month":
            day = row["day"]
            parts.append(day.strftime("%Y-%m") if day is not None else "undated")
        else:
            parts.append(row["predicted"] or "unscored")
    return " | ".join(str(p) for p in parts) if parts else "all"


def _draw(candidates: list[dict], n: int, design: SampleDesign, kind: str) -> tuple[list[dict], dict, dict]:
    """The drawn items (stratum, overlap, position set), the candidates and the allocation per stratum."""
    by_stratum: dict[str, list[dict]] = {}
    for row in candidates:
        row["stratum"] = _stratum(row, design.strata)
        by_stratum.setdefault(row["stratum"], []).append(row)
    counts = {s: len(rows) for s, rows in sorted(by_stratum.items())}
    allocation = allocate(counts, n)
    drawn = []
    for stratum, rows in by_stratum.items():
        rows.sort(key=lambda r: (_hash(design.seed, f"{kind}:draw", r["item_id"]), r["item_id"]))
        drawn.extend(rows[: allocation[stratum]])
    n_overlap = math.floor(design.overlap * len(drawn) + 0.5)
    overlapping = {r["item_id"] for r in sorted(
        drawn, key=lambda r: (_hash(design.seed, f"{kind}:overlap", r["item_id"]), r["item_id"]))[:n_overlap]}
    drawn.sort(key=lambda r: (_hash(design.seed, f"{kind}:order", r["item_id"]), r["item_id"]))
    for position, row in enumerate(drawn, start=1):
        row["position"] = position
        row["overlap"] = row["item_id"] in overlapping
    return drawn, counts, allocation


def _check_design(design: SampleDesign) -> None:
    if not design.name or design.name != design.name.strip():
        raise CodingsError(f"a sample needs a name without leading or trailing spaces, not {design.name!r}")
    if design.mentions < 0 or design.articles < 0:
        raise CodingsError("the numbers of mentions and articles cannot be negative")
    if design.mentions == 0 and design.articles == 0:
        raise CodingsError("a sample needs at least one mention or one article")
    unknown = [s for s in design.strata if s not in STRATA]
    if unknown:
        raise CodingsError(f"unknown strata {unknown} (expected some of {', '.join(STRATA)})")
    if len(set(design.strata)) != len(design.strata):
        raise CodingsError(f"strata repeated: {list(design.strata)}")
    if not 0.0 <= design.overlap <= 1.0:
        raise CodingsError(f"the overlap share must lie in [0, 1], not {design.overlap}")


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CodingsError(f"not a date: {value!r} (expected YYYY-MM-DD)") from None


def _complete_filters(r: dashboard_queries.Reader, filters: dict) -> dict:
    """The `filtered` CTE's parameters from `filters` (Filters.params(), dates as dates or ISO text): a missing
    model version is the snapshot's first, a missing date range all that version's days, a missing filter off."""
    bound = {"model_version": None, "date_from": None, "date_to": None, "outlets": None, "languages": None,
             "frame": None, "topic_key": None, "topic_pattern": None, **filters}
    if not bound["model_version"]:
        versions = r.read("model_versions")
        if versions.empty:
            raise CodingsError("the snapshot holds no scored model version yet")
        bound["model_version"] = str(versions["model_version"].iloc[0])
    if bound["date_from"] is None or bound["date_to"] is None:
        bounds = _records(r.plain("date_bounds", model_version=bound["model_version"]))[0]
        bound["date_from"] = bound["date_from"] or bounds["first_day"]
        bound["date_to"] = bound["date_to"] or bounds["last_day"]
    bound["date_from"], bound["date_to"] = _as_date(bound["date_from"]), _as_date(bound["date_to"])
    for key in ("outlets", "languages"):  # an empty list means no filter, as in Filters.params()
        bound[key] = list(bound[key] or []) or None
    return bound


def _json_filters(filters: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in filters.items()}


def draw_sample(data_dir, design: SampleDesign, filters: dict, *, frame_keys: list[str]) -> SampleInfo:
    """Draw a stratified, reproducible sample of scored mentions and articles under the dashboard's filters
    (`Filters.params()`) from the published snapshot, and store it with its texts; see the module docstring."""
    _check_design(design)
    with _store(data_dir) as con:
        if _records(_run(con, "samples", name=design.name).df()):
            raise SampleExists(f"a sample named {design.name!r} exists already: choose another name")
    try:
        with dashboard_queries.reader(Path(data_dir)) as r:
            bound = _complete_filters(r, dict(filters))
            drawn = {}
            candidates = {}
            allocation = {}
            if design.mentions:
                rows = _records(r.filtered("sample_mention_candidates", bound))
                if not rows:
                    raise CodingsError(f"no scored mentions match the filters (model version {bound['model_version']}, "
                                       f"{bound['date_from']} to {bound['date_to']})")
                drawn["mention"], candidates["mention"], allocation["mention"] = _draw(
                    rows, design.mentions, design, "mention")
            if design.articles:
                rows = _records(r.filtered("sample_article_candidates", bound))
                for row in rows:
                    row["predicted"] = None if row["stance"] is None else reliability.tone_from_stance(row["stance"])
                if not rows:
                    raise CodingsError(f"no scored articles match the filters (model version {bound['model_version']}, "
                                       f"{bound['date_from']} to {bound['date_to']})")
                drawn["article"], candidates["article"], allocation["article"] = _draw(
                    rows, design.articles, design, "article")
            items = _item_texts(r, bound, drawn)
            latest = r.plain("latest_run_id")
            snapshot_run_id = str(latest["run_id"].iloc[0]) if not latest.empty else None
    except dashboard_queries.SnapshotMissing:
        raise CodingsError(f"nothing published yet in {data_dir}: run `espejo run` or `espejo demo` first") from None
    stored_design = {**asdict(design), "strata": list(design.strata), "candidates": candidates,
                     "allocation": allocation, "frame_keys": list(frame_keys)}
    counts = {kind: sum(1 for i in items if i["kind"] == kind) for kind in KINDS}
    with _store(data_dir) as con, _transaction(con):
        if _records(_run(con, "samples", name=design.name).df()):  # drawn meanwhile by another process
            raise SampleExists(f"a sample named {design.name!r} exists already: choose another name")
        _run(con, "insert_sample", name=design.name, created_at=_now(), model_version=bound["model_version"],
             design=json.dumps(stored_design, sort_keys=True), filters=json.dumps(_json_filters(bound), sort_keys=True),
             snapshot_run_id=snapshot_run_id, n_mentions=counts["mention"], n_articles=counts["article"])
        sql = queries.sql(CODINGS_SQL, "insert_item")
        con.executemany(sql, [queries.bind(sql, {**_KIND_COLUMNS, **item, "sample": design.name}) for item in items])
        return _require_sample(con, design.name)


def _item_texts(r: dashboard_queries.Reader, bound: dict, drawn: dict[str, list[dict]]) -> list[dict]:
    items = []
    for kind, query in (("mention", "sample_mention_items"), ("article", "sample_article_items")):
        chosen = drawn.get(kind, [])
        if not chosen:
            continue
        ids = [c["item_id"] for c in chosen]
        texts = {row["item_id"]: row for row in _records(r.filtered(
            query, bound, ids=ids, article_ids=sorted({c["article_id"] for c in chosen})))}
        for c in chosen:
            row = texts[c["item_id"]]
            if kind == "article":
                row["predicted_frames"] = list(row["predicted_frames"] or [])
            items.append({**row, "kind": kind, "position": c["position"], "overlap": c["overlap"],
                          "stratum": c["stratum"]})
    return items


# --- samples and their items ----------------------------------------------------------------------


def list_samples(data_dir) -> list[SampleInfo]:
    with _store(data_dir) as con:
        return [_sample_info(row) for row in _records(_run(con, "samples", name=None).df())]


def sample_info(data_dir, name) -> SampleInfo:
    with _store(data_dir) as con:
        return _require_sample(con, name)


def _check_kind(kind: str | None, *, optional: bool = False) -> None:
    if kind is None and optional:
        return
    if kind not in KINDS:
        raise CodingsError(f"unknown kind {kind!r} (expected mention or article)")


def sample_items(data_dir, name, kind: str | None = None) -> pd.DataFrame:
    """The sample's items (mentions first), each kind in coding order."""
    _check_kind(kind, optional=True)
    with _store(data_dir) as con:
        _require_sample(con, name)
        return _items(con, name, kind)


def _items(con, name, kind: str | None = None) -> pd.DataFrame:
    return _run(con, "sample_items", sample=name, kind=kind).df()


# --- coding -------------------------------------------------------------------------------------------


def _check_coder(coder: str) -> str:
    coder = (coder or "").strip()
    if not coder:
        raise CodingsError("a coding needs the coder's name")
    return coder


def _queue(con: duckdb.DuckDBPyConnection, name: str, coder: str, kind: str) -> pd.DataFrame:
    return _run(con, "coder_queue", sample=name, coder=coder, kind=kind).df()


def next_item(data_dir, name, coder, kind) -> dict | None:
    """The next item in the coder's queue (without the model's answer), or None when it is empty. Its
    `skipped_before` says the coder skipped it once."""
    _check_kind(kind)
    coder = _check_coder(coder)
    with _store(data_dir) as con:
        _require_sample(con, name)
        return _first_item(_queue(con, name, coder, kind))


def coder_progress(data_dir, name, coder) -> dict:
    """{"mention": (coded, coded + still in the queue), "article": (...)} for this coder."""
    return coding_state(data_dir, name, coder)[0]


def coding_state(data_dir, name, coder, kind: str | None = None) -> tuple[dict, dict | None]:
    """The coder's progress (as `coder_progress`) and, for `kind`, the next item (as `next_item`), read at
    one moment: what the coding page shows after each click."""
    _check_kind(kind, optional=True)
    coder = _check_coder(coder)
    progress, queues = {}, {}
    with _store(data_dir) as con:
        _require_sample(con, name)
        for each in KINDS:
            done = _run(con, "coded_count", sample=name, coder=coder, kind=each).fetchone()[0]
            queues[each] = _queue(con, name, coder, each)
            progress[each] = (int(done), int(done) + len(queues[each]))
    return progress, None if kind is None else _first_item(queues[kind])


def _first_item(queue: pd.DataFrame) -> dict | None:
    if queue.empty:
        return None
    item = _records(queue.head(1))[0]
    for column in _MODEL_COLUMNS:
        item.pop(column, None)
    if isinstance(item.get("day"), datetime):
        item["day"] = item["day"].date()
    return item


def check_coding(kind: str, label: str, frames: Sequence[str], frame_keys: Sequence[str]) -> tuple[str, list[str]]:
    """The label and frames as stored, or CodingsError saying what is wrong with them."""
    label = (label or "").strip().lower()
    if kind == "mention":
        if label not in MENTION_LABELS:
            raise CodingsError(f"unknown label {label!r} for a mention (expected {', '.join(MENTION_LABELS)})")
        if frames:
            raise CodingsError("frames given for a mention (only articles take frames)")
        return label, []
    if label not in TONES:
        raise CodingsError(f"unknown tone {label!r} for an article (expected {', '.join(TONES)})")
    chosen = list(dict.fromkeys(f.strip() for f in frames if f and f.strip()))
    unknown = [f for f in chosen if f not in frame_keys]
    if unknown:
        raise CodingsError(f"unknown frame{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
                           f"(expected codebook keys such as {', '.join(list(frame_keys)[:4])})")
    if not 1 <= len(chosen) <= MAX_FRAMES:
        raise CodingsError(f"{len(chosen)} frames for an article (choose 1 to {MAX_FRAMES})")
    return label, chosen


def _item_kind(con: duckdb.DuckDBPyConnection, name: str, item_id: str) -> str:
    rows = _run(con, "item_kinds", samples=[name]).fetchall()
    kinds = {row[1]: row[2] for row in rows}
    if item_id not in kinds:
        raise CodingsError(f"unknown item {item_id!r} in sample {name!r}")
    return kinds[item_id]


def _upsert(con, name, item_id, coder, *, label, frames, skipped, origin) -> None:
    _run(con, "upsert_coding", sample=name, item_id=item_id, coder=coder, label=label, frames=list(frames),
         skipped=skipped, coded_at=_now(), origin=origin)


def record_coding(data_dir, name, item_id, coder, *, label: str, frames: Sequence[str] = (),
                  origin="dashboard") -> None:
    """Save one coding now (one transaction); a second coding of the item by the same coder replaces it."""
    coder = _check_coder(coder)
    with _store(data_dir) as con:
        info = _require_sample(con, name)
        label, frames = check_coding(_item_kind(con, name, item_id), label, frames, info.design.get("frame_keys", []))
        with _transaction(con):
            _upsert(con, name, item_id, coder, label=label, frames=frames, skipped=False, origin=origin)


def record_skip(data_dir, name, item_id, coder) -> None:
    """Put the item at the end of the coder's queue (replacing any coding of it by them)."""
    coder = _check_coder(coder)
    with _store(data_dir) as con:
        _require_sample(con, name)
        _item_kind(con, name, item_id)
        with _transaction(con):
            _upsert(con, name, item_id, coder, label=None, frames=[], skipped=True, origin="dashboard")


def undo_last(data_dir, name, coder) -> str | None:
    """Delete the coder's most recent coding or skip in the sample; its item_id (None: nothing to undo)."""
    coder = _check_coder(coder)
    with _store(data_dir) as con:
        _require_sample(con, name)
        with _transaction(con):
            last = _run(con, "last_coding", sample=name, coder=coder).fetchone()
            if last is None:
                return None
            _run(con, "delete_coding", sample=name, item_id=last[0], coder=coder)
            return last[0]


def codings(data_dir, name) -> pd.DataFrame:
    """The sample's codings, skips left out: item_id, kind, coder, label, frames (lists), coded_at, origin."""
    with _store(data_dir) as con:
        _require_sample(con, name)
        return _codings(con, name)


def _codings(con, name) -> pd.DataFrame:
    frame = _run(con, "codings", sample=name).df()
    frame["frames"] = [list(f) if isinstance(f, np.ndarray | list) else [] for f in frame["frames"]]
    return frame


def coders(data_dir, name) -> list[str]:
    """Everyone who has coded or skipped an item of the sample."""
    with _store(data_dir) as con:
        _require_sample(con, name)
        return _coders(con, name)


def _coders(con, name) -> list[str]:
    return [row[0] for row in _run(con, "coders", sample=name).fetchall()]


# --- the model's answers, training uses, the report -----------------------------------------------

_PREDICTION_COLUMNS = ("item_id", "kind", "predicted_label", "p_negative", "p_neutral", "p_positive",
                       "predicted_frames", "stance")


def model_predictions(data_dir, name, model_version) -> pd.DataFrame:
    """What `model_version` says of the sample's items: mentions' label and probabilities, articles' leading
    frames and stance (item_id, kind and those columns; items that version has not scored are absent).

    The sample's own version is answered from the copy stored with the sample, any other from the snapshot."""
    with _store(data_dir) as con:
        info = _require_sample(con, name)
        items = _items(con, name)
    return _predictions(data_dir, info, items, model_version)


def _predictions(data_dir, info: SampleInfo, items: pd.DataFrame, model_version) -> pd.DataFrame:
    if model_version == info.model_version:
        found = items
    else:
        parts = []
        try:
            with dashboard_queries.reader(Path(data_dir)) as r:
                for kind, query in (("mention", "sample_mention_predictions"), ("article", "sample_article_predictions")):
                    ids = items.loc[items["kind"] == kind, "item_id"].tolist()
                    if ids:
                        parts.append(r.plain(query, model_version=model_version, ids=ids).assign(kind=kind))
        except dashboard_queries.SnapshotMissing:
            parts = []
        found = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["item_id", "kind"])
    found = found.reindex(columns=list(_PREDICTION_COLUMNS))
    mentions = found["kind"] == "mention"
    scored = ~mentions | found["predicted_label"].notna()
    found = found[scored].reset_index(drop=True)
    found["predicted_frames"] = [list(f) if isinstance(f, np.ndarray | list) else None
                                 for f in found["predicted_frames"]]
    return found


def record_training_use(data_dir, artifact_version, rows: list[tuple]) -> int:
    """Record which coded items (kind, sample, item_id, role 'train'|'holdout') a trained artifact used."""
    if not artifact_version:
        raise CodingsError("a training use needs the artifact's version")
    rows = list(rows)
    for kind, sample, item_id, role in rows:
        _check_kind(kind)
        if role not in ROLES:
            raise CodingsError(f"unknown role {role!r} (expected train or holdout)")
    with _store(data_dir) as con, _transaction(con):
        recorded_at = _now()
        for kind, sample, item_id, role in rows:
            _run(con, "upsert_training_use", artifact_version=artifact_version, kind=kind, sample=sample,
                 item_id=item_id, role=role, recorded_at=recorded_at)
    return len(rows)


def training_roles(data_dir, name, model_version) -> dict[str, str]:
    """{item_id: 'train'|'holdout'} for the sample's items any part of `model_version` (parts joined by '+')
    was trained with or held out from."""
    with _store(data_dir) as con:
        _require_sample(con, name)
        return _training_roles(con, name, model_version)


def _training_roles(con, name, model_version) -> dict[str, str]:
    versions = [v for v in str(model_version or "").split("+") if v]
    return {item_id: role for item_id, role in _run(con, "training_roles", sample=name, versions=versions).fetchall()}


def report(data_dir, name, model_version: str | None = None) -> dict:
    """Reliability between coders and agreement of `model_version` (default: the sample's) with their
    majority, as espejo.reliability computes them; JSON-serialisable."""
    with _store(data_dir) as con:  # one read of the store: items, codings and roles from the same moment
        info = _require_sample(con, name)
        version = model_version or info.model_version
        items = _items(con, name)
        coded = _codings(con, name)
        coder_names = _coders(con, name)
        roles = _training_roles(con, name, version) or None
    predicted = _predictions(data_dir, info, items, version)
    result = {"sample": name, "model_version": version, "sample_model_version": info.model_version,
              "coders": coder_names,
              "training": {role: sum(1 for r in (roles or {}).values() if r == role) for role in ROLES},
              "mentions": None, "articles": None}
    for kind in KINDS:
        kind_items = items.loc[items["kind"] == kind, ["item_id", "direction", "language"]].reset_index(drop=True)
        if kind_items.empty:
            continue
        kind_codings = coded.loc[coded["kind"] == kind].reset_index(drop=True)
        kind_predicted = predicted.loc[predicted["kind"] == kind]
        if kind == "mention":
            result["mentions"] = reliability.mention_report(
                kind_items, kind_codings[["item_id", "coder", "label"]],
                dict(zip(kind_predicted["item_id"], kind_predicted["predicted_label"], strict=True)), roles)
        else:
            result["articles"] = reliability.article_report(
                kind_items, kind_codings[["item_id", "coder", "label", "frames"]],
                dict(zip(kind_predicted["item_id"], kind_predicted["predicted_frames"], strict=True)),
                {i: s for i, s in zip(kind_predicted["item_id"], kind_predicted["stance"], strict=True)
                 if s is not None and not math.isnan(s)},
                info.design.get("frame_keys", []), roles)
    return result


# --- export and import ----------------------------------------------------------------------------


def _cell(value) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_value(value):
    value = _plain(value)
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def export_sample(data_dir, name, out_dir) -> list[Path]:
    """Write <name>.csv (one row per item and coder; items nobody coded once, with an empty coder; usable as an
    import sheet) and <name>.jsonl (the sample's design, filters and model version, then each item with its
    codings) into `out_dir`."""
    info = sample_info(data_dir, name)
    items = _records(sample_items(data_dir, name))
    by_item: dict[str, list[dict]] = {}
    for coding in _records(codings(data_dir, name)):
        by_item.setdefault(coding["item_id"], []).append(coding)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    csv_path, jsonl_path = out / f"{stem}.csv", out / f"{stem}.jsonl"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(EXPORT_COLUMNS))
        writer.writeheader()
        for item in items:
            for coding in by_item.get(item["item_id"]) or [{"coder": None, "label": None, "frames": None}]:
                row = {**item, "coder": coding["coder"], "label": coding["label"], "frames": coding["frames"]}
                writer.writerow({c: _cell(row.get(c)) for c in EXPORT_COLUMNS})
    with jsonl_path.open("w", encoding="utf-8") as handle:
        header = {"sample": {k: _json_value(v) if not isinstance(v, dict) else v for k, v in asdict(info).items()}}
        handle.write(json.dumps(header, ensure_ascii=False) + "\n")
        for item in items:
            line = {k: _json_value(v) for k, v in item.items()}
            line["codings"] = [{k: _json_value(c[k]) for k in ("coder", "label", "frames", "coded_at", "origin")}
                               for c in by_item.get(item["item_id"], [])]
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    return [csv_path, jsonl_path]


def _sheet_rows(path: Path) -> tuple[list[tuple[str, dict]], list[str]]:
    """(where, row) of a CSV or JSON-lines coding sheet, and the problems of the sheet as a whole."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CodingsError(f"{path.name} is not a UTF-8 CSV or JSON-lines file (save a spreadsheet as CSV)") from None
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        rows, problems = [], []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                problems.append(f"line {number}: not JSON ({error.msg})")
                continue
            if not isinstance(record, dict):
                problems.append(f"line {number}: not a JSON object")
            elif isinstance(record.get("sample"), dict):
                continue  # an export's first line: the sample's design
            elif "codings" in record:  # an export's item line
                for coding in record["codings"] or []:
                    rows.append((f"line {number}", {"sample": record.get("sample"), "item_id": record.get("item_id"),
                                                    **coding}))
            else:
                rows.append((f"line {number}", record))
        complete = []
        for where, row in rows:
            absent = [c for c in IMPORT_COLUMNS if c not in row]
            if absent:
                problems.append(f"{where}: missing {', '.join(absent)}")
            else:
                complete.append((where, row))
        return complete, problems
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in IMPORT_COLUMNS if c not in columns]
    if missing:
        return [], [f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                    f"(a sheet needs {', '.join(IMPORT_COLUMNS)}, and frames for articles)"]
    reader.fieldnames = columns
    # Row numbers as a spreadsheet shows them: the header is row 1 (a cell may span lines).
    return [(f"row {number}", row) for number, row in enumerate(reader, start=2)], []


def _frames_cell(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).replace(",", ";").replace("|", ";").split(";") if part.strip()]


def import_codings(data_dir, path, *, frame_keys=None) -> dict:
    """Import a coding sheet (CSV, or JSON lines such as an export): columns sample, item_id, coder, label and,
    for articles, frames ("a;b"). Rows without a label are not codings and are passed over (an export's
    uncoded items). Every bad row is named in ImportRejected, and then nothing is written; else all rows in
    one transaction (a coder's coding of an item replaces theirs). `frame_keys`: the codebook's keys (default:
    those each sample was drawn with). Returns counts."""
    path = Path(path)
    rows, problems = _sheet_rows(path)
    with _store(data_dir) as con:
        names = sorted({str(row.get("sample") or "").strip() for _, row in rows})
        infos = {}
        for name in names:
            with contextlib.suppress(UnknownSample):
                infos[name] = _require_sample(con, name)
        kinds = {(s, i): k for s, i, k in _run(con, "item_kinds", samples=list(infos)).fetchall()}
        good, seen, blank = [], {}, 0
        for where, row in rows:
            sample = str(row.get("sample") or "").strip()
            item_id = str(row.get("item_id") or "").strip()
            coder = str(row.get("coder") or "").strip()
            label = str(row.get("label") or "").strip()
            if not label:
                blank += 1
                continue
            if sample not in infos:
                problems.append(f"{where}: unknown sample {sample!r}")
                continue
            if (sample, item_id) not in kinds:
                problems.append(f"{where}: unknown item {item_id!r} in sample {sample!r}")
                continue
            if not coder:
                problems.append(f"{where}: no coder named for label {label!r}")
                continue
            keys = frame_keys if frame_keys is not None else infos[sample].design.get("frame_keys", [])
            try:
                label, frames = check_coding(kinds[sample, item_id], label, _frames_cell(row.get("frames")), keys)
            except CodingsError as error:
                problems.append(f"{where}: {error}")
                continue
            key = (sample, item_id, coder)
            if key in seen:
                problems.append(f"{where}: duplicate of {seen[key]} (sample {sample!r}, item {item_id!r}, "
                                f"coder {coder!r})")
                continue
            seen[key] = where
            good.append((sample, item_id, coder, label, frames))
        if problems:
            raise ImportRejected(path, problems)
        replaced = 0
        with _transaction(con):
            for sample, item_id, coder, label, frames in good:
                replaced += _run(con, "existing_coding_count", sample=sample, item_id=item_id,
                                 coder=coder).fetchone()[0]
                _upsert(con, sample, item_id, coder, label=label, frames=frames, skipped=False,
                        origin=f"import:{path.name}")
    per_sample = {}
    for sample, *_ in good:
        per_sample[sample] = per_sample.get(sample, 0) + 1
    return {"imported": len(good), "replaced": int(replaced), "without_label": blank, "samples": per_sample}
