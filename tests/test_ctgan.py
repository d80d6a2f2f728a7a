"""SDV's CTGAN end to end: forced for every table, one epoch, on Chinook."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests import dbcheck
from tests.test_provision_chinook import run_cli


def test_ctgan_everywhere_provisions_a_valid_database(chinook_url: str, fresh_db: Callable[..., str], tmp_path: Path) -> None:
    config = tmp_path / "ctgan.yaml"
    config.write_text("seed: 3\ntrain:\n  model: ctgan\n  epochs: 1\n")
    target = fresh_db("ctgan")
    report = tmp_path / "report.json"
    result = run_cli("provision", "--source", chinook_url, "--target", target, "--config", str(config),
                     "--report", str(report), "--resample-violations", "--quiet")
    assert result.exit_code == 0, result.stderr
    methods = {name: table["method"] for name, table in json.loads(report.read_text())["tables"].items()}
    assert methods["track"] == methods["invoice"] == methods["invoice_line"] == "ctgan"
    assert dbcheck.all_constraints_valid(target) == []
    assert dbcheck.counts(target)["artist"] == dbcheck.counts(chinook_url)["artist"]
