"""Render the staging schema from a snapshot as plain PostgreSQL DDL statements.

The statements become the body of an Alembic revision (see :mod:`provisioner.load.migrate`).
Types, defaults and constraint definitions are the source's own spelling, so
the staging schema has the same PK, FK, unique, check and exclusion rules.
The order is the one ``pg_dump`` restores in: schemas, extensions, types (enums,
then domains and composite types in dependency order), sequences, functions,
tables and partitions, indexes, foreign keys (after every table exists, which
handles cycles), triggers, views and materialized views (created empty), comments.

What must follow the rows (:func:`post_load_statements`): triggers other than BEFORE ROW
ones enabled again (:func:`pre_load_statements` disables them), refreshing materialized
views, row-level security and its policies. The loader also drops the foreign
keys of a cycle before the COPY and adds them back after it (:func:`foreign_key_drops`,
:func:`foreign_key_add`), as ``pg_dump`` does, so any graph of foreign keys loads.
"""

from __future__ import annotations

import re

from psycopg import sql

from provisioner.schema.snapshot import (
    Column,
    DbSequence,
    ForeignKey,
    Partition,
    Policy,
    SchemaSnapshot,
    Table,
    Trigger,
    View,
)
from provisioner.schema.types import nextval_sequence, order_types


def _q(name: str) -> str:
    return sql.Identifier(name).as_string(None)


def _qualified(schema: str, name: str) -> str:
    return f"{_q(schema)}.{_q(name)}"


def create_statements(snapshot: SchemaSnapshot) -> list[str]:
    stmts = [f"CREATE SCHEMA IF NOT EXISTS {_q(s)}" for s in _schemas(snapshot)]
    stmts += _extensions(snapshot)
    for enum in snapshot.enums:
        labels = ", ".join("'" + v.replace("'", "''") + "'" for v in enum.values)
        stmts.append(_shared(snapshot, enum.schema, f"CREATE TYPE {_qualified(enum.schema, enum.name)} AS ENUM ({labels})"))
    ordered = order_types([*snapshot.domains, *snapshot.composites, *snapshot.range_types])
    stmts += [f"DROP TYPE IF EXISTS {_qualified(t.schema, t.name)}" for t in reversed(ordered)
              if (t in snapshot.composites or t in snapshot.range_types) and t.schema in snapshot.schemas]
    stmts += [_shared(snapshot, t.schema, _composite(t) if t in snapshot.composites else t.definition) for t in ordered]  # type: ignore[union-attr]
    stmts += [s for seq in snapshot.sequences for s in _create_sequence(seq)]
    if snapshot.functions or snapshot.aggregates:
        stmts.append("SET LOCAL check_function_bodies = off")  # bodies may name tables created below
        stmts += [f.definition for f in snapshot.functions]
        stmts += [a.definition for a in snapshot.aggregates]
    for table in snapshot.tables:
        stmts += _sequences(table, snapshot)
        stmts.append(_create_table(table))
        stmts += [_create_partition(p) for p in table.partitions]
        stmts += [f"ALTER SEQUENCE {c.sequence} OWNED BY {table.sql_name}.{_q(c.name)}" for c in _serials(table, snapshot)]
        stmts += [_index_sql(i.definition, table) for i in table.indexes]
    stmts += [f"ALTER SEQUENCE {s.sql_name} OWNED BY {snapshot.table(s.owned_by[0]).sql_name}.{_q(s.owned_by[1])}"
              for s in snapshot.sequences if s.owned_by and snapshot.has_table(s.owned_by[0])]
    stmts += foreign_key_adds(snapshot)
    for table in snapshot.tables:
        stmts += [t.definition for t in table.triggers]  # BEFORE ROW triggers fire during the load (pre_load_statements)
    for view in snapshot.views:
        stmts += _create_view(view)
    stmts += [f"COMMENT ON {c.target} IS {sql.Literal(c.text).as_string(None)}" for c in snapshot.comments]
    return stmts


