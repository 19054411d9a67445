"""`espejo serve`: the nightly flow as a scheduled Prefect deployment.

The end-to-end test starts a real `prefect server start` on a free loopback port and a real
`espejo serve --interval N` over one outlet of the offline news web, then waits until the server's
scheduler has fired a run that completed, in Prefect and in the warehouse. The other tests check
the up-front validation without a server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from espejo.cli import main
from espejo.demo import free_ports, registry_toml
from espejo.flows.serve import (
    NightlyDeployment, NightlySchedule, ServeError, require_prefect_api, serve_nightly, validate_cron,
    validate_timezone,
)
from espejo.newsweb.generate import build_site
from espejo.newsweb.outlets import DEMO_OUTLETS
from espejo.newsweb.server import serve as serve_newsweb
from espejo.warehouse import db

PREFECT = str(Path(sys.executable).with_name("prefect"))
OUTLET = "midwest-ledger"
# A page budget keeps the scheduled run short: a few articles to score instead of the outlet's 35.
PAGE_BUDGET = 10
INTERVAL_S = 15
RUN_DEADLINE_S = 240


# ---------------------------------------------------------------------------------------------
# Validation, without a server


@pytest.mark.parametrize("expression, says", [
    ("0 2 * *", "needs 5 fields"),
    ("0 2 * * * *", "needs 5 fields"),
    ("61 2 * * *", "Invalid cron string"),
    ("0 H * * *", "Invalid cron string"),
])
def test_a_bad_cron_expression_is_refused_clearly(expression, says):
    with pytest.raises(ServeError, match=says):
        validate_cron(expression)


def test_a_bad_timezone_is_refused_with_suggestions():
    with pytest.raises(ServeError, match="unknown timezone 'America/Mexico'.*America/Mexico_City"):
        validate_timezone("America/Mexico")
    validate_timezone("America/Mexico_City")


def test_the_default_schedule_is_two_in_the_morning_in_mexico_city():
    schedule = NightlySchedule().to_prefect()
    assert (schedule.cron, schedule.timezone) == ("0 2 * * *", "America/Mexico_City")
    assert NightlySchedule(cron=None, interval_seconds=30).to_prefect().interval.total_seconds() == 30
    with pytest.raises(ServeError, match="positive"):
        NightlySchedule(cron=None, interval_seconds=0).validate()
    with pytest.raises(ServeError, match="not both"):
        NightlySchedule(cron="0 2 * * *", interval_seconds=30).validate()


def test_the_deployment_passes_the_run_options_to_every_scheduled_run(tmp_path):
    import inspect

    from espejo.flows.nightly import nightly
    from espejo.flows.serve import NightlyDeployment

    deployment = NightlyDeployment(data_dir=tmp_path, source_keys=("a", "b"), scoring="dask",
                                   dask_address="tcp://10.0.0.5:8786")
    parameters = deployment.parameters()
    assert parameters["scoring"] == "dask" and parameters["dask_address"] == "tcp://10.0.0.5:8786"
    assert parameters["source_keys"] == ["a", "b"] and parameters["data_dir"] == str(tmp_path.resolve())
    assert set(parameters) <= set(inspect.signature(nightly.fn).parameters)  # each one a flow parameter


def test_without_an_api_url_serving_says_how_to_start_a_server():
    with pytest.raises(ServeError, match="PREFECT_API_URL is not set") as err:
        require_prefect_api(None)
    assert "prefect server start --host 127.0.0.1" in str(err.value)


def test_a_server_that_does_not_answer_is_reported():
    (port,) = free_ports(1)  # nothing listens there
    with pytest.raises(ServeError, match=f"no Prefect server answers at http://127.0.0.1:{port}/api") as err:
        require_prefect_api(f"http://127.0.0.1:{port}/api", timeout_s=2)
    assert "prefect server start --host 127.0.0.1" in str(err.value)


def test_an_unknown_source_key_fails_before_anything_is_served(tmp_path):
    deployment = NightlyDeployment(data_dir=tmp_path, source_keys=("no-such-outlet",))
    with pytest.raises(ServeError, match="unknown source key"):
        serve_nightly(deployment, api_url="")


def test_the_command_reports_bad_options_and_a_missing_server(tmp_path):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    runner = CliRunner()
    bad_cron = runner.invoke(main, ["serve", "--data-dir", str(tmp_path), "--cron", "0 2 * *"])
    assert bad_cron.exit_code == 2 and "needs 5 fields" in bad_cron.output
    bad_zone = runner.invoke(main, ["serve", "--data-dir", str(tmp_path), "--timezone", "Mexico City"])
    assert bad_zone.exit_code == 2 and "America/Mexico_City" in bad_zone.output
    both = runner.invoke(main, ["serve", "--data-dir", str(tmp_path), "--cron", "0 2 * * *", "--interval", "60"])
    assert both.exit_code == 2 and "not both" in both.output
    with temporary_settings(restore_defaults={PREFECT_API_URL}):  # whatever the developer's shell exports
        no_server = runner.invoke(main, ["serve", "--data-dir", str(tmp_path)])
    assert no_server.exit_code == 2 and "prefect server start --host 127.0.0.1" in no_server.output


# ---------------------------------------------------------------------------------------------
# A schedule fires: real Prefect server, real `espejo serve`, real nightly run


class Process:
    """A command in its own process group, its output kept; `stop` ends the whole group."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path):
        self.log = log
        self._out = log.open("w", encoding="utf-8")
        self.proc = subprocess.Popen(command, stdout=self._out, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)

    def tail(self, lines: int = 40) -> str:
        self._out.flush()
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        try:  # whatever is left of the group: flow-run children, crawlers, the server's workers
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=20)
        self._out.close()


