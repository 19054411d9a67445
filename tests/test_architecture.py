"""The dependency rule holds: import-linter keeps every contract in pyproject.toml ([tool.importlinter]).

The top-level folders are installed as espejo.* (setuptools package-dir), a layout import-linter cannot see
in the checkout, so the check runs on a tree of links laid out as installed, built from pyproject.toml.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"


def installed_layout(target: Path) -> Path:
    """Link every module of every listed package under `target` where installing would put it."""
    setuptools = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["setuptools"]
    folders = setuptools["package-dir"]
    for package in setuptools["packages"]:
        # A package without its own entry lies inside its nearest mapped parent's folder.
        parts = package.split(".")
        mapped = next(".".join(parts[:i]) for i in range(len(parts), 0, -1) if ".".join(parts[:i]) in folders)
        source = ROOT / folders[mapped] / Path(*parts[len(mapped.split(".")):])
        destination = target.joinpath(*parts)
        destination.mkdir(parents=True, exist_ok=True)
        for module in source.glob("*.py"):
            (destination / module.name).symlink_to(module)
    return target


def lint_imports(layout: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()",
               str(PYPROJECT), "--no-cache"]
    # The layout first on the path (and as the working folder), ahead of the editable install's finder.
    return subprocess.run(command, cwd=layout, env={**os.environ, "PYTHONPATH": str(layout)},
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def layout(tmp_path) -> Path:
    return installed_layout(tmp_path / "site")


def test_every_import_follows_the_dependency_rule(layout):
    result = lint_imports(layout)
    report = result.stdout + result.stderr
    assert "No module named 'importlinter'" not in report, "install the test extras: pip install -e '.[test]'"
    assert result.returncode == 0, report
    assert " kept, 0 broken." in report, report  # the contracts were read and checked


def test_the_check_fails_on_an_import_against_the_rule(layout):
    """A warehouse module that reads the dashboard's topics file, as aggregate.py once did, breaks two contracts."""
    (layout / "espejo" / "warehouse" / "upward.py").write_text(
        "from espejo.dashboards.filters import load_topics\n", encoding="utf-8")
    result = lint_imports(layout)
    report = result.stdout + result.stderr
    assert result.returncode != 0, report
    assert "espejo.warehouse.upward -> espejo.dashboards.filters" in report, report
