"""A sweep of schema features beyond features.sql and longtail.sql, end to end on tests/sql/sweep.sql.

What Rails, Django and Hasura apps produce: uuid keys with function defaults, a case-insensitive
unique e-mail (expression index), partial and INCLUDE indexes, foreign keys onto UNIQUE columns
and unique indexes, ON DELETE SET NULL / CASCADE, MATCH FULL, a composite self-reference, link
tables without a key, a heap without any key, money, bit/varbit, macaddr8, cidr, xml, tsvector,
"char", oid, time/timetz, numbers at their type's limit, 2-D arrays, arrays holding NULLs, nested
jsonb, NOT NULL domains (and a domain over a domain), an enum value never used, CHECKs calling
functions, the same table name in two schemas, quoted mixed-case names, reserved words, 120
columns, empty and one-row tables, all-empty text, UNIQUE NULLS NOT DISTINCT, a deferrable unique,
an AFTER trigger writing an audit table, table inheritance, an unlogged table, sequences counting
down or cycling, a regular-expression CHECK on a code column, a partial unique index over a
foreign key, bigint near its limit, arrays of numbers at their type's limit, Stripe-style text keys
("cus_...") checked by a pattern, a unique index mixing a column and an expression.

Provisioned once per module at default settings but the gate's distance thresholds, which the
formula-made rows here would trip (as in test_longtail.py): the schema is under test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.columns.codec import to_numbers
from provisioner.pg import script as sqlscript

from . import dbcheck
from .conftest import provisioned_script

SCHEMAS = ("public", "inv")
SWEEP = Path(__file__).parent / "sql" / "sweep.sql"
CONFIG = """privacy:
  nndr_violation_share_max: 1.0
  identifiability_gap_max: 1.0
  copy_rate_gap_max: 1.0
