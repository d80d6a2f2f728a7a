"""`train --only-changed` retrains just the tables whose schema changed (and their children)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import psycopg

from provisioner.model import bundle
from provisioner.pg import script as sqlscript
from tests.conftest import DATASETS, REPO
from tests.test_provision_chinook import run_cli


def test_only_changed_keeps_unchanged_models(fresh_db: Callable[..., str], tmp_path: Path) -> None:
    source = fresh_db("onlychg")
    script = DATASETS / "chinook.sql"
    sqlscript.load_sql_script(source, script if script.exists() else REPO / "provisioner" / "data" / "chinook.sql")
    path = tmp_path / "c.bundle"
    assert run_cli("train", "--source", source, "--bundle", str(path), "--epochs", "1", "--quiet").exit_code == 0
    before = bundle.load(path)
    with psycopg.connect(**sqlscript.connect_kwargs(source), autocommit=True) as conn:
        conn.execute("ALTER TABLE invoice ADD COLUMN discount numeric(5,2) DEFAULT 0")
    result = run_cli("train", "--source", source, "--bundle", str(path), "--only-changed", "--epochs", "1")
    assert result.exit_code == 0, result.stderr
    after = bundle.load(path)
    assert "discount" in after.snapshot.table("invoice").column("discount").name
    kept = after.tables["track"].synthesizer.model.copula
    assert np.array_equal(kept.correlation, before.tables["track"].synthesizer.model.copula.correlation)
    assert "discount" in after.tables["invoice"].roles  # invoice (and invoice_line below it) retrained
    assert after.tables["invoice_line"] is not None
