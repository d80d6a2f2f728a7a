"""Shared helpers for the bench scripts: the admin URL, throw-away databases, medians.

Every bench uses ``PROVISIONER_BENCH_PG`` (default the local trust server) as its
admin URL and creates and drops its own databases, named ``bench_<what>_<pid>``.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from provisioner.pg import script as sqlscript  # noqa: E402

DEFAULT_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DATASETS = ROOT.parent / "shared" / "datasets"


def admin_url() -> str:
    return os.environ.get("PROVISIONER_BENCH_PG", DEFAULT_ADMIN)


@contextlib.contextmanager
def scratch_db(what: str) -> Iterator[str]:
    """A fresh database for the duration of the block; its URL."""
    name = f"bench_{what}_{os.getpid()}"
    url = sqlscript.create_database(admin_url(), name, replace=True)
    try:
        yield url
    finally:
        sqlscript.drop_database(admin_url(), name)


def dataset(name: str) -> Path:
    """A sample SQL script: the shared datasets folder, else the one shipped in the package."""
    shared = DATASETS / name
    return shared if shared.exists() else ROOT / "provisioner" / "data" / name


def median(values: list[float]) -> float:
    return statistics.median(values)


def emit(name: str, value: float | int | str) -> None:
    """One ``name=value`` line, flushed at once."""
    text = f"{value:.4g}" if isinstance(value, float) else str(value)
    print(f"{name}={text}", flush=True)


def dataset_db(name: str) -> str:
    """A fresh database holding ``chinook`` or ``northwind`` (drop it with :func:`drop`)."""
    url = sqlscript.create_database(admin_url(), f"bench_{name}_{os.getpid()}", replace=True)
    sqlscript.load_sql_script(url, dataset(f"{name}.sql"))
    return url


def drop(url: str) -> None:
    sqlscript.drop_database(admin_url(), url.rsplit("/", 1)[1].split("?")[0])
