"""Every command is documented: help text, an example, docs/cli.md up to date, tutorials present."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


def test_docs_config_md_is_not_stale() -> None:
    run = subprocess.run([sys.executable, str(REPO / "docs" / "generate_config.py"), "--check"], capture_output=True, text=True,
                         cwd=REPO)
    assert run.returncode == 0, run.stderr + " (run python docs/generate_config.py)"


def test_every_config_field_has_help_text() -> None:
    import dataclasses

    from provisioner.config import settings

    for cls in (settings.Config, settings.TrainConfig, settings.PrivacyConfig, settings.TableConfig, settings.ColumnConfig,
                settings.Relationship):
        missing = [f.name for f in dataclasses.fields(cls) if not f.metadata.get("doc")]
        assert not missing, f"{cls.__name__}: {missing} have no field(metadata={{'doc': ...}})"


def test_the_example_in_docs_config_md_loads_and_fits_chinook(chinook_url: str, tmp_path: Path) -> None:
    """The complete example of docs/config.md is a valid config, and every table and column it names is Chinook's."""
    from provisioner.config import load_config
    from provisioner.model.validate import validate
    from provisioner.pg import connect as db
    from provisioner.schema.reflect import reflect

    text = (REPO / "docs" / "config.md").read_text()
    example = text.split("## A complete example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "provisioner.yaml"
    path.write_text(example)
    config = load_config(path, environ={"PROD_DATABASE_URL": chinook_url})
    assert config.relationships and config.table("customer").columns["email"].faker == "email"
    assert config.table("playlist_track").model == "skip" and config.pii_remove == ("customer.city",)
    engine = db.source_engine(chinook_url)
    try:
        snapshot = reflect(engine, config.schemas)
    finally:
        engine.dispose()
    validate(snapshot, config)
