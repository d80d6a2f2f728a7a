"""Rows for a load, table by table: whole tables in memory, big ones in shards of bounded size.

A load takes a :class:`RowSource`: the tables in foreign-key order, each as one
or more frames, then the rows of tables whose cycle-closing foreign keys are set
last. :class:`MemorySource` hands over tables sampled beforehand
(:func:`provisioner.synth.sample.sample`); :class:`StreamSource` samples while the
load runs, so memory stays flat however many rows are asked for.

A table is *streamed* when it is asked for ``STREAM_MIN_ROWS`` rows or more (or
its driving parent is streamed) and its shards can be made independently: every
unique column set is its own integer primary key (made as a counter, so shards
never clash), with no self-reference and no foreign key that closes a cycle.
Shard ``k`` runs the same per-table steps as an in-memory table
(:func:`provisioner.synth.sample.make_rows`: the column model conditioned on the
parent's columns, the learnt child counts, columns copied from a parent, Faker,
unique and CHECK repairs) on rows ``k * chunk_rows`` onward, seeded by
``(seed, table, "shard<k>")``: it is the same whoever makes it. Of a streamed
table only the columns its children use are kept (their keys, the columns they
are conditioned on or copy, the child counts its model sampled).

When no table is streamed, :class:`StreamSource` makes every table at once as
:func:`provisioner.synth.sample.sample` does, so a ``load`` from a bundle gets the very rows a
``provision`` gets, parents' aggregates of their children included. With streamed tables, a
parent is loaded before its children are made: its aggregate columns keep the model's values
(a known limit, listed in the notes).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from provisioner import columns
from provisioner.config import Config
from provisioner.model.bundle import ModelBundle, TableModel
from provisioner.model.executor import Executor, LocalExecutor
from provisioner.model.relations import current, hierarchy, inclusion
from provisioner.model.train import table_seed
from provisioner.schema.graph import LoadOrder
from provisioner.schema.snapshot import INTEGER_KINDS
from provisioner.synth.sample import (
    MadeRows,
    RowPlan,
    Sampling,
    Seeds,
    SyntheticTables,
    TableContext,
    fill_deferred,
    handover_order,
    make_rows,
    plan_rows,
    sample_table,
    target_rows,
)

CHUNK_ROWS = 100_000
STREAM_MIN_ROWS = 200_000  # a table asked for fewer rows is made in memory


class RowSource(Protocol):
    """What a load reads: tables in load order, then the rows of tables whose cycle-closing FKs come last."""

    order: LoadOrder

    def keys(self) -> list[str]: ...

    def frames(self, key: str) -> Iterator[pd.DataFrame]: ...

    def deferred(self) -> Mapping[str, pd.DataFrame]: ...

    @property
    def rows(self) -> Mapping[str, int]: ...

    @property
    def notes(self) -> tuple[str, ...]: ...


@dataclass
class MemorySource:
    """Tables sampled beforehand, whole."""

    synthetic: SyntheticTables

    @property
    def order(self) -> LoadOrder:
        return self.synthetic.order

    def keys(self) -> list[str]:
        return list(self.synthetic.order.tables)

    def frames(self, key: str) -> Iterator[pd.DataFrame]:
        yield self.synthetic.tables[key]

    def deferred(self) -> Mapping[str, pd.DataFrame]:
        return {key: self.synthetic.tables[key] for key, _ in self.synthetic.order.deferred}

    @property
    def rows(self) -> Mapping[str, int]:
        return self.synthetic.rows

    @property
    def notes(self) -> tuple[str, ...]:
        return self.synthetic.notes


@dataclass(frozen=True)
class StreamPlan:
    streamed: frozenset[str]  # tables produced and loaded shard by shard
    kept_columns: Mapping[str, tuple[str, ...]]  # columns children use, per streamed table
    estimated_rows: Mapping[str, int] = field(default_factory=dict)


def streamable(key: str, bundle: ModelBundle) -> bool:
    """Shards of this table can be made independently (see the module docstring)."""
    table, model = bundle.snapshot.table(key), bundle.tables[key]
    if not (columns.is_model(model.method) or model.method in ("keys", "generate")):
        return False
    if any(bundle.order.is_deferred(key, m.fk) or m.self_ref for m in model.foreign_keys):
        return False
    driving = next((m.fk.name for m in model.foreign_keys if m.driving), None)
    if any(isinstance(r, current.OnePerParent) and r.fk_name != driving for r in model.rules):
        return False  # one current row per parent of a key drawn row by row: only the whole table can tell
    counters = {c for c, s in model.key_shapes.items() if s.kind in INTEGER_KINDS}
    return all(len(u) == 1 and u[0] in counters for u in table.uniques)


def estimate_rows(bundle: ModelBundle, config: Config) -> dict[str, int]:
    """Rows each table will get, before sampling: config rows or scale, else its parents' rows times
    the mean children per parent learnt for its driving foreign key."""
    out: dict[str, int] = {}
    for key in bundle.order.tables:
        model = bundle.tables[key]
        driving = next((m for m in model.foreign_keys if m.driving and not bundle.order.is_deferred(key, m.fk)), None)
        wanted = target_rows(model, config)
        if model.method == "copy" and model.rows is not None:
            out[key] = len(model.rows)
        elif model.method == "skip":
            out[key] = 0
        elif driving is not None and (wanted is None or not _sized(model, config)):
            extra = 1 / (1 - driving.null_rate) if 0 < driving.null_rate < 1 else 1.0
            out[key] = int(round(out.get(driving.fk.ref_table, 0) * driving.degree.mean * extra))
        else:
            out[key] = int(wanted or 0)
    return out


def _sized(model: TableModel, config: Config) -> bool:
    tconf = config.table(model.key)
    return tconf.rows is not None or tconf.scale is not None


def make_plan(bundle: ModelBundle, config: Config, min_rows: int = STREAM_MIN_ROWS) -> StreamPlan:
    estimated = estimate_rows(bundle, config)
    streamed: set[str] = set()
    for key in bundle.order.tables:
        model = bundle.tables[key]
        driving = next((m for m in model.foreign_keys if m.driving), None)
        parent_streamed = driving is not None and driving.fk.ref_table in streamed
        if streamable(key, bundle) and (estimated[key] >= min_rows or parent_streamed):
            streamed.add(key)
    return StreamPlan(frozenset(streamed), {k: _kept(bundle, k) for k in streamed}, estimated)


def _kept(bundle: ModelBundle, key: str) -> tuple[str, ...]:
    """The columns of ``key`` its children use: referenced keys, columns they are conditioned on or copy."""
    used: set[str] = set()
    for child in bundle.snapshot.tables:
        model = bundle.tables[child.key]
        for fk in child.foreign_keys:
            if fk.ref_table == key:
                used.update(fk.ref_columns)
        driving = next((m for m in model.foreign_keys if m.driving), None)
        if driving is not None and driving.fk.ref_table == key:
            used.update(c.name[len(hierarchy.CONDITION):] for c in model.conditions)
        used.update(i.parent_column for i in model.inherited if i.parent == key)
        used.update(s for r in model.rules if getattr(r, "parent", None) == key for s in getattr(r, "sources", ()))
        through = {fk.name: fk.ref_table for fk in child.foreign_keys}  # columns a rule reads from the parent (inclusion.py)
        used.update(c for r in inclusion.rules_of(model.rules) for f, c in r.refs() if through.get(f) == key)
    return tuple(sorted(used))


def needs_streaming(bundle: ModelBundle, config: Config, min_rows: int = STREAM_MIN_ROWS) -> bool:
    """Whether a load of ``bundle`` at ``config``'s sizes would stream at least one table."""
    return bool(make_plan(bundle, config, min_rows).streamed)


