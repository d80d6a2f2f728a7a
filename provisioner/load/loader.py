"""Stage 5, load: Alembic schema, then COPY in foreign-key order, all or nothing.

The load is a *plan* first (tables in order, rows, deferred foreign keys), so
``--dry-run`` can print it. Executing it opens one transaction on the target:
Alembic creates or upgrades the schema, every table is emptied and COPY-loaded
parents first from a :class:`~provisioner.synth.shards.RowSource` (tables sampled
beforehand, or sampled shard by shard while the load runs), rows breaking a check
only PostgreSQL can evaluate are redrawn (:mod:`provisioner.load.pgcheck`),
cycle-closing foreign keys are filled by UPDATE, sequences are reset, and only
then does it commit. Any error rolls everything back.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psycopg
from psycopg import sql
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from provisioner.errors import LoadError
from provisioner.load import pgcheck
from provisioner.load.copyio import copy_frame, copy_into_temp
from provisioner.load.migrate import MigrationResult, upgrade
from provisioner.pg import urls
from provisioner.pg.connect import first_line, run
from provisioner.progress import Progress, silent
from provisioner.schema import ddl
from provisioner.schema.graph import LoadOrder
from provisioner.schema.snapshot import SchemaSnapshot, Table
from provisioner.synth.shards import RowSource


@dataclass(frozen=True)
class LoadStep:
    table: str
    rows: int
    deferred: tuple[str, ...]  # FK names filled by UPDATE after every table is in


@dataclass(frozen=True)
class LoadPlan:
    steps: tuple[LoadStep, ...]

    def describe(self) -> str:
        lines = [f"{i + 1:>3}. COPY {s.table} ({s.rows} rows)" + (f", then UPDATE {', '.join(s.deferred)}" if s.deferred else "")
                 for i, s in enumerate(self.steps)]
        return "\n".join(lines)


@dataclass(frozen=True)
class LoadResult:
    target: str
    tables: Mapping[str, int]
    migration: MigrationResult
    seconds: float
    notes: tuple[str, ...] = ()
    streamed: tuple[str, ...] = ()  # tables sampled and loaded shard by shard


def plan(snapshot: SchemaSnapshot, order: LoadOrder, rows: Mapping[str, int]) -> LoadPlan:
    steps = []
    for key in order.tables:
        table = snapshot.table(key)
        deferred = tuple(fk.name for fk in table.foreign_keys if order.is_deferred(key, fk))
        steps.append(LoadStep(key, int(rows.get(key, 0)), deferred))
    return LoadPlan(tuple(steps))


def load(
    engine: Engine, snapshot: SchemaSnapshot, source: RowSource, progress: Progress = silent,
    versions_dir: str | Path | None = None, streamed: tuple[str, ...] = (), replace: bool = False,
) -> LoadResult:
    started = time.perf_counter()
    current = "schema"
    try:
        with engine.connect() as conn, conn.begin():
            migration = upgrade(conn, snapshot, versions_dir, replace=replace, progress=progress)
            _truncate(conn, snapshot)
            for key in progress.iter(source.order.tables, "load", unit="table"):
                current = key
                _copy_table(conn, snapshot, key, source)
            current = "deferred keys"
            for key, frame in source.deferred().items():
                current = f"deferred keys of {key}"
                _update_deferred(conn, snapshot.table(key), frame, source.order)
            current = "sequences"
            for statement in ddl.sequence_resets(snapshot):
                run(conn, statement)
    except (DBAPIError, psycopg.Error) as exc:
        raise LoadError(f"load failed at {current}, the target was rolled back: {first_line(exc)}") from None
    return LoadResult(urls.display(engine.url), dict(source.rows), migration, time.perf_counter() - started, source.notes, streamed)


def _truncate(conn: Connection, snapshot: SchemaSnapshot) -> None:
    if snapshot.tables:
        run(conn, sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(t.ident for t in snapshot.tables)))


def _copy_table(conn: Connection, snapshot: SchemaSnapshot, key: str, source: RowSource) -> None:
    """COPY the table's frames; cycle-closing FK columns go in NULL (set by UPDATE at the end)."""
    table = snapshot.table(key)
    deferred = {c for fk in table.foreign_keys if source.order.is_deferred(key, fk) for c in fk.columns}
    raw = conn.connection.driver_connection
    for frame in source.frames(key):
        if frame.empty:
            continue
        frame = pgcheck.conform(conn, snapshot, key, frame)
        copy_frame(raw, table, frame.assign(**{c: None for c in deferred}) if deferred else frame)


def _update_deferred(conn: Connection, table: Table, frame: pd.DataFrame, order: LoadOrder) -> None:
    fks = [fk for fk in table.foreign_keys if order.is_deferred(table.key, fk)]
    if not fks or frame.empty:
        return
    if not table.primary_key:
        raise LoadError(f"table {table.key} closes a foreign-key cycle but has no primary key to update it by; "
                        "give it a primary key, or make another foreign key of the cycle nullable")
    fk_cols = [c for fk in fks for c in fk.columns]
    keys = list(table.primary_key)
    columns = [table.column(c) for c in dict.fromkeys(keys + fk_cols)]
    temp = copy_into_temp(conn.connection.driver_connection, "_provisioner_deferred", columns, frame)
    sets = sql.SQL(", ").join(sql.SQL("{} = s.{}").format(sql.Identifier(c), sql.Identifier(c)) for c in fk_cols)
    match = sql.SQL(" AND ").join(sql.SQL("t.{} = s.{}").format(sql.Identifier(c), sql.Identifier(c)) for c in keys)
    run(conn, sql.SQL("UPDATE {} t SET {} FROM {} s WHERE {}").format(table.ident, sets, temp, match))
