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

from provisioner.schema.snapshot import (
    Composite,
    DbSequence,
    Domain,
    EnumType,
    Routine,
    TypeDef,
)

_USER_TYPE = """
    (SELECT array_agg(DISTINCT un.nspname || '.' || ut.typname) FROM pg_type ut JOIN pg_namespace un ON un.oid = ut.typnamespace
     WHERE ut.oid = ANY(:oids) AND ut.typtype IN ('e', 'd', 'c', 'r') AND un.nspname NOT IN ('pg_catalog', 'information_schema')
       AND (ut.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = ut.typrelid) = 'c'))
"""


def enums_of(conn: Connection, schema: str, names: set[str] | None = None) -> list[EnumType]:
    rows = conn.execute(text("""
        SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_type t
        JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
        WHERE n.nspname = :schema AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e') GROUP BY t.typname ORDER BY t.typname"""), {"schema": schema}).all()
    return [EnumType(schema, name, tuple(labels)) for name, labels in rows if names is None or name in names]


def domains_of(conn: Connection, schema: str, names: set[str] | None = None) -> list[Domain]:
    """Every domain of ``schema``: ``CREATE DOMAIN`` text and the user types it is built on."""
    rows = conn.execute(text("""
        SELECT t.typname, format_type(t.typbasetype, t.typtypmod), t.typdefault, t.typnotnull, t.typbasetype,
               COALESCE(NULLIF(b.typelem, 0), t.typbasetype) AS elem,
               (SELECT array_agg(ARRAY[k.conname::text, pg_get_constraintdef(k.oid)] ORDER BY k.conname)
                FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c') AS checks
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_type b ON b.oid = t.typbasetype
        WHERE n.nspname = :schema AND t.typtype = 'd' AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e') ORDER BY t.typname"""), {"schema": schema}).all()
    out = []
    for name, base, default, notnull, base_oid, elem, checks in rows:
        if names is not None and name not in names:
            continue
        parts = [f"CREATE DOMAIN {sql.Identifier(schema, name).as_string(None)} AS {base}"]
        if default is not None:
            parts.append(f"DEFAULT {default}")
        if notnull:
            parts.append("NOT NULL")
        parts += [f"CONSTRAINT {sql.Identifier(con).as_string(None)} {definition}" for con, definition in (checks or [])]
        depends = _user_types(conn, [int(base_oid), int(elem)], f"{schema}.{name}")
        out.append(Domain(schema, name, " ".join(parts), depends))
    return out


def composites_of(conn: Connection, schema: str, names: set[str] | None = None) -> list[Composite]:
    """Composite types made with ``CREATE TYPE ... AS (...)`` (not the row types of tables, not an extension's)."""
    rows = conn.execute(text("""
        SELECT t.typname, array_agg(a.attname ORDER BY a.attnum), array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum),
               array_agg(a.atttypid::int ORDER BY a.attnum) || array_agg(COALESCE(NULLIF(at.typelem, 0), at.typbasetype, 0)::int ORDER BY a.attnum)
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_type at ON at.oid = a.atttypid
        WHERE n.nspname = :schema AND t.typtype = 'c' AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e') GROUP BY t.typname ORDER BY t.typname"""), {"schema": schema}).all()
    return [
        Composite(schema, name, tuple(zip(attrs, types)), _user_types(conn, [int(o) for o in oids if o], f"{schema}.{name}"))
        for name, attrs, types, oids in rows if names is None or name in names
    ]


def ranges_of(conn: Connection, schema: str, names: set[str] | None = None) -> list[TypeDef]:
    """Range types made with ``CREATE TYPE ... AS RANGE`` (subtype, difference function, multirange name)."""
    rows = conn.execute(text("""
        SELECT t.typname, format_type(r.rngsubtype, NULL), NULLIF(r.rngsubdiff, 0)::regproc::text,
               CASE WHEN oc.opcdefault THEN NULL ELSE quote_ident(ocn.nspname) || '.' || quote_ident(oc.opcname) END,
               (SELECT format('%I.%I', mn.nspname, m.typname) FROM pg_type m JOIN pg_namespace mn ON mn.oid = m.typnamespace
                WHERE m.oid = r.rngmultitypid), r.rngsubtype
        FROM pg_range r JOIN pg_type t ON t.oid = r.rngtypid JOIN pg_namespace n ON n.oid = t.typnamespace
        JOIN pg_opclass oc ON oc.oid = r.rngsubopc JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace
        WHERE n.nspname = :schema AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e') ORDER BY t.typname"""), {"schema": schema}).all()
    out = []
    for name, subtype, diff, opclass, multi, sub_oid in rows:
        if names is not None and name not in names:
            continue
        options = [f"SUBTYPE = {subtype}"] + [f"{k} = {v}" for k, v in (("SUBTYPE_OPCLASS", opclass), ("SUBTYPE_DIFF", diff),
                                                                         ("MULTIRANGE_TYPE_NAME", multi)) if v]
        definition = f"CREATE TYPE {sql.Identifier(schema, name).as_string(None)} AS RANGE ({', '.join(options)})"
        out.append(TypeDef(schema, name, definition, _user_types(conn, [int(sub_oid)], f"{schema}.{name}")))
    return out


