"""Adversarial inputs for ``relationships``, ``tables.<t>.columns`` and ``init``: names with spaces, quotes,
capitals, unicode and reserved words, keys of the wrong type, constants that do not fit their column.

Each case either round-trips (provisioned into a fresh target, rows valid) or exits 2 with one line naming
the config line, the table and column, and the fix; never a traceback or a PostgreSQL error's raw text.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.config import load_config
from provisioner.errors import ConfigError
from provisioner.model import proposals
from provisioner.pg import connect as db
from provisioner.schema.reflect import reflect

LAX = """privacy: {copy_rate_gap_max: 1.0, nndr_violation_share_max: 1.0, dcr_share_max: 1.0, identifiability_gap_max: 1.0,
          quasi_identifier_risk_max: 1.0}
train: {model: gaussian_copula, choose: rule}
"""

SOURCE = """SELECT setseed(0.42);
CREATE SCHEMA "Sales Dept";
CREATE TABLE "My Customers" ("Customer ID" int PRIMARY KEY, "select" text, "naïve" varchar(5), code varchar(5),
  qty int CHECK (qty > 0), dbl int GENERATED ALWAYS AS (qty * 2) STORED, badge int UNIQUE, price numeric(6,2), born date);
INSERT INTO "My Customers" ("Customer ID", "select", "naïve", code, qty, badge, price, born) SELECT g, 'sel' || (g % 7), 'n' || (g % 3), 'c' || (g % 9), 1 + floor(random() * 20), g * 3,
  round((random() * 100)::numeric, 2), date '1990-01-01' + (random() * 5000)::int FROM generate_series(1, 300) g;
CREATE TABLE "Sales Dept"."Order" (id serial PRIMARY KEY, "Customer ID" int, label text, amt int NOT NULL);
INSERT INTO "Sales Dept"."Order"("Customer ID", label, amt)
  SELECT 1 + floor(random() * 300), 'note ' || (g % 5), floor(random() * 100) FROM generate_series(1, 900) g;
CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE, grp int);
INSERT INTO parent SELECT g, 'P' || g, g % 10 FROM generate_series(1, 200) g;
CREATE TABLE child (id int PRIMARY KEY, parent_txt text, parent_int int, w float8);
INSERT INTO child SELECT g, (1 + g % 200)::text, 1 + floor(random() * 200), random() FROM generate_series(1, 400) g;
CREATE TABLE comp_p (k1 int, k2 int, q float8, PRIMARY KEY (k1, k2));
INSERT INTO comp_p SELECT g / 10, g % 10, random() FROM generate_series(10, 209) g;
CREATE TABLE comp_c (id int PRIMARY KEY, k1 int, k2 int, r float8);
INSERT INTO comp_c SELECT g, 1 + g % 20, g % 10, random() FROM generate_series(1, 400) g;
"""

ORDER = '{child: "Sales Dept.Order.Customer ID", parent: "My Customers.Customer ID"}'


@pytest.fixture(scope="module")
def weird_url(pg_admin_url: str) -> str:
    from provisioner.pg import script as sqlscript

    from .conftest import unique_name

    name = unique_name("adversarial")
    url = sqlscript.create_database(pg_admin_url, name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SOURCE)  # type: ignore[arg-type]
    yield url  # type: ignore[misc]
    sqlscript.drop_database(pg_admin_url, name)


def _provision(tmp_path: Path, text: str, source: str, target: str) -> tuple[int, str]:
    cfg = tmp_path / "provisioner.yaml"
    cfg.write_text(text + LAX)
    result = CliRunner().invoke(main, ["provision", "--config", str(cfg), "--source", source, "--target", target,
                                       "--quiet", "--epochs", "1"])
    return result.exit_code, result.output


def _one_line_error(code: int, output: str, *needles: str) -> None:
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in output and "ERROR:" not in output, output
    assert all(n in lines[0] for n in needles), lines[0]


COLUMN_CASES = [
    ('"naïve": {value: "abcdefgh"}', ["has 8 characters", "varying(5)", "give at most 5"]),
    ('qty: {value: "text"}', ["My Customers.qty (integer) cannot hold", "give a value it takes"]),
    ("qty: {value: 0}", ["breaks check", "qty > 0"]),
    ("price: {value: 12345.5}", ["numeric(6,2)", "numeric field overflow"]),
    ("qty: {faker: date}", ["faker date makes values like", "My Customers.qty (integer) cannot hold"]),
    ("qty: {faker: pyfloat}", ["faker pyfloat makes values like"]),
    ('"Customer ID": {keep: true}', ["is a key column", "remove the entry"]),
    ("dbl: {keep: true}", ["is a generated column"]),
    ('badge: {value: 7}', ["is unique, so every row cannot hold the same value 7", "use faker"]),
]


@pytest.mark.parametrize(("entry", "needles"), COLUMN_CASES)
def test_column_settings_that_cannot_fit_exit_2_naming_the_column(
    weird_url: str, fresh_db: Callable[..., str], tmp_path: Path, entry: str, needles: list[str],
) -> None:
    text = f'schemas: [public, "Sales Dept"]\ntables:\n  "My Customers":\n    columns:\n      {entry}\n'
    code, output = _provision(tmp_path, text, weird_url, fresh_db("adv"))
    _one_line_error(code, output, "provisioner.yaml:5:", *needles)


def test_column_settings_on_a_skipped_table_exit_2(weird_url: str, fresh_db: Callable[..., str], tmp_path: Path) -> None:
    text = 'tables:\n  "My Customers":\n    model: skip\n    columns:\n      "select": {faker: word}\n'
    code, output = _provision(tmp_path, text, weird_url, fresh_db("adv"))
    _one_line_error(code, output, "provisioner.yaml:5:", "is skipped", "remove the entry or the model")


def test_a_column_given_twice_is_refused_at_load(tmp_path: Path) -> None:
    cfg = tmp_path / "provisioner.yaml"
    cfg.write_text('tables:\n  t:\n    columns:\n      code: {value: "a"}\n      "code": {faker: word}\n')
    with pytest.raises(ConfigError, match=r"provisioner.yaml:5: tables.t.columns.code is given twice \(lines 4 and 5\)"):
        load_config(cfg, environ={})


def test_values_read_as_their_type_and_faker_fitted_to_text_round_trip(
    weird_url: str, fresh_db: Callable[..., str], tmp_path: Path,
) -> None:
    target = fresh_db("adv")
    text = f"""schemas: [public, "Sales Dept"]
