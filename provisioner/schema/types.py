"""Reflect the types and sequences around tables: enums, domains, composite types, sequences, extensions.

Domains and composite types carry the user types they are built on (``depends``),
so :mod:`provisioner.schema.ddl` creates them in dependency order (a composite
with a domain attribute, a domain over an array of an enum). Sequences are every
sequence of the reflected schemas and every sequence a reflected column's default
calls (``nextval('x')``), wherever it lives; identity sequences belong to their
column and are left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from psycopg import sql
from sqlalchemy import Connection, text

from provisioner.schema.snapshot import Composite, DbSequence, Domain, EnumType

_USER_TYPE = """
    (SELECT array_agg(DISTINCT un.nspname || '.' || ut.typname) FROM pg_type ut JOIN pg_namespace un ON un.oid = ut.typnamespace
     WHERE ut.oid = ANY(:oids) AND ut.typtype IN ('e', 'd', 'c') AND un.nspname NOT IN ('pg_catalog', 'information_schema')
       AND (ut.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = ut.typrelid) = 'c'))
"""


def enums_of(conn: Connection, schema: str) -> list[EnumType]:
    rows = conn.execute(text("""
        SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_type t
        JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
        WHERE n.nspname = :schema GROUP BY t.typname ORDER BY t.typname"""), {"schema": schema}).all()
    return [EnumType(schema, name, tuple(labels)) for name, labels in rows]


def domains_of(conn: Connection, schema: str) -> list[Domain]:
    """Every domain of ``schema``: ``CREATE DOMAIN`` text and the user types it is built on."""
    rows = conn.execute(text("""
        SELECT t.typname, format_type(t.typbasetype, t.typtypmod), t.typdefault, t.typnotnull, t.typbasetype,
               COALESCE(NULLIF(b.typelem, 0), t.typbasetype) AS elem,
               (SELECT array_agg(ARRAY[k.conname::text, pg_get_constraintdef(k.oid)] ORDER BY k.conname)
                FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c') AS checks
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_type b ON b.oid = t.typbasetype
        WHERE n.nspname = :schema AND t.typtype = 'd' ORDER BY t.typname"""), {"schema": schema}).all()
    out = []
    for name, base, default, notnull, base_oid, elem, checks in rows:
        parts = [f"CREATE DOMAIN {sql.Identifier(schema, name).as_string(None)} AS {base}"]
        if default is not None:
            parts.append(f"DEFAULT {default}")
        if notnull:
            parts.append("NOT NULL")
        parts += [f"CONSTRAINT {sql.Identifier(con).as_string(None)} {definition}" for con, definition in (checks or [])]
        depends = _user_types(conn, [int(base_oid), int(elem)], f"{schema}.{name}")
        out.append(Domain(schema, name, " ".join(parts), depends))
    return out


def composites_of(conn: Connection, schema: str) -> list[Composite]:
    """Composite types made with ``CREATE TYPE ... AS (...)`` (not the row types of tables)."""
    rows = conn.execute(text("""
        SELECT t.typname, array_agg(a.attname ORDER BY a.attnum), array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum),
               array_agg(a.atttypid::int ORDER BY a.attnum) || array_agg(COALESCE(NULLIF(at.typelem, 0), at.typbasetype, 0)::int ORDER BY a.attnum)
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_type at ON at.oid = a.atttypid
        WHERE n.nspname = :schema AND t.typtype = 'c' GROUP BY t.typname ORDER BY t.typname"""), {"schema": schema}).all()
    return [
        Composite(schema, name, tuple(zip(names, types)), _user_types(conn, [int(o) for o in oids if o], f"{schema}.{name}"))
        for name, names, types, oids in rows
    ]


def _user_types(conn: Connection, oids: list[int], own: str) -> tuple[str, ...]:
    found = conn.execute(text(f"SELECT {_USER_TYPE}"), {"oids": oids}).scalar() or []
    return tuple(sorted(t for t in found if t != own))


def sequences_of(conn: Connection, schemas: Sequence[str]) -> tuple[DbSequence, ...]:
    """Sequences of ``schemas`` and those the reflected columns' defaults call; not identity sequences."""
    rows = conn.execute(text("""
        WITH used AS (
            SELECT DISTINCT d.refobjid AS oid FROM pg_attrdef ad
            JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
            JOIN pg_class t ON t.oid = ad.adrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
            WHERE tn.nspname = ANY(:schemas))
        SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
               s.seqcache, s.seqcycle, own.nspname, own.relname, own.attname
        FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN LATERAL (
            SELECT tn.nspname, t.relname, a.attname, d.deptype FROM pg_depend d
            JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
            WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
              AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0 LIMIT 1) own ON true
        WHERE (n.nspname = ANY(:schemas) OR c.oid IN (SELECT oid FROM used)) AND own.deptype IS DISTINCT FROM 'i'
          AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
        ORDER BY n.nspname, c.relname"""), {"schemas": list(schemas)}).all()
    out = []
    for nsp, name, dtype, start, inc, lo, hi, cache, cycle, own_nsp, own_table, own_col in rows:
        owner = None
        if own_table is not None and own_nsp in schemas:
            owner = (own_table if own_nsp == "public" else f"{own_nsp}.{own_table}", own_col)
        out.append(DbSequence(nsp, name, dtype, int(start), int(inc), int(lo), int(hi), int(cache), bool(cycle), owner))
    return tuple(out)


def extensions_of(conn: Connection) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Extension names, and (name, schema) of those not installed in public."""
    rows = conn.execute(text(
        "SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname <> 'plpgsql' ORDER BY 1")).all()
    return tuple(r[0] for r in rows), tuple((r[0], r[1]) for r in rows if r[1] not in ("public", "pg_catalog"))


_NEXTVAL = re.compile(r"nextval\('((?:[^']|'')+)'(?:::regclass)?\)")


def nextval_sequence(default: str | None) -> tuple[str, str] | None:
    """(schema, name) of the sequence a default calls (``nextval('app.seq'::regclass)``), or None.
    An unqualified name is in public (it was visible on the source's search path)."""
    match = _NEXTVAL.search(default or "")
    if not match:
        return None
    parts = split_name(match[1].replace("''", "'"))
    return ("public", parts[0]) if len(parts) == 1 else (parts[0], parts[1])


def split_name(name: str) -> list[str]:
    """``app."My Seq"`` -> ["app", "My Seq"]: a possibly quoted, possibly qualified SQL name."""
    parts = re.findall(r'"((?:[^"]|"")*)"|([^."]+)', name)
    return [quoted.replace('""', '"') if quoted else bare.lower() for quoted, bare in parts]


def order_types(items: Sequence[Domain | Composite]) -> list[Domain | Composite]:
    """Domains and composites so that every type comes after the types it is built on."""
    by_name = {f"{t.schema}.{t.name}": t for t in items}
    done: dict[str, Domain | Composite] = {}

    def visit(key: str, path: frozenset[str]) -> None:
        if key in done or key not in by_name or key in path:
            return
        for dep in by_name[key].depends:
            visit(dep, path | {key})
        done[key] = by_name[key]

    for key in by_name:
        visit(key, frozenset())
    return list(done.values())
