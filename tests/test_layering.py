"""The architecture holds: import-linter's layer contracts, no import cycle, few top-level modules, short modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

from .conftest import REPO

PACKAGE = REPO / "provisioner"
MAX_LINES = 500
MAX_TOP_LEVEL = 12


def test_import_linter_contracts_are_kept() -> None:
    """pyproject.toml's [tool.importlinter] contracts: the stage layers and "only the CLI imports click"."""
    run = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"],
        cwd=REPO, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles() -> None:
    graph = grimp.build_graph("provisioner")
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("p", "p.a", "p.b", "p.c"):
        graph.add_module(name)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.a")
    graph.add_import(importer="p.c", imported="p.a")
    assert _cycles(graph) == [["p.a", "p.b"]]


def test_stages_are_subpackages_and_the_top_level_is_small() -> None:
    stages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert {"pg", "schema", "columns", "model", "synth", "privacy", "load", "report"} <= stages
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL, top


def test_modules_stay_under_500_lines() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_every_column_model_is_one_file_in_the_registry() -> None:
    from provisioner import columns
    from provisioner.config import MODELS

    files = {Path(sys.modules[model.__module__].__file__ or "").name for model in columns.REGISTRY.values()}
    assert len(files) == len(columns.REGISTRY)  # one file per model
    assert set(columns.names()) <= set(MODELS)
    for model in columns.REGISTRY.values():
        assert {"fit", "sample", "to_data", "from_data"} <= set(dir(model))
        assert isinstance(model.conditional, bool) and isinstance(model.iterative, bool)
