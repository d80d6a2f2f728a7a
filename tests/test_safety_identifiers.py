"""Issue 11, item 1: every identifier is quoted by psycopg, so crafted names round-trip and run nothing.

* Names with ``"``, ``;``, spaces, capitals, unicode, reserved words, ``:`` and ``%`` (schemas,
  tables, columns, constraints, indexes, enum types and labels) are provisioned and come back
  identical in the target.
* Column and table names crafted to close the quote and call a function of the source: the
  function writes a marker row into a witness database through dblink (a second connection,
  so even the read-only source session could write). After provision, check, audit, diff and
  init the marker table is empty; calling the function once by hand then fills it (the
  detector works).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from provisioner.pg import script as sqlscript

from .safety_kit import execute, invoke, rows

WEIRD_SCHEMA = 'Weird "Schema"; x'
FAST = "seed: 5\ntrain:\n  epochs: 1\n  gan_min_rows: 100000\n"
LENIENT = FAST + "privacy:\n  nndr_violation_share_max: 1.0\n  identifiability_gap_max: 1.0\n  dcr_share_max: 1.0\n"  # names, not privacy

ADVERSARIAL_SQL = r'''
CREATE SCHEMA "Weird ""Schema""; x";
CREATE TYPE "Weird ""Schema""; x"."Mood ""m""; :x %s" AS ENUM ('it''s', 'a"b', '%s', ':x', 'naïve');
CREATE TABLE "Weird ""Schema""; x"."Weird ""Table""; drop" (
    "id ""k""" serial CONSTRAINT "pk ""weird""; drop" PRIMARY KEY,
    "select" integer NOT NULL,
    "naïve: :x %s col" text,
    "Mixed Case" numeric(8,2) CONSTRAINT "ck: %(x)s ""c""" CHECK ("Mixed Case" >= 0),
    "a"", evil() AS ""b" text,
    "mood; ""m""" "Weird ""Schema""; x"."Mood ""m""; :x %s",
    "col.with.dots" date,
    CONSTRAINT "uq; drop ""u""" UNIQUE ("select")
);
CREATE INDEX "idx ""x"" %s :y" ON "Weird ""Schema""; x"."Weird ""Table""; drop" ("naïve: :x %s col");
INSERT INTO "Weird ""Schema""; x"."Weird ""Table""; drop"
    ("select", "naïve: :x %s col", "Mixed Case", "a"", evil() AS ""b", "mood; ""m""", "col.with.dots")
SELECT g, 'v %s :x ' || (g % 7), (g % 50) + 0.25, 'b' || (g % 5),
       (ARRAY['it''s', 'a"b', '%s', ':x', 'naïve']::"Weird ""Schema""; x"."Mood ""m""; :x %s"[])[1 + g % 5],
       date '2024-01-01' + g
