"""Opening the warehouse, applying its recorded migrations, and publishing the dashboard's snapshot.

Only `espejo.warehouse` imports duckdb. A DuckDB file that one process writes cannot be opened by any
other process, not even read-only, so readers (the dashboard) never open the working file: the pipeline
publishes a copy, `snapshot.duckdb`, by writing it next to its final place and renaming it over the old one.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import threading
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import duckdb

WAREHOUSE_FILE = "espejo.duckdb"
SNAPSHOT_FILE = "snapshot.duckdb"

_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


def warehouse_path(data_dir: Path) -> Path:
    return Path(data_dir) / WAREHOUSE_FILE


def snapshot_path(data_dir: Path) -> Path:
    return Path(data_dir) / SNAPSHOT_FILE


@functools.cache  # read once per process: the codings store is opened (and migrated) on every coding
def migrations(folder: str = "migrations") -> tuple[tuple[int, str, str], ...]:
    """(version, name, sql) of every migration shipped with Espejo in `folder` (of espejo.warehouse), in order."""
    found = []
    for entry in resources.files("espejo.warehouse").joinpath(folder).iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return tuple(sorted(found))


def migrate(con: duckdb.DuckDBPyConnection, *, folder: str = "migrations",
            version_table: str = "schema_migrations") -> list[int]:
    """Apply the migrations of `folder` this database has not seen yet; return the versions applied.

    Each series records what it applied in a table of its own: the warehouse's `migrations` in
    schema_migrations, the codings store's `codings_migrations` in its own table."""
    table = quote_identifier(version_table)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {table} ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    done = {row[0] for row in con.execute(f"SELECT version FROM {table}").fetchall()}
    applied = []
    for version, name, sql in migrations(folder):
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(f"INSERT INTO {table} VALUES (?, ?, current_timestamp)", [version, name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied


@contextlib.contextmanager
def connect(data_dir: Path, *, retries: int = 20, wait_s: float = 0.5) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the working warehouse read-write (migrated), retrying while another writer holds it."""
    with connect_file(warehouse_path(data_dir), retries=retries, wait_s=wait_s) as con:
        yield con


@contextlib.contextmanager
def connect_file(path: Path, *, folder: str = "migrations", version_table: str = "schema_migrations",
                 retries: int = 20, wait_s: float = 0.5) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open a DuckDB file read-write, migrated with the series in `folder`, retrying while another
    process holds it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(retries):
        try:
            con = duckdb.connect(str(path))
            break
        except duckdb.IOException:
            # Another Espejo process (a run, a rescore, a coder) holds the file; it lets go when it finishes.
            if attempt == retries - 1:
                raise
            time.sleep(wait_s)
    try:
        migrate(con, folder=folder, version_table=version_table)
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def connect_memory() -> Iterator[duckdb.DuckDBPyConnection]:
    """A migrated in-memory warehouse (tests, dry runs)."""
    con = duckdb.connect(":memory:")
    try:
        migrate(con)
        yield con
    finally:
        con.close()


def publish_snapshot(con: duckdb.DuckDBPyConnection, data_dir: Path) -> Path:
    """Copy the warehouse to `snapshot.duckdb` atomically, so readers see either the old or the new one."""
    final = snapshot_path(data_dir)
    tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    con.execute(f"ATTACH '{_sql_path(tmp)}' AS snapshot_out")
    try:
        con.execute("COPY FROM DATABASE " + _current_database(con) + " TO snapshot_out")
    finally:
        con.execute("DETACH snapshot_out")
    os.replace(tmp, final)
    return final


@contextlib.contextmanager
def open_snapshot(data_dir: Path) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """Open the published snapshot read-only for one unit of work; None when nothing is published yet."""
    path = snapshot_path(data_dir)
    if not path.exists():
        yield None
        return
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


# Read-only connections to published snapshots, kept open between units of work: opening and closing a
# 2 GB snapshot costs 50–200 ms a time on 2 busy cores (issue 4), a cursor on an open one about 1 ms.
# Each is keyed by the file's identity, so a newly published snapshot (a new file renamed into place)
# gets a new connection and never an old one. The file is ATTACHed to a private in-memory database rather
# than opened with duckdb.connect(path), whose per-path instance cache would hand back the old file while
# any cursor on it is still open. A replaced connection is dropped, not closed: close() would close the
# cursors other threads still read with; it closes once unreferenced and they are done.
_HELD_SNAPSHOTS: dict[Path, tuple[tuple[int, int, int], duckdb.DuckDBPyConnection]] = {}
_HELD_LOCK = threading.Lock()
_HELD_MAX = 4  # data folders held at once (tests open many; the dashboard one)


@contextlib.contextmanager
def snapshot_cursor(data_dir: Path) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A cursor on the current published snapshot for one unit of work; None when nothing is published.

    Thread-safe: each unit of work gets its own cursor (DuckDB's per-thread connection) on a shared
    read-only connection to the snapshot as it is now."""
    path = snapshot_path(data_dir).resolve()
    try:
        stat = path.stat()
    except FileNotFoundError:
        yield None
        return
    identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    with _HELD_LOCK:
        held = _HELD_SNAPSHOTS.pop(path, None)
        if held is not None and held[0] != identity:
            held = None
        if held is None:
            con = duckdb.connect(":memory:")
            con.execute(f"ATTACH '{_sql_path(path)}' AS snapshot (READ_ONLY)")
            held = (identity, con)
        _HELD_SNAPSHOTS[path] = held  # (re)inserted last: the dict's order is least recently used first
        while len(_HELD_SNAPSHOTS) > _HELD_MAX:
            del _HELD_SNAPSHOTS[next(iter(_HELD_SNAPSHOTS))]
        cursor = held[1].cursor()
    try:
        cursor.execute("USE snapshot")  # a cursor starts in the in-memory database
        yield cursor
    finally:
        cursor.close()


def _current_database(con: duckdb.DuckDBPyConnection) -> str:
    return quote_identifier(con.execute("SELECT current_database()").fetchone()[0])


def quote_identifier(name: str) -> str:
    """The one place identifiers are quoted; values are always bound as parameters."""
    return '"' + name.replace('"', '""') + '"'


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
