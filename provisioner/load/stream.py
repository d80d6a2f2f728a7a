"""Streaming sample + load with bounded memory, for tables too big to hold in memory.

``sample`` builds every table's whole frame, and FK assignment needs the parent
rows. For big tables that is wasteful: a child only needs its parents' *key*
columns. A table is *streamable* when every unique column set it has is its own
integer primary key (made as a counter, so chunks never clash), it has no
self-reference and no foreign key that closes a cycle. Such a table is produced
in shards of ``chunk_rows``: shard ``k`` is seeded by
``table_seed(seed, table, f"shard{k}")``, so it is identical whoever makes it,
and it is COPYed while the next shard is sampled. Only the columns its children
reference are kept. Every other table goes through ``sample``'s in-memory path,
given key-only frames of streamed parents.

The whole load is still one transaction, in foreign-key order, like ``load``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from provisioner import columns
from provisioner.columns import table as column_models
from provisioner.config import Config
from provisioner.errors import LoadError
from provisioner.load.loader import (
    LoadResult,
    _db_reason,
    _reset_sequences,
    _truncate,
    _update_deferred,
    plan,
)
from provisioner.load.migrate import upgrade
from provisioner.model import pii
from provisioner.model.bundle import ModelBundle, TableModel
from provisioner.model.relations.relational import (
    assign,
    copy_parent_keys,
    make_keys,
    spread,
)
from provisioner.model.train import model_column, table_seed
from provisioner.pg import urls
from provisioner.pg.copyio import copy_frame, copy_frames
from provisioner.progress import Progress, silent
from provisioner.schema.snapshot import INTEGER_KINDS, Table
from provisioner.synth import generate
from provisioner.synth.sample import (
    SyntheticTables,
    _fill_deferred,
    _fill_missing,
    _sample_table,
    target_rows,
)

if TYPE_CHECKING:
    from provisioner.model.executor import Executor

CHUNK_ROWS = 100_000
STREAM_MIN_ROWS = 200_000  # tables asked for fewer rows are sampled in memory


@dataclass(frozen=True)
class StreamPlan:
    streamed: frozenset[str]  # tables produced and loaded shard by shard
    kept_columns: Mapping[str, tuple[str, ...]]  # columns children reference, per table


def streamable(table: Table, model: TableModel, bundle: ModelBundle) -> bool:
    """Shards of this table can be made independently (see the module docstring)."""
    if not (columns.is_model(model.method) or model.method in ("keys", "generate")):
        return False
    if any(bundle.order.is_deferred(table.key, m.fk) or m.self_ref for m in model.foreign_keys):
        return False
    counters = {c for c, s in model.key_shapes.items() if s.kind in INTEGER_KINDS}
    return all(len(u) == 1 and u[0] in counters for u in table.uniques)


def make_plan(bundle: ModelBundle, config: Config, min_rows: int = STREAM_MIN_ROWS) -> StreamPlan:
    referenced: dict[str, set[str]] = {}
    for table in bundle.snapshot.tables:
        for fk in table.foreign_keys:
            referenced.setdefault(fk.ref_table, set()).update(fk.ref_columns)
    streamed = set()
    for key in bundle.order.tables:
        model, table = bundle.tables[key], bundle.snapshot.table(key)
        wanted = target_rows(model, config) or 0
        if streamable(table, model, bundle) and (wanted >= min_rows or _parent_streamed(model, streamed)):
            streamed.add(key)
    kept = {k: tuple(sorted(referenced.get(k, ()))) for k in streamed}
    return StreamPlan(frozenset(streamed), kept)


def _parent_streamed(model: TableModel, streamed: set[str]) -> bool:
    """A child of a streamed table is big too (it is drawn per parent): stream it when it can be."""
    driving = next((m for m in model.foreign_keys if m.driving), None)
    return driving is not None and driving.fk.ref_table in streamed


def shards(
    table: Table, model: TableModel, parents: Mapping[str, pd.DataFrame], config: Config, seed: int, chunk_rows: int
) -> Iterator[pd.DataFrame]:
    """The table's rows, ``chunk_rows`` at a time; shard k depends only on (seed, table, k) and the parents' keys."""
    total, picks = row_plan(table, model, parents, config, seed)
    for k, start in enumerate(range(0, total, chunk_rows)):
        n = min(chunk_rows, total - start)
        yield shard(table, model, parents, seed, k, start, n, picks[start:start + n] if picks is not None else None)


def row_plan(
    table: Table, model: TableModel, parents: Mapping[str, pd.DataFrame], config: Config, seed: int
) -> tuple[int, np.ndarray | None]:
    """How many rows the table gets and, with a driving FK, each row's parent index (as ``sample`` draws them)."""
    rng = np.random.default_rng(table_seed(seed, table.key, "rows"))
    driving = next((m for m in model.foreign_keys if m.driving), None)
    wanted = target_rows(model, config)
    picks = spread(len(parents[driving.fk.ref_table]), driving, rng, wanted) if driving else None
    return (len(picks) if picks is not None else int(wanted or 0)), picks


