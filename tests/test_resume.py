"""Runs killed with SIGKILL, during crawling and during scoring, each followed by another run, leave the
warehouse equal to that of an uninterrupted run: no article lost, none twice.

Each killed and each resumed run is a real `espejo run` process (Prefect flow, Scrapy subprocesses, DuckDB)
over two outlets of the offline news web; the kill takes the whole process group, crawlers included. The
uninterrupted run they are held to is the same nightly flow, run once in the test process. One night is
killed while crawling, the next while scoring (after it has made the crawl whole), and the third completes:
three runs where two separate scenarios took four.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

OUTLETS = ("midwest-ledger", "diario-del-norte")  # one per direction keeps each run short
# What a run stores, without the columns that name the run that stored it.
CONTENT = {
    "articles": "article_id, canonical_url, source_key, direction, title, text, published, language",
    "appearances": "article_id, source_key, url, published",
    "sentences": "article_id, sentence_index, start_char, end_char, text",
    "mentions": "mention_id, article_id, sentence_index, start_char, end_char, surface, target, kind",
    "sentiment_scores": "mention_id, model_version, label, round(p_negative, 3), round(p_positive, 3)",
    "frame_scores": "article_id, frame, model_version, round(score, 3), evidence_sentence_index",
    "analyses": "article_id, model_version, relevant, mentions_other, round(stance, 3)",
}


CRAWLED = ("articles", "appearances")


def _rows(con, tables) -> dict[str, set]:
    return {t: set(con.execute(f"SELECT {CONTENT[t]} FROM {t}").fetchall()) for t in tables}


def _content(data_dir: Path) -> dict[str, set]:
    con = duckdb.connect(str(data_dir / "snapshot.duckdb"), read_only=True)
    try:
        return _rows(con, CONTENT)
    finally:
        con.close()


def _left_by_a_killed_run(data_dir: Path, copy_dir: Path) -> dict[str, set]:
    """What the warehouse of a killed run holds of `CRAWLED`, read from a copy so the next run meets the
    files (and write-ahead log) exactly as the kill left them."""
    copy_dir.mkdir()
    for path in data_dir.glob("espejo.duckdb*"):
        shutil.copy(path, copy_dir / path.name)
    con = duckdb.connect(str(copy_dir / "espejo.duckdb"))
    try:
        return _rows(con, CRAWLED)
    finally:
        con.close()


class EspejoRun:
    """`espejo run` in its own process group, its output watched line by line."""

    def __init__(self, data_dir: Path, registry: Path, prefect_home: Path):
        env = {**os.environ, "PREFECT_HOME": str(prefect_home), "PYTHONUNBUFFERED": "1"}
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "espejo.cli", "run", "--sources", str(registry), "--data-dir", str(data_dir)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_for(self, condition, timeout_s: float = 300) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if self.proc.poll() is not None:
                raise AssertionError("the run ended before the kill point:\n" + "".join(self.lines[-30:]))
            if time.monotonic() > deadline:
                raise AssertionError("kill point not reached:\n" + "".join(self.lines[-30:]))
            time.sleep(0.02)

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def finish(self, timeout_s: float = 900) -> int:
        code = self.proc.wait(timeout=timeout_s)
        self._reader.join(timeout=10)
        return code


def _crawl_has_items(data_dir: Path) -> bool:
    return any(p.stat().st_size > 0 for p in (data_dir / "runs").glob("*/*/items.jsonl"))


@pytest.fixture(scope="module")
def two_outlets(news_web, tmp_path_factory) -> Path:
    """A registry naming two outlets of the session's offline news web (tests/conftest.py)."""
    return news_web.registry_for(OUTLETS, tmp_path_factory.mktemp("resume") / "two-outlets.toml")


@pytest.fixture
def espejo_run(two_outlets, prefect_home, models_dir):
    """Start `espejo run` over the two outlets on a data folder (its Prefect home inside it, kept across runs)."""
    return lambda data_dir: EspejoRun(data_dir, two_outlets, prefect_home(data_dir / "prefect"))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, two_outlets, models_dir, prefect_db):
    from espejo.flows.nightly import nightly

    data_dir = tmp_path_factory.mktemp("uninterrupted")
    report = nightly(data_dir=str(data_dir), sources_file=str(two_outlets), run_label="uninterrupted")
    assert report.status == "completed", report
    content = _content(data_dir)
    assert len(content["articles"]) >= 40 and content["sentiment_scores"]
    return content


def test_runs_killed_while_crawling_and_while_scoring_are_made_whole_by_the_next_runs(
        tmp_path, espejo_run, uninterrupted):
    data_dir = tmp_path / "data"
    killed_crawling = espejo_run(data_dir)
    killed_crawling.wait_for(lambda: _crawl_has_items(data_dir))
    killed_crawling.kill()

    # The next night finds the interrupted run, makes its crawl whole, and is itself killed while scoring.
    killed_scoring = espejo_run(data_dir)
    killed_scoring.wait_for(lambda: any("scored 32/" in line for line in killed_scoring.lines))
    killed_scoring.kill()
    assert any("was interrupted" in line for line in killed_scoring.lines), "".join(killed_scoring.lines[-40:])
    crawled = {t: uninterrupted[t] for t in CRAWLED}
    assert _left_by_a_killed_run(data_dir, tmp_path / "after-second-kill") == crawled

    resumed = espejo_run(data_dir)
    assert resumed.finish() == 0, "".join(resumed.lines[-40:])
    assert any("scoring" in line and "new articles" in line for line in resumed.lines)
    assert _content(data_dir) == uninterrupted