relationships:
  - {ORDER}
tables:
  "My Customers":
    columns:
      qty: {{value: "7"}}                      # text in the file, an integer in the column (CHECK qty > 0 holds)
      price: {{value: "12.5"}}
      born: {{value: 2001-02-03}}
      "naïve": {{value: abcde}}
      code: {{faker: pyint, min_value: 100000, max_value: 99999999}}   # numbers into varchar(5): text, shortened
      badge: {{faker: pyint, max_value: 50}}    # a unique column stays unique through the leak redraw
      "select": {{faker: date_time}}
"""
    code, output = _provision(tmp_path, text, weird_url, target)
    assert code == 0, output
    with psycopg.connect(target) as conn:
        rows = conn.execute('SELECT DISTINCT qty, price, born::text, "naïve" FROM "My Customers"').fetchall()
        assert [(q, float(p), b, n) for q, p, b, n in rows] == [(7, 12.5, "2001-02-03", "abcde")]
        longest, dups = conn.execute('SELECT max(length(code)), count(badge) - count(DISTINCT badge) FROM "My Customers"').fetchone()
        assert longest <= 5 and dups == 0
        orphans = conn.execute('SELECT count(*) FROM "Sales Dept"."Order" o WHERE NOT EXISTS '
                               '(SELECT 1 FROM "My Customers" c WHERE c."Customer ID" = o."Customer ID")').fetchone()[0]
        assert orphans == 0


RELATIONSHIP_CASES = [
    ("{child: child.parent_txt, parent: parent.id}", ["child.parent_txt is text but parent.id is integer"]),
    ("{child: child.parent_int, parent: parent.code}", ["child.parent_int is integer but parent.code is text"]),
    ("{child: child.parent_int, parent: parent.id}\n  - {child: child.parent_int, parent: comp_c.id}",
     ["is the child of an earlier entry", "remove one of the two entries"]),
    ("{child: child.parent_int, parent: parent.grp}", ["(grp) is not the primary key or a unique key of parent"]),
]


@pytest.mark.parametrize(("entries", "needles"), RELATIONSHIP_CASES)
def test_relationships_that_cannot_join_exit_2(
    weird_url: str, fresh_db: Callable[..., str], tmp_path: Path, entries: str, needles: list[str],
) -> None:
    code, output = _provision(tmp_path, f"relationships:\n  - {entries}\n", weird_url, fresh_db("adv"))
    _one_line_error(code, output, *needles)


def test_quoted_names_and_a_composite_key_in_another_order_round_trip(
    weird_url: str, fresh_db: Callable[..., str], tmp_path: Path,
) -> None:
    target = fresh_db("adv")
    text = """schemas: [public, "Sales Dept"]
