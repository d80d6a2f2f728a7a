"""Stage 3, sample: synthetic rows for every table from a bundle alone.

Tables are produced parents-first. Keys come from the relational model,
learnt columns from the table's SDV synthesizer, PII and free text from
Faker, and the rest from type rules. Unique sets are repaired before the load
and rows are never dropped silently: every repair is listed in ``notes``.
The same bundle, config and seed always give the same rows.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from provisioner.columns import rules as column_rules
from provisioner.columns import table as column_models
from provisioner.config import Config
from provisioner.model.bundle import ModelBundle, TableModel
from provisioner.model.relations import (aggregate, current, distinct, hierarchy, inclusion, inherit, levels, matching, paths,
                                         polymorphic, ranks)
from provisioner.model.relations.relational import (
    ForeignKeyModel,
    assign,
    balance_lookup,
    copy_parent_keys,
    line_numbers,
    make_keys,
    repair_unique,
    spread,
)
from provisioner.model.train import learnt_columns, table_seed
from provisioner.progress import Progress, silent
from provisioner.schema.graph import LoadOrder
from provisioner.schema.snapshot import (
    INTEGER_KINDS,
    Domain,
    Table,
)
from provisioner.synth import fake, generate, parts, qualifiers, repair, typefit


@dataclass(frozen=True)
class SyntheticTables:
    tables: Mapping[str, pd.DataFrame]
    order: LoadOrder
    seed: int
    notes: tuple[str, ...]
    seconds: float

    @property
    def rows(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.tables.items()}


def _sized_in_config(model: TableModel, config: Config) -> bool:
    """Rows or scale set for this very table; otherwise a child follows its parents' sampled counts."""
    tconf = config.table(model.key)
    return tconf.rows is not None or tconf.scale is not None


def target_rows(model: TableModel, config: Config) -> int | None:
    """Rows asked for a table: config rows, else scale (lookups keep their size)."""
    tconf = config.table(model.key)
    if tconf.rows is not None:
        return tconf.rows
    if model.method == "copy":
        return None
    scale = tconf.scale if tconf.scale is not None else config.scale
    return int(round(model.source_rows * scale))


def sample(bundle: ModelBundle, config: Config, progress: Progress = silent) -> SyntheticTables:
    """Every table in memory, parents first (the streamed load makes the same rows shard by shard)."""
    started = time.perf_counter()
    sampling = Sampling(bundle, config)
    for key in progress.iter(bundle.order.tables, "sample", unit="table"):
        sampling.make(key)
    sampling.finish()
    return SyntheticTables(sampling.out, bundle.order, config.seed, tuple(sampling.notes), time.perf_counter() - started)


@dataclass
class Sampling:
    """:func:`sample` one table at a time, so a load can take each table as soon as it is :meth:`final`."""

    bundle: ModelBundle
    config: Config
    out: dict[str, pd.DataFrame] = field(default_factory=dict)
    counts: dict[str, np.ndarray] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    finished: bool = False
    settled: set[str] = field(default_factory=set)  # tables whose polymorphic ids point at made rows

    def make(self, key: str) -> None:
        """Sample ``key`` (its parents are made), then recompute the parents' columns that aggregate it; point
        the polymorphic ids of every table whose named tables are now made (polymorphic.py)."""
        made = sample_table(self.bundle, key, self.out, self.counts, self.config)
        self.out[key] = made.frame
        self.counts.update(made.counts)
        self.notes += made.notes
        finish_parents(self.bundle, key, self.out)
        for done in [k for k in self.out if k not in self.settled and settled(self.bundle, k, self.out.keys())]:
            self.settled.add(done)
            found = polymorphic.rules_of(self.bundle.tables[done].rules)
            for rule in found:
                polymorphic.apply(self.out[done], rule, self.out, np.random.default_rng([self.config.seed % (2**32), 23]))
            if found:
                finish_parents(self.bundle, done, self.out)

    def finish(self) -> None:
        """Every table is made: fill the cycle-closing foreign keys."""
        for table_key, fk_name in sorted(self.bundle.order.deferred):
            fill_deferred(self.bundle, self.out, table_key, fk_name, self.config.seed)
        self.finished = True

    def final(self, key: str) -> bool:
        return final(self.bundle, key, self.out.keys(), self.finished)


