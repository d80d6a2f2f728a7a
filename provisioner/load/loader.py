"""Stage 5, load: Alembic schema, then COPY in foreign-key order, all or nothing.

The load is a *plan* first (tables in order, rows, deferred foreign keys), so
``--dry-run`` can print it. Executing it opens one transaction on the target:
Alembic creates or upgrades the schema, every table is emptied and COPY-loaded
parents first, cycle-closing foreign keys are filled by UPDATE, sequences are
reset, and only then does it commit. Any error rolls everything back.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from provisioner.errors import LoadError
from provisioner.load import pgcheck
from provisioner.load.migrate import MigrationResult, upgrade
from provisioner.pg import urls
from provisioner.pg.copyfmt import copy_sql, to_csv
from provisioner.pg.copyio import copy_frame
from provisioner.progress import Progress, silent
from provisioner.schema.snapshot import SchemaSnapshot, Table
from provisioner.synth.sample import SyntheticTables

CHUNK_ROWS = 50_000


@dataclass(frozen=True)
class LoadStep:
    table: str
    rows: int
    columns: tuple[str, ...]
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


def plan(snapshot: SchemaSnapshot, synthetic: SyntheticTables) -> LoadPlan:
    steps = []
    for key in synthetic.order.tables:
        table = snapshot.table(key)
        frame = synthetic.tables[key]
        deferred = tuple(fk.name for fk in table.foreign_keys if synthetic.order.is_deferred(key, fk))
        steps.append(LoadStep(key, len(frame), tuple(frame.columns), deferred))
    return LoadPlan(tuple(steps))


def load(
    engine: Engine,
    snapshot: SchemaSnapshot,
    synthetic: SyntheticTables,
    progress: Progress = silent,
    versions_dir: str | Path | None = None,
) -> LoadResult:
    started = time.perf_counter()
    load_plan = plan(snapshot, synthetic)
    current = "schema"
    try:
        with engine.connect() as conn, conn.begin():
            migration = upgrade(conn, snapshot, versions_dir)
            _truncate(conn, snapshot)
            for step in progress.iter(load_plan.steps, "load", unit="table"):
                current = step.table
                _copy(conn, snapshot.table(step.table), pgcheck.conform(conn, snapshot, step.table, synthetic.tables[step.table]), step)
            for step in load_plan.steps:
                current = step.table
                _update_deferred(conn, snapshot.table(step.table), synthetic.tables[step.table], step)
            current = "sequences"
            _reset_sequences(conn, snapshot)
    except DBAPIError as exc:
        raise LoadError(f"load failed at {current}, the target was rolled back: {_db_reason(exc)}") from None
    return LoadResult(urls.display(engine.url), synthetic.rows, migration, time.perf_counter() - started)


def _db_reason(exc: DBAPIError) -> str:
    orig = getattr(exc, "orig", exc)
    lines = [ln for ln in str(orig).splitlines() if ln.strip()]
    return urls.mask(lines[0] if lines else type(orig).__name__)


def _truncate(conn: Connection, snapshot: SchemaSnapshot) -> None:
    names = ", ".join(t.sql_name for t in snapshot.tables)
    if names:
        conn.execute(text(f"TRUNCATE {names}"))


def _copy(conn: Connection, table: Table, frame: pd.DataFrame, step: LoadStep) -> None:
    if frame.empty:
        return
    deferred_cols = {c for fk in table.foreign_keys if fk.name in step.deferred for c in fk.columns}
    data = frame.copy()
    for col in deferred_cols:
        data[col] = None
    copy_frame(conn.connection.driver_connection, table, data)


def _update_deferred(conn: Connection, table: Table, frame: pd.DataFrame, step: LoadStep) -> None:
    if not step.deferred or frame.empty:
        return
    if not table.primary_key:
        raise LoadError(f"table {table.key} closes a foreign-key cycle but has no primary key to update it by")
    fk_cols = [c for fk in table.foreign_keys if fk.name in step.deferred for c in fk.columns]
    keys = list(table.primary_key)
    sub = frame[keys + fk_cols]
    temp = f"_prov_{abs(hash(table.key)) % 10**8}"
    col_defs = ", ".join(f'"{c}" {table.column(c).type}' for c in keys + fk_cols)
    conn.execute(text(f"CREATE TEMP TABLE {temp} ({col_defs}) ON COMMIT DROP"))
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(copy_sql(temp, list(sub.columns))) as copy:
        copy.write(to_csv(sub, table))
    sets = ", ".join(f'"{c}" = s."{c}"' for c in fk_cols)
    match = " AND ".join(f't."{c}" = s."{c}"' for c in keys)
    conn.execute(text(f"UPDATE {table.sql_name} t SET {sets} FROM {temp} s WHERE {match}"))


def _reset_sequences(conn: Connection, snapshot: SchemaSnapshot) -> None:
    for table in snapshot.tables:
        for col in table.columns:
            if col.sequence:
                conn.execute(text(
                    f"SELECT setval(:seq, COALESCE((SELECT max(\"{col.name}\") FROM {table.sql_name}), 0) + 1, false)"
                ), {"seq": col.sequence})