relationships:
  - {child: '"Sales Dept"."Order"."Customer ID"', parent: 'public."My Customers"."Customer ID"'}
  - {child: "comp_c.(k2, k1)", parent: "comp_p.(k2, k1)"}
"""
    code, output = _provision(tmp_path, text, weird_url, target)
    assert code == 0, output
    with psycopg.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM comp_c c WHERE NOT EXISTS "
                            "(SELECT 1 FROM comp_p p WHERE (p.k1, p.k2) = (c.k1, c.k2))").fetchone()[0] == 0


INIT_SOURCE = """SELECT setseed(0.3);
CREATE SCHEMA auth;
CREATE TABLE auth.users (id int PRIMARY KEY, nm float8);
INSERT INTO auth.users SELECT g, random() FROM generate_series(1, 50) g;
CREATE TABLE "Customers" ("CustomerId" int PRIMARY KEY, v float8);
INSERT INTO "Customers" SELECT g, random() FROM generate_series(1, 30) g;
CREATE TABLE "orders {x}: #1" (id int PRIMARY KEY, "CustomerId" int, user_id int, "select" float8);
INSERT INTO "orders {x}: #1" SELECT g, 1 + floor(random() * 30), 1 + floor(random() * 50), random() FROM generate_series(1, 120) g;
CREATE TABLE "a.b" (id int PRIMARY KEY);
INSERT INTO "a.b" SELECT g FROM generate_series(1, 40) g;
CREATE TABLE nopk (customer_id int, "a.b_id" int, w float8);
INSERT INTO nopk SELECT 1 + floor(random() * 30), 1 + g % 40, random() FROM generate_series(1, 60) g;
"""


def test_init_writes_names_that_read_back_and_provision(fresh_db: Callable[..., str], tmp_path: Path) -> None:
    source, target = fresh_db("advinit"), fresh_db("adv")
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute(INIT_SOURCE)  # type: ignore[arg-type]
    (tmp_path / "in.yaml").write_text("schemas: [public, auth]\n")
    out = tmp_path / "provisioner.yaml"
    result = CliRunner().invoke(main, ["init", "--config", str(tmp_path / "in.yaml"), "--source", source, "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    config = load_config(out, environ={"PROD_DATABASE_URL": source})
    proposed = {(r.child, r.parent) for r in config.relationships}
    assert proposed == {("orders {x}: #1.user_id", "auth.users.id"),  # users in another schema
                        ("orders {x}: #1.CustomerId", "Customers.CustomerId"), ("nopk.customer_id", "Customers.CustomerId")}
    assert config.tables["a.b"].model == "copy"
    out.write_text(out.read_text().replace("train:\n", "train:\n  model: gaussian_copula\n  choose: rule\n")
                   + LAX.split("train:")[0])
    result = CliRunner().invoke(main, ["provision", "--config", str(out), "--target", target, "--quiet"],
                                env={"PROD_DATABASE_URL": source})
    assert result.exit_code == 0, result.output


def test_init_on_an_empty_database_and_a_bounded_inclusion_query(
    fresh_db: Callable[..., str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    empty = fresh_db("advempty")
    out = tmp_path / "provisioner.yaml"
    result = CliRunner().invoke(main, ["init", "--source", empty, "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert load_config(out, environ={"PROD_DATABASE_URL": empty}).relationships == ()
    big = fresh_db("advbig")
    with psycopg.connect(big, autocommit=True) as conn:
        conn.execute("CREATE TABLE customer (id int PRIMARY KEY); INSERT INTO customer SELECT generate_series(1, 5000);"
                     "CREATE TABLE invoice (customer_id int); INSERT INTO invoice SELECT generate_series(1, 5000)")
    monkeypatch.setattr(proposals, "SCAN", 100)  # the query reads at most SCAN rows of a column, whatever the table's size
    engine = db.source_engine(big)
    try:
        with db.connect(engine) as conn:
            found = proposals.propose(conn, reflect(engine, ("public",)))
    finally:
        engine.dispose()
    assert [(p.child, p.parent, p.checked) for p in found] == [("invoice.customer_id", "customer.id", 100)]