def final(bundle: ModelBundle, key: str, made: Collection[str], finished: bool) -> bool:
    """Nothing still to come changes ``key``'s rows once the tables ``made`` are (``finished``: every table,
    and the cycle-closing foreign keys filled): it is made, so is every child table one of its columns
    aggregates, and so are its cycle-closing foreign keys."""
    if not settled(bundle, key, made) or (not finished and any(k == key for k, _ in bundle.order.deferred)):
        return False
    return all(settled(bundle, r.child, made) for r in bundle.tables[key].rules if isinstance(r, aggregate.Aggregate))


def settled(bundle: ModelBundle, key: str, made: Collection[str]) -> bool:
    """``key`` is made, and so is every table its polymorphic associations name (its ids are final)."""
    return key in made and all(t in made for rule in polymorphic.rules_of(bundle.tables[key].rules) for t in rule.tables)


def handover_order(bundle: ModelBundle) -> list[str]:
    """The tables in the order :class:`Sampling` makes them final, each after its (non-deferred) parents:
    an order to load them in while the next ones are sampled. It follows from the bundle alone."""
    order, made, given = bundle.order, [], []
    parents = {key: {fk.ref_table for fk in bundle.snapshot.table(key).foreign_keys
                     if fk.ref_table != key and not order.is_deferred(key, fk)} & set(order.tables) for key in order.tables}
    for step in [*order.tables, None]:
        made += [step] if step is not None else []
        for key in order.tables:  # parents first: a parent handed over now frees its children
            if key not in given and (step is None or final(bundle, key, made, False) and parents[key] <= set(given)):
                given.append(key)
    return given


@dataclass(frozen=True)
class Seeds:
    """The seed of each random step of one table, or of one shard of it (``part`` = "shard<k>")."""

    seed: int
    table: str
    part: str = ""

    def of(self, purpose: str) -> int:
        return table_seed(self.seed, self.table, f"{purpose}:{self.part}" if self.part else purpose)


@dataclass(frozen=True)
class RowPlan:
    """How many rows a table gets and, with a driving foreign key, each row's parent row."""

    rows: int
    picks: np.ndarray | None  # parent row index per row (-1: NULL), grouped by parent
    wanted: int | None  # rows asked for (config rows or scale), when set


@dataclass(frozen=True)
class MadeRows:
    frame: pd.DataFrame
    counts: Mapping[str, np.ndarray]  # child counts the table's model sampled per row (hierarchy.py)
    notes: tuple[str, ...]


@dataclass(frozen=True)
class TableContext:
    """What making one table's rows needs from the bundle (small enough to send to a pool worker)."""

    table: Table
    model: TableModel
    order: LoadOrder
    domains: tuple[Domain, ...]
    copied_parents: frozenset[str] = frozenset()  # parents whose rows are copied verbatim (their keys are the source's)

    @classmethod
    def of(cls, bundle: ModelBundle, key: str) -> TableContext:
        table = bundle.snapshot.table(key)
        copied = frozenset(fk.ref_table for fk in table.foreign_keys if bundle.tables[fk.ref_table].method == "copy")
        return cls(table, bundle.tables[key], bundle.order, bundle.snapshot.domains, copied)


def sample_table(
    bundle: ModelBundle, key: str, parents: Mapping[str, pd.DataFrame], counts: Mapping[str, np.ndarray], config: Config,
) -> MadeRows:
    """All rows of one table, given its parents' rows (or the columns of them that children use)."""
    ctx = TableContext.of(bundle, key)
    rng = np.random.default_rng(table_seed(config.seed, key, "rows"))
    plan = plan_rows(ctx.table, ctx.model, parents, counts, config, ctx.order, rng)
    return make_rows(ctx, parents, plan, 0, plan.rows, rng, Seeds(config.seed, key))


