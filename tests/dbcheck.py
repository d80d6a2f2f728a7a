"""Independent checks on a database, straight from the catalog (no provisioner code)."""

from __future__ import annotations

import hashlib
from typing import Any

import psycopg

from provisioner import sqlscript


def _rows(url: str, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(**sqlscript.connect_kwargs(url)) as conn:
        return list(conn.execute(query, params).fetchall())


def tables(url: str) -> list[str]:
    return [r[0] for r in _rows(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version' ORDER BY 1")]


def counts(url: str) -> dict[str, int]:
    return {t: _rows(url, f'SELECT count(*) FROM "{t}"')[0][0] for t in tables(url)}


def digests(url: str) -> dict[str, str]:
    """md5 of every table's rows in a stable order."""
    out = {}
    for t in tables(url):
        rows = _rows(url, f'SELECT md5(string_agg(x::text, \'|\' ORDER BY x::text)) FROM "{t}" x')
        out[t] = rows[0][0] or ""
    return out


def constraints(url: str) -> set[tuple[str, str, str, str]]:
    """(table, name, type, definition) of every PK, FK, unique, check and exclusion constraint."""
    query = """
        SELECT c.relname, k.conname, k.contype::text, pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relname <> 'alembic_version'"""
    return set(_rows(url, query))


def not_nulls(url: str) -> set[tuple[str, str]]:
    query = """SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema = 'public' AND is_nullable = 'NO' AND table_name <> 'alembic_version'"""
    return set(_rows(url, query))


def all_constraints_valid(url: str) -> list[str]:
    """Problems found by re-checking every FK and unique key with plain SQL."""
    problems = []
    for table, name, kind, definition in constraints(url):
        if kind == "f":
            cols = definition.split("(")[1].split(")")[0]
            ref = definition.split("REFERENCES ")[1]
            ref_table, ref_cols = ref.split("(")[0], ref.split("(")[1].split(")")[0]
            join = " AND ".join(f"p.{b.strip()} = c.{a.strip()}" for a, b in zip(cols.split(","), ref_cols.split(",")))
            notnull = " AND ".join(f"c.{a.strip()} IS NOT NULL" for a in cols.split(","))
            orphans = _rows(url, f'SELECT count(*) FROM "{table}" c WHERE {notnull} AND NOT EXISTS (SELECT 1 FROM {ref_table} p WHERE {join})')[0][0]
            if orphans:
                problems.append(f"{table}.{name}: {orphans} orphan rows")
        if kind in ("p", "u"):
            cols = definition.split("(")[1].split(")")[0]
            dups = _rows(url, f'SELECT count(*) - count(DISTINCT ({cols})) FROM "{table}" WHERE ({cols}) IS NOT NULL')[0][0]
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
        values |= {r[0] for r in _rows(url, f'SELECT DISTINCT "{column}"::text FROM "{table}" WHERE "{column}" IS NOT NULL')}
    return values


def table_oids(url: str) -> dict[str, int]:
    return dict(_rows(url, "SELECT relname, oid::int FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"))


def revision(url: str) -> str | None:
    rows = _rows(url, "SELECT version_num FROM alembic_version")
    return rows[0][0] if rows else None


def scalar(url: str, query: str) -> Any:
    return _rows(url, query)[0][0]


def fingerprint(url: str) -> str:
    return hashlib.sha256(repr(sorted(digests(url).items())).encode()).hexdigest()
