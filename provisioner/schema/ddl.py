"""Render the staging schema from a snapshot as plain PostgreSQL DDL statements.

The statements become the body of an Alembic revision (see :mod:`provisioner.load.migrate`).
Types, defaults and constraint definitions are the source's own spelling, so
the staging schema has the same PK, FK, unique, check and exclusion rules.
Foreign keys are added after every table exists, which handles cycles.
"""

from __future__ import annotations

from psycopg import sql

from provisioner.schema.snapshot import Column, Partition, SchemaSnapshot, Table


def _q(name: str) -> str:
    return sql.Identifier(name).as_string(None)


def _qualified(schema: str, name: str) -> str:
    return f"{_q(schema)}.{_q(name)}"


def create_statements(snapshot: SchemaSnapshot) -> list[str]:
    stmts = [f"CREATE SCHEMA IF NOT EXISTS {_q(s)}" for s in snapshot.schemas if s != "public"]
    stmts += [f"CREATE EXTENSION IF NOT EXISTS {_q(e)}" for e in snapshot.extensions]
    for enum in snapshot.enums:
        labels = ", ".join("'" + v.replace("'", "''") + "'" for v in enum.values)
        stmts.append(f"CREATE TYPE {_qualified(enum.schema, enum.name)} AS ENUM ({labels})")
    stmts += [d.definition for d in snapshot.domains]
    if snapshot.functions:
        stmts.append("SET LOCAL check_function_bodies = off")  # bodies may name tables created below
        stmts += [f.definition for f in snapshot.functions]
    for table in snapshot.tables:
        stmts += _sequences(table)
        stmts.append(_create_table(table))
        stmts += [_create_partition(p) for p in table.partitions]
        stmts += [f"ALTER SEQUENCE {c.sequence} OWNED BY {table.sql_name}.{_q(c.name)}" for c in _serials(table)]
        stmts += [_index_sql(i.definition, table) for i in table.indexes]
    for table in snapshot.tables:
        stmts += [f"ALTER TABLE {table.sql_name} ADD CONSTRAINT {_q(fk.name)} {fk.definition}" for fk in table.foreign_keys]
    for table in snapshot.tables:
        stmts += [t.definition for t in table.triggers]  # they fire during the load, as in production
    return stmts


def sequence_resets(snapshot: SchemaSnapshot) -> list[sql.Composed]:
    """One ``setval`` per sequence-backed column: the next value follows the largest loaded one."""
    return [
        sql.SQL("SELECT setval({}::regclass, COALESCE((SELECT max({}) FROM {}), 0) + 1, false)").format(
            sql.Literal(col.sequence), sql.Identifier(col.name), table.ident)
        for table in snapshot.tables for col in table.columns if col.sequence
    ]


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


def _serials(table: Table) -> list[Column]:
    return [c for c in table.columns if c.sequence and not c.identity]


def _sequences(table: Table) -> list[str]:
    return [f"CREATE SEQUENCE IF NOT EXISTS {c.sequence}" for c in _serials(table)]


def _column_sql(col: Column) -> str:
    parts = [_q(col.name), col.type]
    if col.generated:
        parts.append(f"GENERATED ALWAYS AS ({col.generated}) STORED")
    elif col.identity:
        parts.append(f"GENERATED {col.identity.upper()} AS IDENTITY")
    elif col.default is not None:
        parts.append(f"DEFAULT {col.default}")
    if not col.nullable:
        parts.append("NOT NULL")
    return " ".join(parts)


def _create_table(table: Table) -> str:
    lines = [_column_sql(c) for c in table.columns]
    if table.primary_key:
        cols = ", ".join(_q(c) for c in table.primary_key)
        name = f"CONSTRAINT {_q(table.primary_key_name)} " if table.primary_key_name else ""
        lines.append(f"{name}PRIMARY KEY ({cols})")
    lines += [f"CONSTRAINT {_q(c.name)} {c.definition}" for c in table.constraints]
    body = ",\n    ".join(lines)
    key = f" PARTITION BY {table.partition_key}" if table.partition_key else ""
    return f"CREATE TABLE {table.sql_name} (\n    {body}\n){key}"