def plan_rows(
    table: Table, model: TableModel, parents: Mapping[str, pd.DataFrame], counts: Mapping[str, np.ndarray], config: Config,
    order: LoadOrder, rng: np.random.Generator,
) -> RowPlan:
    """Rows for ``table``: config rows or scale, or per parent the child counts its model sampled."""
    if model.method == "skip" or (model.method == "copy" and model.rows is not None):
        return RowPlan(0 if model.method == "skip" else len(model.rows), None, None)  # type: ignore[arg-type]
    wanted = target_rows(model, config)
    driving = _driving(model, table, order)
    if driving is None:
        return RowPlan(int(wanted or 0), None, wanted)
    n_parent = len(parents[driving.fk.ref_table])
    learnt = counts.get(hierarchy.column_name(table.key, driving.fk.name))
    sampled = hierarchy.clean_counts(pd.Series(learnt), driving) if learnt is not None and len(learnt) == n_parent else None
    exact = wanted if sampled is None or _sized_in_config(model, config) else None
    picks = spread(n_parent, driving, rng, exact, sampled)
    picks = repair.one_per_parent(table, driving.fk, picks, n_parent, rng)
    return RowPlan(len(picks), picks, wanted)


def _driving(model: TableModel, table: Table, order: LoadOrder) -> ForeignKeyModel | None:
    return next((m for m in model.foreign_keys if m.driving and not order.is_deferred(table.key, m.fk)), None)


def make_rows(
    ctx: TableContext, parents: Mapping[str, pd.DataFrame], plan: RowPlan, start: int, n: int,
    rng: np.random.Generator, seeds: Seeds,
) -> MadeRows:
    """Rows ``start`` to ``start + n`` of the plan: keys (counted from ``start``), foreign keys, the
    column model's values given the parent's, rule values, Faker, unique and check repairs. The same
    for a whole table in memory and for one shard of a streamed one."""
    table, model, order = ctx.table, ctx.model, ctx.order
    insertable = [c.name for c in table.columns if c.insertable]
    if model.method == "skip":
        return MadeRows(pd.DataFrame(columns=insertable), {}, ())
    if model.method == "copy" and model.rows is not None:
        copied = model.rows.iloc[start:start + n].reset_index(drop=True)
        kept = {r.column: np.asarray(r.values)[start:start + n] for r in model.rules if isinstance(r, hierarchy.CopiedCounts)}
        return MadeRows(_redraw_keys(ctx, copied, parents, rng), kept, ())
    picks = plan.picks[start:start + n] if plan.picks is not None else None
    driving = _driving(model, table, order) if picks is not None else None
    frame = pd.DataFrame(index=pd.RangeIndex(n))
    _keys(table, model, frame, rng, start)
    _foreign_keys(table, model, frame, parents, driving, picks, order, rng)
    _line_numbers(table, model, frame, driving, plan.picks, start)
    given = None
    if model.conditions and driving is not None and picks is not None:
        names = tuple(c.name[len(hierarchy.CONDITION):] for c in model.conditions)
        given = hierarchy.given_for(picks, parents[driving.fk.ref_table], names)
    sampled, wanted = _columns(table, model, frame, seeds, rng, given)
    _match(table, model, frame, parents, wanted, np.random.default_rng(seeds.of("match")))
    for rule in model.rules:
        if isinstance(rule, levels.Levels) and not any(order.is_deferred(table.key, m.fk) for m in model.foreign_keys if m.fk.name == rule.fk_name):
            levels.apply(frame, rule, np.random.default_rng(seeds.of("levels")))
    for fkm in model.foreign_keys:
        if all(model.roles.get(c) == "lookup" for c in fkm.fk.columns) and fkm.fk.ref_table in parents:
            balance_lookup(frame, fkm, parents[fkm.fk.ref_table], rng)
    _distinct(table, model, frame, parents, order, np.random.default_rng(seeds.of("distinct")))
    deferred = {m.fk.name for m in model.foreign_keys if order.is_deferred(table.key, m.fk)}
    unseen = inherit.copied_whole(model.inherited, table, parents, deferred)  # no Faker value: the parent's is copied
    frame = fake.fill(table, frame, model.fills, seeds.of("pii"), model.rules, unseen)
    learnt = frozenset(learnt_columns(table, model))
    qualifiers.spread(frame, table, learnt, np.random.default_rng(seeds.of("qualifiers")))
    frame, dropped = repair_unique(frame, table, {m.fk.name: m for m in model.foreign_keys}, parents, rng)
    written: dict[str, np.ndarray] = {}
    frame = inherit.apply(frame, model.inherited, parents, np.random.default_rng(seeds.of("inherit")), table, written)
    frame = _fill_uncopied(frame, table, model, seeds.of("pii"), {c: ~written.get(c, np.zeros(len(frame), dtype=bool)) for c in unseen})
    qualifiers.spread(frame, table, learnt, np.random.default_rng(seeds.of("qualifiers-inherited")))  # a copied value may clash
    _paths(table, model, frame, order)
    for rule in model.rules:
        if isinstance(rule, current.OnePerParent):
            later = _later(rule, driving, parents, plan.picks, start + n)
            current.apply(frame, rule, np.random.default_rng(seeds.of(f"current-{rule.column}")), later)
    if model.synthesizer is not None:  # a date moved (unique per parent, a current row's) keeps the source's order
        column_rules.reorder(frame, getattr(model.synthesizer, "rules", ()), learnt_columns(table, model), rng)
    for rule in (r for r in model.rules if isinstance(r, ranks.KeyOrder)):  # a rank orders its column, last: an order swaps no more
        ranks.apply(frame, rule)
    frame = repair.dedupe_partial(repair.dedupe_values(frame, table, table.fk_columns | set(model.key_shapes)), table)
    notes = [f"{table.key}: {dropped} rows removed: no unused parent combination was left for a unique key"] if dropped else []
    if not seeds.part:
        notes += repair.shortfall(table, plan.wanted, len(frame))
    frame = parts.finish(frame, table, model.stats, np.random.default_rng(seeds.of("parts")))  # ranges, composites, partitions
    frame, notes = repair.repair(typefit.fit(frame[insertable].copy(), table), table, ctx.domains, seeds.of("repair"), notes)
    return MadeRows(frame, sampled, tuple(notes))


