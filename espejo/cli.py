"""The `espejo` command. Each command is a thin wrapper over the library; `--help` reads like the README."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import click

from espejo.settings import DATA_DIR_ENV, configure_prefect, resolve_data_dir

DATA_DIR_HELP = f"Folder for the warehouse and run files [default: ${DATA_DIR_ENV}, else ~/.local/share/espejo]."


def data_dir_option(func):
    return click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                        help=DATA_DIR_HELP)(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="espejo")
def main():
    """Espejo: how U.S. news media portray Mexico, and how Mexican news media portray the U.S.

    \b
    Quick start:
      espejo demo                 crawl the bundled offline news web, score it, serve the dashboard
      espejo run                  one nightly run over the sources in the registry
      espejo dashboard            serve the dashboard on http://127.0.0.1:8501
      espejo stats --json         counts of what the warehouse holds
      espejo sources check        validate the source registry
    """


@main.command()
@data_dir_option
@click.option("--no-serve", is_flag=True, help="Run the pipeline, print the counts, and exit without serving the dashboard.")
@click.option("--port", default=8501, show_default=True, help="Port for the dashboard.")
def demo(data_dir, no_serve, port):
    """Run the whole pipeline on the bundled offline news web, then serve the dashboard.

    Builds the offline news web (9 outlets, U.S. and Mexican, on 127.0.0.1:8731-8739), runs the nightly
    flow over it once, publishes the snapshot, and serves the dashboard until Ctrl-C.
    """
    data = resolve_data_dir(data_dir)
    configure_prefect(data)
    from espejo.demo import running_newsweb
    from espejo.flows.nightly import nightly

    started = time.monotonic()
    click.echo(f"Espejo demo: data in {data}")
    with running_newsweb(data) as (site_dir, registry):
        click.echo(f"offline news web built in {site_dir} and served on 127.0.0.1:8731-8739")
        report = nightly(data_dir=str(data), sources_file=str(registry), run_label="demo")
    _print_report(report)
    click.echo(f"demo pipeline took {time.monotonic() - started:.1f} s")
    _print_stats(data)
    if not no_serve:
        _serve_dashboard(data, port)


@main.command()
@data_dir_option
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Source registry file [default: $ESPEJO_SOURCES, else the registry shipped with Espejo].")
@click.option("--only", type=click.Choice(["all", "demo", "real"]), default="all", show_default=True,
              help="Which registry entries to crawl.")
@click.option("--source", "source_keys", multiple=True, help="Crawl only this outlet (repeatable).")
def run(data_dir, sources_file, only, source_keys):
    """One nightly run: crawl each source, load and score what is new, aggregate, publish the snapshot.

    Exits with status 1 when any source failed (the others are still loaded and scored).
    """
    data = resolve_data_dir(data_dir)
    configure_prefect(data)
    from espejo.flows.nightly import nightly

    report = nightly(data_dir=str(data), sources_file=sources_file, only=only,
                     source_keys=list(source_keys) or None, run_label="manual")
    _print_report(report)
    sys.exit(0 if report.status == "completed" else 1)


@main.command()
@data_dir_option
@click.option("--port", default=8501, show_default=True)
def dashboard(data_dir, port):
    """Serve the Streamlit dashboard on http://127.0.0.1:PORT (reads the published snapshot)."""
    _serve_dashboard(resolve_data_dir(data_dir), port)


@main.command()
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def stats(data_dir, as_json):
    """Counts: articles per source country and language, scored mentions per direction, frames, runs."""
    data = resolve_data_dir(data_dir)
    counts = _stats(data)
    if as_json:
        click.echo(json.dumps(counts, sort_keys=True))
    else:
        _echo_stats(counts)


@main.group()
def sources():
    """The source registry (outlets, feeds, sitemaps)."""


@sources.command("check")
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False), default=None,
              help="Registry file [default: $ESPEJO_SOURCES, else the shipped one].")
@click.option("--online", is_flag=True, help="Also request every feed and sitemap and report which answer.")
def sources_check(sources_file, online):
    """Validate the registry; with --online, report which feeds and sitemaps answer."""
    from espejo.spiders.registry import RegistryError, check_online, default_registry_path, load_sources

    path = sources_file or default_registry_path()
    try:
        found = load_sources(path)
    except RegistryError as err:
        click.echo(str(err), err=True)
        sys.exit(2)
    by_country = {c: sum(1 for s in found if s.country == c) for c in ("US", "MX")}
    unverified = sum(1 for s in found if not s.verified)
    click.echo(f"{path}: {len(found)} sources valid (US {by_country['US']}, MX {by_country['MX']}; "
               f"{sum(s.demo for s in found)} demo, {unverified} with unverified feeds)")
    if online:
        checks = check_online(found)
        for c in checks:
            click.echo(f"  {'ok  ' if c.ok else 'FAIL'} {c.source_key:24} {c.detail:28} {c.url}")
        click.echo(f"{sum(c.ok for c in checks)}/{len(checks)} feeds and sitemaps answered")


@main.command("newsweb")
@data_dir_option
def newsweb(data_dir):
    """Serve the offline news web alone on 127.0.0.1:8731-8739 (Ctrl-C stops it)."""
    from espejo.demo import running_newsweb

    data = resolve_data_dir(data_dir)
    with running_newsweb(data) as (site_dir, registry):
        click.echo(f"serving {site_dir}; registry for it: {registry}. Ctrl-C stops.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


def _stats(data: Path) -> dict:
    from espejo.warehouse import db
    from espejo.warehouse.aggregate import warehouse_stats

    with db.open_snapshot(data) as con:
        if con is None:
            return {"articles": {}, "scored_mentions": {"us->mx": 0, "mx->us": 0}, "frames_scored": 0, "runs": 0}
        return warehouse_stats(con).to_dict()


def _echo_stats(counts: dict) -> None:
    for country, languages in sorted(counts["articles"].items()):
        click.echo(f"articles from {country} outlets: " + ", ".join(f"{n} {lang}" for lang, n in sorted(languages.items())))
    for direction, n in counts["scored_mentions"].items():
        click.echo(f"scored mentions {direction}: {n}")
    click.echo(f"frame scores: {counts['frames_scored']}; runs recorded: {counts['runs']}")


def _print_stats(data: Path) -> None:
    _echo_stats(_stats(data))


def _print_report(report) -> None:
    click.echo(f"run {report.run_id}: {report.status}")
    for r in report.sources:
        line = f"  {r.source_key:22} {r.status:6} {r.items:4} items"
        click.echo(line + (f"  ({r.error})" if r.error else ""))
    secs = ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items())
    click.echo(f"  new articles {report.articles_new}, mentions scored {report.mentions_scored}, "
               f"frame scores {report.frames_scored}; {secs}")


def _serve_dashboard(data: Path, port: int) -> None:
    app = Path(__file__).resolve().parent.parent / "dashboards" / "streamlit_app.py"
    if not app.exists():
        from importlib import resources

        app = Path(str(resources.files("espejo.dashboards").joinpath("streamlit_app.py")))
    click.echo(f"Dashboard: http://127.0.0.1:{port}  (Ctrl-C stops it)")
    env = {**os.environ, DATA_DIR_ENV: str(data)}
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port),
               "--browser.gatherUsageStats", "false"]
    try:
        subprocess.run(command, env=env, check=False)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
