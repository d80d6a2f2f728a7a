"""``provisioner refresh`` and the pytest plugin, on the small shop database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from click.testing import CliRunner

from provisioner import api
from provisioner.cli import main
from provisioner.config import load_config
from provisioner.devkit.refresh import template_key, template_name
from provisioner.pg import script as sqlscript
from provisioner.pytest_plugin import template_db_name

from . import dbcheck
from .conftest import REPO, unique_name
from .shop import fast_config, make_shop


@pytest.fixture(scope="module")
def shop_bundle(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("shop_bundle")
    name = unique_name("shop_src")
    source = sqlscript.create_database(pg_admin_url, name)
    try:
        make_shop(source, tmp)
        config = load_config(fast_config(tmp)).with_overrides(source=source)
        api.train_bundle(config, tmp / "shop.bundle")
        yield tmp / "shop.bundle"
    finally:
        sqlscript.drop_database(pg_admin_url, name)


def _refresh(bundle: Path, target: str, *extra: str) -> tuple[str, float]:
    started = time.perf_counter()
    result = CliRunner().invoke(main, ["refresh", "--bundle", str(bundle), "--target", target, *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout, time.perf_counter() - started


def test_refresh_builds_then_reuses_the_template(shop_bundle: Path, pg_admin_url: str) -> None:
    db = unique_name("refresh")
    target = sqlscript.database_url(pg_admin_url, db)
    try:
        out1, first = _refresh(shop_bundle, target)
        assert "template rebuilt" in out1
        counts, digests = dbcheck.counts(target), dbcheck.digests(target)
        with sqlscript._connect(target, "target", autocommit=True) as conn:
            conn.execute("DELETE FROM orders")
        out2, second = _refresh(shop_bundle, target)
        assert "template reused" in out2
        assert dbcheck.counts(target) == counts and dbcheck.digests(target) == digests  # the delete is gone
        out3, _ = _refresh(shop_bundle, target, "--seed", "5")
        assert "template rebuilt" in out3  # another seed, another key
        print(f"refresh_first_seconds={first:.2f} refresh_second_seconds={second:.2f}")
    finally:
        for name in (db, template_name(db)):
            sqlscript.drop_database(pg_admin_url, name)


def test_refresh_refuses_a_target_without_database(shop_bundle: Path) -> None:
    result = CliRunner().invoke(main, ["refresh", "--bundle", str(shop_bundle), "--target", "postgresql://postgres:s3cret@127.0.0.1:5432"])
    assert result.exit_code == 2
    assert "names no database" in result.stderr and "s3cret" not in result.stderr


def _plugin_args() -> list[str]:
    installed = any(ep.name == "provisioner" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "provisioner.pytest_plugin"]


def test_example_project_runs_twice_reusing_the_template(shop_bundle: Path, pg_admin_url: str) -> None:
    example = REPO / "examples" / "pytest-fixture"
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *_plugin_args(), str(example),
           "--rootdir", str(example), "-c", str(example / "pytest.ini"),
           "--provisioner-bundle", str(shop_bundle), "--provisioner-admin-url", pg_admin_url]
    template = template_db_name(template_key(shop_bundle, load_config(None).with_overrides(seed=0)))
    sqlscript.drop_database(pg_admin_url, template)
    timings, outputs = [], []
    try:
        for _ in range(2):
            started = time.perf_counter()
            run = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, cwd=example)
            timings.append(time.perf_counter() - started)
            outputs.append(run.stdout + run.stderr)
            assert run.returncode == 0, outputs[-1]
            assert "3 passed" in outputs[-1]
    finally:
        sqlscript.drop_database(pg_admin_url, template)
    assert re.search(rf"template {template} built", outputs[0]), outputs[0]
    assert re.search(rf"template {template} reused", outputs[1]), outputs[1]
    print(f"fixture_session_first_seconds={timings[0]:.2f} fixture_session_second_seconds={timings[1]:.2f}")


def test_fixture_without_bundle_fails_clearly(tmp_path: Path, pg_admin_url: str) -> None:
    (tmp_path / "test_x.py").write_text("def test_x(provisioned_db):\n    pass\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *_plugin_args(), str(tmp_path)],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert run.returncode != 0
    assert "provisioner_bundle" in run.stdout

