"""What every run does around its own work (nightly, backfill, rescore): hold the data folder's lock, name
the run, record that it started, and at the end rebuild the dashboard's tables, record how it ended and
publish the snapshot. Each flow imports these from here, so no flow reaches into another.
"""

from __future__ import annotations

import contextlib
import fcntl
import secrets
from datetime import UTC, datetime
from pathlib import Path

from prefect import get_run_logger

from espejo.dashboards.filters import topic_patterns
from espejo.nlp.scoring import load_codebook
from espejo.settings import code_version
from espejo.warehouse import db, load
from espejo.warehouse.aggregate import rebuild_aggregates


class RunInProgress(RuntimeError):
    """Another run holds this data folder."""


@contextlib.contextmanager
def run_lock(data_dir: Path):
    """One run at a time per data folder. The OS drops the lock when a killed run's process dies."""
    path = Path(data_dir) / "run.lock"
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunInProgress(f"another Espejo run is using {data_dir} (lock {path})") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def begin_run(con, run_id: str, model_version: str) -> None:
    """Record a run as started, after marking runs a kill left "running" as interrupted."""
    for stale in load.mark_interrupted_runs(con):
        get_run_logger().warning("run %s was interrupted before it finished; its stored work is kept", stale)
    load.start_run(con, run_id, code_version(), model_version)


def rebuild_dashboard_tables(con) -> None:
    """Rebuild the aggregates with what they materialise from outside the warehouse: the dashboard's topics
    (dashboards/topics.toml) and the frame labels of the codebook (nlp/frames.toml)."""
    # Read here, where every layer may be imported: the warehouse imports neither the dashboard nor nlp.
    rebuild_aggregates(
        con,
        topics=topic_patterns(),
        frame_labels={frame.key: (frame.label_en, frame.label_es) for frame in load_codebook().frames},
    )


def finish_and_publish(con, data: Path, run_id: str, status: str, **counts) -> None:
    """Rebuild the dashboard's aggregates, record how the run ended, and publish the snapshot."""
    rebuild_dashboard_tables(con)
    load.finish_run(con, run_id, status, **counts)
    db.publish_snapshot(con, data)
