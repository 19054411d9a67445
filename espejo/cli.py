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


# --------------------------------------------------------------------------------------------------
# Training and evaluation of the target-sentiment model (needs the labelled data in ../shared)

_REPO_ROOT = Path(__file__).resolve().parent.parent
_SHARED_DATA = _REPO_ROOT.parent / "shared" / "data"


def _shared(*parts: str) -> Path:
    return _SHARED_DATA.joinpath(*parts)


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
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Artifact folder [default: nlp/models/target-sentiment, the one Espejo loads].")
@click.option("--models-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the e5 backbone is (re)built [default: $ESPEJO_MODELS_DIR, else ~/.cache/espejo/models].")
@click.option("--epochs", default=3, show_default=True)
@click.option("--threads", default=1, show_default=True,
              help="torch threads (1 was fastest on the shared 2-core machine the artifact was trained on).")
@click.option("--seed", default=13, show_default=True)
@click.option("--max-examples", default=0, show_default=True, help="Subsample the training data (0: all), for quick checks.")
@click.option("--no-dev", is_flag=True, help="Do not score the dev files after each epoch and at the end.")
def train_sentiment_command(newsmtsc_path, es_path, out_dir, models_dir, epochs, threads, seed, max_examples, no_dev):
    """Train the target-sentiment LoRA adapter + head on NewsMTSC (en) and es-headlines (es) train files.

    Dev files (next to the train files) are never trained on; unless --no-dev they are scored after
    each epoch (for the log) and, at the end, with the zero-shot and lexicon baselines into metrics.json.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ESPEJO_TORCH_THREADS", str(threads))  # the evaluation at the end uses it too
    from dataclasses import asdict

    from espejo.nlp import training
    from espejo.nlp.sentiment_model import DEFAULT_ARTIFACT_DIR

    out_dir = out_dir or DEFAULT_ARTIFACT_DIR
    for path in (newsmtsc_path, es_path):
        if not Path(path).is_file():
            raise click.ClickException(f"{path} not found (the labelled data live in ../shared/data)")
    en_stats, es_stats = training.ReadStats(), training.ReadStats()
    english = training.read_newsmtsc(newsmtsc_path, en_stats)
    spanish = training.read_es_headlines(es_path, es_stats)
    click.echo(f"NewsMTSC {newsmtsc_path}: {en_stats.targets} targets in {en_stats.records} sentences, "
               f"{en_stats.skipped} skipped")
    click.echo(f"es-headlines {es_path}: {es_stats.targets} targets in {es_stats.records} headlines, "
               f"{es_stats.skipped} skipped (target not found in the headline)")
    dev_files = {"newsmtsc-dev": (Path(newsmtsc_path).with_name("dev.jsonl"), "newsmtsc"),
                 "es-headlines-dev": (Path(es_path).with_name("dev.jsonl"), "es-headlines")}
    dev_sets = {} if no_dev else {name: training.read_labelled(path, fmt)
                                  for name, (path, fmt) in dev_files.items() if path.is_file()}
    config = training.TrainConfig(seed=seed, epochs=epochs, threads=threads, max_train_examples=max_examples)
    notes = {"newsmtsc_train": {"file": Path(newsmtsc_path).name, **asdict(en_stats)},
             "es_headlines_train": {"file": Path(es_path).name, **{k: v for k, v in asdict(es_stats).items()}}}
    summary = training.train_sentiment([english, spanish], out_dir, models_dir=models_dir, config=config,
                                       data_notes=notes, dev_sets=dev_sets,
                                       log=lambda line: click.echo(line))
    stray = Path(out_dir) / "README.md"  # peft writes a generic model card; ours is MODEL_CARD.md
    if stray.is_file():
        stray.unlink()
    click.echo(f"adapter written to {out_dir} in {summary['training_minutes']} min; "
               f"sha256 {summary['adapter_sha256']}")
    if dev_sets:
        from espejo.nlp.sentiment_model import TrainedSentimentScorer

        scorer = TrainedSentimentScorer(models_dir, artifact_dir=out_dir)
        metrics = {"model_version": scorer.model_version, "adapter_sha256": summary["adapter_sha256"],
                   "note": "development figures (dev splits; never trained on); test splits are kept back",
                   "sets": {}}
        for name, (path, fmt) in dev_files.items():
            if name in dev_sets:
                click.echo(f"evaluating on {path} ...")
                metrics["sets"][name] = _evaluate_sentiment_file(path, fmt, models_dir, None, scorer,
                                                                 echo=lambda line: click.echo(line))
        (Path(out_dir) / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        click.echo(f"metrics written to {Path(out_dir) / 'metrics.json'}")
        import datetime

        card = training.write_model_card(out_dir, summary, metrics, datetime.date.today().isoformat())
        click.echo(f"model card written to {card}")


def _evaluate_sentiment_file(path, data_format, models_dir, limit, trained=None, echo=None) -> dict:
    """Trained model, zero-shot scorer and lexicon baseline on one labelled file; prints as it goes."""
    import inspect

    from espejo.nlp import training
    from espejo.nlp.evaluation import LEXICON_NOTES, evaluate_sentiment, format_confusion, vader_predict
    from espejo.nlp.scoring import MentionInput, ZeroShotScorer
    from espejo.nlp.sentiment_model import load_trained_sentiment
    from espejo.records import SENTIMENT_LABELS

    echo = echo or (lambda line: click.echo(line, err=True))
    stats = training.ReadStats()
    examples = training.read_labelled(path, data_format, stats)
    if limit:
        examples = examples[:limit]
    if not examples:
        raise click.ClickException(f"{path}: no targets read as {data_format}")
    language = examples[0].language
    echo(f"{path}: {len(examples)} targets ({stats.skipped} skipped: not located), language {language}")
    trained = trained or load_trained_sentiment(models_dir)
    zeroshot = ZeroShotScorer(models_dir)

    def with_progress(scorer):
        def run(items):
            done = [0]

            def tick(n):
                done[0] += n
                if done[0] % 320 < n or done[0] == len(items):
                    echo(f"  {done[0]}/{len(items)}")

            inputs = [MentionInput(e.sentence, e.start, e.end, "MX", e.language) for e in items]
            if "progress" in inspect.signature(scorer.score_mentions).parameters:
                scores = scorer.score_mentions(inputs, progress=tick)
            else:  # scorers without a progress hook
                scores = scorer.score_mentions(inputs)
            return [SENTIMENT_LABELS.index(s.label) for s in scores]
        return run

    systems = {"trained": with_progress(trained), "zeroshot": with_progress(zeroshot),
               "lexicon": lambda items: vader_predict([e.sentence for e in items])}
    results = evaluate_sentiment(examples, systems, progress=echo)
    names = {"trained": trained.model_version, "zeroshot": zeroshot.model_version,
             "lexicon": LEXICON_NOTES[language]}
    for name, report in results.items():
        echo(f"\n{name} ({names[name]}): macro-F1 {report['macro_f1']:.4f}  accuracy {report['accuracy']:.4f}  "
             f"n {report['n']}")
        echo(format_confusion(report["confusion"]))
    return {"file": str(path), "format": data_format, "n": len(examples), "skipped": stats.skipped,
            "systems": {name: {"name": names[name], **report} for name, report in results.items()}}


@main.group("eval")
def eval_group():
    """Measure Espejo's models against labelled data."""


