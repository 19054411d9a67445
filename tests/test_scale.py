"""Beyond one machine, with the real engines: scoring on a local 2-worker Dask cluster (prefect-dask),
crawling through scrapy-redis against a redis-server started here, and the warehouse exported to
partitioned Parquet that DuckDB reads back."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from espejo.settings import runs_dir
from espejo.spiders.crawl import ITEMS_FILE, CrawlOutcome, crawl_source, read_items
from espejo.spiders.registry import load_sources
from espejo.warehouse import db, load

OUTLETS = ("midwest-ledger", "diario-del-norte")  # one per direction
BUDGETED_PAGES = 40  # of the ~76 pages an outlet of the offline web has


@dataclass(frozen=True)
class TwoOutlets:
    sources: dict  # key -> Source, at the session's ports
    registry: Path  # a registry with one outlet per direction


@pytest.fixture(scope="module")
def two_outlets(news_web, tmp_path_factory) -> TwoOutlets:
    """Two outlets of the session's offline news web (tests/conftest.py)."""
    registry = news_web.registry_for(OUTLETS, tmp_path_factory.mktemp("scale") / "two-outlets.toml")
    return TwoOutlets({s.key: s for s in load_sources(registry)}, registry)


@pytest.fixture(scope="module")
def crawled(nightly_warehouse) -> dict[str, CrawlOutcome]:
    """Each outlet as the session's nightly run first crawled it: a plain crawl (no redis) with nothing yet
    known, the reference the other tests compare with."""
    first = nightly_warehouse["first"]
    results = {r.source_key: r for r in first.sources}
    run_dir = runs_dir(nightly_warehouse["data_dir"]) / first.run_id
    outcomes = {key: CrawlOutcome(results[key], read_items(run_dir / key / ITEMS_FILE)) for key in OUTLETS}
    for key, outcome in outcomes.items():
        assert outcome.result.status == "ok" and len(outcome.items) == outcome.result.items > 0, outcome.result
    return outcomes


