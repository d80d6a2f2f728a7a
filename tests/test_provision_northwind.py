"""End to end on Northwind: composite keys, text keys, bytea, an empty table, real PII."""

from __future__ import annotations

import pytest

from tests import dbcheck
from tests.test_provision_chinook import run_cli

ROOT_TABLES = ("categories", "customers", "employees", "region", "shippers", "suppliers", "us_states")


@pytest.fixture(scope="module")
def provisioned(northwind_url: str, pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from provisioner.pg import script as sqlscript
    from tests.conftest import unique_name

    config = tmp_path_factory.mktemp("nw") / "provisioner.yaml"
    config.write_text("seed: 11\ntrain:\n  epochs: 2\n")
    targets, results = [], []
    for _ in range(2):
        target = sqlscript.create_database(pg_admin_url, unique_name("nwstage"))
        targets.append(target)
        results.append(run_cli("provision", "--source", northwind_url, "--target", target, "--config", str(config), "--quiet"))
    yield targets, results
    for target in targets:
        sqlscript.drop_database(pg_admin_url, target.rsplit("/", 1)[1])


def test_exit_zero_counts_and_constraints(provisioned, northwind_url: str) -> None:  # type: ignore[no-untyped-def]
    targets, results = provisioned
    assert [r.exit_code for r in results] == [0, 0], results[0].stderr
    source, target = dbcheck.counts(northwind_url), dbcheck.counts(targets[0])
    assert set(target) == set(source)
    for table, rows in source.items():
        assert (target[table] > 0) == (rows > 0), table
    for table in ROOT_TABLES:
        assert target[table] == source[table], table
    assert dbcheck.constraints(targets[0]) == dbcheck.constraints(northwind_url)
    assert dbcheck.all_constraints_valid(targets[0]) == []


def test_no_source_pii_in_target(provisioned, northwind_url: str) -> None:  # type: ignore[no-untyped-def]
    queries = [
        "SELECT contact_name FROM customers", "SELECT address FROM customers", "SELECT phone FROM customers",
        "SELECT company_name FROM customers", "SELECT first_name || ' ' || last_name FROM employees",
        "SELECT address FROM employees", "SELECT home_phone FROM employees", "SELECT contact_name FROM suppliers",
        "SELECT address FROM suppliers", "SELECT phone FROM suppliers", "SELECT ship_address FROM orders",
    ]
    source_pii = {r[0] for q in queries for r in dbcheck._rows(northwind_url, q) if r[0]}
    target_text = dbcheck.text_values(provisioned[0][0])
    assert source_pii & target_text == set()


def test_same_seed_gives_identical_tables(provisioned) -> None:  # type: ignore[no-untyped-def]
    first, second = provisioned[0]
    assert dbcheck.digests(first) == dbcheck.digests(second)


def test_children_follow_parents(provisioned, northwind_url: str) -> None:  # type: ignore[no-untyped-def]
    """order_details per order keeps the source's mean within 25%."""
    query = "SELECT avg(n) FROM (SELECT count(*) AS n FROM order_details GROUP BY order_id) s"
    real, synth = float(dbcheck.scalar(northwind_url, query)), float(dbcheck.scalar(provisioned[0][0], query))
    assert abs(synth - real) / real < 0.25