class StreamSource:
    """Samples while the load reads: tables in memory, streamed ones shard by shard (see the module docstring)."""

    def __init__(
        self, bundle: ModelBundle, config: Config, plan: StreamPlan | None = None, chunk_rows: int = CHUNK_ROWS,
        executor: Executor | None = None,
    ) -> None:
        self.bundle, self.config, self.chunk_rows, self.executor = bundle, config, chunk_rows, executor
        self.plan = plan if plan is not None else make_plan(bundle, config)
        self.order = bundle.order
        self.held: dict[str, pd.DataFrame] = {}  # what children need of each table made so far
        self.counts: dict[str, np.ndarray] = {}  # child counts sampled by parents' models
        self._rows: dict[str, int] = {}
        self._notes: list[str] = []
        self.seconds = 0.0
        self._memory: Sampling | None = None  # every table, when none is streamed
        self._made = 0  # tables of the load order it has made
        self._notes += [f"{key}.{r.column}: kept as sampled, not recomputed from {r.child} (a streamed load writes parents first)"
                        for key, m in bundle.tables.items() for r in m.rules
                        if self.plan.streamed and type(r).__name__ == "Aggregate"]

    @property
    def rows(self) -> Mapping[str, int]:
        return dict(self._rows)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self._notes + (self._memory.notes if self._memory is not None else [])))

    def keys(self) -> list[str]:
        """The tables in an order the load can take them: in memory, each as soon as it is final
        (:func:`~provisioner.synth.sample.handover_order`), so its COPY overlaps the sampling of the
        tables after it; streamed, the load order."""
        return list(self.order.tables) if self.plan.streamed else handover_order(self.bundle)

    def _advance(self) -> Sampling:
        """Make the next table of the load order (every table made: fill the cycle-closing keys)."""
        if self._memory is None:
            self._memory = Sampling(self.bundle, self.config)
        if not self._memory.finished:
            started = time.perf_counter()
            if self._made < len(self.order.tables):
                self._memory.make(self.order.tables[self._made])
                self._made += 1
            else:
                self._memory.finish()
            self.seconds += time.perf_counter() - started
        return self._memory

    def frames(self, key: str) -> Iterator[pd.DataFrame]:
        if not self.plan.streamed:  # every table in memory: made as `sample` makes them, parents' aggregates included
            yield self._whole(key)
            return
        if key not in self.plan.streamed:
            started = time.perf_counter()
            made = sample_table(self.bundle, key, self.held, self.counts, self.config)
            self.seconds += time.perf_counter() - started
            self._take(key, made, whole=True)
            yield made.frame
            return
        kept: list[pd.DataFrame] = []
        for made in self._shards(key):
            self._take(key, made, whole=False)
            kept.append(made.frame[list(self.plan.kept_columns.get(key, ()))])
            yield made.frame
        self.held[key] = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame()

    def _whole(self, key: str) -> pd.DataFrame:
        """``key`` as :func:`provisioner.synth.sample.sample` makes it, once final: a parent's column that
        aggregates its children (aggregate.py) is final only once they are made."""
        while not self._advance().final(key):
            pass
        frame = self._memory.out[key]  # type: ignore[union-attr]
        self._rows[key] = len(frame)
        self.held[key] = frame
        return frame

    def _take(self, key: str, made: MadeRows, whole: bool) -> None:
        self._rows[key] = self._rows.get(key, 0) + len(made.frame)
        self._notes += made.notes
        for name, values in made.counts.items():
            self.counts[name] = values if whole or name not in self.counts else np.concatenate([self.counts[name], values])
        if whole:
            self.held[key] = made.frame

    def _shards(self, key: str) -> Iterator[MadeRows]:
        ctx = TableContext.of(self.bundle, key)
        rng = np.random.default_rng(table_seed(self.config.seed, key, "rows"))
        plan = plan_rows(ctx.table, ctx.model, self.held, self.counts, self.config, ctx.order, rng)
        parents = {m.fk.ref_table: self.held[m.fk.ref_table] for m in ctx.model.foreign_keys if m.fk.ref_table in self.held}
        parents.update({r.parent: self.held[r.parent] for r in inclusion.rules_of(ctx.model.rules) if r.parent in self.held})
        jobs = [ShardJob(ctx, parents, plan, k, start, min(self.chunk_rows, plan.rows - start), self.config.seed)
                for k, start in enumerate(range(0, plan.rows, self.chunk_rows))]
        if isinstance(self.executor, LocalExecutor):  # the pool makes the next shards while this one loads
            yield from self.executor.imap(make_shard, jobs, ahead=4)
            return
        for first in range(0, len(jobs), 4):
            batch = jobs[first:first + 4]
            started = time.perf_counter()
            made = self.executor.map(make_shard, batch) if self.executor is not None else [make_shard(j) for j in batch]
            self.seconds += time.perf_counter() - started
            yield from made

    def deferred(self) -> Mapping[str, pd.DataFrame]:
        """Tables with cycle-closing FKs, the FK filled as ``sample`` fills it (streamed tables have none)."""
        if not self.plan.streamed:
            while not self._advance().finished:
                pass
            return {key: self._memory.out[key] for key, _ in self.order.deferred}  # type: ignore[union-attr]
        for table_key, fk_name in sorted(self.order.deferred):
            fill_deferred(self.bundle, self.held, table_key, fk_name, self.config.seed)
        return {key: self.held[key] for key, _ in self.order.deferred}