def _later(
    rule: current.OnePerParent, driving: ForeignKeyModel | None, parents: Mapping[str, pd.DataFrame], picks: np.ndarray | None, end: int,
) -> frozenset[str]:
    """A shard's parents whose last rows come in a later shard (their current row is marked there)."""
    if driving is None or picks is None or driving.fk.name != rule.fk_name or end >= len(picks) or driving.fk.ref_table not in parents:
        return frozenset()
    return current.later_parents(parents[driving.fk.ref_table], rule, driving.fk.ref_columns, picks, end)


def _fill_uncopied(frame: pd.DataFrame, table: Table, model: TableModel, seed: int, missed: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Faker values in the rows of the columns left to inherit.apply (inherit.copied_whole) that it did not
    copy into after all (a parent key that does not join): those rows keep a fake value, as without the skip."""
    missed = {c: rows for c, rows in missed.items() if rows.any()}
    if not missed:
        return frame
    faked = fake.fill(table, frame, [c for c in model.fills if c.column in missed], seed, model.rules)
    for name, rows in missed.items():
        column = frame[name].to_numpy(dtype=object, copy=True)
        column[rows] = faked[name].to_numpy(dtype=object)[rows]
        frame[name] = column
    return frame


def _redraw_keys(ctx: TableContext, frame: pd.DataFrame, parents: Mapping[str, pd.DataFrame], rng: np.random.Generator) -> pd.DataFrame:
    """A copied table's foreign keys into tables that are not copied point at synthetic rows: each is
    drawn like any non-driving key (by the learnt popularity); keys into copied tables stay as they are."""
    moved = {}
    for fkm in ctx.model.foreign_keys:
        if fkm.fk.ref_table in ctx.copied_parents or fkm.fk.ref_table not in parents or fkm.self_ref:
            continue
        if ctx.order.is_deferred(ctx.table.key, fkm.fk):
            for col in fkm.fk.columns:
                frame[col] = None  # set at the end of the load (fill_deferred), like any cycle-closing key
            continue
        was_null = frame[list(fkm.fk.columns)].isna().any(axis=1).to_numpy()
        picks = assign(len(frame), parents[fkm.fk.ref_table], fkm, rng)
        picks[was_null] = -1
        copy_parent_keys(frame, fkm.fk, parents[fkm.fk.ref_table], picks)
        moved[fkm.fk.name] = dataclasses.replace(fkm, driving=False)
    if moved:  # only the redrawn keys may move to make a unique set hold again
        models = {m.fk.name: moved.get(m.fk.name, dataclasses.replace(m, driving=True)) for m in ctx.model.foreign_keys}
        frame, _ = repair_unique(frame, ctx.table, models, parents, rng)
    return frame


def _keys(table: Table, model: TableModel, frame: pd.DataFrame, rng: np.random.Generator, start: int = 0) -> None:
    """New key values; integer and counter keys count from the shape's start plus ``start`` (shards never clash)."""
    for name, shape in model.key_shapes.items():
        shifted = dataclasses.replace(shape, start=shape.start + start) if start and (shape.kind in INTEGER_KINDS or shape.counter) else shape
        frame[name] = make_keys(shifted, table.column(name), len(frame), rng).to_numpy()


def _distinct(
    table: Table, model: TableModel, frame: pd.DataFrame, parents: Mapping[str, pd.DataFrame], order: LoadOrder, rng: np.random.Generator,
) -> None:
    """Two keys into one table that never meet in the source (departure and arrival airport) do not here; key columns
    that are together a row of another table in the source (an assignee in the task's organization) are (inclusion.py)."""
    fks = {m.fk.name: m.fk for m in model.foreign_keys if not order.is_deferred(table.key, m.fk)}
    settable = {c for fk in fks.values() for c in fk.columns}
    for rule in model.rules:
        if isinstance(rule, distinct.DistinctKeys) and rule.moved in fks and fks[rule.moved].ref_table in parents:
            distinct.apply(frame, rule, fks, parents[fks[rule.moved].ref_table], rng)
        elif isinstance(rule, inclusion.Inclusion) and set(rule.moved) <= settable:
            inclusion.apply(frame, rule, table, parents, fks, rng)


def _paths(table: Table, model: TableModel, frame: pd.DataFrame, order: LoadOrder) -> None:
    """A path down the table's own hierarchy ('1/4/9/') agrees with the synthetic parent keys."""
    fks = {m.fk.name: m.fk for m in model.foreign_keys if m.self_ref and not order.is_deferred(table.key, m.fk)}
    for rule in model.rules:
        if isinstance(rule, paths.PathOf) and rule.fk_name in fks:
            paths.apply(frame, rule, fks[rule.fk_name])


def _line_numbers(
    table: Table, model: TableModel, frame: pd.DataFrame, driving: ForeignKeyModel | None, picks: np.ndarray | None, start: int,
) -> None:
    """A key numbered 1..k within each parent in the source (order lines) is numbered so again, when
    its parent is the one the rows were drawn for (else it stays a counter, unique all the same)."""
    beside = {c for c in table.primary_key if c in table.fk_columns}
    if driving is None or picks is None or set(driving.fk.columns) != beside:
        return
    for name, shape in model.key_shapes.items():
        if shape.per_parent:
            frame[name] = shape.start + line_numbers(picks, start, len(frame))


def _foreign_keys(
    table: Table, model: TableModel, frame: pd.DataFrame, done: Mapping[str, pd.DataFrame],
    driving: ForeignKeyModel | None, picks: np.ndarray | None, order: LoadOrder, rng: np.random.Generator,
) -> None:
    for fkm in model.foreign_keys:
        if all(model.roles.get(c) == "lookup" for c in fkm.fk.columns):
            continue  # a category the column model samples
        if order.is_deferred(table.key, fkm.fk):
            for col in fkm.fk.columns:
                frame[col] = None
            continue
        if fkm is driving and picks is not None:
            copy_parent_keys(frame, fkm.fk, done[fkm.fk.ref_table], picks)
        elif fkm.self_ref:
            continue
        else:
            parent = done[fkm.fk.ref_table]
            copy_parent_keys(frame, fkm.fk, parent, assign(len(frame), parent, fkm, rng))
    for fkm in model.foreign_keys:
        if fkm.self_ref and not order.is_deferred(table.key, fkm.fk):
            copy_parent_keys(frame, fkm.fk, frame, assign(len(frame), frame, fkm, rng))


def _references(model: TableModel) -> list[matching.Reference]:
    return [r for r in model.rules if isinstance(r, matching.Reference)]


def _match(
    table: Table, model: TableModel, frame: pd.DataFrame, parents: Mapping[str, pd.DataFrame], wanted: pd.DataFrame | None,
    rng: np.random.Generator,
) -> None:
    """Non-driving keys re-pointed at the parents whose columns fit each row (matching.py)."""
    for ref in _references(model):
        if wanted is None or ref.parent not in parents or not all(c.name in wanted for c in ref.columns):
            continue
        groups = [tuple(c for c in u if c not in ref.fk_columns) for u in table.uniques if set(ref.fk_columns) <= set(u)]
        matching.match(frame, ref, wanted, parents[ref.parent], [g for g in groups if g], rng)


def _columns(
    table: Table, model: TableModel, frame: pd.DataFrame, seeds: Seeds, rng: np.random.Generator, given: pd.DataFrame | None = None
) -> tuple[dict[str, np.ndarray], pd.DataFrame | None]:
    """Fill learnt and rule columns; returns the sampled child counts (hierarchy.py) and the columns
    the model drew for the parents of non-driving keys (matching.py)."""
    learnt = learnt_columns(table, model)
    sampled_counts: dict[str, np.ndarray] = {}
    wanted = None
    refs = {c.name: c for r in _references(model) for c in r.columns}
    if model.synthesizer is not None and (learnt or model.count_columns or refs):
        spec = {**learnt, **{c: hierarchy.count_column(c) for c in model.count_columns}, **refs}
        if given is not None:
            spec.update({c.name: c for c in model.conditions})
        rows = column_models.sample(model.synthesizer, len(frame), spec, seeds.of("model"), given)
        for name in learnt:
            frame[name] = rows[name].to_numpy()
        generate.apply_specials(frame, learnt, model.stats, np.random.default_rng(seeds.of("specials")))
        sampled_counts = {c: rows[c].to_numpy() for c in model.count_columns}
        wanted = rows[[c for c in refs if c in rows]] if refs else None
    ruled = [c for c, r in model.roles.items() if r in ("rule", "external") or (r == "model" and model.synthesizer is None)]
    for name in ruled:
        col = table.column(name)
        frame[name] = generate.values_for(table, col, len(frame), model.stats.get(name), rng).to_numpy()
    for name in learnt:
        col = table.column(name)
        if not col.nullable and frame[name].isna().any() and not any(i.column == name and i.mode == "ratio" for i in model.inherited):
            _fill_missing(frame, name, col.kind, rng, table)
    return sampled_counts, wanted


def _fill_missing(frame: pd.DataFrame, name: str, kind: str, rng: np.random.Generator, table: Table) -> None:
    present = frame[name].dropna()
    missing = frame[name].isna()
    if len(present):
        frame.loc[missing, name] = present.sample(int(missing.sum()), replace=True, random_state=int(rng.integers(2**31))).to_numpy()
    else:
        frame.loc[missing, name] = generate.values_for(table, table.column(name), int(missing.sum()), None, rng).to_numpy()


def finish_parents(bundle: ModelBundle, child: str, tables: Mapping[str, pd.DataFrame]) -> None:
    """Once ``child`` is final: recompute its parents' columns that aggregate it (aggregate.py)."""
    for key, model in bundle.tables.items():
        for rule in model.rules:
            if isinstance(rule, aggregate.Aggregate) and rule.child == child and key in tables:
                aggregate.apply(tables[key], tables[child], rule, bundle.snapshot.table(key).column(rule.column), tables)


def fill_deferred(bundle: ModelBundle, out: dict[str, pd.DataFrame], table_key: str, fk_name: str, seed: int) -> None:
    model = bundle.tables[table_key]
    fkm = next(m for m in model.foreign_keys if m.fk.name == fk_name)
    frame = out[table_key]
    rng = np.random.default_rng(table_seed(seed, table_key, f"deferred:{fk_name}"))
    parent = out[fkm.fk.ref_table]
    picks = repair.unique_picks(bundle.snapshot.table(table_key), fkm.fk, assign(len(frame), parent, fkm, rng), len(parent), rng)
    copy_parent_keys(frame, fkm.fk, parent, picks)