def _shared(snapshot: SchemaSnapshot, schema: str, statement: str) -> str:
    """A type of a schema that is not reflected (a domain in public used by app's tables) may exist in
    the target already: created unless it does."""
    if schema in snapshot.schemas:
        return statement
    return f"DO $provisioner$ BEGIN {statement}; EXCEPTION WHEN duplicate_object THEN NULL; END $provisioner$"


def _schemas(snapshot: SchemaSnapshot) -> list[str]:
    types = [*snapshot.enums, *snapshot.domains, *snapshot.composites, *snapshot.range_types]
    extra = [s.schema for s in snapshot.sequences] + [schema for _, schema in snapshot.extension_schemas] + [t.schema for t in types]
    return [s for s in dict.fromkeys([*snapshot.schemas, *extra]) if s != "public"]


def _extensions(snapshot: SchemaSnapshot) -> list[str]:
    where = dict(snapshot.extension_schemas)
    return [f"CREATE EXTENSION IF NOT EXISTS {_q(e)}" + (f" WITH SCHEMA {_q(where[e])}" if e in where else "")
            for e in snapshot.extensions]


def _composite(composite: object) -> str:
    attrs = ", ".join(f"{_q(name)} {spelled}" for name, spelled in composite.attributes)  # type: ignore[attr-defined]
    return f"CREATE TYPE {_qualified(composite.schema, composite.name)} AS ({attrs})"  # type: ignore[attr-defined]


def _create_sequence(seq: DbSequence) -> list[str]:
    bounds = "".join(f" {word} {value}" for word, value in (("MINVALUE", seq.min_value), ("MAXVALUE", seq.max_value)) if value is not None)
    cycle = " CYCLE" if seq.cycle else " NO CYCLE"
    return [
        f"DROP SEQUENCE IF EXISTS {seq.sql_name}",
        (f"CREATE SEQUENCE {seq.sql_name} AS {seq.data_type} INCREMENT BY {seq.increment}{bounds} "
         f"START WITH {seq.start} CACHE {seq.cache}{cycle}"),
    ]


def _create_view(view: View) -> list[str]:
    """A view that reads no table survives the drops of an earlier revision: dropped first."""
    options = f" WITH ({', '.join(view.options)})" if view.options else ""
    kind = "MATERIALIZED VIEW" if view.materialized else "VIEW"
    drop = f"DROP {kind} IF EXISTS {view.sql_name} CASCADE"
    if not view.materialized:
        return [drop, f"CREATE VIEW {view.sql_name}{options} AS {view.query}"]
    return [drop, f"CREATE MATERIALIZED VIEW {view.sql_name}{options} AS {view.query} WITH NO DATA", *view.indexes]


def foreign_key_adds(snapshot: SchemaSnapshot) -> list[str]:
    """``ADD CONSTRAINT`` for every foreign key, on the table or on each partition that declared it."""
    return [s for table in snapshot.tables for fk in table.foreign_keys for s in foreign_key_add(table, fk)]


def foreign_key_add(table: Table, fk: ForeignKey) -> list[str]:
    if fk.virtual:
        return []
    return [f"ALTER TABLE {on} ADD CONSTRAINT {_q(name)} {fk.definition}" for on, name in _fk_homes(table, fk)]


def foreign_key_drops(snapshot: SchemaSnapshot, which: set[tuple[str, str]] | None = None) -> list[str]:
    """``DROP CONSTRAINT`` for the foreign keys ``which`` holds as (table key, name), or all of them."""
    return [f"ALTER TABLE {on} DROP CONSTRAINT IF EXISTS {_q(name)}"
            for table in snapshot.tables for fk in table.foreign_keys
            if not fk.virtual and (which is None or (table.key, fk.name) in which) for on, name in _fk_homes(table, fk)]


def _fk_homes(table: Table, fk: ForeignKey) -> list[tuple[str, str]]:
    if fk.on_partitions:
        return [(_qualified(schema, part), name) for schema, part, name in fk.on_partitions]
    return [(table.sql_name, fk.name)]


