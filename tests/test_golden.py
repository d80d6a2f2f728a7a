"""Golden snapshots: reflecting Chinook and Northwind gives exactly tests/golden/<name>.json.

The snapshot is database-name independent (tables, types, keys, constraints,
indexes, row counts); the server version is left out. Re-create the files after
an intended change with ``PROVISIONER_UPDATE_GOLDEN=1 pytest tests/test_golden.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from provisioner.pg import connect as db
from provisioner.schema.reflect import reflect
from provisioner.schema.snapshot import SchemaSnapshot

GOLDEN = Path(__file__).parent / "golden"


def _snapshot(url: str) -> dict[str, Any]:
    engine = db.source_engine(url)
    try:
        data = reflect(engine).to_dict(with_counts=True)
    finally:
        engine.dispose()
    data.pop("server_version", None)
    return data


def _compare(name: str, url: str) -> None:
    path = GOLDEN / f"{name}.json"
    actual = _snapshot(url)
    if os.environ.get("PROVISIONER_UPDATE_GOLDEN") or not path.exists():
        path.write_text(json.dumps(actual, indent=2) + "\n", encoding="utf-8")
        if not os.environ.get("PROVISIONER_UPDATE_GOLDEN"):
            pytest.fail(f"{path} did not exist and was written; review and commit it")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert actual == expected
    assert SchemaSnapshot.from_dict(expected).to_dict(with_counts=True) | {"server_version": ""} == expected | {"server_version": ""}


def test_chinook_snapshot_is_golden(chinook_url: str) -> None:
    _compare("chinook", chinook_url)


def test_northwind_snapshot_is_golden(northwind_url: str) -> None:
    _compare("northwind", northwind_url)
