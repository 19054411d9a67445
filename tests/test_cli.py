"""The CLI reads like the README: every command answers --help, and the README names every command."""

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from espejo.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield prefix + (name,)
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


@pytest.mark.parametrize("path", list(_commands(main)), ids=" ".join)
def test_every_command_has_help_and_is_in_the_readme(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert f"espejo {' '.join(path)}" in README, f"README does not document `espejo {' '.join(path)}`"


def test_stats_on_an_empty_data_dir_prints_zero_counts(tmp_path):
    result = CliRunner().invoke(main, ["stats", "--json", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"articles": {}, "scored_mentions": {"us->mx": 0, "mx->us": 0},
                                         "frames_scored": 0, "runs": 0, "stories": 0,
                                         "cross_country_stories": 0}


def test_sources_check_reports_a_bad_registry_clearly(tmp_path):
    bad = tmp_path / "sources.toml"
    bad.write_text('[[source]]\nkey = "x"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["sources", "check", "--sources", str(bad)])
    assert result.exit_code == 2
    assert "source #1 (x): name is required" in result.output
