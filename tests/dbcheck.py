"""Independent checks on a database, straight from the catalog (no provisioner code)."""

from __future__ import annotations

import hashlib
from typing import Any

import psycopg
from psycopg import sql

from provisioner.pg import script as sqlscript

BOOKKEEPING = ["alembic_version", "provisioner_version", "provisioner_owned"]  # version tables, provisioner's ownership record


def _rows(url: str, query: str | sql.Composable, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(**sqlscript.connect_kwargs(url)) as conn:
        return list(conn.execute(query, params).fetchall())


PUBLIC = ("public",)
_KEY = "CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END"


def _sql_name(key: str) -> sql.Identifier:
    """``album`` -> "album", ``sales.orders`` -> "sales"."orders" (table keys as provisioner spells them), quoted by psycopg."""
    return sql.Identifier(*key.split(".", 1))


def tables(url: str, schemas: tuple[str, ...] = PUBLIC) -> list[str]:
    """Tables and partitioned parents (partitions excluded), as ``name`` or ``schema.name``."""
    query = f"""SELECT {_KEY} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                AND c.relname <> ALL(%s) ORDER BY 1"""
    return [r[0] for r in _rows(url, query, (list(schemas), BOOKKEEPING))]


def counts(url: str, schemas: tuple[str, ...] = PUBLIC) -> dict[str, int]:
    return {t: _rows(url, sql.SQL("SELECT count(*) FROM {}").format(_sql_name(t)))[0][0] for t in tables(url, schemas)}


def digests(url: str, schemas: tuple[str, ...] = PUBLIC) -> dict[str, str]:
    """md5 of every table's rows in a stable order."""
    out = {}
    for t in tables(url, schemas):
        rows = _rows(url, sql.SQL("SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) FROM {} x").format(_sql_name(t)))
        out[t] = rows[0][0] or ""
    return out


def constraints(url: str, schemas: tuple[str, ...] = PUBLIC) -> set[tuple[str, str, str, str]]:
    """(table, name, type, definition) of every PK, FK, unique, check and exclusion constraint."""
    query = f"""
        SELECT {_KEY}, k.conname, k.contype::text, pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%s) AND c.relname <> ALL(%s)"""
    return set(_rows(url, query, (list(schemas), BOOKKEEPING)))


def not_nulls(url: str, schemas: tuple[str, ...] = PUBLIC) -> set[tuple[str, str]]:
    query = """SELECT CASE WHEN table_schema = 'public' THEN table_name ELSE table_schema || '.' || table_name END, column_name
               FROM information_schema.columns
               WHERE table_schema = ANY(%s) AND is_nullable = 'NO' AND table_name <> ALL(%s)"""
    return set(_rows(url, query, (list(schemas), BOOKKEEPING)))


_KEYS = """
    SELECT n.nspname, c.relname, k.conname, k.contype::text, rn.nspname, r.relname,
      ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
            JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i),
      ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, i)
            JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i)
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_class r ON r.oid = k.confrelid LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
    WHERE n.nspname = ANY(%s) AND k.contype IN ('f', 'p', 'u') AND c.relname <> ALL(%s) AND NOT c.relispartition"""


def all_constraints_valid(url: str, schemas: tuple[str, ...] = PUBLIC) -> list[str]:
    """Problems found by re-checking every FK and unique key with plain SQL (names from the catalog, quoted by psycopg)."""
    problems = []
    for schema, table, name, kind, ref_schema, ref_table, cols, ref_cols in _rows(url, _KEYS, (list(schemas), BOOKKEEPING)):
        ident = sql.Identifier(schema, table)
        if kind == "f":
            join = sql.SQL(" AND ").join(sql.SQL("p.{} = c.{}").format(sql.Identifier(b), sql.Identifier(a)) for a, b in zip(cols, ref_cols))
            notnull = sql.SQL(" AND ").join(sql.SQL("c.{} IS NOT NULL").format(sql.Identifier(a)) for a in cols)
            query = sql.SQL("SELECT count(*) FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})").format(
                ident, notnull, sql.Identifier(ref_schema, ref_table), join)
            orphans = _rows(url, query)[0][0]
            if orphans:
                problems.append(f"{table}.{name}: {orphans} orphan rows")
        if kind in ("p", "u"):
            listed = sql.SQL(", ").join(sql.Identifier(c) for c in cols)
            query = sql.SQL("SELECT count(*) - count(DISTINCT ({})) FROM {} WHERE ({}) IS NOT NULL").format(listed, ident, listed)
            dups = _rows(url, query)[0][0]
            if dups:
                problems.append(f"{table}.{name}: {dups} duplicates")
    invalid = _rows(url, "SELECT conname FROM pg_constraint WHERE NOT convalidated")
    problems += [f"{r[0]} not validated" for r in invalid]
    return problems


def text_values(url: str) -> set[str]:
    """Every distinct text value of every text column in the database."""
    cols = _rows(url, """SELECT table_name, column_name FROM information_schema.columns
                         WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'character')""")
    values: set[str] = set()
    for table, column in cols:
        name = sql.Identifier(column)
        query = sql.SQL("SELECT DISTINCT {}::text FROM {} WHERE {} IS NOT NULL").format(name, sql.Identifier("public", table), name)
        values |= {r[0] for r in _rows(url, query)}
    return values


def table_oids(url: str) -> dict[str, int]:
    return dict(_rows(url, "SELECT relname, oid::int FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"))


def revision(url: str) -> str | None:
    rows = _rows(url, "SELECT version_num FROM public.provisioner_version")
    return rows[0][0] if rows else None


def both(data: dict[str, Any], query: str) -> tuple[Any, Any]:
    """``query``'s value on the source and on the target of a provisioned pair."""
    return scalar(data["source"], query), scalar(data["target"], query)


def scalar(url: str, query: str) -> Any:
    return _rows(url, query)[0][0]


def fingerprint(url: str) -> str:
    return hashlib.sha256(repr(sorted(digests(url).items())).encode()).hexdigest()


def assert_round_trip(data: dict[str, Any], schemas: tuple[str, ...], catalog: dict[str, str], tolerance: float = 0.2) -> None:
    """A provisioned sample schema (conftest.provisioned_script): exit 0, the same tables and constraints, all of
    them valid, every ``catalog`` query giving the same rows on both sides, row counts within ``tolerance``."""
    assert data["result"].exit_code == 0, data["result"].output
    source, target = data["source"], data["target"]
    assert tables(target, schemas) == tables(source, schemas)
    assert constraints(target, schemas) == constraints(source, schemas)
    assert all_constraints_valid(target, schemas) == []
    for name, query in catalog.items():
        real, synthetic = set(_rows(source, query)), set(_rows(target, query))
        assert synthetic == real, (name, real - synthetic, synthetic - real)
    made, real_counts = counts(target, schemas), counts(source, schemas)
    assert all(abs(made[t] - real_counts[t]) <= tolerance * real_counts[t] for t in real_counts), (made, real_counts)
