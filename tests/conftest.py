"""Shared fixtures. Prefect and Hugging Face are configured for an offline machine before anything imports them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

_SESSION_TMP = Path(tempfile.mkdtemp(prefix="espejo-tests-"))
# `make test` runs pytest-xdist workers, two on two cores. The cores are split between them for torch:
# two workers with a thread per core each would fight over the cores (and spin while waiting for them).
_XDIST_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID")
if _XDIST_RUN:
    _threads = str(max(1, len(os.sched_getaffinity(0)) // int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))))
    os.environ.setdefault("ESPEJO_TORCH_THREADS", _threads)
    os.environ.setdefault("OMP_NUM_THREADS", _threads)
os.environ["PREFECT_HOME"] = str(_SESSION_TMP / "prefect")
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "120"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
def _shared_models_dir(testrunuid: str) -> Path:
    return Path(tempfile.gettempdir()) / f"espejo-tests-models-{testrunuid}"


# One rebuilt backbone for the whole session (rebuilding it per test would cost minutes), shared by the
# workers of one xdist run (the first builds it, the other waits on its lock).
os.environ.setdefault("ESPEJO_MODELS_DIR", str(_shared_models_dir(_XDIST_RUN) if _XDIST_RUN else _SESSION_TMP / "models"))

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
PREFECT = str(Path(sys.executable).with_name("prefect"))


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


@pytest.fixture(scope="session")
def prefect_db(tmp_path_factory) -> Path:
    """A Prefect database with every migration applied, made once per session.

    A Prefect server started on an empty PREFECT_HOME first spends about ten seconds creating and migrating
    its database. This one becomes the database of the test process's own temporary server (PREFECT_HOME
    above) unless a flow has already run, which is why fixtures that run flows ask for it; `prefect_home`
    copies it for the Prefect processes tests start.
    """
    template = tmp_path_factory.mktemp("prefect-migrated")
    subprocess.run([PREFECT, "server", "database", "upgrade", "-y"],
                   env={**os.environ, "PREFECT_HOME": str(template)}, check=True, capture_output=True, timeout=300)
    migrated = template / "prefect.db"
    _copy_unless_present(migrated, Path(os.environ["PREFECT_HOME"]))
    return migrated


def _copy_unless_present(database: Path, home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    if not (home / database.name).exists():  # a database in use stays as it is
        shutil.copy(database, home / database.name)
    return home


@pytest.fixture(scope="session")
def prefect_home(prefect_db):
    """Make a folder a PREFECT_HOME whose database is already migrated: `prefect_home(path) -> path`.

    For the Prefect processes tests start (`espejo run`, `prefect server start`): each gets a home of its own.
    """
    return lambda path: _copy_unless_present(prefect_db, path)


@dataclass(frozen=True)
class NewsWeb:
    """The offline news web as this session serves it."""

    site_dir: Path
    ports: dict[str, int]  # outlet key -> the free loopback port it answers on
    registry: Path  # a source registry naming all nine outlets at those ports

    def registry_for(self, keys, path: Path) -> Path:
        """Write a registry naming only the outlets `keys` to `path`."""
        from espejo.demo import registry_toml

        blocks = registry_toml(self.ports).split("[[source]]")[1:]
        chosen = [b for b in blocks if any(f'key = "{key}"\n' in b for key in keys)]
        assert len(chosen) == len(keys), keys
        path.write_text("".join("[[source]]" + b for b in chosen), encoding="utf-8")
        return path


@pytest.fixture(scope="session")
def news_web(tmp_path_factory) -> NewsWeb:
    """The offline news web, built once and served on free loopback ports for the whole session."""
    from espejo.demo import free_ports, running_newsweb
    from espejo.newsweb.outlets import DEMO_OUTLETS

    ports = dict(zip((o.key for o in DEMO_OUTLETS), free_ports(len(DEMO_OUTLETS))))
    with running_newsweb(tmp_path_factory.mktemp("newsweb"), ports) as (site_dir, registry):
        yield NewsWeb(site_dir, ports, registry)


_CONTENT_TABLES = ("articles", "appearances", "sentences", "mentions", "sentiment_scores", "frame_scores", "analyses")


def _table_counts(data_dir: Path) -> dict[str, int]:
    from espejo.warehouse import db

    with db.connect(data_dir) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _CONTENT_TABLES + ("runs",)}


@pytest.fixture(scope="session")
def nightly_warehouse(tmp_path_factory, models_dir, prefect_db, news_web) -> dict:
    """The session's one nightly run over the whole offline news web, then a second one that must add nothing.

    The first night's registry names the nine outlets and one more that answers HTTP 500 to everything; the
    second night's the nine. Tests only read the
    data folder; one that needs to write copies it first. Returns the data folder, both run reports, the
    table counts after each run and the site's manifest (its URLs at this session's ports).
    """
    from espejo.flows.nightly import nightly
    from espejo.newsweb.outlets import OUTLETS_BY_KEY
    from espejo.newsweb.server import serve_broken

    data_dir = tmp_path_factory.mktemp("nightly")
    failing = serve_broken()  # only the first night names it
    try:
        port = failing.ports["broken"]
        # The failing outlet comes first: its retries then overlap the other outlets' crawls.
        registry = data_dir / "sources.toml"
        registry.write_text(
            '[[source]]\nkey = "failing-outlet"\nname = "Failing Outlet"\ncountry = "US"\nlanguage = "en"\n'
            f'homepage = "http://127.0.0.1:{port}/"\nfeeds = ["http://127.0.0.1:{port}/feed.xml"]\n'
            'allowed_domains = ["127.0.0.1"]\n\n' + news_web.registry.read_text(encoding="utf-8"), encoding="utf-8")
        first = nightly(data_dir=str(data_dir), sources_file=str(registry), run_label="test-1")
    finally:
        failing.stop()
    after_first = _table_counts(data_dir)
    # The second night without the failing outlet: its retries (seconds of waiting) were the second
    # run's longest part, and what it shows (a failure recorded) the first night already shows.
    second = nightly(data_dir=str(data_dir), sources_file=str(news_web.registry), run_label="test-2")
    after_second = _table_counts(data_dir)
    manifest = json.loads((news_web.site_dir / "manifest.json").read_text(encoding="utf-8"))
    # The manifest names the default ports; this session serves each outlet on a free one.
    for article in manifest["articles"]:
        default = f"127.0.0.1:{OUTLETS_BY_KEY[article['outlet']].port}/"
        article["url"] = article["url"].replace(default, f"127.0.0.1:{news_web.ports[article['outlet']]}/")
    return {"data_dir": data_dir, "first": first, "second": second, "manifest": manifest,
            "after_first": after_first, "after_second": after_second}


# `make test` hands whole test files to its xdist workers (`--dist loadfile`): a module's fixtures are
# made once. The modules that read the session's nightly run over the whole news web go to one worker
# together, so that run is made once; and the longest files start first, so they do not make the tail.
# How long each file takes comes from tests/file_seconds.json (`make test-seconds` rewrites it); a file
# missing there is weighed by its number of end-to-end (`slow`) tests, after the ones timed.
_SHARED_NIGHTLY_MODULES = ("tests/test_pipeline.py", "tests/test_scale.py")
FILE_SECONDS = Path(__file__).with_name("file_seconds.json")


def _scope_of(nodeid: str) -> str:
    path = nodeid.partition("::")[0]
    return _SHARED_NIGHTLY_MODULES[0] if path in _SHARED_NIGHTLY_MODULES else path


def _recorded_file_seconds() -> dict[str, float]:
    try:
        return {str(k): float(v) for k, v in json.loads(FILE_SECONDS.read_text(encoding="utf-8")).items()}
    except (OSError, ValueError, AttributeError):
        return {}  # no timings (or unreadable ones): every file is weighed by its slow tests


def pytest_addoption(parser):
    parser.addoption("--record-file-seconds", action="store_true",
                     help=f"write each test file's seconds (setup, call, teardown) into {FILE_SECONDS.name}")


def pytest_collection_modifyitems(config, items):
    recorded = _recorded_file_seconds()
    scopes = [_scope_of(item.nodeid) for item in items]
    seconds: dict[str, float] = {}
    slow: dict[str, int] = {}
    first_seen: dict[str, int] = {}
    for index, (scope, item) in enumerate(zip(scopes, items)):
        if scope not in first_seen:
            first_seen[scope] = index
            seconds[scope] = sum(t for path, t in recorded.items() if _scope_of(path) == scope)
        slow[scope] = slow.get(scope, 0) + (item.get_closest_marker("slow") is not None)
    order = sorted(range(len(items)), key=lambda i: (-seconds[scopes[i]], -slow[scopes[i]], first_seen[scopes[i]]))
    items[:] = [items[i] for i in order]


_seconds_by_file: dict[str, float] = {}


def pytest_runtest_logreport(report):
    # Under xdist the controller receives every worker's reports: the sums cover the whole run.
    path = report.nodeid.partition("::")[0]
    _seconds_by_file[path] = _seconds_by_file.get(path, 0.0) + report.duration


def pytest_sessionfinish(session, exitstatus):
    if session.config.getoption("record_file_seconds") and not os.environ.get("PYTEST_XDIST_WORKER") \
            and _seconds_by_file:
        # Files this run did not touch keep their earlier timings: a run of a few files updates those.
        timed = {**_recorded_file_seconds(), **{path: round(t, 1) for path, t in _seconds_by_file.items()}}
        FILE_SECONDS.write_text(json.dumps(dict(sorted(timed.items())), indent=1) + "\n", encoding="utf-8")


@pytest.hookimpl(optionalhook=True)  # an xdist hook: without xdist installed pytest must not ask for it
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedNightlyScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _scope_of(nodeid)

    return SharedNightlyScheduling(config, log)


_workers_models_dirs: set[Path] = set()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    # The xdist controller notes the workers' shared backbone folder (470 MB) to remove it at the end.
    _workers_models_dirs.add(_shared_models_dir(node.workerinput["testrunuid"]))


def pytest_unconfigure(config):
    for path in _workers_models_dirs:
        shutil.rmtree(path, ignore_errors=True)
    # Prefect's temporary server stops at interpreter exit and logs to a console stream pytest has
    # already closed; without this, logging prints a harmless traceback after the test summary.
    import logging

    logging.raiseExceptions = False
