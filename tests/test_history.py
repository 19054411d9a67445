"""History: `espejo backfill --warc` and `espejo rescore --model`, with real parts.

The WARC files are built here with warcio from the offline news web's pages on disk (response records
with the HTTP headers its server sends); a real crawl of one outlet comes first, so the backfill meets
articles already stored. A real Prefect flow, a real DuckDB file and the real e5-small models score them.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from espejo.cli import main
from espejo.demo import free_ports, registry_toml, running_newsweb
from espejo.newsweb.generate import build_site, file_for
from espejo.newsweb.outlets import DEMO_OUTLETS
from espejo.records import Source
from espejo.spiders.warc import BackfillFilter, SourceIndex, WarcCounts, WarcError, read_warc
from espejo.warehouse import db

CRAWLED = "midwest-ledger"  # crawled first, with a small page budget
WARC_DATE = "2026-11-20T08:30:00Z"
SCORE_TABLES = {
    "sentiment_scores": "mention_id, label, p_negative, p_neutral, p_positive, run_id",
    "frame_scores": "article_id, frame, score, evidence_sentence_index, run_id",
    "analyses": "article_id, run_id, relevant, mentions_other, stance",
}


# ----------------------------------------------------------------------------- building WARC files

class Site:
    """The offline news web on disk: each page's bytes and the headers its server sends."""

    def __init__(self, site_dir: Path):
        self.dir = site_dir
        self.manifest = json.loads((site_dir / "manifest.json").read_text(encoding="utf-8"))
        self.bases = {o["key"]: o["base_url"] for o in self.manifest["outlets"]}
        self.headers = {key: json.loads((site_dir / key / "_server.json").read_text(encoding="utf-8"))["headers"]
                        for key in self.bases}

    def page(self, outlet: str, url: str) -> tuple[bytes, str]:
        rel = file_for(url.removeprefix(self.bases[outlet]))
        content_type = self.headers[outlet].get(rel, {}).get("Content-Type", "text/html; charset=utf-8")
        return (self.dir / outlet / rel).read_bytes(), content_type

    def articles(self, outlet: str, on_topic: bool = True) -> list[dict]:
        return [a for a in self.manifest["articles"]
                if a["outlet"] == outlet and bool(a["target"]) == on_topic and not a["wire"]]


def write_response(writer: WARCWriter, url: str, body: bytes, content_type: str,
                   status: str = "200 OK", extra: list[tuple[str, str]] = ()) -> None:
    headers = StatusAndHeaders(status, [("Content-Type", content_type), ("Content-Length", str(len(body))),
                                        *extra], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                                  warc_headers_dict={"WARC-Date": WARC_DATE}))


def write_request(writer: WARCWriter, url: str) -> None:
    path = "/" + url.split("/", 3)[3]
    headers = StatusAndHeaders(f"GET {path} HTTP/1.1", [("Host", url.split("/")[2])], is_http_request=True)
    writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=headers))


def write_pages(writer: WARCWriter, site: Site, outlet: str, urls: list[str], with_requests: bool = False) -> None:
    for url in urls:
        if with_requests:
            write_request(writer, url)
        write_response(writer, url, *site.page(outlet, url))


# ----------------------------------------------------------------------------- fast unit tests

def _source(key: str, homepage: str, domains: tuple[str, ...]) -> Source:
    return Source(key=key, name=key, country="US", language="en", homepage=homepage,
                  feeds=(homepage + "feed.xml",), allowed_domains=domains)


def test_a_host_maps_to_one_source_or_none():
    index = SourceIndex([
        _source("a", "http://127.0.0.1:8001/", ("127.0.0.1",)),
        _source("b", "http://127.0.0.1:8002/", ("127.0.0.1",)),
        _source("paper", "https://www.paper.com/", ("paper.com",)),
        _source("paper-es", "https://es.paper.com/", ("es.paper.com",)),
    ])
    assert index.source_for("http://127.0.0.1:8002/news/x.html").key == "b"
    assert index.source_for("https://www.paper.com/2025/story").key == "paper"
    assert index.source_for("https://amp.paper.com/2025/story").key == "paper"  # a subdomain of an allowed one
    assert index.source_for("https://es.paper.com/2025/nota").key == "paper-es"  # the most specific domain
    assert index.source_for("http://127.0.0.1:9999/x") is None  # two sources allow 127.0.0.1: not guessed
    assert index.source_for("https://otherpaper.com/x") is None


