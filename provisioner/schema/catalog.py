"""Reflect what lives around the tables: views, materialized views, row-level security, comments,
and the list of objects provisioner does not re-create (they go to the report's ``notes``).

Views come parents first (a view over another view after it). A view that reads a
relation outside the reflected schemas cannot be re-created there: it is skipped
and named in ``skipped``, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import sql
from sqlalchemy import Connection, text

from provisioner.schema.snapshot import Comment, Policy, View

_NOT_EXTENSION = ("NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = {cls}::regclass AND e.objid = {oid} "
                  "AND e.deptype = 'e')")


def _q(*parts: str) -> str:
    return sql.Identifier(*parts).as_string(None)


def views_of(conn: Connection, schemas: Sequence[str]) -> tuple[tuple[View, ...], list[str]]:
    """(views in dependency order, notes on the views that cannot be re-created)."""
    rows = conn.execute(text(f"""
        SELECT c.oid, n.nspname, c.relname, c.relkind = 'm' AS materialized, pg_get_viewdef(c.oid) AS query,
               COALESCE(c.reloptions, '{{}}') AS options,
               ARRAY(SELECT pg_get_indexdef(x.indexrelid) FROM pg_index x WHERE x.indrelid = c.oid ORDER BY 1) AS indexes
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY(:schemas) AND {_NOT_EXTENSION.format(cls="'pg_class'", oid="c.oid")}
        ORDER BY n.nspname, c.relname"""), {"schemas": list(schemas)}).mappings().all()
    refs = conn.execute(text("""
        SELECT DISTINCT r.ev_class AS view, d.refobjid AS ref, rn.nspname AS ref_schema, rc.relname AS ref_name
        FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
             AND d.refclassid = 'pg_class'::regclass
        JOIN pg_class rc ON rc.oid = d.refobjid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
        WHERE r.ev_class = ANY(:oids) AND d.refobjid <> r.ev_class"""), {"oids": [int(r["oid"]) for r in rows]}).mappings().all()
    calls = conn.execute(text("""
        SELECT DISTINCT r.ev_class AS view, pn.nspname AS schema, p.proname AS name, a.aggkind AS aggkind
        FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
             AND d.refclassid = 'pg_proc'::regclass
        JOIN pg_proc p ON p.oid = d.refobjid JOIN pg_namespace pn ON pn.oid = p.pronamespace
        LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
        WHERE r.ev_class = ANY(:oids) AND pn.nspname NOT IN ('pg_catalog', 'information_schema')
          AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
    """), {"oids": [int(r["oid"]) for r in rows]}).mappings().all()
    by_oid = {int(r["oid"]): r for r in rows}
    deps: dict[int, set[int]] = {oid: set() for oid in by_oid}
    outside: dict[int, str] = {}
    for ref in refs:
        if int(ref["ref"]) in by_oid:
            deps[int(ref["view"])].add(int(ref["ref"]))
        elif ref["ref_schema"] not in schemas and ref["ref_schema"] not in ("pg_catalog", "information_schema"):
            outside.setdefault(int(ref["view"]), f"{ref['ref_schema']}.{ref['ref_name']}")
    for call in calls:  # a function provisioner does not re-create (another schema, an ordered-set aggregate)
        if call["schema"] not in schemas or call["aggkind"] not in (None, "n"):
            outside.setdefault(int(call["view"]), f"function {call['schema']}.{call['name']}")
    order, notes = _ordered(deps, outside, by_oid)
    views = tuple(
        View(r["nspname"], r["relname"], r["query"].strip().rstrip(";"), bool(r["materialized"]), tuple(r["options"]), tuple(r["indexes"]))
        for r in (by_oid[o] for o in order)
    )
    return views, notes


def _ordered(deps: dict[int, set[int]], outside: dict[int, str], rows: dict[int, object]) -> tuple[list[int], list[str]]:
    """Views parents first; views reading outside the schemas (or from such a view) are left out, with a note."""
    order: list[int] = []
    notes: list[str] = []
    bad = dict(outside)
    pending = dict(deps)
    while pending:
        ready = sorted((o for o, d in pending.items() if d <= set(order) | set(bad)), key=lambda o: _name(rows[o]))
        if not ready:  # a dependency cycle between views cannot exist in PostgreSQL; stop rather than loop
            ready = sorted(pending, key=lambda o: _name(rows[o]))
        for oid in ready:
            reason = bad.get(oid) or next((f"view {_name(rows[d])}" for d in pending[oid] if d in bad), None)
            pending.pop(oid)
            if reason is not None:
                bad[oid] = reason
                notes.append(f"not re-created: view {_name(rows[oid])}, which reads {reason}, which provisioner does not "
                             "re-create (add its schema with --schema)")
            else:
                order.append(oid)
    return order, notes


def _name(row: object) -> str:
    return f"{row['nspname']}.{row['relname']}"  # type: ignore[index]


def row_security_of(conn: Connection, schema: str, name: str) -> tuple[bool, bool, tuple[Policy, ...]]:
    """(ENABLE, FORCE, policies) of one table."""
    oid = ("(SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
           "WHERE n.nspname = :schema AND c.relname = :name)")
    flags = conn.execute(text(f"SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = {oid}"),
                         {"schema": schema, "name": name}).one()
    rows = conn.execute(text(f"""
        SELECT p.polname, CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                                        WHEN 'd' THEN 'DELETE' ELSE 'ALL' END, p.polpermissive,
               CASE WHEN p.polroles = '{{0}}' THEN ARRAY['public']::text[]
                    ELSE ARRAY(SELECT rolname::text FROM pg_roles WHERE oid = ANY(p.polroles) ORDER BY 1) END,
               pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
        FROM pg_policy p WHERE p.polrelid = {oid} ORDER BY p.polname"""), {"schema": schema, "name": name}).all()
    policies = tuple(Policy(n, cmd, bool(perm), tuple(roles), using, check) for n, cmd, perm, roles, using, check in rows)
    return bool(flags[0]), bool(flags[1]), policies


_COMMENTS = """
SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                      WHEN 'i' THEN 'INDEX' WHEN 'I' THEN 'INDEX' ELSE 'TABLE' END AS kind,
       n.nspname AS schema, c.relname AS name, a.attname AS column, NULL AS parent, d.description
