"""Runs killed with SIGKILL, during crawling and during scoring, then followed by a normal run, leave
the warehouse equal to that of an uninterrupted run: no article lost, none twice.

Each killed and each resumed run is a real `espejo run` process (Prefect flow, Scrapy subprocesses, DuckDB)
over two outlets of the offline news web; the kill takes the whole process group, crawlers included. The
uninterrupted run they are held to is the same nightly flow, run once in the test process.
"""

from __future__ import annotations

import os
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


def _content(data_dir: Path) -> dict[str, set]:
    con = duckdb.connect(str(data_dir / "snapshot.duckdb"), read_only=True)
    try:
        return {t: set(con.execute(f"SELECT {cols} FROM {t}").fetchall()) for t, cols in CONTENT.items()}
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


def test_a_run_killed_while_crawling_is_made_whole_by_the_next_run(tmp_path, espejo_run, uninterrupted):
    killed = espejo_run(tmp_path)
    killed.wait_for(lambda: _crawl_has_items(tmp_path))
    killed.kill()
    resumed = espejo_run(tmp_path)
    assert resumed.finish() == 0, "".join(resumed.lines[-40:])
    assert any("was interrupted" in line for line in resumed.lines)
    assert _content(tmp_path) == uninterrupted


def test_a_run_killed_while_scoring_is_made_whole_by_the_next_run(tmp_path, espejo_run, uninterrupted):
    killed = espejo_run(tmp_path)
    killed.wait_for(lambda: any("scored 32/" in line for line in killed.lines))
    killed.kill()
    resumed = espejo_run(tmp_path)
    assert resumed.finish() == 0, "".join(resumed.lines[-40:])
    assert any("scoring" in line and "new articles" in line for line in resumed.lines)
    assert _content(tmp_path) == uninterrupted
