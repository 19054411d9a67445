"""The warehouse exported to partitioned Parquet, for readers that should not (or cannot) open DuckDB files.

`export_parquet(con, DIR)` writes one folder per table with DuckDB's `COPY ... (FORMAT parquet,
PARTITION_BY (...))`: the tables about articles are partitioned by direction and by year and month of
publication (hive layout: `DIR/mentions/direction=us-%3Emx/year=2026/month=3/data_0.parquet`), the small
ones are single files. Everything is written into a temporary folder next to DIR, read back and checked
against the warehouse (row count and a content checksum per table), and only then renamed into place:
a reader finds the previous export or the new one, never half of one. `manifest.json` records the
row counts, checksums, columns, the latest run and the code version.

Read it back with DuckDB (or any Parquet reader that understands hive partitions):
    SELECT * FROM read_parquet('DIR/mentions/**/*.parquet', hive_partitioning = true)
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from espejo.warehouse.db import quote_identifier
from espejo.warehouse.queries import sql

PARTITION_BY_ARTICLE = ("direction", "year", "month")

# Table -> hive partition columns (configuration as data). Queries for partitioned tables are in
# sql/export.sql; other tables are exported whole, unpartitioned.
EXPORTED_TABLES: dict[str, tuple[str, ...]] = {
    "articles": PARTITION_BY_ARTICLE,
    "appearances": PARTITION_BY_ARTICLE,
    "sentences": PARTITION_BY_ARTICLE,
    "mentions": PARTITION_BY_ARTICLE,
    "sentiment_scores": PARTITION_BY_ARTICLE,
    "frame_scores": PARTITION_BY_ARTICLE,
    "analyses": PARTITION_BY_ARTICLE,
    "runs": (),
    "run_sources": (),
    "sources": (),
}
# Bookkeeping, not data.
NOT_EXPORTED = {"schema_migrations"}

MANIFEST = "manifest.json"


class ExportMismatch(RuntimeError):
    """What was read back from the Parquet files differs from the warehouse; nothing was published."""


@dataclass(frozen=True)
class TableExport:
    name: str
    rows: int
    partition_by: tuple[str, ...]
    columns: tuple[str, ...]
    checksum: str


@dataclass
class ExportResult:
    path: Path
    tables: dict[str, TableExport] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables.values())


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: Path, *, code_version: str | None = None) -> ExportResult:
    """Export every table (but bookkeeping) to `out_dir`, replacing a previous export only once complete."""
    started = time.monotonic()
    out_dir = Path(out_dir).resolve()
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / MANIFEST).is_file():
        raise FileExistsError(f"{out_dir} holds files but is not an Espejo export (no {MANIFEST}); not replacing it")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.with_name(f".{out_dir.name}.{os.getpid()}-{secrets.token_hex(3)}.tmp")
    staging.mkdir()
    try:
        tables = _write_tables(con, staging)
        _verify(con, staging, tables)
        latest = con.execute(sql("export.sql", "latest_run")).fetchone()
        manifest = {
            "format": "parquet",
            "layout": "hive partitions",
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "run_id": latest[0] if latest else None,
            "code_version": code_version or _code_version(),
            "read_with": "SELECT * FROM read_parquet('<dir>/<table>/**/*.parquet', hive_partitioning = true)",
            "checksum": "count, then bit_xor and sum of DuckDB hash(columns...) over the rows, as hex",
            "tables": {t.name: {"rows": t.rows, "partition_by": list(t.partition_by), "columns": list(t.columns),
                                "checksum": t.checksum, "files": f"{t.name}/**/*.parquet"}
                       for t in tables.values()},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _publish(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportResult(out_dir, tables, time.monotonic() - started)


def table_checksum(con: duckdb.DuckDBPyConnection, relation: str, columns: tuple[str, ...]) -> tuple[int, str]:
    """(rows, checksum) of `relation` over `columns`: equal content gives equal checksums, in any row order."""
    cols = ", ".join(quote_identifier(c) for c in columns)
    rows, xor, total = con.execute(
        f"SELECT count(*), coalesce(bit_xor(hash({cols})), 0), coalesce(sum(hash({cols})), 0) FROM {relation}"
    ).fetchone()
    return int(rows), f"{int(xor):016x}-{int(total) % 2**64:016x}"


def parquet_relation(export_dir: Path, table: str) -> str:
    """The `read_parquet(...)` expression that reads one exported table back."""
    pattern = str(Path(export_dir) / table / "**" / "*.parquet").replace("'", "''")
    return f"read_parquet('{pattern}', hive_partitioning = true)"


def _write_tables(con: duckdb.DuckDBPyConnection, staging: Path) -> dict[str, TableExport]:
    existing = [row[0] for row in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = 'main' AND NOT temporary ORDER BY table_name").fetchall()]
    names = [t for t in EXPORTED_TABLES if t in existing] + [
        t for t in existing if t not in EXPORTED_TABLES and t not in NOT_EXPORTED]
    if "articles" in existing:
        con.execute(sql("export.sql", "article_keys"))
    tables = {}
    for name in names:
        partition_by = EXPORTED_TABLES.get(name, ())
        query = sql("export.sql", name) if partition_by else f"SELECT * FROM {quote_identifier(name)}"
        columns = tuple(row[0] for row in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database()"
            " AND schema_name = 'main' AND table_name = ? ORDER BY column_index", [name]).fetchall())
        rows, checksum = table_checksum(con, quote_identifier(name), columns)
        target = staging / name
        if partition_by and rows:
            con.execute(f"COPY ({query}) TO '{_sql_path(target)}' (FORMAT parquet, PARTITION_BY ("
                        + ", ".join(quote_identifier(c) for c in partition_by) + "))")
        else:
            # Partitioning writes no file for no rows; one empty file keeps the table readable.
            target.mkdir()
            con.execute(f"COPY ({query}) TO '{_sql_path(target / 'data_0.parquet')}' (FORMAT parquet)")
        tables[name] = TableExport(name, rows, partition_by, columns, checksum)
    return tables


def _verify(con: duckdb.DuckDBPyConnection, staging: Path, tables: dict[str, TableExport]) -> None:
    for table in tables.values():
        rows, checksum = table_checksum(con, parquet_relation(staging, table.name), table.columns)
        if (rows, checksum) != (table.rows, table.checksum):
            raise ExportMismatch(f"{table.name}: warehouse {table.rows} rows ({table.checksum}), "
                                 f"Parquet {rows} rows ({checksum})")


def _publish(staging: Path, out_dir: Path) -> None:
    """Rename the finished export into place; a previous one is moved aside first, then removed."""
    if out_dir.exists() and not any(out_dir.iterdir()):
        out_dir.rmdir()
    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    retired = out_dir.with_name(f".{out_dir.name}.{os.getpid()}-{secrets.token_hex(3)}.old")
    os.replace(out_dir, retired)
    os.replace(staging, out_dir)
    shutil.rmtree(retired, ignore_errors=True)


def _code_version() -> str:
    from espejo.settings import code_version

    return code_version()


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