FROM pg_description d JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND c.oid = d.objoid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
WHERE n.nspname = ANY(:schemas) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'i', 'I', 'f')
UNION ALL
SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, n.nspname, t.typname, NULL, NULL, d.description
FROM pg_description d JOIN pg_type t ON d.classoid = 'pg_type'::regclass AND t.oid = d.objoid
JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = ANY(:schemas)
UNION ALL
SELECT 'FUNCTION', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), NULL, d.description
FROM pg_description d JOIN pg_proc p ON d.classoid = 'pg_proc'::regclass AND p.oid = d.objoid
JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY(:schemas)
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
UNION ALL
SELECT 'CONSTRAINT', n.nspname, k.conname, NULL, c.relname, d.description
FROM pg_description d JOIN pg_constraint k ON d.classoid = 'pg_constraint'::regclass AND k.oid = d.objoid
JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(:schemas)
UNION ALL
SELECT 'TRIGGER', n.nspname, g.tgname, NULL, c.relname, d.description
FROM pg_description d JOIN pg_trigger g ON d.classoid = 'pg_trigger'::regclass AND g.oid = d.objoid
JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(:schemas)
UNION ALL
SELECT 'SCHEMA', n.nspname, n.nspname, NULL, NULL, d.description
FROM pg_description d JOIN pg_namespace n ON d.classoid = 'pg_namespace'::regclass AND n.oid = d.objoid
WHERE n.nspname = ANY(:schemas) AND n.nspname <> 'public'
"""


def comments_of(conn: Connection, schemas: Sequence[str], skip: set[str]) -> tuple[Comment, ...]:
    """``COMMENT ON`` every table, column, view, sequence, index, type, function, constraint, trigger and
    schema of ``schemas``; ``skip`` holds "schema.name" of relations that are not re-created."""
    out = []
    for kind, schema, name, extra, parent, description in conn.execute(text(_COMMENTS), {"schemas": list(schemas)}).all():
        if f"{schema}.{name}" in skip or (parent is not None and f"{schema}.{parent}" in skip):
            continue
        if kind in ("CONSTRAINT", "TRIGGER"):
            target = f"{kind} {_q(name)} ON {_q(schema, parent)}"
        elif kind == "SCHEMA":
            target = f"SCHEMA {_q(name)}"
        elif kind == "FUNCTION":
            target = f"FUNCTION {_q(schema, name)}({extra})"
        elif extra is not None:
            target = f"COLUMN {_q(schema, name, extra)}"
        else:
            target = f"{kind} {_q(schema, name)}"
        out.append(Comment(target, description))
    return tuple(sorted(out, key=lambda c: c.target))


_SKIPPED = """
SELECT 'foreign table ' || n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'f' AND n.nspname = ANY(:schemas)
UNION ALL
SELECT 'rule ' || r.rulename || ' on ' || n.nspname || '.' || c.relname FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE r.rulename <> '_RETURN' AND n.nspname = ANY(:schemas)
UNION ALL
SELECT 'table inheritance ' || n.nspname || '.' || c.relname || ' INHERITS ' || pn.nspname || '.' || p.relname
 || ' (both are re-created as plain tables)'
 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
 WHERE NOT c.relispartition AND n.nspname = ANY(:schemas)