@dataclass(frozen=True)
class ShardJob:
    """One shard of a streamed table: all it needs, so a pool worker can make it."""

    ctx: TableContext
    parents: Mapping[str, pd.DataFrame]  # the columns children use of each parent
    plan: RowPlan
    k: int
    start: int
    rows: int
    seed: int


def make_shard(job: ShardJob) -> MadeRows:
    seeds = Seeds(job.seed, job.ctx.table.key, f"shard{job.k}")
    rng = np.random.default_rng(seeds.of("rows"))
    return make_rows(job.ctx, job.parents, job.plan, job.start, job.rows, rng, seeds)


class Keeping:
    """A :class:`RowSource` that passes every frame on and keeps a seeded share of each table's rows,
    at most about ``cap`` per table: what the privacy gate checks of a streamed provision, and what
    the HTML report charts."""

    def __init__(self, source: RowSource, estimated: Mapping[str, int], cap: int, seed: int) -> None:
        self.source, self.estimated, self.cap, self.seed = source, estimated, cap, seed
        self.order = source.order
        self.kept: dict[str, list[pd.DataFrame]] = {}

    def frames(self, key: str) -> Iterator[pd.DataFrame]:
        share = min(1.0, self.cap / max(self.estimated.get(key, 0), 1))
        rng = np.random.default_rng(table_seed(self.seed, key, "keep"))
        parts = self.kept.setdefault(key, [])
        for frame in self.source.frames(key):
            parts.append(frame if share >= 1.0 else frame[rng.random(len(frame)) < share])
            yield frame

    def keys(self) -> list[str]:
        return self.source.keys()

    def deferred(self) -> Mapping[str, pd.DataFrame]:
        return self.source.deferred()

    @property
    def rows(self) -> Mapping[str, int]:
        return self.source.rows

    @property
    def notes(self) -> tuple[str, ...]:
        return self.source.notes

    def synthetic(self) -> SyntheticTables:
        """The kept rows as synthetic tables (a table that was never read is empty)."""
        tables = {k: pd.concat(parts, ignore_index=True) if parts else pd.DataFrame() for k, parts in self.kept.items()}
        return SyntheticTables(tables, self.order, self.seed, self.notes, 0.0)

    def drain(self) -> SyntheticTables:
        """Read every table (nothing is loaded) and return what was kept."""
        for key in self.order.tables:
            for _ in self.frames(key):
                pass
        self.deferred()
        return self.synthetic()
