"""One real browser: Debian's chromium, driven by npm playwright-core (tests/browser/), loads the running
dashboard over the fixture warehouse, waits for a chart and a metric and saves a screenshot.

Needs `/usr/bin/chromium` (apt-get install -y chromium) and `npm ci` in tests/browser; skips, saying
which is missing, otherwise. The screenshot goes under pytest's tmp dir (its path is printed) and is
also copied to $ESPEJO_SCREENSHOT_DIR when that is set.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from espejo.settings import DATA_DIR_ENV

from test_dashboard import APP, build_warehouse

BROWSER_DIR = Path(__file__).resolve().parent / "browser"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
SCREENSHOT_DIR_ENV = "ESPEJO_SCREENSHOT_DIR"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(port: int, process: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


@pytest.fixture
def browser_tools() -> str:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is missing: apt-get install -y nodejs npm")
    if not (BROWSER_DIR / "node_modules" / "playwright-core").is_dir():
        pytest.skip(f"playwright-core is not installed: run `npm ci` in {BROWSER_DIR}")
    return node


def run_in_browser(node: str, data_dir: Path, script: str, url_path: str, screenshot: Path, *args: str,
                   timeout_s: float = 180) -> dict:
    """Serve the dashboard on `data_dir`, run tests/browser/SCRIPT on URL PATH [ARGS] SCREENSHOT in chromium
    and return the JSON line it prints last; the screenshot is also copied to $ESPEJO_SCREENSHOT_DIR when set."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true", "--server.address",
         "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        env={**os.environ, DATA_DIR_ENV: str(data_dir)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        _wait_healthy(port, server)
        result = subprocess.run([node, str(BROWSER_DIR / script), f"http://127.0.0.1:{port}{url_path}", *args,
                                 str(screenshot)], cwd=BROWSER_DIR, capture_output=True, text=True, timeout=timeout_s)
        assert result.returncode == 0, result.stderr[-2000:]
        seen = json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    print(f"screenshot: {screenshot}")
    if os.environ.get(SCREENSHOT_DIR_ENV):
        target = Path(os.environ[SCREENSHOT_DIR_ENV])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(screenshot, target / screenshot.name)
        print(f"copied to: {target / screenshot.name}")
    return seen


@pytest.mark.slow
def test_dashboard_in_a_real_browser(tmp_path, browser_tools):
    data_dir = tmp_path / "data"
    build_warehouse(data_dir)
    screenshot = tmp_path / "espejo-two-mirrors.png"
    seen = run_in_browser(browser_tools, data_dir, "shot.js", "/", screenshot)
    assert seen["title"] == "Two mirrors" and seen["exceptions"] == 0
    assert seen["charts"] >= 6 and seen["metrics"] >= 8
    assert seen["firstMetric"] == "3"  # U.S. media on Mexico: three scored articles in the fixture
    assert screenshot.stat().st_size > 10_000
