"""Stage 5, load: Alembic schema, then COPY, then foreign keys, all or nothing.

The load is a *plan* first (tables in order, rows, deferred foreign keys), so
``--dry-run`` can print it. Executing it opens one transaction on the target and
restores the way ``pg_dump`` does: Alembic creates or upgrades the schema, every
table is emptied, the foreign keys of a cycle are dropped (:func:`lifted`), every table is COPY-loaded from a
:class:`~provisioner.synth.shards.RowSource` (tables sampled beforehand, or sampled
shard by shard while the load runs; a table whose cycle-closing foreign key is
filled last is loaded once it is), rows breaking a check only PostgreSQL can
evaluate are redrawn (:mod:`provisioner.load.pgcheck`), then those foreign keys are
added back (PostgreSQL validates them: any cycle, NOT NULL or DEFERRABLE, loads),
sequences are set after the largest loaded value, materialized views refreshed,
row-level security and its policies created, and only then does it commit. Any
error rolls everything back and names the table (and the column, when PostgreSQL
says which).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psycopg
from psycopg import sql
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from provisioner.errors import LoadError
from provisioner.load import bulk, migrate, pgcheck, pgunique
from provisioner.load.ahead import Ahead
from provisioner.load.copyio import copy_frame, copy_text
from provisioner.load.migrate import MigrationResult, upgrade
from provisioner.load.rowcache import CopyText, Recorder
from provisioner.pg import urls
from provisioner.pg.connect import first_line, run
from provisioner.progress import Progress, silent
from provisioner.schema import ddl
from provisioner.schema.graph import LoadOrder
from provisioner.schema.snapshot import SchemaSnapshot
from provisioner.synth import parts
from provisioner.synth.shards import RowSource


@dataclass(frozen=True)
class LoadStep:
    table: str
    rows: int
    deferred: tuple[str, ...]  # FK names filled once every table is made (the table is loaded then)


@dataclass(frozen=True)
class LoadPlan:
    steps: tuple[LoadStep, ...]

    def describe(self) -> str:
        lines = [f"{i + 1:>3}. COPY {s.table} ({s.rows} rows)" + (f", once {', '.join(s.deferred)} can be filled" if s.deferred else "")
                 for i, s in enumerate(self.steps)]
        return "\n".join(lines + ["     then add the foreign keys (validated), set sequences, refresh materialized views, row-level security"])


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
    recorder: Recorder | None = None,
) -> LoadResult:
    """Load ``source``'s rows into the target (see the module docstring); ``recorder`` keeps the COPY text
    sent (rowcache.py), and a source of :class:`~provisioner.load.rowcache.CopyText` is sent as it is."""
    started = time.perf_counter()
    step = ["schema"]  # what runs now, for the error message
    keys = source.keys()
    ahead = Ahead(source, keys)  # the first tables are sampled while the schema is made
    try:
        with engine.connect() as conn, conn.begin():
            check_extensions(conn, snapshot)
            progress.info(f"load: schema of {len(snapshot.tables)} tables (Alembic) ...")
            migration = upgrade(conn, snapshot, versions_dir, replace=replace, progress=progress)
            progress.info(f"load: schema ready in {time.perf_counter() - started:.1f}s; COPY in foreign-key order")
            notes = _load_rows(conn, snapshot, source, (keys, ahead), progress, step, migration.applied, recorder)
    except (DBAPIError, psycopg.Error) as exc:  # COPY runs on the driver: its errors are psycopg's own
        raise LoadError(f"load failed at {step[0]}, the target was rolled back: {describe_error(exc)}", step[0] not in _BEFORE_ROWS) from None
    finally:
        ahead.close()
    notes = tuple(dict.fromkeys([*source.notes, *snapshot.skipped, *notes]))
    return LoadResult(urls.display(engine.url), dict(source.rows), migration, time.perf_counter() - started, notes, streamed)


_BEFORE_ROWS = ("schema", "dropping keys, indexes and foreign keys")  # steps whose failure is not the rows'


def _load_rows(
    conn: Connection, snapshot: SchemaSnapshot, source: RowSource, rows: tuple[list[str], Ahead], progress: Progress,
    step: list[str], created: bool = False, recorder: Recorder | None = None,
) -> list[str]:
    """Empty the tables (unless this transaction ``created`` them), lift their keys, indexes and foreign keys
    (bulk.py), COPY, put them back, then what follows the rows. Tables whose cycle-closing foreign keys are
    set last go in last."""
    if not created:
        _truncate(conn, snapshot)
    step[0] = _BEFORE_ROWS[1]
    before = migrate.existing(conn, snapshot)
    restore = bulk.lift(conn, snapshot.tables)
    for statement in ddl.pre_load_statements(snapshot):
        run(conn, statement)
    held = {key for key, _ in source.order.deferred}
    keys, ahead = rows  # the source's order: a table as soon as it is final (foreign keys are lifted)
    tables = iter(progress.iter(keys, "load", unit="table"))
    next(tables, None)  # the first table starts: progress names the table being sampled and copied
    loaded: set[str] = set()
    for key, frame in ahead:
        step[0] = key
        if frame is None:
            next(tables, None)  # a table is done: advance the progress
            loaded |= {key} - held
            _run_all(conn, restore.ready(loaded), step)  # its keys and indexes build while the next tables are sampled
        elif key not in held:  # a table closing a cycle goes in below, once its foreign keys are filled
            _copy_table(conn, snapshot, key, iter([frame]), recorder)
    for key, frame in source.deferred().items():
        step[0] = key
        _copy_table(conn, snapshot, key, iter([frame]), recorder)
    _run_all(conn, progress.iter(restore.rest(), "keys and indexes", unit="object"), step)
    step[0] = "sequences"
    for reset in ddl.sequence_resets(snapshot):
        run(conn, reset)
    step[0] = "materialized views and row-level security"
    statements, notes = ddl.post_load_statements(snapshot, missing_roles(conn, snapshot))
    for statement in statements:
        step[0] = statement.split(" ON ", 1)[0] if statement.startswith("CREATE POLICY") else statement
        run(conn, statement)
    migrate.record_created(conn, snapshot, before)
    return notes


def _run_all(conn: Connection, statements: Iterable[tuple[str, sql.Composable]], step: list[str]) -> None:
    for what, statement in statements:
        step[0] = what
        run(conn, statement)


def check_extensions(conn: Connection, snapshot: SchemaSnapshot) -> None:
    """Every extension the source uses must be available on the target's server (exit 2 otherwise)."""
    if not snapshot.extensions:
        return
    available = set(run(conn, "SELECT name FROM pg_available_extensions").fetchall())
    missing = [e for e in snapshot.extensions if (e,) not in available]
    if missing:
        raise LoadError(
            f"the target server lacks the extension {missing[0]}, which the source uses"
            + (f" (also missing: {', '.join(missing[1:])})" if missing[1:] else "")
            + "; install it on the target's server (contrib extensions come with the postgresql-contrib package), "
            "or load into a server that has it"
        )