def aggregates_of(conn: Connection, schemas: Sequence[str]) -> tuple[tuple[Routine, ...], list[str]]:
    """(``CREATE AGGREGATE`` of the schemas' plain aggregates, notes on those that are not re-created)."""
    rows = conn.execute(text("""
        SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), a.aggkind, a.aggtransfn::regproc::text,
               format_type(a.aggtranstype, NULL), NULLIF(a.aggfinalfn, 0)::regproc::text, a.agginitval,
               NULLIF(a.aggcombinefn, 0)::regproc::text, NULLIF(a.aggsortop, 0)::regoperator::text
        FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = ANY(:schemas)
          AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
        ORDER BY 1, 2, 3"""), {"schemas": list(schemas)}).all()
    out, notes = [], []
    for nsp, name, args, kind, sfunc, stype, final, init, combine, sortop in rows:
        if kind != "n":
            notes.append(f"not re-created: ordered-set aggregate {nsp}.{name}({args})")
            continue
        options = [f"SFUNC = {sfunc}", f"STYPE = {stype}"]
        options += [f"FINALFUNC = {final}"] if final else []
        options += [f"COMBINEFUNC = {combine}"] if combine else []
        options += [f"INITCOND = {sql.Literal(init).as_string(None)}"] if init is not None else []
        options += [f"SORTOP = {sortop.split('(')[0]}"] if sortop else []
        definition = f"CREATE OR REPLACE AGGREGATE {sql.Identifier(nsp, name).as_string(None)}({args or '*'}) ({', '.join(options)})"
        out.append(Routine(nsp, name, definition))
    return tuple(out), notes


def foreign_types(conn: Connection, schemas: Sequence[str]) -> dict[str, set[str]]:
    """User types of other schemas that the reflected columns use (a domain in public used by a table
    in sales), and the types those are built on: {schema: {type names}}."""
    seen: set[int] = set()
    frontier = set(conn.execute(text("""
        SELECT DISTINCT a.atttypid::int FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(:schemas) AND c.relkind IN ('r', 'p', 'v', 'm', 'c') AND a.attnum > 0 AND NOT a.attisdropped"""),
        {"schemas": list(schemas)}).scalars())
    out: dict[str, set[str]] = {}
    while frontier:
        seen |= frontier
        rows = conn.execute(text(f"""
            SELECT t.oid::int, n.nspname, t.typname, t.typtype, c.relkind,
                   ARRAY[NULLIF(t.typelem, 0)::int, NULLIF(t.typbasetype, 0)::int,
                         (SELECT rngsubtype::int FROM pg_range WHERE rngtypid = t.oid)]
                   || ARRAY(SELECT a.atttypid::int FROM pg_attribute a WHERE a.attrelid = t.typrelid AND c.relkind = 'c' AND a.attnum > 0),
                   {_NOT_EXTENSION_TYPE}
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace LEFT JOIN pg_class c ON c.oid = t.typrelid
            WHERE t.oid = ANY(:oids)"""), {"oids": list(frontier)}).all()
        frontier = set()
        for _, nsp, name, typtype, relkind, inner, own in rows:
            user = typtype in ("e", "d", "r") or (typtype == "c" and relkind == "c")
            if user and own and nsp not in schemas and nsp not in ("pg_catalog", "information_schema"):
                out.setdefault(nsp, set()).add(name)
            frontier |= {o for o in inner if o} - seen
    return out


_NOT_EXTENSION_TYPE = ("NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid "
                       "AND e.deptype = 'e')")


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


def order_types(items: Sequence[Domain | Composite | TypeDef]) -> list[Domain | Composite | TypeDef]:
    """Domains and composites so that every type comes after the types it is built on."""
    by_name = {f"{t.schema}.{t.name}": t for t in items}
    done: dict[str, Domain | Composite | TypeDef] = {}

    def visit(key: str, path: frozenset[str]) -> None:
        if key in done or key not in by_name or key in path:
            return
        for dep in by_name[key].depends:
            visit(dep, path | {key})
        done[key] = by_name[key]

    for key in by_name:
        visit(key, frozenset())
    return list(done.values())
