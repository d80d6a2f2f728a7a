"""Every command is documented: help text, an example, docs/cli.md up to date, tutorials present."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from provisioner.cli import main

from .conftest import REPO

COMMANDS = sorted(main.list_commands(click.Context(main)))


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_help_and_example(name: str) -> None:
    command = main.get_command(click.Context(main), name)
    assert command is not None and command.help and command.get_short_help_str(80)
    assert "Example:" in command.help, f"`provisioner {name} --help` shows no example"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"provisioner {name} {param.opts[0]} has no help text"


def test_every_command_is_in_docs_cli_md() -> None:
    text = (REPO / "docs" / "cli.md").read_text()
    missing = [name for name in COMMANDS if f"## provisioner {name}\n" not in text]
    assert not missing, f"undocumented commands {missing}: run python docs/generate_cli.py"


def test_docs_cli_md_is_not_stale() -> None:
    run = subprocess.run([sys.executable, str(REPO / "docs" / "generate_cli.py"), "--check"], capture_output=True, text=True,
                         cwd=REPO, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr + " (run python docs/generate_cli.py)"


@pytest.mark.parametrize("group", ["qa", "developers", "ci"])
def test_tutorial_per_user_group(group: str) -> None:
    text = (REPO / "docs" / f"tutorial-{group}.md").read_text()
    assert text.startswith("# ") and "provisioner " in text