@eval_group.command("sentiment")
@click.option("--data", "data_path", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A labelled file, e.g. ../shared/data/newsmtsc/dev.jsonl.")
@click.option("--format", "data_format", required=True, type=click.Choice(["newsmtsc", "es-headlines"]),
              help="The file's own format.")
@click.option("--json", "as_json", is_flag=True, help="End with one JSON line: the trained model's figures (+ baselines).")
@click.option("--limit", default=0, help="Only the first N targets (0: all).")
@click.option("--models-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the e5 backbone is (re)built [default: $ESPEJO_MODELS_DIR, else ~/.cache/espejo/models].")
@click.option("--artifact", "artifact_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="Adapter folder [default: nlp/models/target-sentiment].")
def eval_sentiment(data_path, data_format, as_json, limit, models_dir, artifact_dir):
    """Macro-F1, accuracy and confusion matrix of the trained model, the zero-shot scorer and a lexicon baseline.

    Lexicon baseline: VADER for English; for Spanish no Spanish lexicon is available offline, so VADER
    is run on the Spanish text as a weak floor (said so in the output).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    echo = (lambda line: click.echo(line, err=True)) if as_json else (lambda line: click.echo(line))
    from espejo.nlp.sentiment_model import load_trained_sentiment

    trained = load_trained_sentiment(models_dir, artifact_dir)
    result = _evaluate_sentiment_file(data_path, data_format, models_dir, limit, trained, echo=echo)
    if as_json:
        systems = result["systems"]
        trained = systems["trained"]
        click.echo(json.dumps({
            "macro_f1": round(trained["macro_f1"], 4), "accuracy": round(trained["accuracy"], 4), "n": trained["n"],
            "model_version": trained["name"], "confusion": trained["confusion"],
            "baselines": {name: {"macro_f1": round(s["macro_f1"], 4), "accuracy": round(s["accuracy"], 4),
                                 "n": s["n"], "name": s["name"]}
                          for name, s in systems.items() if name != "trained"},
        }))



@eval_group.command("frames")
@click.option("--gold", "gold_path", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Gold set (jsonl) [default: nlp/gold/frames_gold.jsonl, in-house, see nlp/gold/PROTOCOL.md].")
@click.option("--json", "as_json", is_flag=True, help="End with one JSON line: the trained scorer's figures.")
@click.option("--models-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the e5 backbone is (re)built [default: $ESPEJO_MODELS_DIR, else ~/.cache/espejo/models].")
def eval_frames(gold_path, as_json, models_dir):
    """Per-frame and micro/macro F1 of the trained frame scorer and the zero-shot one on the gold set.

    The gold set is in-house (labelled by an AI model following a written protocol): its figures are
    development figures.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from espejo.nlp import backbone
    from espejo.nlp.frames_eval import GOLD_PATH, compare_frame_scorers, format_comparison
    from espejo.nlp.frames_model import TrainedFrameScorer
    from espejo.nlp.scoring import ZeroShotScorer

    model = backbone.ensure_backbone(models_dir)
    reports = compare_frame_scorers({"trained": TrainedFrameScorer(model), "zeroshot": ZeroShotScorer(model)},
                                    gold_path or GOLD_PATH)
    click.echo(format_comparison(reports), err=as_json)
    if as_json:
        trained = reports["trained"]
        click.echo(json.dumps({"micro_f1": trained.micro_f1, "macro_f1": trained.macro_f1,
                               "baselines": {"zeroshot": {"micro_f1": reports["zeroshot"].micro_f1,
                                                          "macro_f1": reports["zeroshot"].macro_f1}}}))

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