def _wait_until(condition, timeout_s: float, what: str, *watched: Process, phases: dict | None = None):
    started = time.monotonic()
    deadline = started + timeout_s
    while time.monotonic() < deadline:
        for process in watched:
            if process.proc.poll() is not None:
                raise AssertionError(f"{process.log.name} exited ({process.proc.returncode}) while waiting "
                                     f"for {what}:\n{process.tail()}")
        result = condition()
        if result:
            if phases is not None:  # how long each wait took, for the report of a slow or failing run
                phases[what] = round(time.monotonic() - started, 1)
            return result
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}:\n"
                         + "\n---\n".join(p.tail() for p in watched))


@pytest.fixture
def prefect_server(tmp_path, prefect_home):
    (port,) = free_ports(1)
    env = {**os.environ, "PREFECT_HOME": str(prefect_home(tmp_path / "prefect-server")),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
           # The scheduler is what is tested; services this test does not use only add load.
           "PREFECT_SERVER_SERVICES_FOREMAN_ENABLED": "false", "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
           # A short interval would otherwise queue 100 runs at once in the server's SQLite database.
           "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS": "5"}
    env.pop("PREFECT_API_URL", None)
    server = Process([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui",
                      "--no-late-runs"], env, tmp_path / "prefect-server.log")
    api = f"http://127.0.0.1:{port}/api"
    try:
        def healthy():
            try:
                return httpx.get(f"{api}/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        waited: dict[str, float] = {}
        _wait_until(healthy, 120, "the Prefect server's /api/health", server, phases=waited)
        print("seconds waited:", waited)
        yield api
    finally:
        server.stop()


@pytest.fixture
def one_outlet(tmp_path):
    """One outlet of the offline news web on a free port, and a registry naming all nine (only it answers)."""
    site = tmp_path / "newsweb"
    build_site(site)
    ports = dict(zip((o.key for o in DEMO_OUTLETS), free_ports(len(DEMO_OUTLETS))))
    registry = tmp_path / "sources.toml"
    homepage = f'homepage = "http://127.0.0.1:{ports[OUTLET]}/"\n'
    registry.write_text(registry_toml(ports).replace(homepage, homepage + f"max_pages = {PAGE_BUDGET}\n"),
                        encoding="utf-8")
    web = serve_newsweb(site, {OUTLET: ports[OUTLET]}, only=[OUTLET])
    try:
        yield registry
    finally:
        web.stop()


def _post(api: str, path: str, body: dict) -> list[dict]:
    response = httpx.post(f"{api}{path}", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


@pytest.mark.slow
def test_a_scheduled_run_fires_completes_and_lands_in_the_warehouse(tmp_path, prefect_server, one_outlet, models_dir):
    api = prefect_server
    phases: dict[str, float] = {}
    data_dir = tmp_path / "data"
    env = {**os.environ, "PREFECT_API_URL": api, "PREFECT_HOME": str(tmp_path / "prefect-client"),
           "PYTHONUNBUFFERED": "1", "PREFECT_RUNNER_POLL_FREQUENCY": "2"}
    # --source: the registry names nine outlets and only one answers, so a run that ignored the
    # deployment's parameters would crawl failing outlets and not complete cleanly.
    serving = Process([sys.executable, "-m", "espejo.cli", "serve", "--interval", str(INTERVAL_S),
                       "--data-dir", str(data_dir), "--sources", str(one_outlet), "--source", OUTLET,
                       "--name", "schedule-test"], env, tmp_path / "espejo-serve.log")
    try:
        def deployment():
            found = _post(api, "/deployments/filter", {"deployments": {"name": {"any_": ["schedule-test"]}}})
            return found[0] if found else None

        deployed = _wait_until(deployment, 120, "the deployment to be registered", serving, phases=phases)
        schedules = deployed["schedules"]
        assert len(schedules) == 1 and schedules[0]["schedule"]["interval"] == INTERVAL_S
        assert deployed["parameters"]["source_keys"] == [OUTLET]

        def finished_run():
            runs = _post(api, "/flow_runs/filter", {"flow_runs": {"deployment_id": {"any_": [deployed["id"]]}}})
            for run in runs:
                state = run["state"]["type"] if run["state"] else None
                if state in ("FAILED", "CRASHED", "CANCELLED"):
                    raise AssertionError(f"scheduled run {run['name']} ended {state}: {run['state']['message']}\n"
                                         + serving.tail())
                if state == "COMPLETED":
                    return run
            return None

        run = _wait_until(finished_run, RUN_DEADLINE_S, "a scheduled run to complete", serving, phases=phases)
    finally:
        serving.stop()
    print("seconds waited:", phases)

    assert run["deployment_id"] == deployed["id"]
    assert run["auto_scheduled"] is True  # created by the server's scheduler, not by the test
    assert run["parameters"]["data_dir"] == str(data_dir.resolve())
    with db.open_snapshot(data_dir) as con:
        runs = con.execute("SELECT status, sources_ok, sources_failed, articles_new FROM runs").fetchall()
        sources = {row[0] for row in con.execute("SELECT DISTINCT source_key FROM appearances").fetchall()}
    assert any(status == "completed" and ok == 1 and failed == 0 and new >= 2
               for status, ok, failed, new in runs), runs
    assert sources == {OUTLET}
