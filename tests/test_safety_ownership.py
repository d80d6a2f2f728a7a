"""Issue 11, item 2: provisioner owns only what it creates.

* Its revision lives in ``provisioner_version`` (Alembic's ``version_table``): an application's
  ``alembic_version`` and its twelve tables are never read, dropped or altered, across loads of
  two different bundles (two revisions).
* A table of the user's with a name provisioner needs is a clash: exit 2, named, untouched;
  ``--replace`` overrides.
* A user's table or view that depends on a provisioner table stops a new revision (exit 2,
  named, nothing altered); ``--replace`` overrides.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from provisioner import api
from provisioner.config import load_config
from provisioner.pg import script as sqlscript

from . import dbcheck
from .conftest import unique_name
from .safety_kit import execute, invoke, one_error_line, rows, user_tables
from .shop import fast_config, make_shop

APP_SQL = "CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY);\n" \
          "INSERT INTO alembic_version VALUES ('app_rev_42');\n" + "".join(
              f"CREATE TABLE app_t{i} (id serial PRIMARY KEY, label text NOT NULL);\n"
              f"INSERT INTO app_t{i} (label) SELECT 'row ' || g FROM generate_series(1, {i + 2}) g;\n" for i in range(1, 13))


@pytest.fixture(scope="module")
def bundles(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Bundle ``a`` of the shop, bundle ``b`` of the shop with one more column (another revision)."""
    tmp = tmp_path_factory.mktemp("own")
    made: list[str] = []
    out: dict[str, Path] = {}
    try:
        for name, extra in (("a", ""), ("b", "ALTER TABLE orders ADD COLUMN channel text NOT NULL DEFAULT 'web';")):
            db = unique_name(f"own_src_{name}")
            url = sqlscript.create_database(pg_admin_url, db)
            made.append(db)
            make_shop(url, tmp)
            if extra:
                execute(url, extra)
            out[name] = tmp / f"{name}.bundle"
            api.train_bundle(load_config(fast_config(tmp)).with_overrides(source=url), out[name])
        yield out
    finally:
        for db in made:
            sqlscript.drop_database(pg_admin_url, db)


def _app_state(url: str) -> tuple[list[tuple[object, ...]], dict[str, str]]:
    digests = {t: d for t, d in dbcheck.digests(url).items() if t.startswith("app_t") or t == "user_own"}
    return rows(url, "SELECT version_num FROM alembic_version"), digests


def test_application_tables_and_alembic_version_are_never_touched(bundles: dict[str, Path], fresh_db) -> None:  # type: ignore[no-untyped-def]
    target = fresh_db("own_app")
    execute(target, APP_SQL)
    before = _app_state(target)
    assert len(before[1]) == 12
    first = invoke("load", "--bundle", bundles["a"], "--target", target, "--quiet")
    assert first.exit_code == 0, first.stderr
    assert _app_state(target) == before
    assert user_tables(target)["customer"] > 0
    execute(target, "CREATE TABLE user_own (x integer); INSERT INTO user_own SELECT generate_series(1, 5);")
    before = _app_state(target)
    second = invoke("load", "--bundle", bundles["b"], "--target", target, "--quiet")  # another revision: ours are dropped and re-created
    assert second.exit_code == 0, second.stderr
    assert _app_state(target) == before  # the application's version, its 12 tables and the user's own table
    columns = {r[0] for r in rows(target, "SELECT column_name FROM information_schema.columns WHERE table_name = 'orders'")}
    assert "channel" in columns
    assert rows(target, "SELECT version_num FROM provisioner_version") != rows(target, "SELECT version_num FROM alembic_version")