def preflight(engine: Engine, snapshot: SchemaSnapshot) -> None:
    """Before training: what the load needs of the target's server (its extensions), so a missing one
    is found in seconds, not after the training. An unreachable target is left to the load to report."""
    try:
        with engine.connect() as conn:
            check_extensions(conn, snapshot)
    except DBAPIError:
        return


def missing_roles(conn: Connection, snapshot: SchemaSnapshot) -> frozenset[str]:
    """Roles the policies name that the target's server does not have."""
    named = sorted({r for t in snapshot.tables for p in t.policies for r in p.roles if r != "public"})
    if not named:
        return frozenset()
    present = {r[0] for r in run(conn, "SELECT rolname::text FROM pg_roles WHERE rolname = ANY(%s)", [named]).fetchall()}
    return frozenset(set(named) - present)


def describe_error(exc: DBAPIError | psycopg.Error) -> str:
    """PostgreSQL's first line, with the table and column it names (COPY context, constraint fields)."""
    text = first_line(exc)
    diag = getattr(getattr(exc, "orig", exc), "diag", None)
    context = getattr(diag, "context", None) or ""
    found = re.search(r"COPY (\S+), line (\d+), column ([^:]+):", context)
    extra = []
    if found:
        extra.append(f"table {found[1]}, column {found[3]} (row {found[2]} of the COPY)")
    elif getattr(diag, "column_name", None):
        extra.append(f"table {diag.table_name}, column {diag.column_name}")
    return text + (f" [{'; '.join(extra)}]" if extra else "")


def _truncate(conn: Connection, snapshot: SchemaSnapshot) -> None:
    if snapshot.tables:
        run(conn, sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(t.ident for t in snapshot.tables)))


def _copy_table(
    conn: Connection, snapshot: SchemaSnapshot, key: str, frames: Iterator[pd.DataFrame | CopyText], recorder: Recorder | None = None,
) -> None:
    """COPY the table's frames (its stored columns; part columns were put together into theirs), or the
    COPY text a rows cache kept of them, as it is."""
    table = snapshot.table(key)
    stored = [c.name for c in table.stored_columns]
    raw = conn.connection.driver_connection
    for frame in frames:
        if isinstance(frame, CopyText):
            copy_text(raw, table, frame.columns, frame.data)
            continue
        if frame.empty:
            continue
        frame = pgunique.conform(conn, snapshot, key, pgcheck.conform(conn, snapshot, key, frame), pgcheck.base_type)
        frame = parts.records(frame, table)  # a redrawn attribute is in its composite
        columns = [c for c in stored if c in frame.columns]
        record = (lambda rows, data: recorder.add(key, tuple(columns), rows, data)) if recorder is not None else None
        copy_frame(raw, table, frame[columns], record=record)
