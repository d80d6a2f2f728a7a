"""Reflect the schema objects around tables: partitions, triggers and user functions.

Partitioned tables are reflected once, as the parent (rows are read and loaded
through it); their partitions are kept as names and bounds so the target gets
the same layout. Functions are the schemas' own (extension members such as
btree_gist's are left to ``CREATE EXTENSION``, a range type's constructors to ``CREATE TYPE``),
so trigger functions come along.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

from provisioner.schema.snapshot import Partition, Routine, Trigger

_OID = "(SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema AND c.relname = :name)"


def partition_key_of(conn: Connection, schema: str, name: str) -> str | None:
    return conn.execute(
        text(f"SELECT pg_get_partkeydef(c.oid) FROM pg_class c WHERE c.oid = {_OID} AND c.relkind = 'p'"),
        {"schema": schema, "name": name},
    ).scalar()


def partitions_of(conn: Connection, schema: str, name: str) -> tuple[Partition, ...]:
    """Direct and nested partitions, parents before their children (by depth, then name); a child of
    table inheritance (INHERITS) is a table of its own, not a partition."""
    rows = conn.execute(text(f"""
        WITH RECURSIVE tree(oid, depth) AS (
            SELECT inhrelid, 1 FROM pg_inherits WHERE inhparent = {_OID}
            UNION ALL SELECT i.inhrelid, t.depth + 1 FROM pg_inherits i JOIN tree t ON i.inhparent = t.oid)
        SELECT n.nspname, c.relname, pg_get_expr(c.relpartbound, c.oid), p.relname AS parent, pn.nspname AS parent_schema,
               CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END
        FROM tree t JOIN pg_class c ON c.oid = t.oid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_inherits i ON i.inhrelid = c.oid JOIN pg_class p ON p.oid = i.inhparent
        JOIN pg_namespace pn ON pn.oid = p.relnamespace
        WHERE c.relispartition
        ORDER BY t.depth, n.nspname, c.relname"""), {"schema": schema, "name": name}).all()
    return tuple(Partition(nsp, rel, parent_schema, parent, bound, key) for nsp, rel, bound, parent, parent_schema, key in rows)


def triggers_of(conn: Connection, schema: str, name: str) -> tuple[Trigger, ...]:
    rows = conn.execute(text(
        f"SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = {_OID} AND NOT tgisinternal "
        "AND tgparentid = 0 ORDER BY tgname"), {"schema": schema, "name": name}).all()
    return tuple(Trigger(n, d) for n, d in rows)


def functions_of(conn: Connection, schemas: Sequence[str]) -> tuple[Routine, ...]:
    rows = conn.execute(text("""
        SELECT n.nspname, p.proname, pg_get_functiondef(p.oid)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = ANY(:schemas) AND p.prokind IN ('f', 'p')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype IN ('e', 'i'))
        ORDER BY n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)"""), {"schemas": list(schemas)}).all()
    return tuple(Routine(s, n, d) for s, n, d in rows)


def partition_foreign_keys(conn: Connection, schema: str, name: str) -> list[dict]:  # type: ignore[type-arg]
    """Foreign keys declared on the partitions of ``schema.name`` (not inherited from a parent's FK)."""
    rows = conn.execute(text(f"""
        WITH RECURSIVE tree(oid) AS (
            SELECT inhrelid FROM pg_inherits WHERE inhparent = {_OID}
            UNION ALL SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.oid)
        SELECT n.nspname AS part_schema, c.relname AS part_name, k.conname AS name, pg_get_constraintdef(k.oid) AS definition,
               ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
                     JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i) AS columns,
               ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, i)
                     JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i) AS ref_columns,
               rn.nspname AS ref_schema, r.relname AS ref_name
        FROM tree t JOIN pg_class c ON c.oid = t.oid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'f' AND k.conparentid = 0 AND c.relispartition
        JOIN pg_class r ON r.oid = COALESCE(pg_partition_root(k.confrelid), k.confrelid) JOIN pg_namespace rn ON rn.oid = r.relnamespace
        ORDER BY n.nspname, c.relname, k.conname"""), {"schema": schema, "name": name}).mappings().all()
    return [dict(r) for r in rows]
