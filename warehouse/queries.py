"""Named SQL queries, read from the `.sql` files in `warehouse/sql/`.

Each file holds sections that start with `-- name: NAME`; a section may hold several statements.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

import duckdb

_NAME_LINE = re.compile(r"^--\s*name:\s*([a-z0-9_]+)\s*$", re.MULTILINE)
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


@functools.cache
def _sections(filename: str) -> dict[str, str]:
    text = resources.files("espejo.warehouse").joinpath("sql", filename).read_text(encoding="utf-8")
    parts = _NAME_LINE.split(text)
    # parts = [preamble, name1, body1, name2, body2, ...]
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2])}


def sql(filename: str, name: str) -> str:
    try:
        return _sections(filename)[name]
    except KeyError:
        raise KeyError(f"no query named {name!r} in warehouse/sql/{filename}") from None


def statements(filename: str, name: str) -> list[str]:
    """The statements of a section, split on `;` at line ends (our SQL has no `;` inside strings)."""
    body = "\n".join(line for line in sql(filename, name).splitlines() if not line.lstrip().startswith("--"))
    return [stmt.strip() for stmt in re.split(r";\s*$", body, flags=re.MULTILINE) if stmt.strip()]


def bind(sql: str, params: dict) -> dict:
    """Exactly the named parameters ($name) the statement uses (DuckDB refuses unused ones)."""
    wanted = set(_PARAM.findall(sql))
    missing = wanted - params.keys()
    if missing:
        raise KeyError(f"query needs parameters {sorted(missing)}")
    return {k: params[k] for k in wanted}


def read(con: duckdb.DuckDBPyConnection, name: str, params: list | None = None):
    """Run a named query from `read.sql`; returns a pandas DataFrame."""
    return con.execute(sql("read.sql", name), params or []).df()


def scalar(con: duckdb.DuckDBPyConnection, name: str, params: list | None = None):
    return con.execute(sql("read.sql", name), params or []).fetchone()[0]
