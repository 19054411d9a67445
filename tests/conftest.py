"""Shared fixtures. Prefect and Hugging Face are configured for an offline machine before anything imports them."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_SESSION_TMP = Path(tempfile.mkdtemp(prefix="espejo-tests-"))
os.environ["PREFECT_HOME"] = str(_SESSION_TMP / "prefect")
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "120"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
# One rebuilt backbone for the whole session (rebuilding it per test would cost minutes).
os.environ.setdefault("ESPEJO_MODELS_DIR", str(_SESSION_TMP / "models"))

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real labelled data in ../shared (absent on machines that only have the product)."""
    data = SHARED / "data"
    if not data.is_dir():
        pytest.skip(f"../shared/data is not present at {data}: this test measures against real labelled data")
    return data


@pytest.fixture(scope="session")
def models_dir() -> Path:
    from espejo.nlp.backbone import ensure_backbone

    path = Path(os.environ["ESPEJO_MODELS_DIR"])
    ensure_backbone(path)
    return path


def pytest_unconfigure(config):
    # Prefect's temporary server stops at interpreter exit and logs to a console stream pytest has
    # already closed; without this, logging prints a harmless traceback after the test summary.
    import logging

    logging.raiseExceptions = False
