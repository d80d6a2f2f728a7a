"""``--json``: stdout is exactly one JSON object for train, provision and load."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from provisioner.cli import main

from .shop import fast_config, make_shop


def run_json(*args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(main, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_train_provision_load_json(fresh_db: Callable[..., str], tmp_path: Path) -> None:
    source = fresh_db("json_src")
    make_shop(source, tmp_path)
    cfg = str(fast_config(tmp_path))
    trained = run_json("train", "--source", source, "--bundle", str(tmp_path / "b"), "--config", cfg)
    assert trained["command"] == "train" and trained["tables"]["customer"]["pii_columns"] == ["full_name", "email"]
    target = fresh_db("json_stage").replace("postgresql://postgres@", "postgresql://postgres:s3cret@")
    provisioned = run_json("provision", "--source", source, "--target", target, "--config", cfg)
    assert provisioned["ok"] and provisioned["report"]["gate"]["passed"] is True
    assert provisioned["rows"]["customer"] == 300 and "s3cret" not in json.dumps(provisioned)
    loaded = run_json("load", "--bundle", str(tmp_path / "b"), "--target", target, "--config", cfg)
    assert loaded["command"] == "load" and loaded["loaded"] and loaded["total_rows"] > 300