def post_load_statements(snapshot: SchemaSnapshot, missing_roles: frozenset[str] = frozenset()) -> tuple[list[str], list[str]]:
    """(statements, notes): refresh materialized views, then row-level security flags and policies
    (policies naming a role in ``missing_roles`` are left out, and noted)."""
    stmts = [f"ALTER TABLE {t.sql_name} ENABLE TRIGGER {_q(g.name)}" for t in snapshot.tables for g in _side_effects(t)]
    stmts += [f"REFRESH MATERIALIZED VIEW {v.sql_name}" for v in snapshot.views if v.materialized]
    notes: list[str] = []
    for table in snapshot.tables:
        if table.row_security:
            stmts.append(f"ALTER TABLE {table.sql_name} ENABLE ROW LEVEL SECURITY")
        if table.force_row_security:
            stmts.append(f"ALTER TABLE {table.sql_name} FORCE ROW LEVEL SECURITY")
        for policy in table.policies:
            lacking = sorted(set(policy.roles) & missing_roles)
            if lacking:
                notes.append(f"{table.key}: policy {policy.name} is not re-created: role {', '.join(lacking)} does not exist "
                             "in the target; create it there and load again")
                continue
            stmts += [f"DROP POLICY IF EXISTS {_q(policy.name)} ON {table.sql_name}", _create_policy(table, policy)]
    return stmts, notes


def pre_load_statements(snapshot: SchemaSnapshot) -> list[str]:
    """Before the COPY: forced row-level security would apply the policies to the loading owner, and
    triggers that are not BEFORE ROW ones (AFTER triggers writing an audit table, statement
    triggers) would add rows the synthetic tables already hold; they are enabled again after it,
    as ``pg_dump`` restores data before it creates triggers. BEFORE ROW triggers fire (they shape
    the row itself: a tsvector, an updated_at)."""
    stmts = [f"ALTER TABLE {t.sql_name} NO FORCE ROW LEVEL SECURITY" for t in snapshot.tables if t.force_row_security]
    return stmts + [f"ALTER TABLE {t.sql_name} DISABLE TRIGGER {_q(g.name)}" for t in snapshot.tables for g in _side_effects(t)]


_BEFORE_ROW = re.compile(r'^CREATE TRIGGER (?:"(?:[^"]|"")*"|\S+) BEFORE .* FOR EACH ROW ', re.IGNORECASE | re.DOTALL)


def _side_effects(table: Table) -> list[Trigger]:
    """The table's triggers other than BEFORE ... FOR EACH ROW ones."""
    return [g for g in table.triggers if not _BEFORE_ROW.match(g.definition)]


def _create_policy(table: Table, policy: Policy) -> str:
    roles = ", ".join("PUBLIC" if r == "public" else _q(r) for r in policy.roles)
    parts = [f"CREATE POLICY {_q(policy.name)} ON {table.sql_name}", "AS PERMISSIVE" if policy.permissive else "AS RESTRICTIVE",
             f"FOR {policy.command}", f"TO {roles}"]
    parts += [f"USING ({policy.using})"] if policy.using else []
    parts += [f"WITH CHECK ({policy.check})"] if policy.check else []
    return " ".join(parts)


def sequence_resets(snapshot: SchemaSnapshot) -> list[sql.Composed]:
    """One ``setval`` per sequence that loaded rows draw from: the next value follows the largest one
    loaded (the smallest, for a descending sequence), over every column whose default calls it;
    identity sequences are looked up in the target. A sequence no loaded row uses keeps its start."""
    users: dict[tuple[str, ...], tuple[sql.Composable, list[tuple[Table, Column]]]] = {}
    known = {(s.schema, s.name): s for s in snapshot.sequences}
    for table in snapshot.tables:
        for col in table.columns:
            called = nextval_sequence(col.default)
            if col.identity:
                key: tuple[str, ...] = ("identity", table.key, col.name)
                seq: sql.Composable = sql.SQL("pg_get_serial_sequence({}, {})").format(sql.Literal(table.sql_name), sql.Literal(col.name))
            elif called is not None and called in known:
                key, seq = ("sequence", *called), sql.Literal(known[called].sql_name)
            elif col.sequence:
                key, seq = ("serial", col.sequence), sql.Literal(col.sequence)
            else:
                continue
            users.setdefault(key, (seq, []))[1].append((table, col))
    return [_setval(seq, cols) for seq, cols in users.values()]