def shard(
    table: Table, model: TableModel, parents: Mapping[str, pd.DataFrame], seed: int, k: int, start: int, n: int,
    picks: np.ndarray | None,
) -> pd.DataFrame:
    rng = np.random.default_rng(table_seed(seed, table.key, f"shard{k}"))
    frame = pd.DataFrame(index=pd.RangeIndex(n))
    for name, shape in model.key_shapes.items():
        shifted = dataclasses.replace(shape, start=shape.start + start) if shape.kind in INTEGER_KINDS else shape
        frame[name] = make_keys(shifted, table.column(name), n, rng).to_numpy()
    for fkm in model.foreign_keys:
        if all(model.roles.get(c) == "lookup" for c in fkm.fk.columns):
            continue  # a category the column model samples
        parent = parents[fkm.fk.ref_table]
        chosen = picks if fkm.driving and picks is not None else assign(n, parent, fkm, rng)
        copy_parent_keys(frame, fkm.fk, parent, chosen)
    learnt = {c: model_column(table, c, model.roles[c]) for c in model.model_columns}
    if model.synthesizer is not None and learnt:
        rows = column_models.sample(model.synthesizer, n, learnt, table_seed(seed, table.key, f"model:shard{k}"))
        for name in learnt:
            frame[name] = rows[name].to_numpy()
    for name, role in model.roles.items():
        if role == "rule" or (role == "model" and model.synthesizer is None):
            frame[name] = generate.values_for(table, table.column(name), n, model.stats.get(name), rng).to_numpy()
    for name in learnt:
        if not table.column(name).nullable and frame[name].isna().any():
            _fill_missing(frame, name, table.column(name).kind, rng, table)
    frame = pii.fill(table, frame, model.fills, table_seed(seed, table.key, f"pii:shard{k}"))
    return frame[[c.name for c in table.columns if c.insertable]]


def load_streamed(
    engine: Engine, bundle: ModelBundle, config: Config, progress: Progress = silent,
    chunk_rows: int = CHUNK_ROWS, min_rows: int = STREAM_MIN_ROWS, executor: Executor | None = None,
) -> LoadResult:
    """Sample and load every table in one transaction, streaming the big ones (their shards made by ``executor``
    when one is given, else in this process)."""
    started = time.perf_counter()
    stream_plan = make_plan(bundle, config, min_rows)
    current = "schema"
    try:
        with engine.connect() as conn, conn.begin():
            migration = upgrade(conn, bundle.snapshot)
            _truncate(conn, bundle.snapshot)
            current, rows, held = "tables", {}, {}
            for key in progress.iter(bundle.order.tables, "sample+load", unit="table"):
                current = key
                rows[key] = _one_table(conn, bundle, config, stream_plan, key, held, chunk_rows, executor)
            current = "deferred keys"
            _deferred(conn, bundle, held, config.seed)
            current = "sequences"
            _reset_sequences(conn, bundle.snapshot)
    except DBAPIError as exc:
        raise LoadError(f"load failed at {current}, the target was rolled back: {_db_reason(exc)}") from None
    return LoadResult(urls.display(engine.url), rows, migration, time.perf_counter() - started)


def _one_table(
    conn: Connection, bundle: ModelBundle, config: Config, stream_plan: StreamPlan, key: str,
    held: dict[str, pd.DataFrame], chunk_rows: int, executor: Executor | None = None,
) -> int:
    """Sample and COPY one table; ``held`` gets the rows (or only the key columns) children need."""
    table, model = bundle.snapshot.table(key), bundle.tables[key]
    raw = conn.connection.driver_connection
    if key not in stream_plan.streamed:
        frame, _notes = _sample_table(table, model, held, config, bundle.order, config.seed, {})
        held[key] = frame
        deferred = {c for m in model.foreign_keys if bundle.order.is_deferred(key, m.fk) for c in m.fk.columns}
        return copy_frame(raw, table, frame.assign(**{c: None for c in deferred}) if deferred else frame)
    kept = list(stream_plan.kept_columns.get(key, ()))
    parts: list[pd.DataFrame] = []

    def keeping(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for frame in frames:
            if kept:
                parts.append(frame[kept].copy())
            yield frame

    columns = [c.name for c in table.columns if c.insertable]
    if executor is not None:
        from provisioner.model.executor import sample_shards

        made = sample_shards(executor, table, model, {p: held[p] for p in _parents(model)}, config, chunk_rows)
    else:
        made = shards(table, model, held, config, config.seed, chunk_rows)
    sent = copy_frames(raw, table, columns, keeping(made))
    held[key] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(index=pd.RangeIndex(sent))
    return sent


def _parents(model: TableModel) -> set[str]:
    return {m.fk.ref_table for m in model.foreign_keys}


def _deferred(conn: Connection, bundle: ModelBundle, held: dict[str, pd.DataFrame], seed: int) -> None:
    """Cycle-closing FKs: filled as ``sample`` fills them, then UPDATEd as ``load`` does (streamed tables have none)."""
    for table_key, fk_name in sorted(bundle.order.deferred):
        _fill_deferred(bundle, held, table_key, fk_name, seed)
    synthetic = SyntheticTables(held, bundle.order, seed, (), 0.0)
    for step in plan(bundle.snapshot, synthetic).steps:
        if step.deferred:
            _update_deferred(conn, bundle.snapshot.table(step.table), held[step.table], step)