def test_a_file_that_is_not_a_warc_or_breaks_off_is_refused_with_what_was_read_kept(tmp_path):
    site_dir = tmp_path / "newsweb"
    build_site(site_dir)
    site = Site(site_dir)
    index = SourceIndex([_source(o.key, site.bases[o.key] + "/", ("127.0.0.1",)) for o in DEMO_OUTLETS])
    urls = [a["url"] for a in site.articles("harbor-courier")[:4]]
    whole = tmp_path / "whole.warc.gz"
    with whole.open("wb") as handle:
        write_pages(WARCWriter(handle, gzip=True), site, "harbor-courier", urls)
    with whole.open("rb") as handle:
        records = ArchiveIterator(handle)
        offsets = [(records.get_record_offset(), records.get_record_length()) for _ in records]
    assert len(offsets) == 4
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole.read_bytes()[:offsets[3][0] + offsets[3][1] // 2])
    plain = tmp_path / "cut.warc"
    raw = gzip.decompress(whole.read_bytes())
    plain.write_bytes(raw[:len(raw) - 500])
    not_warc = tmp_path / "notes.warc"
    not_warc.write_text("these are notes, not an archive\n", encoding="utf-8")

    counts = WarcCounts(str(whole))
    assert [i.fetched_url for i in read_warc(whole, index, BackfillFilter(), counts)] == urls
    assert counts.records == counts.responses == counts.items == 4

    for broken, kept in ((cut, 3), (plain, 3)):
        items = []
        with pytest.raises(WarcError, match="truncated") as err:
            for item in read_warc(broken, index, BackfillFilter(), WarcCounts(str(broken))):
                items.append(item)
        assert str(broken) in str(err.value)
        assert [i.fetched_url for i in items] == urls[:kept]
        assert all(i.fetched_at == "2026-11-20T08:30:00+00:00" for i in items)
    with pytest.raises(WarcError, match="not a WARC file"):
        list(read_warc(not_warc, index, BackfillFilter(), WarcCounts(str(not_warc))))


# ----------------------------------------------------------------------------- end to end

def _query(data_dir: Path, sql: str, params: list | None = None):
    with db.open_snapshot(data_dir) as con:
        return con.execute(sql, params or []).fetchall()


def _scores_checksum(data_dir: Path, model_version: str) -> dict[str, tuple]:
    sums = {}
    with db.open_snapshot(data_dir) as con:
        for table, columns in SCORE_TABLES.items():
            sums[table] = con.execute(
                f"SELECT count(*), md5(string_agg(concat_ws('|', {columns}), ',' ORDER BY concat_ws('|', {columns})))"
                f" FROM {table} WHERE model_version = ?", [model_version]).fetchone()
    return sums


@pytest.fixture(scope="module")
def history(tmp_path_factory, models_dir, prefect_db):
    """A small crawl of one outlet, then a backfill of WARC files built from the offline news web."""
    from espejo.flows.history import backfill
    from espejo.flows.nightly import nightly

    data_dir = tmp_path_factory.mktemp("history")
    warcs = tmp_path_factory.mktemp("warcs")
    ports = dict(zip((o.key for o in DEMO_OUTLETS), free_ports(len(DEMO_OUTLETS))))
    build_site(data_dir / "newsweb", ports)
    registry = data_dir / "sources.toml"
    registry.write_text(registry_toml(ports).replace(f'key = "{CRAWLED}"\n', f'key = "{CRAWLED}"\nmax_pages = 12\n'),
                        encoding="utf-8")
    with running_newsweb(data_dir, ports):
        crawl = nightly(data_dir=str(data_dir), sources_file=str(registry), source_keys=[CRAWLED],
                        run_label="history-crawl")
    crawled = [url for (url,) in _query(data_dir, "SELECT url FROM appearances")]
    assert crawl.articles_new >= 2, crawl

    site = Site(data_dir / "newsweb")
    harbor = [a["url"] for a in site.articles("harbor-courier")[:8]]
    heraldo = [a["url"] for a in site.articles("heraldo-del-valle")[:8]]
    capital = [a["url"] for a in site.articles("capital-dispatch")[:4]]
    wire = [a for a in site.manifest["articles"] if a["wire"] and a["outlet"] != CRAWLED]
    off_topic = {key: site.articles(key, on_topic=False)[0]["url"] for key in ("harbor-courier", "heraldo-del-valle")}
    unknown_host_url = "http://news.unknown-outlet.example/2026/11/story.html"

    # a.warc (plain): request + response pairs, a front page, a feed, a redirect, an off-topic story,
    # a page from a host of no registry source, and two pages the crawl already stored.
    with (warcs / "a.warc").open("wb") as handle:
        writer = WARCWriter(handle, gzip=False)
        writer.write_record(writer.create_warcinfo_record("a.warc", {"software": "espejo tests"}))
        write_pages(writer, site, "harbor-courier", harbor, with_requests=True)
        write_pages(writer, site, "harbor-courier", [off_topic["harbor-courier"], site.bases["harbor-courier"] + "/",
                                                     site.bases["harbor-courier"] + "/feed.xml"])
        write_response(writer, site.bases["harbor-courier"] + "/old-address.html", b"", "text/html",
                       status="301 Moved Permanently", extra=[("Location", harbor[0])])
        write_response(writer, unknown_host_url, *site.page("harbor-courier", harbor[1]))
        write_pages(writer, site, CRAWLED, crawled[:2])
    # b.warc.gz: a Mexican outlet, one page twice, and the wire story as each outlet ran it.
    with (warcs / "b.warc.gz").open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        write_pages(writer, site, "heraldo-del-valle", heraldo + [heraldo[0], off_topic["heraldo-del-valle"]])
        for copy in wire:
            write_pages(writer, site, copy["outlet"], [copy["url"]])
    # c.warc.gz breaks off in its fourth record; notes.warc is no WARC file at all.
    with (warcs / "c.warc.gz").open("wb") as handle:
        write_pages(WARCWriter(handle, gzip=True), site, "capital-dispatch", capital)
    with (warcs / "c.warc.gz").open("rb") as handle:
        records = ArchiveIterator(handle)
        last = [(records.get_record_offset(), records.get_record_length()) for _ in records][-1]
    (warcs / "c.warc.gz").write_bytes((warcs / "c.warc.gz").read_bytes()[:last[0] + last[1] // 2])
    (warcs / "notes.warc").write_text("not an archive\n", encoding="utf-8")

    files = [str(warcs / name) for name in ("a.warc", "b.warc.gz", "c.warc.gz", "notes.warc")]
    first = backfill(warc_files=files, data_dir=str(data_dir), sources_file=str(registry), run_label="test")
    expected = {
        "new_urls": set(harbor + heraldo + capital[:3] + [c["url"] for c in wire]),
        # The wire story is one new article, unless the crawl (capped at 12 pages, in whatever order the
        # pages came back) already stored the crawled outlet's copy of it: then its copies are new appearances.
        "stories": len(harbor) + len(heraldo) + len(capital[:3])
        + (0 if any(a["wire"] and a["url"] in crawled for a in site.manifest["articles"]) else 1),
        "not_stored": {unknown_host_url, *off_topic.values()},
    }
    return {"data_dir": data_dir, "registry": registry, "ports": ports, "files": files, "crawl": crawl, "crawled": crawled,
            "first": first, "expected": expected, "wire": wire,
            "published": {a["url"]: a["published"] for a in site.manifest["articles"]}}


@pytest.mark.slow
def test_backfill_stores_the_on_topic_articles_of_the_warc_files_scored_and_aggregated(history):
    data_dir, first, expected = history["data_dir"], history["first"], history["expected"]
    new = {url for (url,) in _query(data_dir, "SELECT url FROM appearances WHERE first_run_id = ?", [first.run_id])}
    assert new == expected["new_urls"]
    assert first.articles_new == expected["stories"]  # the wire story is one article with several outlets
    assert first.appearances_new == len(expected["new_urls"])
    stored = {url for (url,) in _query(data_dir, "SELECT url FROM appearances")}
    assert not stored & expected["not_stored"]

    a, b, c, notes = first.files
    assert (a.not_html, a.not_ok, a.unknown_host, a.known, a.not_article, a.irrelevant) == (1, 1, 1, 2, 1, 1)
    assert a.records == 2 * 8 + 5 + 2 + 1  # 8 request/response pairs, 5 other responses, 2 crawled, warcinfo
    assert a.unknown_hosts == {"news.unknown-outlet.example": 1}
    assert (b.duplicate, b.irrelevant) == (1, 1)
    assert "truncated" in c.error and c.items == 3
    assert "not a WARC file" in notes.error and notes.records == 0

    # Scored by the run's model version, visible in the dashboard's tables, fetched_at from WARC-Date.
    articles, analysed, in_facts = _query(data_dir, (
        "SELECT count(*), count(x.article_id), count(f.article_id) FROM articles a"
        " LEFT JOIN analyses x ON x.article_id = a.article_id AND x.model_version = ?"
        " LEFT JOIN agg_article_facts f ON f.article_id = a.article_id AND f.model_version = ?"
        " WHERE a.first_run_id = ?"), [first.model_version, first.model_version, first.run_id])[0]
    assert articles == analysed == in_facts == expected["stories"]
    assert first.mentions_scored > 2 * expected["stories"]
    fetched = {str(v) for (v,) in _query(data_dir, "SELECT DISTINCT fetched_at FROM articles WHERE first_run_id = ?",
                                         [first.run_id])}
    assert fetched == {"2026-11-20 08:30:00"}
    published = dict(_query(data_dir, "SELECT url, CAST(published AS VARCHAR) FROM appearances WHERE first_run_id = ?",
                            [first.run_id]))
    assert published == {url: history["published"][url] for url in expected["new_urls"]}
    status, notes_text, items = _query(data_dir, "SELECT status, notes, items_crawled FROM runs WHERE run_id = ?",
                                       [first.run_id])[0]
    assert status == "completed_with_failures" and items == sum(f.items for f in first.files)
    assert notes_text.startswith("backfill from 4 WARC files; 2 not read to the end")
    per_outlet = dict(_query(data_dir, "SELECT source_key, items FROM run_sources WHERE run_id = ?", [first.run_id]))
    wire_at = {outlet: sum(c["outlet"] == outlet for c in history["wire"]) for outlet in per_outlet}
    assert per_outlet["harbor-courier"] == 8 + wire_at["harbor-courier"]
    assert per_outlet["heraldo-del-valle"] == 8 + wire_at["heraldo-del-valle"]


@pytest.mark.slow
def test_backfilling_the_same_files_again_adds_nothing(history):
    data_dir = history["data_dir"]
    before = _query(data_dir, "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM appearances),"
                              " (SELECT count(*) FROM sentiment_scores), (SELECT count(*) FROM runs)")[0]
    result = CliRunner().invoke(main, ["backfill", "--data-dir", str(data_dir), "--sources", str(history["registry"]),
                                       "--warc", *history["files"]])
    assert result.exit_code == 1, result.output  # the two broken files are still reported
    assert "new articles 0, new appearances 0, mentions scored 0" in result.output
    assert "not a WARC file" in result.output and "truncated" in result.output
    after = _query(data_dir, "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM appearances),"
                             " (SELECT count(*) FROM sentiment_scores), (SELECT count(*) FROM runs)")[0]
    assert after[:3] == before[:3] and after[3] == before[3] + 1


@pytest.mark.slow
def test_rescore_adds_a_model_version_beside_the_old_one(history, monkeypatch):
    from espejo.dashboards import data as dashboard_data
    from espejo.flows.history import rescore

    data_dir, old = history["data_dir"], history["first"].model_version
    old_scores = _scores_checksum(data_dir, old)
    articles = _query(data_dir, "SELECT count(*) FROM articles")[0][0]
    assert old_scores["analyses"][0] == articles

    runner = CliRunner()
    result = runner.invoke(main, ["rescore", "--data-dir", str(data_dir), "--model", "zeroshot"])
    assert result.exit_code == 0, result.output
    new = result.output.split("model version ", 1)[1].split()[0]
    assert new != old and "zeroshot" in new
    assert f"articles scored {articles}," in result.output

    both = _query(data_dir, "SELECT count(*) FROM articles a WHERE (SELECT count(DISTINCT model_version)"
                            " FROM analyses x WHERE x.article_id = a.article_id AND x.model_version IN (?, ?)) = 2",
                  [old, new])[0][0]
    assert both == articles
    assert _scores_checksum(data_dir, old) == old_scores
    assert _query(data_dir, "SELECT count(*) FROM sentiment_scores WHERE model_version = ?", [new])[0][0] > 0
    # The dashboard's model-version selector offers both: the nightly runs' version first (the dashboard
    # opens on it), the rescored one beside it for comparison.
    assert dashboard_data.model_versions(data_dir)[:2] == [old, new]
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ESPEJO_DATA_DIR", str(data_dir))
    app = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboards" / "streamlit_app.py"),
                            default_timeout=120)
    app.run()  # the sidebar's selector; the pages themselves are the end-to-end test's business
    assert app.selectbox(key="model_version").options[:2] == [old, new]
    assert app.selectbox(key="model_version").value == old
    listed = runner.invoke(main, ["rescore", "--data-dir", str(data_dir), "--list"])
    assert listed.exit_code == 0 and f"{new}  {articles} articles" in listed.output
    assert f"{old}  {articles} articles" in listed.output and "zeroshot" in listed.output

    again = rescore(model="zeroshot", data_dir=str(data_dir))
    assert (again.articles_scored, again.mentions_scored, again.model_version) == (0, 0, new)
    assert _scores_checksum(data_dir, new)["analyses"][0] == articles


def test_rescore_names_an_unknown_model_configuration(tmp_path):
    result = CliRunner().invoke(main, ["rescore", "--data-dir", str(tmp_path), "--model", "bigger"])
    assert result.exit_code == 2
    assert "'bigger' is neither a named model configuration (default, previous, trained, zeroshot) nor a file" in result.output


@pytest.mark.slow
def test_codings_retrain_the_models_and_rescore_under_the_new_version(history, tmp_path):
    """Issue 10's loop with real parts: sample, two coders, retrain sentiment and frames with the codings,
    rescore, and the report of the new version keeps trained-on items apart from held-out ones. The codes come
    from the tones and frames the offline web planted (a simulated coder, and a second one that errs)."""
    import csv
    import tomllib

    from espejo.dashboards import data as dashboard_data
    from espejo.newsweb.planted_codings import SHEET_COLUMNS, planted_rows
    from espejo.warehouse import codings

    data_dir, base = history["data_dir"], history["first"].model_version
    runner = CliRunner()

    def cli(*args: str) -> str:
        result = runner.invoke(main, [*args, "--data-dir", str(data_dir)])
        assert result.exit_code == 0, result.output
        return result.output

    cli("codings", "sample", "--name", "loop", "--mentions", "40", "--articles", "12", "--overlap", "0.4",
        "--model-version", base)
    cli("codings", "export", "loop", "--out", str(tmp_path))
    with (tmp_path / "loop.csv").open(encoding="utf-8", newline="") as handle:
        exported = list(csv.DictReader(handle))
    manifest = json.loads((data_dir / "newsweb" / "manifest.json").read_text(encoding="utf-8"))
    for coder, options in (("planted", {}), ("second", {"flip": 0.2, "overlap_only": True, "seed": 3})):
        rows = planted_rows(exported, manifest, coder, **options)
        assert rows, coder
        with (tmp_path / f"{coder}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=SHEET_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        cli("codings", "import", str(tmp_path / f"{coder}.csv"))
    assert codings.coders(data_dir, "loop") == ["planted", "second"]

    # No ../shared data in the loop (the replayed realnews file is named away): fast, and the same everywhere.
    absent = str(tmp_path / "absent.jsonl")
    sentiment = json.loads(cli("train", "sentiment", "--with-codings", "loop", "--holdout", "0.3",
                               "--realnews", absent, "--epochs", "1").splitlines()[-1])
    frames = json.loads(cli("train", "frames", "--with-codings", "loop", "--holdout", "0.3",
                            "--realnews", absent).splitlines()[-1])
    assert sentiment["models_config"] == frames["models_config"]  # one configuration names both
    config = tomllib.loads(Path(sentiment["models_config"]).read_text(encoding="utf-8"))
    assert config["sentiment"]["artifact"].endswith("target-sentiment") and config["frames"]["artifact"].endswith("frames")
    assert sentiment["model_version"] != sentiment["base_model_version"] == base.split("+")[0]
    assert "loop" in (Path(sentiment["artifact"]) / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert sentiment["holdout"]["before"]["n"] == sentiment["holdout_items"] > 0

    rescored = cli("rescore", "--model", sentiment["models_config"])
    new = rescored.split("model version ", 1)[1].split()[0]
    assert new == f"{sentiment['model_version']}+{frames['model_version']}"
    assert new in dashboard_data.model_versions(data_dir)  # the dashboard's selector lists it

    report = json.loads(cli("codings", "report", "loop", "--model-version", new, "--json").splitlines()[-1])
    roles = codings.training_roles(data_dir, "loop", new)
    mention_roles = {k: v for k, v in roles.items() if ":" in k}  # mention ids are article:start:end
    model = report["mentions"]["model"]
    assert model["train"]["n"] == sentiment["train_items"] and model["holdout"]["n"] == sentiment["holdout_items"]
    assert model["train"]["n"] + model["holdout"]["n"] == model["all"]["n"]
    assert sorted(set(mention_roles.values())) == ["holdout", "train"]
    # The sample's own version was trained on none of them.
    assert codings.training_roles(data_dir, "loop", base) == {}


@pytest.mark.slow
def test_coding_goes_on_while_a_nightly_run_holds_the_warehouse(history, prefect_home, tmp_path):
    """A real nightly run (a second crawl of one outlet, as `espejo run`) holds espejo.duckdb from start to end;
    coders write to codings.duckdb meanwhile, each coding at once, and neither waits for the other."""
    import fcntl
    import os
    import subprocess
    import sys
    import time

    from espejo.warehouse import codings

    data_dir = history["data_dir"]
    result = CliRunner().invoke(main, ["codings", "sample", "--name", "during-run", "--mentions", "30", "--articles",
                                       "5", "--model-version", history["first"].model_version,
                                       "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output

    def run_holds_the_lock() -> bool:
        with (data_dir / "run.lock").open("a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    env = {**os.environ, "PREFECT_HOME": str(prefect_home(tmp_path / "prefect"))}
    with running_newsweb(data_dir, history["ports"]):
        run = subprocess.Popen([sys.executable, "-m", "espejo.cli", "run", "--sources", str(history["registry"]),
                                "--source", CRAWLED, "--data-dir", str(data_dir)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 120
            while not run_holds_the_lock() and run.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            coded, during, slowest = [], 0, 0.0
            while (item := codings.next_item(data_dir, "during-run", "ana", "mention")) is not None:
                held = run_holds_the_lock()
                started = time.monotonic()
                codings.record_coding(data_dir, "during-run", item["item_id"], "ana", label="neutral")
                slowest = max(slowest, time.monotonic() - started)
                coded.append(item["item_id"])
                during += held
                time.sleep(0.2)  # a coder's pace, so the run's stages pass underneath
            output, _ = run.communicate(timeout=300)
        finally:
            if run.poll() is None:
                run.kill()
    assert run.returncode == 0, output[-3000:]
    assert during >= 5, f"only {during} codings were made while the run held the warehouse"
    assert slowest < 2.0  # never waited for the run
    saved = codings.codings(data_dir, "during-run")
    assert sorted(saved["item_id"]) == sorted(coded) and len(coded) == 30