UNION ALL
SELECT 'table ' || n.nspname || '.' || c.relname || ' (it has no columns; create it in the target if it is needed)'
 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY(:schemas)
   AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
UNION ALL
SELECT 'UNLOGGED ' || n.nspname || '.' || c.relname || ' (re-created as a logged table)' FROM pg_class c
 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relpersistence = 'u' AND c.relkind IN ('r', 'p') AND n.nspname = ANY(:schemas)
UNION ALL
SELECT 'extended statistics ' || n.nspname || '.' || s.stxname FROM pg_statistic_ext s
 JOIN pg_namespace n ON n.oid = s.stxnamespace WHERE n.nspname = ANY(:schemas)
UNION ALL
SELECT 'window function ' || n.nspname || '.' || p.proname
 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.prokind = 'w' AND n.nspname = ANY(:schemas)
 AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
UNION ALL
SELECT 'privileges (GRANT) on ' || n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND NOT c.relispartition AND n.nspname = ANY(:schemas)
 AND EXISTS (SELECT 1 FROM aclexplode(c.relacl) a WHERE a.grantee <> c.relowner)
UNION ALL
SELECT 'column collation ' || n.nspname || '.' || c.relname || '.' || a.attname || ' COLLATE ' || co.collname
 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 JOIN pg_type t ON t.oid = a.atttypid JOIN pg_collation co ON co.oid = a.attcollation
 WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attcollation <> 0 AND a.attcollation <> t.typcollation
   AND co.collnamespace <> 'pg_catalog'::regnamespace
 AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY(:schemas)
UNION ALL
SELECT 'constraint ' || k.conname || ' declared on partition ' || n.nspname || '.' || c.relname
 FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relispartition AND k.conparentid = 0 AND k.contype IN ('c', 'u', 'x', 'p') AND k.conislocal
 AND n.nspname = ANY(:schemas) AND NOT (k.contype = 'c' AND EXISTS (
     SELECT 1 FROM pg_constraint pk JOIN pg_inherits i ON i.inhparent = pk.conrelid
     WHERE i.inhrelid = c.oid AND pk.conname = k.conname))
