"""Issue 11, item 10: bounds in YAML and flags, a size guard before sampling, YAML errors with a line.

* holdout in (0, 0.5], epochs >= 1, seed >= 0, scale > 0 and finite, rows >= 0: one clear line
  naming the key and file:line (or the flag).
* ``--scale 1e9`` exits 2 within seconds with the estimate and the fix; so does a run above
  ``--max-rows``, and one whose in-memory tables would not fit in memory (``--stream``).
* A YAML syntax error names file:line.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from provisioner import api
from provisioner.config import load_config
from provisioner.pg import script as sqlscript

from .conftest import unique_name
from .safety_kit import invoke, one_error_line
from .shop import fast_config, make_shop


@pytest.mark.parametrize(("yaml_text", "where", "key"), [
    ("seed: 1\ntrain:\n  holdout: 1.5\n", ":3", "train.holdout"),
    ("train:\n  holdout: 0\n", ":2", "train.holdout"),
    ("train:\n  epochs: -5\n", ":2", "train.epochs"),
    ("seed: -1\n", ":1", "seed"),
    ("scale: 0\n", ":1", "scale"),
    ("scale: .nan\n", ":1", "scale"),
    ("scale: -.inf\n", ":1", "scale"),
    ("tables:\n  orders:\n    rows: -1\n", ":3", "tables.orders.rows"),
    ("tables:\n  orders:\n    scale: .inf\n", ":3", "tables.orders.scale"),
    ("tables:\n  orders: {epochs: 0}\n", ":2", "tables.orders.epochs"),
    ("max_rows: 0\n", ":1", "max_rows"),
])
def test_out_of_bounds_config_is_one_line_with_file_and_line(yaml_text: str, where: str, key: str, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml_text)
    result = invoke("sample", "--config", path, "--bundle", path, "--out", tmp_path / "o")
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    assert f"c.yaml{where}" in line and key in line and "must be" in line, line


@pytest.mark.parametrize("yaml_text", ["seed: 1\ntrain:\n  epochs: [1\nscale: 2\n", "seed: 1\n  bad indent: 2\n", "a: 'open\n"])
def test_yaml_syntax_errors_name_the_line(yaml_text: str, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml_text)
    result = invoke("sample", "--config", path, "--bundle", path, "--out", tmp_path / "o")
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    assert "broken.yaml:" in line and "not valid YAML" in line
    assert line.split("broken.yaml:")[1].split(":")[0].isdigit(), line


@pytest.mark.parametrize(("flag", "value"), [("--seed", "-1"), ("--scale", "nan"), ("--scale", "inf"), ("--scale", "0"),
                                             ("--scale", "-2"), ("--max-rows", "0")])
def test_out_of_bounds_flags_are_one_line(flag: str, value: str, tmp_path: Path) -> None:
    bundle = tmp_path / "x.bundle"
    bundle.write_bytes(b"not used")
    result = invoke("sample", "--bundle", bundle, "--out", tmp_path / "o", flag, value)
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    assert flag in line and "must be" in line, line


@pytest.fixture(scope="module")
def shop(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    tmp = tmp_path_factory.mktemp("bounds")
    name = unique_name("bounds")
    url = sqlscript.create_database(pg_admin_url, name)
    try:
        make_shop(url, tmp)
        api.train_bundle(load_config(fast_config(tmp)).with_overrides(source=url), tmp / "shop.bundle")
        yield url, tmp / "shop.bundle", fast_config(tmp)
    finally:
        sqlscript.drop_database(pg_admin_url, name)


def test_scale_1e9_exits_quickly_with_the_estimate(shop: tuple[str, Path, Path], fresh_db: Callable[..., str], tmp_path: Path) -> None:
    source, bundle, config = shop
    target = fresh_db("bounds_dst")
    big = tmp_path / "big.yaml"
    big.write_text("scale: 1000000000\n")  # check has no --scale: it samples at the config's scale
    runs = [
        ("provision", "--source", source, "--target", target, "--config", config, "--scale", "1e9"),
        ("load", "--bundle", bundle, "--target", target, "--scale", "1e9"),
        ("sample", "--bundle", bundle, "--out", tmp_path / "o", "--scale", "1e9"),
        ("check", "--bundle", bundle, "--source", source, "--config", big),
        ("refresh", "--bundle", bundle, "--target", target, "--scale", "1e9"),
    ]
    for args in runs:
        started = time.perf_counter()
        result = invoke(*args)
        assert result.exit_code == 2, (args[0], result.stderr)
        assert time.perf_counter() - started < 20
        line = one_error_line(result.stderr)
        assert "rows" in line and "--max-rows" in line and "--scale" in line, line
    assert not (tmp_path / "o").exists()


def test_max_rows_guard_and_memory_estimate(shop: tuple[str, Path, Path], fresh_db: Callable[..., str], tmp_path: Path) -> None:
    _, bundle, _ = shop
    small = invoke("load", "--bundle", bundle, "--target", fresh_db("bounds_max"), "--max-rows", "100")
    assert small.exit_code == 2
    assert "more than the --max-rows guard (100)" in one_error_line(small.stderr)
    huge = invoke("sample", "--bundle", bundle, "--out", tmp_path / "o", "--scale", "1e7", "--max-rows", str(10**15))
    assert huge.exit_code == 2
    line = one_error_line(huge.stderr)
    assert "in memory" in line and "available" in line and "iB" in line, line
    in_memory = invoke("load", "--bundle", bundle, "--target", fresh_db("bounds_mem"), "--scale", "1e7", "--max-rows", str(10**15),
                       "--no-stream")
    assert in_memory.exit_code == 2
    assert "--stream" in one_error_line(in_memory.stderr)
