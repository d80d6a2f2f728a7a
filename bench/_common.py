"""Shared helpers for bench scripts: fresh databases loaded from the shared dumps."""

from __future__ import annotations

import os
from pathlib import Path

from provisioner import sqlscript

ADMIN = os.environ.get("PROVISIONER_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def dataset_db(name: str) -> str:
    """A fresh database holding ``chinook`` or ``northwind`` (from ../shared, or the shipped Chinook)."""
    script = DATASETS / f"{name}.sql"
    if not script.exists() and name == "chinook":
        script = Path(__file__).resolve().parents[1] / "provisioner" / "data" / "chinook.sql"
    url = sqlscript.create_database(ADMIN, f"bench_{name}_{os.getpid()}", replace=True)
    sqlscript.load_sql_script(url, script)
    return url


def drop(url: str) -> None:
    sqlscript.drop_database(ADMIN, url.rsplit("/", 1)[1].split("?")[0])
