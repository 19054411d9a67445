"""Serve the nightly flow as a Prefect deployment on a schedule (`espejo serve`).

Schedules are fired by a Prefect *server's* scheduler, so serving needs a running server
(`prefect server start`) and `PREFECT_API_URL` pointing at it. The temporary server Prefect starts
when no API is configured lives only as long as one process and runs no scheduler: serving against
it would register a schedule that never fires, so `serve_nightly` refuses and says what to start.
"""

from __future__ import annotations

import datetime as dt
import difflib
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "America/Mexico_City"
DEFAULT_DEPLOYMENT_NAME = "espejo"
SERVER_HELP = (
    "Start one in another terminal and point Espejo at it:\n"
    "  prefect server start --host 127.0.0.1 --port 4200\n"
    "  export PREFECT_API_URL=http://127.0.0.1:4200/api"
)
CRON_FIELDS = ("minute", "hour", "day of month", "month", "day of week")


class ServeError(RuntimeError):
    """Serving cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class NightlySchedule:
    """When the nightly run fires: a cron expression in a timezone, or every `interval_seconds`."""

    cron: str | None = DEFAULT_CRON
    timezone: str = DEFAULT_TIMEZONE
    interval_seconds: float | None = None

    def validate(self) -> None:
        validate_timezone(self.timezone)
        if self.interval_seconds is not None:
            if self.cron is not None:
                raise ServeError("give either a cron expression or an interval, not both")
            if self.interval_seconds <= 0:
                raise ServeError(f"the interval must be a positive number of seconds, not {self.interval_seconds:g}")
        elif self.cron is None:
            raise ServeError("give a cron expression or an interval")
        else:
            validate_cron(self.cron, self.timezone)

    def to_prefect(self):
        """The `prefect.schedules.Schedule` for this schedule (validated first)."""
        from prefect.schedules import Cron, Interval

        self.validate()
        if self.interval_seconds is not None:
            return Interval(dt.timedelta(seconds=self.interval_seconds), timezone=self.timezone)
        return Cron(self.cron, timezone=self.timezone)

    def describe(self) -> str:
        if self.interval_seconds is not None:
            return f"every {self.interval_seconds:g} s"
        return f"cron '{self.cron}' ({self.timezone})"


@dataclass(frozen=True)
class NightlyDeployment:
    """What `espejo serve` registers: the nightly flow, its schedule and the parameters of every run."""

    data_dir: Path
    schedule: NightlySchedule = field(default_factory=NightlySchedule)
    sources_file: Path | None = None
    only: str = "all"
    source_keys: tuple[str, ...] = ()
    name: str = DEFAULT_DEPLOYMENT_NAME
    scoring: str = "local"  # or "dask" (docs/scaling.md)
    dask_address: str | None = None
    dask_workers: int = 2

    def parameters(self) -> dict:
        # Absolute paths: the runs execute in the serving process's children, whatever their working folder.
        return {
            "data_dir": str(Path(self.data_dir).resolve()),
            "sources_file": str(Path(self.sources_file).resolve()) if self.sources_file else None,
            "only": self.only,
            "source_keys": list(self.source_keys) or None,
            "run_label": "scheduled",
            "scoring": self.scoring,
            "dask_address": self.dask_address,
            "dask_workers": self.dask_workers,
        }


def validate_timezone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(name, sorted(zoneinfo.available_timezones()), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ServeError(
            f"unknown timezone {name!r}: give an IANA name such as America/Mexico_City, "
            f"America/New_York or UTC.{hint}"
        ) from None


def validate_cron(expression: str, timezone: str = "UTC") -> None:
    fields = expression.split()
    if len(fields) != len(CRON_FIELDS):
        raise ServeError(
            f"invalid cron expression {expression!r}: it needs {len(CRON_FIELDS)} fields "
            f"({', '.join(CRON_FIELDS)}), e.g. '0 2 * * *' for 02:00 every day"
        )
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:  # Prefect's own check, so what passes here is what the server accepts
        CronSchedule(cron=expression, timezone=timezone)
    except ValidationError as err:
        reason = "; ".join(e["msg"].removeprefix("Value error, ") for e in err.errors())
        raise ServeError(f"invalid cron expression {expression!r}: {reason}") from None


def configured_api_url() -> str | None:
    """The Prefect API this process would use (`PREFECT_API_URL`, or the active Prefect profile)."""
    from prefect.settings import get_current_settings

    return get_current_settings().api.url


def require_prefect_api(api_url: str | None, timeout_s: float = 5.0) -> str:
    """The API URL, once a server answers its health check there; a ServeError saying what to start otherwise."""
    if not api_url:
        raise ServeError(
            "no Prefect server is configured (PREFECT_API_URL is not set). Schedules are fired by a "
            "running Prefect server's scheduler, so `espejo serve` needs one.\n" + SERVER_HELP
        )
    import httpx

    health = api_url.rstrip("/") + "/health"
    try:
        response = httpx.get(health, timeout=timeout_s)
        response.raise_for_status()
    except httpx.HTTPError as err:
        raise ServeError(
            f"no Prefect server answers at {api_url} ({health}: {err or type(err).__name__}). "
            "Is it running?\n" + SERVER_HELP
        ) from None
    return api_url


def check_sources(deployment: NightlyDeployment) -> int:
    """Load the registry and select the sources now, so a typo fails here and not at 02:00."""
    from espejo.flows.nightly import select_sources
    from espejo.spiders.registry import load_sources

    try:
        return len(select_sources(load_sources(deployment.sources_file), deployment.only,
                                  list(deployment.source_keys) or None))
    except ValueError as err:  # RegistryError is a ValueError too
        raise ServeError(str(err)) from None


def serve_nightly(deployment: NightlyDeployment, api_url: str | None = None,
                  echo: Callable[[str], None] = print) -> None:
    """Register the nightly deployment and run its scheduled flow runs until interrupted.

    One run at a time: a run that falls due while another is running waits for it (two runs would
    also contend for the data folder's lock). Stopping the server pauses the schedule.
    """
    schedule = deployment.schedule.to_prefect()
    n_sources = check_sources(deployment)
    api = require_prefect_api(api_url if api_url is not None else configured_api_url())

    from prefect.deployments.runner import EntrypointType

    from espejo.flows.nightly import nightly

    parameters = deployment.parameters()
    echo(f"serving nightly/{deployment.name}: {deployment.schedule.describe()}, {n_sources} sources, "
         f"data in {parameters['data_dir']}; Prefect API {api}; runs at {_ui_url(api)}/runs (Ctrl-C stops)")
    nightly.serve(
        name=deployment.name,
        schedule=schedule,
        parameters=parameters,
        description="Espejo's nightly run: crawl, load and score what is new, aggregate, publish the snapshot.",
        limit=1,
        pause_on_shutdown=True,
        # The flow is imported from the installed package, not from a file path relative to the working folder.
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


def _ui_url(api_url: str) -> str:
    return api_url.rstrip("/").removesuffix("/api")