def _copy_warehouse(source: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(db.warehouse_path(source), db.warehouse_path(target))
    return target


SCORED = {
    "sentences": ("article_id, sentence_index", "start_char, end_char, text"),
    "mentions": ("mention_id", "article_id, sentence_index, start_char, end_char, surface, target, kind"),
    "sentiment_scores": ("mention_id, model_version", "label, p_negative, p_neutral, p_positive"),
    "frame_scores": ("article_id, frame, model_version", "score, evidence_sentence_index"),
    "analyses": ("article_id, model_version", "relevant, mentions_other, stance"),
}


def _scored_rows(data: Path) -> dict[str, dict[tuple, tuple]]:
    with db.connect(data) as con:
        return {table: {row[:len(key.split(","))]: row[len(key.split(",")):]
                        for row in con.execute(f"SELECT {key}, {values} FROM {table}").fetchall()}
                for table, (key, values) in SCORED.items()}


def _assert_same_scores(expected: dict, got: dict, tolerance: float = 1e-6) -> None:
    for table in SCORED:
        assert got[table].keys() == expected[table].keys(), table
        for key, values in expected[table].items():
            for want, have in zip(values, got[table][key], strict=True):
                if isinstance(want, float):
                    assert have == pytest.approx(want, abs=tolerance), (table, key)
                else:
                    assert have == want, (table, key)


# --------------------------------------------------------------------------------------------------
# Scoring on Dask (the equality with in-process scoring is checked on the `espejo run --scoring dask` run below)


def test_the_nightly_flow_refuses_an_unknown_scoring_option():
    from espejo.flows.nightly import scoring_on

    assert scoring_on("local") is None
    assert scoring_on("dask", None, 3).workers == 3
    assert scoring_on("dask", "tcp://10.0.0.5:8786").address == "tcp://10.0.0.5:8786"
    with pytest.raises(ValueError, match="local or dask"):
        scoring_on("spark")


# --------------------------------------------------------------------------------------------------
# Distributed crawling through scrapy-redis


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


NO_REDIS = ("redis-server is not installed (Debian package redis-server; `make test` installs it where apt is "
            "available): the scrapy-redis crawl cannot be tested here")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """The URL of a real redis-server on a free loopback port, nothing saved to disk, stopped afterwards;
    None where redis-server is not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    import redis

    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start (exit status {proc.poll()})") from None
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def redis_url(redis_server):
    if redis_server is None:
        pytest.skip(NO_REDIS)
    return redis_server


def _urls(outcome) -> set[str]:
    return {item.url for item in outcome.items}


def _fetched_article_pages(out_dir: Path) -> int:
    return json.loads((out_dir / "stats.json").read_text(encoding="utf-8"))["pages_fetched"]


@pytest.mark.slow
def test_a_crawl_through_scrapy_redis_yields_the_same_items_and_shares_its_dupefilter(
        two_outlets, crawled, redis_url, tmp_path, monkeypatch):
    import redis

    from espejo.spiders.distributed import RedisCrawl

    source = two_outlets.sources["midwest-ledger"]
    plain = crawled["midwest-ledger"]
    server = redis.Redis.from_url(redis_url, decode_responses=True)
    monkeypatch.setenv("ESPEJO_REDIS_URL", redis_url)
    monkeypatch.setenv("ESPEJO_CRAWL_JOB", "night-1")
    keys = RedisCrawl(redis_url, "night-1", source.key)

    first = crawl_source(source, tmp_path / "first")
    assert first.result.status == "ok", (first.result, (tmp_path / "first" / "crawl.log").read_text()[-3000:])
    assert "scrapy_redis.scheduler.Scheduler" in (tmp_path / "first" / "crawl.log").read_text()
    # The same articles as the crawl with Scrapy's own in-memory scheduler.
    assert {(i.url, i.fingerprint) for i in first.items} == {(i.url, i.fingerprint) for i in plain.items}
    # The fingerprints of every article request (not the feed and sitemaps, which are never filtered)
    # are in redis under this job and outlet, kept for a limited time; the queue was drained.
    seen = server.scard(keys.dupefilter_key)
    assert seen >= len(first.items) and server.ttl(keys.dupefilter_key) > 0
    assert server.zcard(keys.queue_key) == 0

    # A second process in the same job, knowing no URLs from the warehouse, reads the feed and the
    # sitemaps again but fetches no article page: the shared dupefilter filters every one of them.
    second = crawl_source(source, tmp_path / "second", known_urls=set())
    assert second.result.status == "ok", second.result
    assert second.items == [] and second.result.skipped_known == 0
    assert _fetched_article_pages(tmp_path / "second") < _fetched_article_pages(tmp_path / "first") - len(plain.items)
    assert server.scard(keys.dupefilter_key) == seen

    # The control: another job has its own dupefilter and fetches everything again.
    monkeypatch.setenv("ESPEJO_CRAWL_JOB", "night-2")
    third = crawl_source(source, tmp_path / "third", known_urls=set())
    assert _urls(third) == _urls(plain)


@pytest.mark.slow
def test_two_processes_sharing_one_outlet_queue_fetch_each_page_once(two_outlets, crawled, redis_url, tmp_path):
    """Two crawl processes started together on one outlet, one job: together they yield the plain
    crawl's articles, and no article is fetched by both."""
    source = two_outlets.sources["diario-del-norte"]
    plain = crawled["diario-del-norte"]
    env = {**os.environ, "ESPEJO_REDIS_URL": redis_url, "ESPEJO_CRAWL_JOB": "shared-night",
           "PYTHONUNBUFFERED": "1"}
    from espejo.spiders.crawl import ITEMS_FILE, read_items

    procs = []
    for name in ("a", "b"):
        out = tmp_path / name
        out.mkdir()
        (out / "known_urls.txt").write_text("", encoding="utf-8")
        (out / "source.json").write_text(json.dumps(_source_dict(source)), encoding="utf-8")
        with (out / "crawl.log").open("w") as log:
            procs.append(subprocess.Popen([sys.executable, "-m", "espejo.spiders.crawl", "--out", str(out)],
                                          stdout=log, stderr=subprocess.STDOUT, env=env))
    try:
        codes = [p.wait(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert codes == [0, 0]
    a, b = ({i.url for i in read_items(tmp_path / n / ITEMS_FILE)} for n in ("a", "b"))
    assert not a & b
    assert a | b == _urls(plain)
    print(f"\nshared queue: process a {len(a)} articles, process b {len(b)}")


def _source_dict(source) -> dict:
    from dataclasses import asdict

    return asdict(source)


# --------------------------------------------------------------------------------------------------
# Partitioned Parquet export

PARTITIONED = ("articles", "appearances", "sentences", "mentions", "sentiment_scores", "frame_scores", "analyses")
WHOLE = ("runs", "run_sources", "sources")


def _checksum(con, relation: str, columns: list[str]) -> tuple:
    cols = ", ".join(f'"{c}"' for c in columns)
    return con.execute(f"SELECT count(*), bit_xor(hash({cols})), sum(hash({cols})) FROM {relation}").fetchone()


@pytest.fixture(scope="module")
def published(nightly_warehouse, tmp_path_factory) -> dict:
    """A copy of the snapshot the session's nightly runs published (the whole web, both directions)."""
    data = tmp_path_factory.mktemp("published")
    shutil.copy(db.snapshot_path(nightly_warehouse["data_dir"]), db.snapshot_path(data))
    return {"data": data, "latest_run": nightly_warehouse["second"].run_id}


@pytest.mark.slow
def test_export_writes_partitioned_parquet_that_duckdb_reads_back_equal(published, tmp_path):
    from click.testing import CliRunner

    from espejo.cli import main

    target = tmp_path / "export"
    result = CliRunner().invoke(main, ["export", "--parquet", str(target), "--data-dir", str(published["data"])])
    assert result.exit_code == 0, result.output
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] == published["latest_run"] and manifest["code_version"]
    # Nothing but the export: the staging folder was renamed into place.
    assert [p.name for p in tmp_path.iterdir()] == ["export"]

    con = duckdb.connect()
    with db.open_snapshot(published["data"]) as warehouse:
        for table in PARTITIONED + WHOLE:
            columns = [r[0] for r in warehouse.execute(f"DESCRIBE {table}").fetchall()]
            parquet = f"read_parquet('{target}/{table}/**/*.parquet', hive_partitioning = true)"
            expected = _checksum(warehouse, table, columns)
            assert expected[0] > 0, table
            assert _checksum(con, parquet, columns) == expected, table
            assert manifest["tables"][table]["rows"] == expected[0]
    # Tables about articles are split by direction and month of publication, and a reader can prune on it.
    assert {p.name for p in (target / "mentions").iterdir()} == {"direction=us-%3Emx", "direction=mx-%3Eus"}
    assert list((target / "mentions").glob("direction=*/year=*/month=*/*.parquet"))
    by_direction = dict(con.execute(
        f"SELECT direction, count(*) FROM read_parquet('{target}/sentiment_scores/**/*.parquet',"
        " hive_partitioning = true) GROUP BY direction").fetchall())
    assert set(by_direction) == {"us->mx", "mx->us"}
    assert (target / "runs" / "data_0.parquet").is_file()


@pytest.mark.slow
def test_a_new_export_replaces_the_old_one_whole_and_a_foreign_folder_is_left_alone(published, tmp_path):
    from espejo.warehouse.export import export_parquet

    target = tmp_path / "export"
    with db.open_snapshot(published["data"]) as con:
        first = export_parquet(con, target, code_version="test")
        (target / "stale-file-from-an-older-export.txt").write_text("old", encoding="utf-8")
        second = export_parquet(con, target, code_version="test")
        assert second.rows == first.rows > 0
        assert not (target / "stale-file-from-an-older-export.txt").exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]

        foreign = tmp_path / "not-an-export"
        foreign.mkdir()
        (foreign / "precious.txt").write_text("keep me", encoding="utf-8")
        with pytest.raises(FileExistsError):
            export_parquet(con, foreign, code_version="test")
        assert (foreign / "precious.txt").read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export", "not-an-export"]


# --------------------------------------------------------------------------------------------------
# Both options through the command line, end to end


@pytest.fixture(scope="module")
def dask_run(two_outlets, redis_server, tmp_path_factory) -> dict:
    """`espejo run --scoring dask` on a 2-worker cluster over the two outlets, crawling through redis where
    redis-server is installed; its data folder, output and redis URL (or None)."""
    folder = tmp_path_factory.mktemp("dask-run")
    data = folder / "data"
    # A page budget per outlet: the options' path end to end needs a few dozen articles, not every one.
    registry = folder / "budgeted.toml"
    registry.write_text(two_outlets.registry.read_text(encoding="utf-8").replace(
        "[[source]]\n", f"[[source]]\nmax_pages = {BUDGETED_PAGES}\n"), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("ESPEJO_REDIS_URL", "ESPEJO_CRAWL_JOB")}
    # An empty Prefect home, as on a new installation (the other tests' Prefect processes start migrated).
    env.update(PREFECT_HOME=str(folder / "prefect"), PYTHONUNBUFFERED="1")
    redis_option = ["--redis-url", redis_server] if redis_server else []
    # Its own process group, so a timeout takes the crawlers and Dask workers down with it.
    proc = subprocess.Popen(
        [sys.executable, "-m", "espejo.cli", "run", "--sources", str(registry), "--data-dir", str(data),
         "--scoring", "dask", "--dask-workers", "2", *redis_option],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=900)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        raise AssertionError("espejo run did not finish in 15 minutes:\n" + output[-4000:]) from None
    assert proc.returncode == 0, output[-4000:]
    with db.open_snapshot(data) as con:
        run_id = con.execute("SELECT run_id FROM runs").fetchone()[0]
    return {"data": data, "output": output, "redis_url": redis_server, "run_id": run_id}


@pytest.mark.slow
def test_espejo_run_scores_on_dask_equal_to_scoring_in_process(dask_run, models_dir, tmp_path):
    from espejo.flows import dask_scoring, nightly
    from espejo.nlp.analyse import analyse_isolated, chunks_of
    from espejo.nlp.scorers import load_scorer

    assert "score-on-dask" in dask_run["output"] and "distributed.scheduler" in dask_run["output"]
    with db.open_snapshot(dask_run["data"]) as con:
        status, mentions = con.execute("SELECT status, mentions_scored FROM runs").fetchone()
        articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        analysed = con.execute("SELECT count(*) FROM analyses WHERE run_id = ?", [dask_run["run_id"]]).fetchone()[0]
    # Every article was analysed once, by the run that scored it on the cluster.
    assert status == "completed" and articles >= 20 and analysed == articles and mentions > 100, (articles, mentions)

    # The same articles scored the in-process way (the chunks and per-article isolation of the nightly flow's
    # in-process task, flows/scoring.score_new, outside Prefect) give the same rows.
    assert dask_scoring.SCORE_CHUNK == nightly.SCORE_CHUNK  # equal chunks, equal batches, equal scores
    in_process = _copy_warehouse(dask_run["data"], tmp_path / "in-process")
    scorer = load_scorer(models_dir)
    with db.connect(in_process) as con:
        for table in SCORED:
            con.execute(f"DELETE FROM {table}")
        todo = load.articles_to_analyse(con, scorer.model_version)
        assert len(todo) == articles
        for chunk in chunks_of(todo):
            load.store_analyses(con, analyse_isolated(chunk, scorer).analysed, "local-run")
    _assert_same_scores(_scored_rows(in_process), _scored_rows(dask_run["data"]))


@pytest.mark.slow
def test_espejo_run_crawls_through_redis(dask_run):
    if dask_run["redis_url"] is None:
        pytest.skip(NO_REDIS)
    import redis

    # Each outlet's crawl kept its queue and dupefilter in redis, under a job of its own in this run.
    server = redis.Redis.from_url(dask_run["redis_url"], decode_responses=True)
    for key in OUTLETS:
        filters = server.keys(f"espejo:{dask_run['run_id']}-*:{key}:dupefilter")
        assert len(filters) == 1 and server.scard(filters[0]) >= 20, (key, filters)
