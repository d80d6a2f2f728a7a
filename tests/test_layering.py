"""The core never imports click: only cli.py (and the pytest plugin's own hooks) face users."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "provisioner"
FRONT_ENDS = {"main.py"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_cli_imports_click() -> None:
    offenders = [p.name for p in PACKAGE.rglob("*.py") if p.name not in FRONT_ENDS and "click" in imported_modules(p)]
    assert offenders == []


def test_core_modules_stay_small() -> None:
    """Modules under ~500 lines (STYLE.md); data files are not code."""
    long = {p.name: n for p in PACKAGE.glob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 550}
    assert long == {}
