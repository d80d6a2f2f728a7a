"""Load rows the way ``pg_restore`` does: keys, unique constraints, indexes and foreign keys after the rows.

Maintaining every index row by row, and checking every foreign key per row, made the COPY
four times slower than a restore of the same rows (Chinook x10: 1.9 s against 0.5 s). Inside
the load's transaction, once provisioner's tables are empty, :func:`lift` reads from the
target's catalog the definition of every primary key, unique and exclusion constraint, index
and foreign key of those tables (PostgreSQL's own rendering, so every name stays quoted) and
drops them; after the COPY the returned statements put them back, keys and indexes first,
foreign keys last, each built or validated in bulk. A row that breaks one stops the load
there, naming the constraint, and the transaction rolls everything back. :class:`Restore`
hands them out as tables are loaded: a table's keys and indexes once its rows are in, a
foreign key once both its tables' are, so the server builds them while the next tables
are still being sampled. CHECK constraints
stay (a COPY checks them as cheaply as a restore does) and so do BEFORE ROW triggers, which
fire during the load as in production (other triggers wait for the rows: ddl.pre_load_statements).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from psycopg import sql
from sqlalchemy import Connection

from provisioner.pg.connect import run
from provisioner.schema.snapshot import Table

_CONSTRAINTS = """
SELECT c.oid::regclass::text, k.conname, k.contype::text, pg_get_constraintdef(k.oid), k.conrelid::bigint, k.confrelid::bigint
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
WHERE k.conrelid = ANY(%(oids)s) AND k.contype IN ('p', 'u', 'x', 'f') AND k.conparentid = 0
ORDER BY k.contype = 'f' DESC, c.oid, k.conname
"""
_INDEXES = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), i.indrelid::bigint
FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
WHERE i.indrelid = ANY(%(oids)s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
  AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
ORDER BY 1
"""


@dataclass
class Restore:
    """What puts back the keys, indexes and foreign keys :func:`lift` dropped: (what, statement, tables it
    needs loaded) in the order to run them (keys and indexes, then foreign keys)."""

    pending: list[tuple[str, sql.Composable, frozenset[str]]]

    def ready(self, loaded: Collection[str]) -> list[tuple[str, sql.Composable]]:
        """Take the statements whose tables are all ``loaded`` (table keys), in order."""
        now = [p for p in self.pending if p[2] <= set(loaded)]
        self.pending = [p for p in self.pending if not p[2] <= set(loaded)]
        return [(what, statement) for what, statement, _ in now]

    def rest(self) -> list[tuple[str, sql.Composable]]:
        """Take every statement left."""
        now, self.pending = self.pending, []
        return [(what, statement) for what, statement, _ in now]


def lift(conn: Connection, tables: Sequence[Table]) -> Restore:
    """Drop the keys, unique constraints, indexes and foreign keys of ``tables`` (empty by now); returns
    what puts them back, to run once the rows are in."""
    owner = _oids(conn, tables)
    if not owner:
        return Restore([])
    oids = list(owner)
    constraints = run(conn, _CONSTRAINTS, {"oids": oids}).fetchall()
    indexes = run(conn, _INDEXES, {"oids": oids}).fetchall()
    for relation, name, *_ in constraints:  # foreign keys first: keys they reference go next
        run(conn, sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.SQL(relation), sql.Identifier(name)))
    for index, *_ in indexes:
        run(conn, sql.SQL("DROP INDEX {}").format(sql.SQL(index)))
    words = {"p": "primary key", "u": "unique constraint", "x": "exclusion constraint", "f": "foreign key"}
    needs = (lambda *oids: frozenset(owner[o] for o in oids if o in owner))  # a table outside these is never loaded here
    restore = [(f"{words[kind]} {n} of {r}", _add(r, n, d), needs(o)) for r, n, kind, d, o, _ in constraints if kind != "f"]
    restore += [(f"index {index}", sql.SQL(definition.replace(" ON ONLY ", " ON ", 1)), needs(o)) for index, definition, o in indexes]
    restore += [(f"{words[kind]} {n} of {r}", _add(r, n, d), needs(o, f)) for r, n, kind, d, o, f in constraints if kind == "f"]
    return Restore(restore)


def _add(relation: str, name: str, definition: str) -> sql.Composable:
    # relation: regclass text (PostgreSQL quotes it); definition: pg_get_constraintdef's own rendering
    return sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(sql.SQL(relation), sql.Identifier(name), sql.SQL(definition))


def _oids(conn: Connection, tables: Sequence[Table]) -> dict[int, str]:
    """The tables and all their partitions, as they are in the target: oid -> the key of the table loaded into it."""
    names = [f"{sql.Identifier(t.schema, t.name).as_string(None)}" for t in tables]
    rows = run(conn, """
        WITH RECURSIVE tree(oid, root) AS (
            SELECT to_regclass(name)::oid, ordinality FROM unnest(%(names)s::text[]) WITH ORDINALITY AS u(name, ordinality)
            WHERE to_regclass(name) IS NOT NULL
            UNION ALL SELECT i.inhrelid, t.root FROM pg_inherits i JOIN tree t ON i.inhparent = t.oid)
        SELECT DISTINCT oid::bigint, root FROM tree""", {"names": names}).fetchall()
    return {int(oid): tables[int(root) - 1].key for oid, root in rows}
