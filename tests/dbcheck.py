"""Independent checks on a database, straight from the catalog (no provisioner code)."""

from __future__ import annotations

import hashlib
from typing import Any

import psycopg

from provisioner.pg import script as sqlscript


def _rows(url: str, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(**sqlscript.connect_kwargs(url)) as conn:
        return list(conn.execute(query, params).fetchall())


PUBLIC = ("public",)
_KEY = "CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END"


def _sql_name(key: str) -> str:
    """``album`` -> "album", ``sales.orders`` -> "sales"."orders" (table keys as provisioner spells them)."""
    return ".".join(f'"{part}"' for part in key.split(".", 1))


def tables(url: str, schemas: tuple[str, ...] = PUBLIC) -> list[str]:
    """Tables and partitioned parents (partitions excluded), as ``name`` or ``schema.name``."""
    query = f"""SELECT {_KEY} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                AND c.relname <> 'alembic_version' ORDER BY 1"""
    return [r[0] for r in _rows(url, query, (list(schemas),))]


def counts(url: str, schemas: tuple[str, ...] = PUBLIC) -> dict[str, int]:
    return {t: _rows(url, f"SELECT count(*) FROM {_sql_name(t)}")[0][0] for t in tables(url, schemas)}


def digests(url: str, schemas: tuple[str, ...] = PUBLIC) -> dict[str, str]:
    """md5 of every table's rows in a stable order."""
    out = {}
    for t in tables(url, schemas):
        rows = _rows(url, f"SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) FROM {_sql_name(t)} x")
        out[t] = rows[0][0] or ""
    return out


def constraints(url: str, schemas: tuple[str, ...] = PUBLIC) -> set[tuple[str, str, str, str]]:
    """(table, name, type, definition) of every PK, FK, unique, check and exclusion constraint."""
    query = f"""
        SELECT {_KEY}, k.conname, k.contype::text, pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%s) AND c.relname <> 'alembic_version'"""
    return set(_rows(url, query, (list(schemas),)))


def not_nulls(url: str, schemas: tuple[str, ...] = PUBLIC) -> set[tuple[str, str]]:
    query = """SELECT CASE WHEN table_schema = 'public' THEN table_name ELSE table_schema || '.' || table_name END, column_name
               FROM information_schema.columns
               WHERE table_schema = ANY(%s) AND is_nullable = 'NO' AND table_name <> 'alembic_version'"""
    return set(_rows(url, query, (list(schemas),)))


def all_constraints_valid(url: str, schemas: tuple[str, ...] = PUBLIC) -> list[str]:
    """Problems found by re-checking every FK and unique key with plain SQL."""
    problems = []
    for table, name, kind, definition in constraints(url, schemas):
        if kind == "f":
            cols = definition.split("(")[1].split(")")[0]
            ref = definition.split("REFERENCES ")[1]
            ref_table, ref_cols = ref.split("(")[0], ref.split("(")[1].split(")")[0]
            join = " AND ".join(f"p.{b.strip()} = c.{a.strip()}" for a, b in zip(cols.split(","), ref_cols.split(",")))
            notnull = " AND ".join(f"c.{a.strip()} IS NOT NULL" for a in cols.split(","))
            orphans = _rows(url, f'SELECT count(*) FROM {_sql_name(table)} c WHERE {notnull} AND NOT EXISTS (SELECT 1 FROM {ref_table} p WHERE {join})')[0][0]
            if orphans:
                problems.append(f"{table}.{name}: {orphans} orphan rows")
        if kind in ("p", "u"):
            cols = definition.split("(")[1].split(")")[0]
            dups = _rows(url, f'SELECT count(*) - count(DISTINCT ({cols})) FROM {_sql_name(table)} WHERE ({cols}) IS NOT NULL')[0][0]
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