def test_a_clashing_table_is_named_and_left_alone_unless_replace(bundles: dict[str, Path], fresh_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = fresh_db("own_clash")
    execute(target, "CREATE TABLE customer (mine text); INSERT INTO customer VALUES ('keep me');")
    refused = invoke("load", "--bundle", bundles["a"], "--target", target)
    assert refused.exit_code == 2
    line = one_error_line(refused.stderr)
    assert "table public.customer" in line and "did not create" in line and "--replace" in line
    assert rows(target, "SELECT mine FROM customer") == [("keep me",)]
    assert "orders" not in user_tables(target)  # nothing was created either: one transaction
    replaced = invoke("load", "--bundle", bundles["a"], "--target", target, "--replace", "--quiet")
    assert replaced.exit_code == 0, replaced.stderr
    assert "mine" not in {r[0] for r in rows(target, "SELECT column_name FROM information_schema.columns WHERE table_name = 'customer'")}
    again = invoke("load", "--bundle", bundles["a"], "--target", target, "--quiet")  # now it is provisioner's
    assert again.exit_code == 0, again.stderr


def test_provision_refuses_a_clash_too(bundles: dict[str, Path], fresh_db, tmp_path: Path, pg_admin_url: str) -> None:  # type: ignore[no-untyped-def]
    source, target = fresh_db("own_psrc"), fresh_db("own_pdst")
    make_shop(source, tmp_path)
    execute(target, "CREATE TABLE orders (mine int); INSERT INTO orders VALUES (7);")
    result = invoke("provision", "--source", source, "--target", target, "--config", fast_config(tmp_path))
    assert result.exit_code == 2
    assert "table public.orders" in one_error_line(result.stderr)
    assert rows(target, "SELECT mine FROM orders") == [(7,)]
    forced = invoke("provision", "--source", source, "--target", target, "--config", fast_config(tmp_path), "--replace", "--quiet")
    assert forced.exit_code == 0, forced.stderr


def test_user_objects_depending_on_provisioner_tables_stop_a_new_revision(bundles: dict[str, Path], fresh_db) -> None:  # type: ignore[no-untyped-def]
    target = fresh_db("own_dep")
    assert invoke("load", "--bundle", bundles["a"], "--target", target, "--quiet").exit_code == 0
    execute(target, "CREATE TABLE my_notes (customer_id integer REFERENCES customer(customer_id), note text);"
                    "INSERT INTO my_notes SELECT customer_id, 'n' FROM customer LIMIT 3;"
                    "CREATE VIEW my_view AS SELECT count(*) AS n FROM orders;")
    before = dbcheck.digests(target)
    refused = invoke("load", "--bundle", bundles["b"], "--target", target)
    assert refused.exit_code == 2
    line = one_error_line(refused.stderr)
    assert "my_notes" in line or "my_view" in line, line
    assert "--replace" in line
    assert dbcheck.digests(target) == before  # provisioner's tables and the user's, as they were
    assert rows(target, "SELECT count(*) FROM my_view")[0][0] > 0
    fks = rows(target, "SELECT conname FROM pg_constraint WHERE conrelid = 'my_notes'::regclass AND contype = 'f'")
    assert len(fks) == 1
    forced = invoke("load", "--bundle", bundles["b"], "--target", target, "--replace", "--quiet")
    assert forced.exit_code == 0, forced.stderr
    assert rows(target, "SELECT count(*) FROM my_notes")[0][0] == 3  # the user's table stays; only what depended on ours went


def test_a_sequence_view_or_type_of_the_users_is_a_clash_too(bundles: dict[str, Path], fresh_db) -> None:  # type: ignore[no-untyped-def]
    for setup, named in (("CREATE SEQUENCE customer_customer_id_seq START 500", "sequence public.customer_customer_id_seq"),
                         ("CREATE VIEW orders AS SELECT 1 AS one", "view public.orders"),
                         ("CREATE TYPE customer AS (a int)", "public.customer")):
        target = fresh_db("own_kind")
        execute(target, setup)
        refused = invoke("load", "--bundle", bundles["a"], "--target", target)
        assert refused.exit_code == 2, setup
        assert named in one_error_line(refused.stderr)
    assert rows(target, "SELECT count(*) FROM pg_type WHERE typname = 'customer'")[0][0] == 1


def test_a_users_foreign_key_to_a_provisioner_table_stops_a_reload(bundles: dict[str, Path], fresh_db) -> None:  # type: ignore[no-untyped-def]
    target = fresh_db("own_fk")
    assert invoke("load", "--bundle", bundles["a"], "--target", target, "--quiet").exit_code == 0
    execute(target, "CREATE TABLE my_orders (customer_id integer REFERENCES customer(customer_id));"
                    "INSERT INTO my_orders SELECT customer_id FROM customer LIMIT 4;")
    before = dbcheck.digests(target)
    refused = invoke("load", "--bundle", bundles["a"], "--target", target, "--seed", "8")  # same revision: it would empty customer
    assert refused.exit_code == 2
    line = one_error_line(refused.stderr)
    assert "my_orders" in line and "--replace" in line
    assert dbcheck.digests(target) == before
    forced = invoke("load", "--bundle", bundles["a"], "--target", target, "--seed", "8", "--replace", "--quiet")
    assert forced.exit_code == 0, forced.stderr
    assert rows(target, "SELECT count(*) FROM my_orders")[0][0] == 4  # its rows stay; only the foreign key went