UNION ALL
SELECT 'trigger ' || g.tgname || ' declared on partition ' || n.nspname || '.' || c.relname
 FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relispartition AND NOT g.tgisinternal AND g.tgparentid = 0 AND n.nspname = ANY(:schemas)
UNION ALL
SELECT 'trigger ' || g.tgname || ' on view ' || n.nspname || '.' || c.relname
 FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'v' AND NOT g.tgisinternal AND n.nspname = ANY(:schemas)
UNION ALL
SELECT 'publication ' || pubname FROM pg_publication
UNION ALL
SELECT 'event trigger ' || evtname FROM pg_event_trigger
"""


def skipped_of(conn: Connection, schemas: Sequence[str]) -> list[str]:
    """What the source has that provisioner does not re-create, one line each."""
    rows = sorted(set(conn.execute(text(_SKIPPED), {"schemas": list(schemas)}).scalars().all()))
    grants = [r.removeprefix(_GRANTS) for r in rows if r.startswith(_GRANTS)]
    lines = [f"not re-created: {r}" for r in rows if not r.startswith(_GRANTS)]
    if grants:
        shown = ", ".join(grants[:5]) + (f" and {len(grants) - 5} more" if len(grants) > 5 else "")
        lines.append(f"not re-created: privileges (GRANT) on {len(grants)} relations ({shown}); grant them in the target")
    return lines


_GRANTS = "privileges (GRANT) on "


_OUTSIDE = text("""
SELECT n.nspname AS schema, c.relname AS name, pg_describe_object(d.classid, d.objid, d.objsubid) AS what,
       pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid) AS uses, rn.nspname AS other
FROM pg_depend d
CROSS JOIN LATERAL (SELECT CASE d.classid
    WHEN 'pg_attrdef'::regclass THEN (SELECT adrelid FROM pg_attrdef WHERE oid = d.objid)
    WHEN 'pg_trigger'::regclass THEN (SELECT tgrelid FROM pg_trigger WHERE oid = d.objid AND NOT tgisinternal)
    WHEN 'pg_policy'::regclass THEN (SELECT polrelid FROM pg_policy WHERE oid = d.objid)
    WHEN 'pg_constraint'::regclass THEN (SELECT conrelid FROM pg_constraint WHERE oid = d.objid AND contype <> 'f')
    END AS rel) o
CROSS JOIN LATERAL (SELECT CASE d.refclassid
    WHEN 'pg_proc'::regclass THEN (SELECT pronamespace FROM pg_proc WHERE oid = d.refobjid)
    WHEN 'pg_class'::regclass THEN (SELECT relnamespace FROM pg_class WHERE oid = d.refobjid)
    END AS nsp) r
JOIN pg_class c ON c.oid = o.rel JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_namespace rn ON rn.oid = r.nsp
WHERE d.deptype = 'n' AND n.nspname = ANY(:schemas) AND rn.nspname <> ALL(:schemas)
  AND rn.nspname NOT IN ('pg_catalog', 'information_schema') AND rn.nspname NOT LIKE 'pg\\_temp%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = d.refclassid AND e.objid = d.refobjid AND e.deptype = 'e')
ORDER BY 1, 2, 3
""")


def outside_reference(conn: Connection, schemas: Sequence[str]) -> str | None:
    """One line naming the first default, CHECK, trigger or policy of a reflected table that uses a
    function or relation of a schema that is not reflected (``DEFAULT auth.uid()``): the target
    could not create it. Extensions' objects are re-created with their extension and do not count."""
    row = conn.execute(_OUTSIDE, {"schemas": list(schemas)}).mappings().first()
    if row is None:
        return None
    key = row["name"] if row["schema"] == "public" else f"{row['schema']}.{row['name']}"
    return (f"table {key}: {row['what']} uses {row['uses']} of schema {row['other']}, which is not provisioned; "
            f"add it with --schema {row['other']}")
