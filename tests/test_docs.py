"""Every command has help, and the README documents every command and option a user can type."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from dupfeed.cli.main import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = ""):
    for name, command in group.commands.items():
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from commands(command, f"{prefix}{name} ")


COMMANDS = list(commands(main))


@pytest.mark.parametrize("name, command", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_has_help_and_is_in_the_readme(runner, name, command):
    result = runner.invoke(main, [*name.split(), "--help"])
    assert result.exit_code == 0 and command.help
    assert f"dupfeed {name}" in README


@pytest.mark.parametrize(
    "option", ["--sources", "--sources-feed", "--format", "--output", "--input-format", "--fail-on", "--since", "--author"]
)
def test_scan_options_are_documented(option):
    assert option in README


def test_readme_starts_with_the_two_commands_ci_and_users_run():
    head = README.split("## Usage")[0]
    assert "<!-- demo-command -->" in head and "<!-- test-command -->" in head
    assert "dupfeed scan data/posts.jsonl --sources data/articles" in head