FROM generate_series(1, 240) g;
CREATE TABLE public."user" ("group" integer PRIMARY KEY, "from" text NOT NULL);
INSERT INTO public."user" SELECT g, 'grp ' || g FROM generate_series(1, 8) g;
CREATE TABLE public."Child ""C""; --" (
    "child id" serial PRIMARY KEY,
    "parent ""ref""" integer NOT NULL CONSTRAINT "fk "";-- x" REFERENCES "Weird ""Schema""; x"."Weird ""Table""; drop"("id ""k"""),
    "amount %s" numeric(8,2) NOT NULL CHECK ("amount %s" > 0),
    "group" integer REFERENCES public."user"("group")
);
INSERT INTO public."Child ""C""; --" ("parent ""ref""", "amount %s", "group")
SELECT 1 + (g % 240), 1 + (g % 90), 1 + (g % 8) FROM generate_series(1, 600) g;
'''

_SCHEMAS = ["public", WEIRD_SCHEMA]
_NAMES = {
    "tables": "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
              "WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE 'provisioner\\_%%' ORDER BY 1, 2",
    "columns": "SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull "
               "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
               "WHERE n.nspname = ANY(%s) AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped "
               "AND c.relname NOT LIKE 'provisioner\\_%%' ORDER BY 1, 2, 3",
    "constraints": "SELECT n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                   "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                   "WHERE n.nspname = ANY(%s) AND c.relname NOT LIKE 'provisioner\\_%%' ORDER BY 1, 2, 3",
    "indexes": "SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = ANY(%s) "
               "AND tablename NOT LIKE 'provisioner\\_%%' ORDER BY 1, 2, 3",
    "enums": "SELECT n.nspname, t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_type t "
             "JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid "
             "WHERE n.nspname = ANY(%s) GROUP BY 1, 2 ORDER BY 1, 2",
}


def _catalog(url: str) -> dict[str, list[tuple[object, ...]]]:
    return {what: rows(url, query, (_SCHEMAS,)) for what, query in _NAMES.items()}


def test_crafted_names_round_trip(fresh_db: Callable[..., str], tmp_path: Path) -> None:
    source, target = fresh_db("names_src"), fresh_db("names_dst")
    execute(source, ADVERSARIAL_SQL)
    config = tmp_path / "fast.yaml"
    config.write_text(LENIENT)
    result = invoke("provision", "--source", source, "--target", target, "--schema", "public", "--schema", WEIRD_SCHEMA,
                    "--config", config, "--quiet", "--bundle", tmp_path / "w.bundle", "--report", tmp_path / "r.json")
    assert result.exit_code == 0, result.stderr
    want, got = _catalog(source), _catalog(target)
    assert len(want["tables"]) == 3 and len(want["columns"]) == 13
    for what in _NAMES:
        assert got[what] == want[what], what
    for schema, table in got["tables"]:
        from psycopg import sql

        count = rows(target, sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table)))[0][0]
        assert count > 0, (schema, table)
    # the same names through `load` (a second revision-free run) and `sample --format sql` (a psql script)
    again = invoke("load", "--bundle", tmp_path / "w.bundle", "--target", target, "--quiet", "--seed", "9")
    assert again.exit_code == 0, again.stderr
    sampled = invoke("sample", "--bundle", tmp_path / "w.bundle", "--out", tmp_path / "dump", "--format", "sql", "--quiet")
    assert sampled.exit_code == 0, sampled.stderr


def _dblink_conninfo(admin_url: str, database: str) -> str:
    params = {**sqlscript.connect_kwargs(admin_url), "dbname": database}
    parts = []
    for key in ("host", "port", "user", "password", "dbname"):
        if params.get(key) not in (None, ""):
            value = str(params[key]).replace("\\", "\\\\").replace("'", "\\'")
            parts.append(f"{key}='{value}'")
    return " ".join(parts)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_crafted_names_never_run_on_the_source(fresh_db: Callable[..., str], pg_admin_url: str, tmp_path: Path) -> None:
    source, target, witness = fresh_db("inj_src"), fresh_db("inj_dst"), fresh_db("inj_witness")
    execute(witness, "CREATE TABLE marker (at timestamptz DEFAULT now(), who text, db text)")
    try:
        execute(source, "CREATE EXTENSION dblink")
    except Exception as exc:  # noqa: BLE001 - the server has no dblink: fall back to a function that raises
        pytest.skip(f"dblink is not available on this server ({exc})")
    conninfo = _dblink_conninfo(pg_admin_url, make_name(witness))
    execute(source, f"""
        CREATE FUNCTION public.provisioner_evil() RETURNS integer LANGUAGE plpgsql AS $body$
        BEGIN
            PERFORM dblink_exec({_literal(conninfo)},
                                'INSERT INTO marker (who, db) VALUES (' || quote_literal(current_user) || ', ' || quote_literal(current_database()) || ')');
            RETURN 1;
        END $body$;
        CREATE FUNCTION public.provisioner_boom() RETURNS integer LANGUAGE plpgsql AS $body$
        BEGIN RAISE EXCEPTION 'a pasted name was executed'; END $body$;
        CREATE TABLE public.victim (
            id serial PRIMARY KEY,
            "x"", public.provisioner_evil() AS ""y" text NOT NULL,
            "z"", public.provisioner_boom() AS ""w" integer NOT NULL,
            "q""::text, public.provisioner_evil()::text AS ""r" text,
            amount numeric(8,2) NOT NULL
        );
        INSERT INTO public.victim ("x"", public.provisioner_evil() AS ""y", "z"", public.provisioner_boom() AS ""w",
                                   "q""::text, public.provisioner_evil()::text AS ""r", amount)
        SELECT 'note number ' || g || ' of a long free text column', g % 17, 'code ' || (g % 40), (g % 97) + 0.5
        FROM generate_series(1, 300) g;
        CREATE TABLE public."t"" CROSS JOIN LATERAL public.provisioner_evil() e --" (
            id serial PRIMARY KEY, victim_id integer NOT NULL REFERENCES public.victim(id), qty integer NOT NULL);
        INSERT INTO public."t"" CROSS JOIN LATERAL public.provisioner_evil() e --" (victim_id, qty)
        SELECT 1 + g % 300, g % 11 FROM generate_series(1, 500) g;
    """)
    config = tmp_path / "fast.yaml"
    config.write_text(LENIENT)
    bundle = tmp_path / "victim.bundle"
    runs = [
        ("provision", "--source", source, "--target", target, "--bundle", bundle, "--config", config, "--quiet"),
        ("check", "--source", source, "--bundle", bundle, "--config", config, "--quiet"),
        ("diff", "--source", source, "--bundle", bundle, "--quiet"),
        ("init", "--source", source, "--out", tmp_path / "p.yaml", "--quiet"),
        ("reflect", "--source", source, "--out", tmp_path / "schemas", "--quiet"),
        ("audit", "--source", source, "--target", target, "--bundle", bundle, "--quiet"),
    ]
    for args in runs:
        result = invoke(*args)
        assert result.exit_code == 0, (args[0], result.stderr)
    assert rows(witness, "SELECT count(*) FROM marker")[0][0] == 0  # nothing ran, on the source or the target
    rows(source, "SELECT public.provisioner_evil()")  # the detector works: calling the function writes the marker
    assert rows(witness, "SELECT count(*) FROM marker")[0][0] == 1


def make_name(url: str) -> str:
    from sqlalchemy.engine import make_url

    return str(make_url(url).database)