def _setval(seq: sql.Composable, cols: list[tuple[Table, Column]]) -> sql.Composed:
    highs = sql.SQL(", ").join(sql.SQL("(SELECT max({}) FROM {})").format(sql.Identifier(c.name), t.ident) for t, c in cols)
    lows = sql.SQL(", ").join(sql.SQL("(SELECT min({}) FROM {})").format(sql.Identifier(c.name), t.ident) for t, c in cols)
    return sql.SQL(
        "SELECT setval(q.seqrelid, LEAST(GREATEST(v.value, q.seqmin), q.seqmax), true) FROM pg_sequence q "
        "CROSS JOIN LATERAL (SELECT CASE WHEN q.seqincrement > 0 THEN GREATEST({}) ELSE LEAST({}) END::bigint AS value) v "
        "WHERE q.seqrelid = {}::regclass AND v.value IS NOT NULL"
    ).format(highs, lows, seq)


def _create_partition(part: Partition) -> str:
    key = f" PARTITION BY {part.partition_key}" if part.partition_key else ""
    return f"CREATE TABLE {_qualified(part.schema, part.name)} PARTITION OF {_qualified(part.parent_schema, part.parent)} {part.bound}{key}"


def _index_sql(definition: str, table: Table) -> str:
    """An index on a partitioned parent is re-created for every partition (no ON ONLY)."""
    return definition.replace(" ON ONLY ", " ON ", 1) if table.partition_key else definition


def drop_statements(schemas: tuple[str, ...], tables: list[tuple[str, str]], types: list[tuple[str, str]]) -> list[str]:
    """Drop what a previous provisioner revision created in the target."""
    stmts = [f"DROP TABLE IF EXISTS {_qualified(s, t)} CASCADE" for s, t in tables]
    stmts += [f"DROP TYPE IF EXISTS {_qualified(s, t)} CASCADE" for s, t in types]
    return stmts


def _serials(table: Table, snapshot: SchemaSnapshot) -> list[Column]:
    """Serial columns of a snapshot that predates reflected sequences (which create them instead)."""
    if snapshot.sequences:
        return []
    return [c for c in table.columns if c.sequence and not c.identity]


def _sequences(table: Table, snapshot: SchemaSnapshot) -> list[str]:
    return [f"CREATE SEQUENCE IF NOT EXISTS {c.sequence}" for c in _serials(table, snapshot)]


def _column_sql(col: Column) -> str:
    parts = [_q(col.name), col.type] + ([f"COLLATE {col.collation}"] if col.collation else [])
    if col.generated:
        parts.append(f"GENERATED ALWAYS AS ({col.generated}) STORED")
    elif col.identity:
        parts.append(f"GENERATED {col.identity.upper()} AS IDENTITY")
    elif col.default is not None:
        parts.append(f"DEFAULT {col.default}")
    if not col.nullable and not col.domain_not_null:
        parts.append("NOT NULL")
    return " ".join(parts)


def _create_table(table: Table) -> str:
    lines = [_column_sql(c) for c in table.columns if c.part_of is None]
    if table.primary_key:
        cols = ", ".join(_q(c) for c in table.primary_key)
        name = f"CONSTRAINT {_q(table.primary_key_name)} " if table.primary_key_name else ""
        lines.append(f"{name}PRIMARY KEY ({cols})")
    lines += [f"CONSTRAINT {_q(c.name)} {c.definition}" for c in table.constraints]
    body = ",\n    ".join(lines)
    key = f" PARTITION BY {table.partition_key}" if table.partition_key else ""
    return f"CREATE TABLE {table.sql_name} (\n    {body}\n){key}"