"""
_CATALOG = {
    "columns": """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                         coalesce(pg_get_expr(d.adbin, d.adrelid), ''), a.attidentity, a.attgenerated
                  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                  WHERE n.nspname IN ('public', 'inv') AND c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0
                    AND NOT a.attisdropped AND left(c.relname, 11) <> 'provisioner'""",
    "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname IN ('public', 'inv') AND left(tablename, 11) <> 'provisioner'",
    "triggers": "SELECT tgrelid::regclass::text, tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal",
    "sequences": "SELECT sequence_schema, sequence_name, increment, minimum_value, maximum_value, cycle_option FROM information_schema.sequences",
    "domains": "SELECT t.typname, t.typnotnull, pg_get_constraintdef(k.oid) FROM pg_type t LEFT JOIN pg_constraint k ON k.contypid = t.oid WHERE t.typtype = 'd' AND t.typnamespace = 'public'::regnamespace",
    "enums": "SELECT enumtypid::regtype::text, enumlabel FROM pg_enum",
    "collations": """SELECT a.attrelid::regclass::text, a.attname, a.attcollation::regcollation::text FROM pg_attribute a
                     JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace IN ('public'::regnamespace, 'inv'::regnamespace)
                     AND a.attnum > 0 AND a.attcollation <> 0 AND left(c.relname, 11) <> 'provisioner'""",
    "comments": "SELECT objoid::regclass::text, objsubid, description FROM pg_description WHERE classoid = 'pg_class'::regclass",
}


@pytest.fixture(scope="module")
def sweep(pg_admin_url: str, server_extensions: frozenset[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("sweep")
    with provisioned_script(pg_admin_url, server_extensions, work, SWEEP, "sw", CONFIG, ["--schema", "public", "--schema", "inv", "--seed", "0", "--epochs", "1"]) as data:
        yield data


def test_exit_zero_and_every_object_round_trips(sweep: dict[str, Any]) -> None:
    assert sweep["result"].exit_code == 0, sweep["result"].output
    source, target = sweep["source"], sweep["target"]
    assert dbcheck.tables(target, SCHEMAS) == dbcheck.tables(source, SCHEMAS)
    assert dbcheck.constraints(target, SCHEMAS) == dbcheck.constraints(source, SCHEMAS)
    assert dbcheck.not_nulls(target, SCHEMAS) == dbcheck.not_nulls(source, SCHEMAS), "a NOT NULL domain adds no NOT NULL"
    for name, query in _CATALOG.items():
        real, synthetic = set(dbcheck._rows(source, query)), set(dbcheck._rows(target, query))
        assert synthetic == real, (name, real - synthetic, synthetic - real)
    assert dbcheck.all_constraints_valid(target, SCHEMAS) == []


def test_every_table_has_its_rows(sweep: dict[str, Any]) -> None:
    real, synthetic = dbcheck.counts(sweep["source"], SCHEMAS), dbcheck.counts(sweep["target"], SCHEMAS)
    assert {t for t, n in synthetic.items() if n} == {t for t, n in real.items() if n}
    assert synthetic["pending_job"] == 0 and synthetic["site_setting"] == 1
    real_own, synthetic_own = dbcheck.both(sweep, "SELECT count(*) FROM ONLY vehicle")
    assert synthetic_own == real_own, "an INHERITS parent is read without its children's rows"


@pytest.mark.parametrize(("query", "expected"), [
    ("SELECT count(*) FROM device_log WHERE price IS NULL OR price < 0::money OR price > 1000::money", 0),  # money read as a number
    ("SELECT count(*) FROM device_log WHERE tight > 999.99 OR tight < 990", 0),  # numeric(5,2) near its limit
    ("SELECT count(*) FROM device_log WHERE small < 32000", 0),  # smallint near 32767
    ("SELECT count(*) FROM device_log WHERE obj IS NULL OR obj::text::int NOT BETWEEN 1000 AND 1009", 0),  # oid learnt
    ("SELECT count(*) FROM device_log WHERE words = ''::tsvector", 0),  # tsvector not written empty
    ("SELECT count(*) FROM device_log WHERE length(flags) <> 8", 0),
    ("SELECT count(*) FROM vehicle WHERE country IS NULL", 0),  # a NOT NULL domain over a domain
    ("SELECT count(*) FROM \"user\" WHERE memo <> ''", 0),  # always '' in the source
    ("SELECT count(*) FROM account WHERE nickname <> ''", 0),
    ("SELECT count(*) - count(DISTINCT lower(email)) FROM account", 0),
    ("SELECT count(*) FROM invoice_line WHERE array_ndims(grid) <> 2", 0),
    ("SELECT count(*) FROM invoice_line WHERE net <> qty * unit_price", 0),
    ("SELECT count(*) FROM label WHERE color !~ '^#[0-9a-f]{6}$'", 0),  # drawn from the CHECK's pattern
    ("SELECT count(*) - count(DISTINCT lower(name)) FROM label", 0),
    ("SELECT count(*) FROM task WHERE amounts IS NOT NULL AND 999.99 < ANY(amounts)", 0),
    ("SELECT count(*) FROM task WHERE big_counter <= 0", 0),
    ("SELECT count(*) FROM customers WHERE id !~ '^cus_[A-Za-z0-9]{14}$'", 0),  # the keys' common prefix is kept
    ("SELECT count(*) FROM invoices WHERE left(id, 3) <> 'in_'", 0),
    ("SELECT count(*) - count(DISTINCT (org_id, lower(slug))) FROM workspace", 0),  # UNIQUE (org_id, lower(slug))
    ("SELECT count(*) FROM workspace", 400),  # not a unique org_id: no row dropped
])
def test_values_have_their_type_and_shape(sweep: dict[str, Any], query: str, expected: int) -> None:
    assert dbcheck.scalar(sweep["target"], query) == expected, query


def test_nulls_not_distinct_holds_with_nulls(sweep: dict[str, Any]) -> None:
    nulls = "SELECT count(*) FROM \"user\" WHERE external_ref IS NULL"
    assert dbcheck.scalar(sweep["target"], nulls) >= 1
    dups = "SELECT count(*) FROM (SELECT 1 FROM \"user\" GROUP BY external_ref, team HAVING count(*) > 1) d"
    assert dbcheck.scalar(sweep["target"], dups) == 0


def test_partial_unique_index_over_a_foreign_key_holds(sweep: dict[str, Any]) -> None:
    """UNIQUE (label_id) WHERE state = 'in progress': repeats it covers lose their label, the others keep theirs."""
    target = sweep["target"]
    assert dbcheck.scalar(target, "SELECT count(*) FROM task WHERE state = 'in progress'") > 0
    real, synthetic = dbcheck.both(sweep, "SELECT avg((label_id IS NULL)::int)::float FROM task")
    assert synthetic <= real + 0.1, (real, synthetic)


def test_after_trigger_does_not_fire_during_the_load(sweep: dict[str, Any]) -> None:
    """The audit table holds its own synthetic rows, as many as the source; the trigger is enabled afterwards."""
    real, synthetic = dbcheck.both(sweep, "SELECT count(*) FROM audit_log")
    assert synthetic == real
    before = dbcheck.scalar(sweep["target"], "SELECT count(*) FROM audit_log")
    dbcheck.scalar(sweep["target"], "INSERT INTO api_call (token, called_at, status) SELECT token, now(), 200 FROM api_key LIMIT 1 RETURNING id")
    assert dbcheck.scalar(sweep["target"], "SELECT count(*) FROM audit_log") == before + 1


def test_what_is_not_recreated_is_said(sweep: dict[str, Any]) -> None:
    notes = "\n".join(json.loads(sweep["report"].read_text())["notes"])
    assert "table inheritance public.truck INHERITS public.vehicle" in notes
    assert "UNLOGGED public.cache_entry" in notes
    assert "collation" not in notes, "COLLATE \"C\" (a built-in collation) is re-created"


def test_numbers_survive_text_that_crashes_pandas() -> None:
    """pandas' to_numeric kills the process (SIGSEGV) on '527e3499366513...' (an md5 as a key)."""
    values = pd.Series(["527e3499366513dfc1e391ec95fc7033", "12", None, "1e5"], dtype=object)
    assert to_numbers(values).tolist()[1:2] == [12.0]
    assert pd.isna(to_numbers(values).iloc[0]) and to_numbers(values).iloc[3] == 1e5


