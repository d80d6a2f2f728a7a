"""``sample --format``, ``diff`` and ``init`` on the small shop database."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provisioner import api
from provisioner.cli import main
from provisioner.config import load_config
from provisioner.pg import script as sqlscript

from . import dbcheck
from .shop import fast_config, make_shop


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def shop(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    from .conftest import unique_name

    tmp = tmp_path_factory.mktemp("shop_sdi")
    name = unique_name("shop_sdi")
    source = sqlscript.create_database(pg_admin_url, name)
    try:
        make_shop(source, tmp)
        api.train_bundle(load_config(fast_config(tmp)).with_overrides(source=source), tmp / "shop.bundle")
        yield {"source": source, "bundle": tmp / "shop.bundle", "tmp": tmp}
    finally:
        sqlscript.drop_database(pg_admin_url, name)


@pytest.mark.skipif(shutil.which("psql") is None, reason="needs psql")
def test_sample_sql_loads_with_psql(shop, fresh_db: Callable[..., str], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("sample", "--bundle", str(shop["bundle"]), "--format", "sql", "--out", str(tmp_path), "--quiet")
    assert result.exit_code == 0, result.stderr
    target = fresh_db("sql_dump")
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", str(tmp_path / "synthetic.sql"), target], check=True,
                   capture_output=True)
    counts = dbcheck.counts(target)
    assert counts["customer"] == 300 and counts["orders"] > 300
    assert dbcheck.all_constraints_valid(target) == []


def test_sample_csv_and_parquet(shop, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("sample", "--bundle", str(shop["bundle"]), "--out", str(tmp_path / "c"), "--quiet").exit_code == 0
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["customer.csv", "orders.csv"]
    result = CliRunner().invoke(main, ["sample", "--bundle", str(shop["bundle"]), "--format", "parquet", "--out", str(tmp_path / "p")])
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        assert result.exit_code == 2 and "pip install pyarrow" in result.stderr
    else:
        assert result.exit_code == 0 and len(list((tmp_path / "p").glob("*.parquet"))) == 2
        import pandas as pd

        for name in ("customer", "orders"):  # the same rows in both formats (same bundle, same seed)
            parquet, csv = pd.read_parquet(tmp_path / "p" / f"{name}.parquet"), pd.read_csv(tmp_path / "c" / f"{name}.csv")
            assert list(parquet.columns) == list(csv.columns) and len(parquet) == len(csv) > 0


def test_diff_unchanged_then_changed(shop) -> None:  # type: ignore[no-untyped-def]
    result = cli("diff", "--source", shop["source"], "--bundle", str(shop["bundle"]))
    assert result.exit_code == 0 and "schema unchanged" in result.stdout
    with sqlscript._connect(shop["source"], "source", autocommit=True) as conn:
        conn.execute("ALTER TABLE orders ADD COLUMN coupon text")
        conn.execute("CREATE TABLE review (id int PRIMARY KEY)")
    try:
        out = json.loads(cli("diff", "--source", shop["source"], "--bundle", str(shop["bundle"]), "--json").stdout)
    finally:
        with sqlscript._connect(shop["source"], "source", autocommit=True) as conn:
            conn.execute("ALTER TABLE orders DROP COLUMN coupon")
            conn.execute("DROP TABLE review")
    assert out["retrain"] == ["review", "orders"]
    assert {"table": "orders", "change": "changed", "details": ["column coupon added (text)"]} in out["changes"]


def test_init_writes_a_reviewable_config(shop, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "provisioner.yaml"
    result = cli("init", "--source", shop["source"], "--out", str(path), "--quiet")
    assert result.exit_code == 0, result.stderr
    text = path.read_text()
    assert "customer.full_name" in text and "customer.email" in text and "zorblax" not in text.lower()
    config = load_config(path, environ={"PROD_DATABASE_URL": shop["source"]})
    assert config.source == shop["source"] and config.train.epochs == 100
    again = CliRunner().invoke(main, ["init", "--source", shop["source"], "--out", str(path)])
    assert again.exit_code == 2 and "--force" in again.stderr
