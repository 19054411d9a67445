"""Runs killed with SIGKILL, during crawling and during scoring, then followed by a normal run, leave
the warehouse equal to that of an uninterrupted run: no article lost, none twice.

Each run is a real `espejo run` process (Prefect flow, Scrapy subprocesses, DuckDB) over two outlets of
the offline news web; the kill takes the whole process group, crawlers included.
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

from espejo.demo import free_ports, registry_toml, running_newsweb
from espejo.newsweb.outlets import DEMO_OUTLETS

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

    def __init__(self, data_dir: Path, registry: Path):
        env = {**os.environ, "PREFECT_HOME": str(data_dir / "prefect"), "PYTHONUNBUFFERED": "1"}
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
def news_web(tmp_path_factory, models_dir):
    site_home = tmp_path_factory.mktemp("resume-web")
    ports = dict(zip((o.key for o in DEMO_OUTLETS), free_ports(len(DEMO_OUTLETS))))
    with running_newsweb(site_home, ports):
        registry = site_home / "two-outlets.toml"
        full = registry_toml(ports).split("[[source]]")
        registry.write_text("".join("[[source]]" + block for block in full if any(f'"{k}"' in block for k in OUTLETS)),
                            encoding="utf-8")
        yield registry


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, news_web):
    data_dir = tmp_path_factory.mktemp("uninterrupted")
    run = EspejoRun(data_dir, news_web)
    assert run.finish() == 0, "".join(run.lines[-40:])
    content = _content(data_dir)
    assert len(content["articles"]) >= 40 and content["sentiment_scores"]
    return content


def test_a_run_killed_while_crawling_is_made_whole_by_the_next_run(tmp_path, news_web, uninterrupted):
    killed = EspejoRun(tmp_path, news_web)
    killed.wait_for(lambda: _crawl_has_items(tmp_path))
    killed.kill()
    resumed = EspejoRun(tmp_path, news_web)
    assert resumed.finish() == 0, "".join(resumed.lines[-40:])
    assert any("was interrupted" in line for line in resumed.lines)
    assert _content(tmp_path) == uninterrupted


def test_a_run_killed_while_scoring_is_made_whole_by_the_next_run(tmp_path, news_web, uninterrupted):
    killed = EspejoRun(tmp_path, news_web)
    killed.wait_for(lambda: any("scored 32/" in line for line in killed.lines))
    killed.kill()
    resumed = EspejoRun(tmp_path, news_web)
    assert resumed.finish() == 0, "".join(resumed.lines[-40:])
    assert any("scoring" in line and "new articles" in line for line in resumed.lines)
    assert _content(tmp_path) == uninterrupted
