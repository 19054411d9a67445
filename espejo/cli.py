"""The `espejo` command. Each command is a thin wrapper over the library; `--help` reads like the README."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import click

from espejo.settings import DATA_DIR_ENV, MODELS_DIR_DEFAULT, MODELS_DIR_ENV, configure_prefect, resolve_data_dir

DATA_DIR_HELP = f"Folder for the warehouse and run files [default: ${DATA_DIR_ENV}, else ~/.local/share/espejo]."
MODELS_DIR_HELP = f"Where the e5 backbone is (re)built [default: ${MODELS_DIR_ENV}, else {MODELS_DIR_DEFAULT}]."


def data_dir_option(func):
    return click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                        help=DATA_DIR_HELP)(func)


def models_dir_option(func):
    return click.option("--models-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                        help=MODELS_DIR_HELP)(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="espejo")
def main():
    """Espejo: how U.S. news media portray Mexico, and how Mexican news media portray the U.S.

    \b
    Quick start:
      espejo demo                 crawl the bundled offline news web, score it, serve the dashboard
      espejo run                  one nightly run over the sources in the registry
      espejo serve                run the nightly flow on a schedule (needs `prefect server start`)
      espejo dashboard            serve the dashboard on http://127.0.0.1:8501
      espejo stats --json         counts of what the warehouse holds
      espejo sources check        validate the source registry
      espejo backfill --warc FILE ingest WARC files (e.g. Common Crawl's CC-NEWS) the same way
      espejo rescore --model NAME score the stored articles with another model version
      espejo export --parquet DIR the warehouse as partitioned Parquet, for other readers
      espejo codings sample ...   a sample to code by hand; `codings report` for alpha and F1
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


def run_options(func):
    """The options of one nightly run, shared by `espejo run` and `espejo serve` (whose runs use them)."""
    options = [
        data_dir_option,
        click.option("--sources", "sources_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
                     default=None,
                     help="Source registry file [default: $ESPEJO_SOURCES, else the registry shipped with Espejo]."),
        click.option("--only", type=click.Choice(["all", "demo", "real"]), default="all", show_default=True,
                     help="Which registry entries to crawl."),
        click.option("--source", "source_keys", multiple=True, help="Crawl only this outlet (repeatable)."),
        click.option("--scoring", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                     help="Score in this process, or on a Dask cluster (docs/scaling.md)."),
        click.option("--dask-address", default=None,
                     help="With --scoring dask: an existing scheduler, e.g. tcp://host:8786."),
        click.option("--dask-workers", default=2, show_default=True,
                     help="With --scoring dask and no address: worker processes of the temporary local cluster."),
        click.option("--redis-url", default=None,
                     help="Crawl through scrapy-redis's queue and dupefilter at this URL "
                          "[default: $ESPEJO_REDIS_URL, else in memory]."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _use_redis(redis_url: str | None) -> None:
    if redis_url:
        from espejo.spiders.distributed import REDIS_URL_ENV

        os.environ[REDIS_URL_ENV] = redis_url  # the crawl subprocesses read it


@main.command()
@run_options
def run(data_dir, sources_file, only, source_keys, scoring, dask_address, dask_workers, redis_url):
    """One nightly run: crawl each source, load and score what is new, aggregate, publish the snapshot.

    Exits with status 1 when any source failed (the others are still loaded and scored).
    """
    data = resolve_data_dir(data_dir)
    configure_prefect(data)
    _use_redis(redis_url)
    from espejo.flows.nightly import nightly

    report = nightly(data_dir=str(data), sources_file=str(sources_file) if sources_file else None, only=only,
                     source_keys=list(source_keys) or None, run_label="manual",
                     scoring=scoring, dask_address=dask_address, dask_workers=dask_workers)
    _print_report(report)
    sys.exit(0 if report.status == "completed" else 1)


@main.command()
@run_options
@click.option("--cron", default=None,
              help="When to run, as a 5-field cron expression (minute hour day month weekday) "
                   "[default: '0 2 * * *', 02:00 every day].")
@click.option("--timezone", default="America/Mexico_City", show_default=True,
              help="IANA timezone the cron expression is read in.")
@click.option("--interval", type=float, default=None,
              help="Run every N seconds instead of on a cron schedule.")
@click.option("--name", default="espejo", show_default=True,
              help="Deployment name; the Prefect UI shows it as nightly/NAME.")
def serve(data_dir, sources_file, only, source_keys, scoring, dask_address, dask_workers, redis_url,
          cron, timezone, interval, name):
    """Run the nightly flow on a schedule: registers a Prefect deployment and runs its runs until Ctrl-C.

    \b
    Needs a Prefect server, whose scheduler fires the runs:
      prefect server start --host 127.0.0.1 --port 4200
      export PREFECT_API_URL=http://127.0.0.1:4200/api
      espejo serve

    Runs appear in the Prefect UI at http://127.0.0.1:4200 and on the dashboard's runs page. One run
    at a time; a run killed mid-way is resumed by the next one. Stopping `espejo serve` pauses the
    schedule; serving again resumes it.
    """
    data = resolve_data_dir(data_dir)
    configure_prefect(data)
    _use_redis(redis_url)  # the scheduled runs are this process's children: they inherit it
    from espejo.flows.serve import DEFAULT_CRON, NightlyDeployment, NightlySchedule, ServeError, serve_nightly

    if interval is not None and cron is not None:
        raise click.UsageError("give either --cron or --interval, not both")
    schedule = NightlySchedule(cron=None if interval is not None else (cron or DEFAULT_CRON),
                               timezone=timezone, interval_seconds=interval)
    deployment = NightlyDeployment(data_dir=data, schedule=schedule, sources_file=sources_file, only=only,
                                   source_keys=tuple(source_keys), name=name, scoring=scoring,
                                   dask_address=dask_address, dask_workers=dask_workers)
    try:
        serve_nightly(deployment, echo=click.echo)
    except ServeError as err:
        click.echo(f"espejo serve: {err}", err=True)
        sys.exit(2)


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


@main.command("export")
@data_dir_option
@click.option("--parquet", "parquet_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the export (replaced as a whole once the new export is complete).")
def export(data_dir, parquet_dir):
    """Export the published warehouse to partitioned Parquet, checked, with a manifest.

    Reads the published snapshot (never the working file, so a running night is not disturbed). Tables
    about articles are partitioned by direction and year/month of publication; read them back with
    read_parquet('DIR/TABLE/**/*.parquet', hive_partitioning = true).
    """
    from espejo.warehouse import db
    from espejo.warehouse.export import export_parquet

    data = resolve_data_dir(data_dir)
    with db.open_snapshot(data) as con:
        if con is None:
            raise click.ClickException(f"nothing published yet in {data} (run `espejo run` first)")
        result = export_parquet(con, parquet_dir)
    for table in result.tables.values():
        parts = f"partitioned by {', '.join(table.partition_by)}" if table.partition_by else "one file"
        click.echo(f"  {table.name:24} {table.rows:>10,} rows  {parts}")
    click.echo(f"exported {result.rows:,} rows to {result.path} in {result.seconds:.1f} s "
               f"({result.rows / max(result.seconds, 1e-9):,.0f} rows/s); manifest.json lists them")


# --------------------------------------------------------------------------------------------------
# History: backfill from web archives, rescore with another model version

@main.command()
@data_dir_option
@click.option("--warc", "warc_files", multiple=True, required=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="WARC files, plain or .warc.gz: --warc FILE... (a shell glob works: --warc CC-NEWS-*.warc.gz).")
@click.argument("more_warc_files", nargs=-1, metavar="[FILE]...",
                type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Source registry file [default: $ESPEJO_SOURCES, else the registry shipped with Espejo].")
def backfill(data_dir, warc_files, more_warc_files, sources_file):
    """Ingest WARC files (such as Common Crawl's CC-NEWS) the way a nightly run ingests a crawl.

    \b
    Takes response records with HTTP 200 and HTML; each page's host picks its outlet from the source
    registry (records from hosts of no outlet are counted and skipped, not guessed). Then the crawl's
    own steps: body extraction, relevance filter, fingerprint and duplicate rule; load, score, aggregate,
    publish, and one run recorded ("backfill from N WARC files"). fetched_at is the record's WARC-Date.
    Backfilling the same files again adds nothing. A file that is not a WARC file or breaks off
    part-way is reported (exit status 1); what was read before, and the other files, are kept.
    """
    warc_files = list(warc_files) + list(more_warc_files)  # `--warc a b c`: the shell's glob lands here
    data = resolve_data_dir(data_dir)
    configure_prefect(data)
    from espejo.flows.history import backfill as backfill_flow

    report = backfill_flow(warc_files=[str(p) for p in warc_files], data_dir=str(data),
                           sources_file=sources_file, run_label=f"{len(warc_files)} files")
    click.echo(f"backfill {report.run_id}: {report.status} (model {report.model_version})")
    for f in report.files:
        click.echo(f"  {Path(f.path).name}: {f.records} records, {f.items} articles kept; skipped "
                   f"{f.not_ok} not HTTP 200, {f.not_html} not HTML, {f.unknown_host} from unknown hosts, "
                   f"{f.not_article} not articles, {f.irrelevant} off-topic, {f.known} already stored, "
                   f"{f.duplicate} duplicates")
        if f.error:
            click.echo(f"  ERROR {f.error}", err=True)
    click.echo(f"  new articles {report.articles_new}, new appearances {report.appearances_new}, "
               f"mentions scored {report.mentions_scored}, frame scores {report.frames_scored}")
    if report.articles_failed:
        click.echo(f"  {report.articles_failed} articles could not be scored (the health page lists them)", err=True)
    sys.exit(1 if report.failed_files else 0)


@main.command()
@data_dir_option
@click.option("--model", default=None, metavar="NAME|FILE",
              help="zeroshot, trained, previous, default (nlp/models.toml), or a models.toml-style file; --list shows them.")
@click.option("--list", "list_only", is_flag=True, help="List the model versions in the warehouse and the configurations.")
def rescore(data_dir, model, list_only):
    """Score every stored article with another model version; the old scores stay beside the new ones.

    \b
    --model names a configuration of nlp/models.toml's form: `zeroshot` (nlp/models-zeroshot.toml),
    `trained` (nlp/models-trained.toml), `default` (nlp/models.toml, what nightly runs use), or a file.
    Only articles that version has not analysed are scored, so a second rescore adds nothing. Prints
    the model version string the scores are stored under; the dashboard's model-version selector
    lists every version.
    """
    data = resolve_data_dir(data_dir)
    from espejo.nlp.scorers import ModelsConfigError, load_models_config, named_models_configs, resolve_models_config

    if list_only:
        _list_model_versions(data, named_models_configs(), load_models_config)
        return
    if not model:
        raise click.UsageError("give --model NAME|FILE (or --list to see the choices)")
    try:
        resolve_models_config(model)
    except ModelsConfigError as err:
        raise click.BadParameter(str(err), param_hint="--model") from None
    configure_prefect(data)
    from espejo.flows.history import rescore as rescore_flow

    report = rescore_flow(model=model, data_dir=str(data))
    click.echo(f"rescore {report.run_id}: {report.status}")
    click.echo(f"  model version {report.model_version} (from {report.config})")
    click.echo(f"  articles scored {report.articles_scored}, mentions scored {report.mentions_scored}, "
               f"frame scores {report.frames_scored}")
    if report.articles_failed:
        click.echo(f"  {report.articles_failed} articles could not be scored (the health page lists them)", err=True)


def _list_model_versions(data: Path, named: dict, load_config) -> None:
    from espejo.warehouse import db
    from espejo.warehouse.queries import read

    with db.open_snapshot(data) as con:
        versions = read(con, "model_versions") if con is not None else None
    if versions is None or versions.empty:
        click.echo(f"model versions in the warehouse ({data}): none yet")
    else:
        click.echo(f"model versions in the warehouse ({data}), most recent first:")
        for row in versions.itertuples(index=False):
            click.echo(f"  {row.model_version}  {row.articles} articles (last run {row.last_run_id})")
    click.echo("model configurations (--model NAME, or a file of the same form):")
    for name, path in named.items():
        config = load_config(path)
        click.echo(f"  {name:10} sentiment {config.sentiment}, frames {config.frames}, backbone {config.backbone}"
                   f"  ({path})")


# --------------------------------------------------------------------------------------------------
# Validation: the researchers' own codings of a sample (espejo.warehouse.codings)

@main.group()
def codings():
    """Samples the researchers code themselves: reliability between coders, agreement of the model."""


def _codings_errors(func):
    """Bad input to the codings store ends the command with its message, not a traceback."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from espejo.warehouse.codings import CodingsError

        try:
            return func(*args, **kwargs)
        except CodingsError as error:
            raise click.ClickException(str(error)) from None

    return wrapper


def _frame_keys() -> list[str]:
    from espejo.nlp.scoring import load_codebook

    return [frame.key for frame in load_codebook().frames]


@codings.command("sample")
@data_dir_option
@click.option("--name", required=True, help="The sample's name (unique in the data folder).")
@click.option("--mentions", default=50, show_default=True, help="Scored mentions to draw.")
@click.option("--articles", default=20, show_default=True, help="Articles to draw.")
@click.option("--strata", default="direction", show_default=True,
              help="Comma-separated: direction, outlet, month, predicted (the model's label or tone).")
@click.option("--overlap", default=0.2, show_default=True, help="Share of each kind coded by every coder.")
@click.option("--seed", default=13, show_default=True, help="Same snapshot, design and seed: same items.")
@click.option("--model-version", default=None, help="[default: the snapshot's most recent]")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day (YYYY-MM-DD).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day (YYYY-MM-DD).")
@click.option("--outlet", "outlets", multiple=True, help="Only articles that ran at this outlet (repeatable).")
@click.option("--language", "languages", multiple=True, help="Only articles in this language (repeatable).")
@_codings_errors
def codings_sample(data_dir, name, mentions, articles, strata, overlap, seed, model_version, date_from, date_to,
                   outlets, languages):
    """Draw a reproducible stratified sample of scored mentions and articles from the published snapshot.

    Allocation over the strata is proportional; OVERLAP of each kind is coded by every coder (for
    reliability), the rest by one coder each. The sample keeps its texts, design, filters and model version.
    """
    from espejo.warehouse.codings import SampleDesign, draw_sample

    data = resolve_data_dir(data_dir)
    design = SampleDesign(name=name, mentions=mentions, articles=articles,
                          strata=tuple(s.strip() for s in strata.split(",") if s.strip()), overlap=overlap, seed=seed)
    filters = {"model_version": model_version, "date_from": date_from.date() if date_from else None,
               "date_to": date_to.date() if date_to else None, "outlets": list(outlets) or None,
               "languages": list(languages) or None}
    info = draw_sample(data, design, filters, frame_keys=_frame_keys())
    click.echo(f"sample {info.name}: {info.n_mentions} mentions, {info.n_articles} articles "
               f"(model {info.model_version}, {info.filters['date_from']} to {info.filters['date_to']})")
    for kind in ("mention", "article"):
        allocation, candidates = info.design["allocation"].get(kind, {}), info.design["candidates"].get(kind, {})
        if not allocation:
            continue
        click.echo(f"  {kind}s per stratum (drawn / candidates):")
        for stratum, n in allocation.items():
            click.echo(f"    {stratum:40} {n:>5} / {candidates[stratum]}")


@codings.command("list")
@data_dir_option
@_codings_errors
def codings_list(data_dir):
    """The samples drawn in the data folder, with their coders."""
    from espejo.warehouse.codings import coders, list_samples

    data = resolve_data_dir(data_dir)
    samples = list_samples(data)
    if not samples:
        click.echo(f"no samples in {data} yet (espejo codings sample --name NAME)")
    for info in samples:
        names = coders(data, info.name)
        click.echo(f"{info.name}: {info.n_mentions} mentions, {info.n_articles} articles, model {info.model_version}, "
                   f"drawn {info.created_at:%Y-%m-%d %H:%M}; coders: {', '.join(names) or 'none yet'}")


@codings.command("report")
@data_dir_option
@click.argument("name")
@click.option("--model-version", default=None, help="Compare this model version [default: the sample's].")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@_codings_errors
def codings_report(data_dir, name, model_version, as_json):
    """Krippendorff's alpha between coders and the model's agreement with their majority."""
    from espejo.warehouse.codings import report

    result = report(resolve_data_dir(data_dir), name, model_version)
    if as_json:
        click.echo(json.dumps(result, sort_keys=True))
        return
    click.echo(f"sample {name}, model {result['model_version']}; coders: {', '.join(result['coders']) or 'none'}")
    for kind, alpha_key, model_key in (("mentions", "alpha", "model"), ("articles", "tone_alpha", "tone")):
        part = result[kind]
        if part is None:
            continue
        alpha = part[alpha_key]["all"] if kind == "mentions" else part[alpha_key]
        model = part[model_key]["all"] if kind == "mentions" else part[model_key]
        what = "" if kind == "mentions" else "tone "
        click.echo(f"  {kind}: {part['coded_items']} of {part['items']} coded; {what}alpha {_interval(alpha, 'alpha')} "
                   f"over {alpha['units']} items; model {what}macro-F1 {_interval(model, 'macro_f1')}, "
                   f"accuracy {_interval(model, 'accuracy')} over {model['n']} items")
        _echo_roles(part, kind)
        if kind == "articles":
            frames = part["frames"]
            click.echo(f"  frames: model micro-F1 {_interval(frames, 'micro_f1')}, macro-F1 "
                       f"{_interval(frames, 'macro_f1')} over {frames['n']} articles with majority frames")


def _echo_roles(part: dict, kind: str) -> None:
    """Items the model version was trained on are no test of it: their figures are shown apart."""
    groups = part["model"] if kind == "mentions" else part.get("by_group", {})
    for role, what in (("holdout", "held out from its training (a test)"),
                       ("train", "used to train this model version (not a test)")):
        figures = groups.get(role)
        key = "macro_f1" if kind == "mentions" else "micro_f1"
        if figures and kind == "articles":
            figures = figures.get("frames")  # the frame heads are what coded articles train
        if figures and figures.get("n"):
            click.echo(f"    {what}: {'macro' if kind == 'mentions' else 'frames micro'}-F1 "
                       f"{_interval(figures, key)} over {figures['n']} items")


def _interval(figures: dict, key: str) -> str:
    value = figures.get(key)
    if value is None:
        return "n/a"
    low, high = figures.get(f"{key}_low", figures.get("low")), figures.get(f"{key}_high", figures.get("high"))
    return f"{value:.3f}" + (f" [{low:.3f}, {high:.3f}]" if low is not None and high is not None else "")


@codings.command("export")
@data_dir_option
@click.argument("name")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder for NAME.csv and NAME.jsonl.")
@_codings_errors
def codings_export(data_dir, name, out_dir):
    """Write the sample and its codings as CSV (also an import sheet) and JSON lines (with the design)."""
    from espejo.warehouse.codings import export_sample

    for path in export_sample(resolve_data_dir(data_dir), name, out_dir):
        click.echo(str(path))


@codings.command("import")
@data_dir_option
@click.argument("sheet", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@_codings_errors
def codings_import(data_dir, sheet):
    """Import a coding sheet (CSV or JSON lines: sample, item_id, coder, label, frames for articles).

    Every bad row is named with its reason, and then nothing is written."""
    from espejo.warehouse.codings import import_codings

    counts = import_codings(resolve_data_dir(data_dir), sheet, frame_keys=_frame_keys())
    click.echo(f"imported {counts['imported']} codings ({counts['replaced']} replaced earlier ones; "
               f"{counts['without_label']} rows without a label passed over)")


# --------------------------------------------------------------------------------------------------
# Training and evaluation of the target-sentiment model (needs the labelled data in ../shared)

_REPO_ROOT = Path(__file__).resolve().parent.parent
_SHARED_DATA = _REPO_ROOT.parent / "shared" / "data"


def _shared(*parts: str) -> Path:
    return _SHARED_DATA.joinpath(*parts)


def _labelled_data(*paths) -> None:
    for path in paths:
        if not Path(path).is_file():
            raise click.ClickException(f"{path} not found (the labelled data live in ../shared/data)")


def with_codings_options(func):
    func = click.option("--name", default=None, metavar="NAME",
                        help="Folder and configuration name under <data dir>/models [default: codings-<samples>]; "
                             "sentiment and frames retrained under one name share one configuration.")(func)
    func = click.option("--holdout", default=0.25, show_default=True, type=click.FloatRange(0, 0.9),
                        help="Share of coded items never trained on, so the old and new versions can be "
                             "compared on them as a test.")(func)
    func = data_dir_option(func)
    return click.option("--with-codings", "with_codings", multiple=True, metavar="SAMPLE[,SAMPLE]",
                        help="Retrain with the codings of these samples (espejo codings ...), repeatable.")(func)


def _retrain(retrain, with_codings, data_dir, holdout, name, models_dir, **options) -> None:
    from espejo.warehouse.codings import CodingsError

    samples = [s.strip() for value in with_codings for s in value.split(",") if s.strip()]
    data = resolve_data_dir(data_dir)
    try:
        result = retrain(data, samples, name=name, holdout_share=holdout, models_dir=models_dir, echo=click.echo,
                         **options)
    except CodingsError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"new model version {result['model_version']} (from {result['base_model_version']}), "
               f"artifact {result['artifact']}")
    for role, figures in (result.get("holdout") or {}).items():
        shown = {k: figures[k] for k in ("n", "macro_f1", "accuracy", "micro_f1") if k in figures}
        click.echo(f"  held-out coded items, {role} ({figures['model_version']}): {shown}")
    click.echo(f"score the warehouse with it: espejo rescore --model {result['models_config']}")
    click.echo(json.dumps(result))


@main.group()
def train():
    """Train Espejo's models from public labelled data."""


@train.command("sentiment")
@click.option("--newsmtsc", "newsmtsc_path", type=click.Path(dir_okay=False, path_type=Path),
              default=lambda: str(_shared("newsmtsc", "train.jsonl")), show_default="../shared/data/newsmtsc/train.jsonl",
              help="NewsMTSC training file (jsonl).")
@click.option("--es-headlines", "es_path", type=click.Path(dir_okay=False, path_type=Path),
              default=lambda: str(_shared("es-headlines", "train.jsonl")),
              show_default="../shared/data/es-headlines/train.jsonl", help="Spanish headlines training file (jsonl).")
@click.option("--realnews", "realnews_path", type=click.Path(dir_okay=False, path_type=Path),
              default=lambda: str(_shared("realnews", "train_sentences.jsonl")),
              show_default="../shared/data/realnews/train_sentences.jsonl",
              help="realnews training sentences (U.S. news on Mexico, Mexican news on the U.S.); its dev file calibrates.")
@click.option("--xlm-t", "xlmt_dir", type=click.Path(file_okay=False, path_type=Path),
              default=lambda: str(_shared("xlm-t")), show_default="../shared/data/xlm-t",
              help="XLM-T folder (english/ and spanish/ train tweets), trained through a head of its own.")
@click.option("--no-xlm-t", "no_xlmt", is_flag=True, help="Train without the XLM-T tweets.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Artifact folder [default: nlp/models/target-sentiment, the one Espejo loads].")
@models_dir_option
@click.option("--epochs", default=4, show_default=True)
@click.option("--threads", default=1, show_default=True,
              help="torch threads (1 was fastest on the shared 2-core machine the artifact was trained on).")
@click.option("--seed", default=13, show_default=True)
@click.option("--max-examples", default=0, show_default=True, help="Subsample the training data (0: all), for quick checks.")
@click.option("--no-dev", is_flag=True, help="Do not score the dev files after each epoch and at the end.")
@click.option("--average-every", default=0, show_default=True,
              help="Also score averages of the weights sampled every N steps from the start of each later epoch, "
                   "as candidates to keep beside the epochs (0: off).")
@with_codings_options
def train_sentiment_command(newsmtsc_path, es_path, realnews_path, xlmt_dir, no_xlmt, out_dir, models_dir, epochs,
                            threads, seed, max_examples, no_dev, average_every, with_codings, data_dir, holdout, name):
    """Train the target-sentiment LoRA adapter + heads on realnews (en, es), NewsMTSC (en), es-headlines (es)
    and XLM-T tweets (en, es); the last three through heads of their own, realnews alone through the one scored.

    Dev files (next to the train files) are never trained on; unless --no-dev they are scored after each
    epoch (for the log); at the end the realnews dev file fits the temperature (calibration), and every
    dev file is scored with the previous nightly model and the baselines into metrics.json and, when --out
    is the adapter Espejo loads, the model-quality file the dashboard reads.

    With --with-codings: fine-tune the committed adapter on the coded mentions of those samples instead
    (realnews train mentions replayed beside them when the file is there), into the data folder's models/.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ESPEJO_TORCH_THREADS", str(threads))  # the evaluation at the end uses it too
    if with_codings:
        from espejo.flows.retrain import retrain_sentiment
        from espejo.nlp.training import FineTuneConfig

        _retrain(retrain_sentiment, with_codings, data_dir, holdout, name, models_dir,
                 replay_file=Path(realnews_path), config=FineTuneConfig(epochs=epochs, seed=seed, threads=max(threads, 1)))
        return
    from espejo.nlp import training

    xlmt_dir = None if no_xlmt else Path(xlmt_dir)
    tweet_files = [xlmt_dir / folder / "train_text.txt" for folder in training.XLMT_FOLDERS] if xlmt_dir else []
    _labelled_data(newsmtsc_path, es_path, realnews_path, *tweet_files)
    config = training.TrainConfig(seed=seed, epochs=epochs, threads=threads, max_train_examples=max_examples,
                                  average_every=average_every)
    training.train_sentiment_from_files(newsmtsc_path, es_path, realnews_path, out_dir, xlmt_dir=xlmt_dir,
                                        models_dir=models_dir, config=config, dev=not no_dev, echo=click.echo)


@train.command("frames")
@click.option("--realnews", "realnews_path", type=click.Path(dir_okay=False, path_type=Path),
              default=lambda: str(_shared("realnews", "train_passages.jsonl")),
              show_default="../shared/data/realnews/train_passages.jsonl",
              help="realnews training articles (annotated frames); the codebook's texts are always used too.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Artifact folder [default: nlp/models/frames, the one Espejo loads].")
@models_dir_option
@with_codings_options
def train_frames_command(realnews_path, out_dir, models_dir, with_codings, data_dir, holdout, name):
    """Train the frame heads on realnews train articles and the codebook (nlp/frames.toml); a few minutes.

    Then scores the realnews dev articles (beside the file) with the new heads, the previous nightly heads
    and the zero-shot scorer, and records the figures for the dashboard.

    With --with-codings: the coded articles of those samples join realnews train (when the file is there)
    and the codebook; the heads go into the data folder's models/, the committed ones stay.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if with_codings:
        from espejo.flows.retrain import retrain_frames

        _retrain(retrain_frames, with_codings, data_dir, holdout, name, models_dir, realnews_train=Path(realnews_path))
        return
    from espejo.nlp.frames_eval import train_frames_from_file
    from espejo.nlp.realnews import RealnewsFormatError

    _labelled_data(realnews_path)
    try:
        train_frames_from_file(Path(realnews_path), out_dir, models_dir, echo=click.echo)
    except (RealnewsFormatError, ValueError) as error:
        raise click.ClickException(str(error)) from None


@main.group("eval")
def eval_group():
    """Measure Espejo's models against labelled data."""


@eval_group.command("sentiment")
@click.option("--data", "data_path", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A labelled file, e.g. ../shared/data/realnews/dev_sentences.jsonl or ../shared/data/newsmtsc/dev.jsonl.")
@click.option("--format", "data_format", required=True, type=click.Choice(["realnews", "newsmtsc", "es-headlines"]),
              help="The file's own format.")
@click.option("--passages", "passages_path", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="realnews only: the articles of those sentences, for stance vs tone [default: *_passages.jsonl beside --data].")
@click.option("--json", "as_json", is_flag=True, help="End with one JSON line: the trained model's figures (+ baselines).")
@click.option("--record", is_flag=True,
              help="realnews only: store every system's figures by model version in nlp/models/quality.json (the dashboard shows them).")
@click.option("--limit", default=0, help="Only the first N targets (0: all).")
@models_dir_option
@click.option("--artifact", "artifact_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="Adapter folder [default: nlp/models/target-sentiment].")
@click.option("--head", default=None,
              help="NewsMTSC / es-headlines only: score with this head of the artifact instead of the one Espejo "
                   "uses (for an artifact trained with heads of their own for those sets; the set's own head is "
                   "shown beside the scored one anyway).")
def eval_sentiment(data_path, data_format, passages_path, as_json, record, limit, models_dir, artifact_dir, head):
    """Macro-F1, accuracy and confusion matrix of the trained model beside its baselines.

    realnews: the new nightly model, the previous nightly model and the zero-shot scorer, from the same
    run: sentence labels toward the other country (macro-F1 over negative/neutral/positive; a sentence
    with no mention found counts as predicted n/a), article stance vs annotated tone (Spearman), and the
    expected calibration error, per language. NewsMTSC / es-headlines: the trained model, the zero-shot
    scorer and a lexicon baseline (VADER for English; for Spanish no Spanish lexicon is available
    offline, so VADER is run on the Spanish text as a weak floor, said so in the output).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    echo = (lambda line: click.echo(line, err=True)) if as_json else (lambda line: click.echo(line))
    from espejo.nlp import realnews, sentiment_eval

    if data_format == "realnews":
        if head:
            raise click.UsageError("--head goes with --format newsmtsc or es-headlines: realnews is what the scored head is for")
        passages_path = passages_path or realnews.passages_path_for(data_path)
        if not Path(passages_path).is_file():
            raise click.ClickException(f"{passages_path} not found: pass the articles of these sentences with --passages")
        try:
            reports = sentiment_eval.evaluate_realnews(data_path, passages_path, models_dir, artifact_dir, record, echo)
        except realnews.RealnewsFormatError as error:
            raise click.ClickException(str(error)) from None
        if as_json:
            click.echo(json.dumps(sentiment_eval.realnews_summary(reports)))
        return
    if record or passages_path:
        raise click.UsageError("--record and --passages go with --format realnews")
    try:
        result = sentiment_eval.evaluate_sentiment_file(data_path, data_format, models_dir, limit,
                                                        artifact_dir=artifact_dir, head=head, echo=echo)
    except ValueError as error:  # nothing readable in the file (EvaluationDataError), or no such head
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(sentiment_eval.file_summary(result)))


@eval_group.command("frames")
@click.option("--gold", "gold_path", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Gold set (jsonl) [default: nlp/gold/frames_gold.jsonl, in-house, see nlp/gold/PROTOCOL.md].")
@click.option("--data", "data_path", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="A realnews passages file (e.g. ../shared/data/realnews/dev_passages.jsonl): real articles with "
                   "annotated frames, scored per article instead of the gold set.")
@click.option("--json", "as_json", is_flag=True,
              help="End with one JSON line: the new scorer's figures, the previous one and zero-shot as baselines.")
@click.option("--record", is_flag=True,
              help="With --data: store every system's figures by model version in nlp/models/quality.json "
                   "(the dashboard shows them).")
@models_dir_option
def eval_frames(gold_path, data_path, as_json, record, models_dir):
    """Per-frame and micro/macro F1 of the nightly frame scorer, the previous one and the zero-shot one.

    With --data (realnews passages): each article's leading frames (the dashboard's rule: score >= 0.5 and
    among its top 3) against the annotated ones, overall and per language (en: U.S. outlets on Mexico;
    es: Mexican outlets on the U.S.), n = articles. Without: the in-house gold set, sentence by sentence
    (labelled by an AI model following a written protocol). Both give development figures.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from espejo.nlp import backbone, frames_eval
    from espejo.nlp.realnews import RealnewsFormatError

    if data_path and gold_path:
        raise click.UsageError("--data and --gold are alternatives: pass one")
    if record and not data_path:
        raise click.UsageError("--record goes with --data (a realnews passages file)")
    echo = (lambda line: click.echo(line, err=True)) if as_json else click.echo
    systems = frames_eval.frame_systems(backbone.ensure_backbone(models_dir))
    if data_path is None:
        reports = frames_eval.compare_frame_scorers(systems, gold_path or frames_eval.GOLD_PATH)
        echo(frames_eval.format_comparison(reports))
        if as_json:
            click.echo(json.dumps(frames_eval.gold_summary(reports)))
        return
    try:
        reports = frames_eval.evaluate_realnews_systems(data_path, systems, record, echo)
    except (RealnewsFormatError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(frames_eval.realnews_summary(reports)))


@eval_group.command("stories")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="End with one JSON line: the stories' figures and the baselines'.")
@models_dir_option
def eval_stories(data_dir, as_json, models_dir):
    """B-cubed precision, recall, F1 and cross-language pairs linked, against the offline web's planted events.

    With --data-dir holding a warehouse and newsweb/manifest.json (after `espejo demo`): the stories the
    runs stored. Otherwise the offline news web is built in a temporary folder and its articles are
    clustered directly by the rule in nlp/stories.toml. Two baselines from the same run: titles sharing
    three words within the window, and every article alone.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from espejo.flows import stories_eval

    echo = (lambda line: click.echo(line, err=True)) if as_json else click.echo
    try:
        if data_dir is not None and _has_demo_warehouse(Path(data_dir)):
            result = stories_eval.evaluate_warehouse(Path(data_dir))
        else:
            if data_dir is not None:
                echo(f"{data_dir} holds no published warehouse with {stories_eval.MANIFEST}: "
                     "measuring on the offline news web instead")
            result = stories_eval.evaluate_offline(models_dir, echo=echo)
    except stories_eval.StoriesEvalError as error:
        raise click.ClickException(str(error)) from None
    for line in stories_eval.format_report(result):
        echo(line)
    if as_json:
        click.echo(json.dumps(result, sort_keys=True))


def _has_demo_warehouse(data: Path) -> bool:
    from espejo.flows.stories_eval import MANIFEST
    from espejo.warehouse.db import snapshot_path

    return snapshot_path(data).is_file() and (data / MANIFEST).is_file()


def _stats(data: Path) -> dict:
    from espejo.warehouse import db
    from espejo.warehouse.aggregate import warehouse_stats

    with db.open_snapshot(data) as con:
        if con is None:
            return {"articles": {}, "scored_mentions": {"us->mx": 0, "mx->us": 0}, "frames_scored": 0, "runs": 0,
                    "stories": 0, "cross_country_stories": 0}
        return warehouse_stats(con).to_dict()


def _echo_stats(counts: dict) -> None:
    for country, languages in sorted(counts["articles"].items()):
        click.echo(f"articles from {country} outlets: " + ", ".join(f"{n} {lang}" for lang, n in sorted(languages.items())))
    for direction, n in counts["scored_mentions"].items():
        click.echo(f"scored mentions {direction}: {n}")
    click.echo(f"frame scores: {counts['frames_scored']}; runs recorded: {counts['runs']}")
    click.echo(f"stories of two or more articles: {counts['stories']}, "
               f"{counts['cross_country_stories']} of them told in both countries")


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