def test_a_function_of_a_schema_left_out_is_one_clear_line(fresh_db: Any) -> None:
    """Supabase: ``DEFAULT auth.uid()``, a trigger calling util.touch(); only public is provisioned."""
    import psycopg

    source, target = fresh_db("sw_outside_src"), fresh_db("sw_outside_stage")
    with psycopg.connect(**sqlscript.connect_kwargs(source), autocommit=True) as conn:
        conn.execute("CREATE SCHEMA auth")
        conn.execute("CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT NULL::uuid $$")
        conn.execute("CREATE TABLE post (id serial PRIMARY KEY, owner uuid NOT NULL DEFAULT auth.uid(), title text NOT NULL)")
        conn.execute("INSERT INTO post (owner, title) SELECT gen_random_uuid(), 'post ' || g FROM generate_series(1, 50) g")
    result = CliRunner().invoke(main, ["provision", "--source", source, "--target", target, "--seed", "0", "--quiet"])
    assert result.exit_code == 2, result.output
    assert ("table post: default value for column owner of table post uses function auth.uid() of schema auth, "
            "which is not provisioned; add it with --schema auth") in result.output


def test_what_cannot_be_made_is_printed_not_only_reported(fresh_db: Any) -> None:
    """A table without columns, and types without a generator (tsquery, pg_lsn, jsonpath, multiranges):
    exit 0, and each is a ``note:`` line of the summary, not only an entry of --report."""
    import psycopg

    source, target = fresh_db("sw_notes_src"), fresh_db("sw_notes_stage")
    with psycopg.connect(**sqlscript.connect_kwargs(source), autocommit=True) as conn:
        conn.execute("CREATE TABLE nocols ()")
        conn.execute("INSERT INTO nocols DEFAULT VALUES")
        conn.execute("CREATE TABLE misc (id serial PRIMARY KEY, q tsquery, lsn pg_lsn, path jsonpath, spans int4multirange)")
        conn.execute("""INSERT INTO misc (q, lsn, path, spans) SELECT 'cat & dog', ('0/' || to_hex(g * 1000))::pg_lsn,
                        '$.a', int4multirange(int4range(g, g + 2)) FROM generate_series(1, 150) g""")
    result = CliRunner().invoke(main, ["provision", "--source", source, "--target", target, "--seed", "0"])
    assert result.exit_code == 0, result.output
    assert "note: not re-created: table public.nocols (it has no columns" in result.output
    for column in ("q (tsquery)", "lsn (pg_lsn)", "path (jsonpath)", "spans (int4multirange)"):
        assert f"note: misc.{column}: written NULL" in result.output
    assert dbcheck.scalar(target, "SELECT count(*) FROM misc") == 150
