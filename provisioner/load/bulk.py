"""Load rows the way ``pg_restore`` does: keys, unique constraints, indexes and foreign keys after the rows.

Maintaining every index row by row, and checking every foreign key per row, made the COPY
four times slower than a restore of the same rows (Chinook x10: 1.9 s against 0.5 s). Inside
the load's transaction, once provisioner's tables are empty, :func:`lift` reads from the
target's catalog the definition of every primary key, unique and exclusion constraint, index
and foreign key of those tables (PostgreSQL's own rendering, so every name stays quoted) and
drops them; after the COPY the returned statements put them back, keys and indexes first,
foreign keys last, each built or validated in bulk. A row that breaks one stops the load
there, naming the constraint, and the transaction rolls everything back. CHECK constraints
stay (a COPY checks them as cheaply as a restore does) and so do BEFORE ROW triggers, which
fire during the load as in production (other triggers wait for the rows: ddl.pre_load_statements).
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import sql
from sqlalchemy import Connection

from provisioner.pg.connect import run
from provisioner.schema.snapshot import Table

_CONSTRAINTS = """
SELECT c.oid::regclass::text, k.conname, k.contype::text, pg_get_constraintdef(k.oid)
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
WHERE k.conrelid = ANY(%(oids)s) AND k.contype IN ('p', 'u', 'x', 'f') AND k.conparentid = 0
ORDER BY k.contype = 'f' DESC, c.oid, k.conname
"""
_INDEXES = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
WHERE i.indrelid = ANY(%(oids)s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
  AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
ORDER BY 1
"""


def lift(conn: Connection, tables: Sequence[Table]) -> list[tuple[str, sql.Composable]]:
    """Drop the keys, unique constraints, indexes and foreign keys of ``tables`` (empty by now); returns
    (what, statement) pairs that put them back, to run after the rows are in."""
    oids = _oids(conn, tables)
    if not oids:
        return []
    constraints = run(conn, _CONSTRAINTS, {"oids": oids}).fetchall()
    indexes = run(conn, _INDEXES, {"oids": oids}).fetchall()
    for relation, name, _, _ in constraints:  # foreign keys first: keys they reference go next
        run(conn, sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.SQL(relation), sql.Identifier(name)))
    for index, _ in indexes:
        run(conn, sql.SQL("DROP INDEX {}").format(sql.SQL(index)))
    words = {"p": "primary key", "u": "unique constraint", "x": "exclusion constraint", "f": "foreign key"}
    restore = [(f"{words[kind]} {n} of {r}", _add(r, n, d)) for r, n, kind, d in constraints if kind != "f"]
    restore += [(f"index {index}", sql.SQL(definition.replace(" ON ONLY ", " ON ", 1))) for index, definition in indexes]
    restore += [(f"{words[kind]} {n} of {r}", _add(r, n, d)) for r, n, kind, d in constraints if kind == "f"]
    return restore


def _add(relation: str, name: str, definition: str) -> sql.Composable:
    # relation: regclass text (PostgreSQL quotes it); definition: pg_get_constraintdef's own rendering
    return sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(sql.SQL(relation), sql.Identifier(name), sql.SQL(definition))


def _oids(conn: Connection, tables: Sequence[Table]) -> list[int]:
    """The tables and all their partitions, as they are in the target."""
    names = [f"{sql.Identifier(t.schema, t.name).as_string(None)}" for t in tables]
    rows = run(conn, """
        WITH RECURSIVE tree(oid) AS (
            SELECT to_regclass(name)::oid FROM unnest(%(names)s::text[]) AS name WHERE to_regclass(name) IS NOT NULL
            UNION ALL SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.oid)
        SELECT DISTINCT oid::bigint FROM tree""", {"names": names}).fetchall()
    return [int(r[0]) for r in rows]
