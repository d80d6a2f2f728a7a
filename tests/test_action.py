"""action.yml runs as GitHub would run it: its step script, inputs in the environment, outputs in $GITHUB_OUTPUT."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from provisioner import api
from provisioner.config import Config, TrainConfig

from . import dbcheck
from .conftest import REPO

ACTION = REPO / "action.yml"


def test_action_metadata_is_a_composite_action() -> None:
    spec = yaml.safe_load(ACTION.read_text())
    assert spec["runs"]["using"] == "composite"
    assert {"bundle", "target"} <= {k for k, v in spec["inputs"].items() if v.get("required")}
    load = next(step for step in spec["runs"]["steps"] if step.get("id") == "load")
    assert "${{" not in load["run"]  # inputs travel as environment variables, never pasted into the script
    assert set(spec["outputs"]) == {"rows", "gate"}


@pytest.fixture(scope="module")
def checked_bundle(chinook_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("action") / "chinook.bundle"
    config = Config(source=chinook_url, seed=2, train=TrainConfig(epochs=1))
    api.train_bundle(config, path)
    api.check_bundle(path, config)  # the verdict is stored in the bundle
    return path


def _step(env: dict[str, str], tmp_path: Path, step_id: str = "load") -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    spec = yaml.safe_load(ACTION.read_text())
    load = next(step for step in spec["runs"]["steps"] if step.get("id") == step_id)
    output = tmp_path / "github_output"
    full = {**os.environ, **env, "GITHUB_ACTION_PATH": str(REPO), "GITHUB_OUTPUT": str(output), "PYTHONPATH": str(REPO)}
    command = load["run"].replace("python ", f"{sys.executable} ", 1)
    run = subprocess.run(["bash", "-c", command], env=full, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    lines = output.read_text().splitlines() if output.exists() else []
    return run, dict(line.split("=", 1) for line in lines)


def test_action_loads_the_target_and_reports_the_stored_verdict(
    checked_bundle: Path, fresh_db: Callable[..., str], tmp_path: Path,
) -> None:
    target = fresh_db("action")
    run, outputs = _step({"PROVISIONER_ACTION_BUNDLE": str(checked_bundle), "PROVISIONER_ACTION_TARGET": target,
                          "PROVISIONER_ACTION_SEED": "3", "PROVISIONER_ACTION_SCALE": "1",
                          "PROVISIONER_ACTION_REPORT": "r.json", "PROVISIONER_ACTION_REPORT_HTML": "r.html"}, tmp_path)
    assert run.returncode == 0, run.stderr
    assert outputs == {"rows": str(sum(dbcheck.counts(target).values()) - dbcheck.counts(target).get("alembic_version", 0)), "gate": "true"}
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["gate"]["passed"] is True  # the verdict `check` stored travels to the load report
    assert "privacy gate passed" in (tmp_path / "r.html").read_text()


def test_action_fails_with_one_line_and_exit_2_on_a_bad_target(checked_bundle: Path, tmp_path: Path) -> None:
    run, outputs = _step({"PROVISIONER_ACTION_BUNDLE": str(checked_bundle),
                          "PROVISIONER_ACTION_TARGET": "postgresql://u:s3cret@127.0.0.1:1/nowhere"}, tmp_path)
    assert run.returncode == 2 and outputs == {}
    assert run.stderr.count("\n") == 1 and "s3cret" not in run.stderr


def test_action_keeps_the_rows_in_its_cache_dir_and_copies_them_the_next_time(
    checked_bundle: Path, fresh_db: Callable[..., str], tmp_path: Path,
) -> None:
    spec = yaml.safe_load(ACTION.read_text())
    cache_step = next(step for step in spec["runs"]["steps"] if step.get("uses", "").startswith("actions/cache"))
    assert cache_step["with"] == {"path": "${{ inputs.cache-dir }}", "key": "${{ steps.cache-key.outputs.key }}"}
    env = {"PROVISIONER_ACTION_BUNDLE": str(checked_bundle), "PROVISIONER_ACTION_SEED": "3", "PROVISIONER_ACTION_REPORT_HTML": "r.html",
           "PROVISIONER_ACTION_CACHE_DIR": str(tmp_path / "rows")}
    first, second = fresh_db("action_c1"), fresh_db("action_c2")
    run = _step({**env, "PROVISIONER_ACTION_TARGET": first}, tmp_path)[0]
    assert run.returncode == 0, run.stderr
    (kept,) = (tmp_path / "rows").glob("*.rows")
    written = kept.stat().st_mtime_ns
    (tmp_path / "github_output").unlink()
    run, outputs = _step(env, tmp_path, "cache-key")  # actions/cache saves the folder under the key the file is filed under
    assert run.returncode == 0, run.stderr
    assert outputs == {"key": f"provisioner-rows-{kept.stem}"}
    run = _step({**env, "PROVISIONER_ACTION_TARGET": second}, tmp_path)[0]
    assert run.returncode == 0, run.stderr
    assert kept.stat().st_mtime_ns == written  # read, not sampled and written again
    assert dbcheck.digests(first) == dbcheck.digests(second)
    assert "<svg" in (tmp_path / "r.html").read_text()  # charts of the rows read back from the target
