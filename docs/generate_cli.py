"""Write docs/cli.md from the commands' --help, or check that it is up to date.

    python docs/generate_cli.py          # rewrite docs/cli.md
    python docs/generate_cli.py --check  # exit 1 when docs/cli.md is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _generated import write_or_check  # noqa: E402  (docs/ is the script's folder on sys.path)

from provisioner.cli import main  # noqa: E402

OUT = ROOT / "docs" / "cli.md"
WIDTH = 100


def _help(command: click.Command, name: str, parent: click.Context | None = None) -> str:
    ctx = click.Context(command, info_name=name, parent=parent, terminal_width=WIDTH, max_content_width=WIDTH)
    return command.get_help(ctx)


def render() -> str:
    root = click.Context(main, info_name="provisioner", terminal_width=WIDTH, max_content_width=WIDTH)
    parts = [
        "# Command-line reference\n",
        "Generated from `--help` by `python docs/generate_cli.py`; do not edit by hand.",
        "Exit codes: 0 ok, 1 a privacy gate failed (nothing was written), 2 bad input, configuration or connection.\n",
        "## provisioner\n", "```text", _help(main, "provisioner"), "```\n",
    ]
    for name in sorted(main.list_commands(root)):
        command = main.get_command(root, name)
        assert command is not None
        parts += [f"## provisioner {name}\n", "```text", _help(command, name, root), "```\n"]
    return "\n".join(parts)


def main_entry() -> int:
    return write_or_check(OUT, render(), "generate_cli.py")


if __name__ == "__main__":
    sys.exit(main_entry())
