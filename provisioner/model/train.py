"""Stage 2, train: fit the column models and the relational model into a bundle.

For every table the method is chosen by a documented rule (see
:func:`choose_method`), overridable per table in the config. PII columns are
detected first and never reach a model. Each modelled table is split into
train and holdout rows; the holdout is never seen by a model, so the privacy
gate has an honest baseline.
"""

from __future__ import annotations

import dataclasses
import re
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine

from provisioner import columns
from provisioner.columns import codec
from provisioner.config import Config
from provisioner.errors import ConfigError
from provisioner.model import (
    agreement,
    around,
    budget,
    choose,
    histograms,
    pii,
    validate,
    xmlshape,
)
from provisioner.model.bundle import ModelBundle, TableModel
from provisioner.model.executor import (
    FitJob,
    fit_all,
    make_executor,
    reporting,
    workers_of,
)
from provisioner.model.learnt import learnt_columns, model_column, ratio_column  # noqa: F401 - imported from here by synth and privacy
from provisioner.model.profile import lookup_columns, read_rows, roles_of, split_holdout
from provisioner.model.relations import current, distinct, hierarchy, inclusion, levels, paths, ranks
from provisioner.model.relations.relational import (
    ForeignKeyModel,
    choose_driving,
    degree_of,
    key_shape,
)
from provisioner.pg.connect import connect
from provisioner.progress import Progress, silent
from provisioner.schema.graph import load_order
from provisioner.schema.snapshot import Column, SchemaSnapshot, Table


@dataclass(frozen=True)
class RealRows:
    """Source rows held in memory for the privacy gate; never saved."""

    train: pd.DataFrame
    holdout: pd.DataFrame


@dataclass(frozen=True)
class TrainResult:
    bundle: ModelBundle
    real: Mapping[str, RealRows]
    seconds: float
    frames: Mapping[str, pd.DataFrame]  # the source rows read (capped), for quality scoring


def table_seed(seed: int, key: str, purpose: str = "") -> int:
    """A stable per-table seed (Python's hash() is salted per process)."""
    return zlib.crc32(f"{seed}:{key}:{purpose}".encode())


def reusable(previous: ModelBundle, snapshot: SchemaSnapshot, changed: tuple[str, ...]) -> dict[str, TableModel]:
    """Models of ``previous`` that ``train --only-changed`` keeps: tables whose structure is
    unchanged and none of whose ancestors changed (a child learns its parent's columns)."""
    dirty = set(changed) | {k for k in snapshot.table_keys if k not in previous.tables}
    grew = True
    while grew:
        grew = False
        for table in snapshot.tables:
            if table.key not in dirty and any(fk.ref_table in dirty for fk in table.foreign_keys):
                dirty.add(table.key)
                grew = True
    return {k: m for k, m in previous.tables.items() if snapshot.has_table(k) and k not in dirty}


def train(
    engine: Engine, snapshot: SchemaSnapshot, config: Config, progress: Progress = silent,
    reuse: Mapping[str, TableModel] | None = None, fit: bool = True,
) -> TrainResult:
    """Read the source, decide every table's method and fit the models; with ``fit`` False everything
    is decided (methods, PII, keys, child counts) but no model is fitted: what ``--dry-run`` shows."""
    started = time.perf_counter()
    order = load_order(snapshot)
    around.check_config(snapshot, config)
    with connect(engine) as conn:
        config = validate.check_values(conn, snapshot, config)  # values and Faker providers against the source's types and CHECKs
    frames = _read_all(engine, snapshot, config, progress)
    detected = around.with_providers(pii.detect(snapshot, frames, add=config.pii_add, remove=config.pii_remove), config)
    detected = around.with_columns(detected, config)
    by_table: dict[str, list[pii.PiiColumn]] = {}
    for col in detected:
        by_table.setdefault(col.table, []).append(col)
    models: dict[str, TableModel] = {}
    real: dict[str, RealRows] = {}
    copied: set[str] = set()
    lookups = _planned_copies(snapshot, order.tables, by_table, config)
    shared = bookkeeping_parents(snapshot)
    with connect(engine) as conn:
        fk_models = {t.key: _fk_models(conn, snapshot, t, lookup_columns(t, lookups)) for t in snapshot.tables}
        included = inclusion.learn(conn, snapshot, frames, fk_models)
        order = load_order(snapshot, inclusion.edges(included))  # a rule's other table is made first
        for key in progress.iter(order.tables, "train", unit="table"):
            table = snapshot.table(key)
            counts = _child_counts(conn, snapshot, key, frames[key], fk_models)
            if reuse and key in reuse:
                models[key] = reuse[key]
                copied.update([key] if reuse[key].method == "copy" else [])
                progress.info(f"{key}: kept from the previous bundle (unchanged)")
                continue
            cond = _conditions(snapshot, table, frames, fk_models[key], models)
            refs = around.references(snapshot, table, frames, fk_models[key], models, order, lookup_columns(table, copied))
            model, rows = _train_table(table, frames[key], by_table.get(key, []), fk_models[key], copied, config, counts, cond, refs, shared)
            model = around.with_inherited(snapshot, model, frames, models)
            if model.fills and model.method != "copy":
                fills = [f for f in model.fills if not f.source]
                model = dataclasses.replace(model, rules=model.rules + agreement.learn(frames[key], fills) + xmlshape.learn(table, frames[key], fills))
            if columns.is_model(model.method):
                driving = tuple(m.fk for m in model.foreign_keys if m.driving)
                found = (levels.learn(table, frames[key], model.roles) + current.learn(table, frames[key], model.roles, driving)
                         + distinct.learn(frames[key], model.foreign_keys) + paths.learn(table, frames[key], model.foreign_keys))
                model = dataclasses.replace(model, rules=model.rules + found)
            if model.method not in ("copy", "skip") and included.get(key):
                model = dataclasses.replace(model, rules=model.rules + included[key])
            if model.method == "copy":
                copied.add(key)
            models[key] = model
            if rows is not None:
                real[key] = rows
            progress.info(f"{key}: {model.method} ({model.reason})")
    if fit:
        _fit_pending(models, config, progress, started, real)
        around.learn_cross_table(snapshot, models, frames)
    _refuse_skipped_parents(snapshot, models)
    settings = {"scale": config.scale, "train": config.train.__dict__, "privacy": config.privacy.__dict__}
    bundle = ModelBundle(snapshot=snapshot, tables=models, order=order, seed=config.seed, settings=settings)
    return TrainResult(bundle=bundle, real=real, seconds=time.perf_counter() - started, frames=frames)


def real_rows(engine: Engine, bundle: ModelBundle, config: Config, progress: Progress = silent) -> dict[str, RealRows]:
    """Re-read the source and re-create the training-time split (same seeds) for the gate."""
    out = {}
    with connect(engine) as conn:
        for key, model in progress.iter(bundle.tables.items(), "read source", unit="table"):
            if model.synthesizer is None:
                continue
            table = bundle.snapshot.table(key)
            cap = config.table(key).row_cap or config.train.row_cap
            frame = read_rows(conn, table, cap, table_seed(bundle.seed, key, "read"))
            train_part, holdout = split_holdout(frame, config.train.holdout, config.privacy.min_rows, table_seed(bundle.seed, key, "split"))
            out[key] = RealRows(train_part, holdout)
    return out


def _child_counts(
    conn: Connection, snapshot: SchemaSnapshot, key: str, frame: pd.DataFrame, fk_models: Mapping[str, tuple[ForeignKeyModel, ...]]
) -> pd.DataFrame:
    """One column per child table driven by ``key``: that child's rows per parent row."""
    out = pd.DataFrame(index=frame.index)
    if frame.empty:
        return out
    for child, model in hierarchy.children_of(key, fk_models):
        out[hierarchy.column_name(child, model.fk.name)] = hierarchy.counts_for(conn, snapshot.table(child), model, frame)
    return out


@dataclass(frozen=True)
class Conditions:
    """Parent attributes a child's copula is conditioned on (the driving parent's learnt columns)."""

    parent: str
    fk: ForeignKeyModel | None
    columns: Mapping[str, Column]  # "__parent__<col>" -> the parent's column, renamed
    frame: pd.DataFrame


def _conditions(snapshot: SchemaSnapshot, table: Table, frames: Mapping[str, pd.DataFrame], fk_models: tuple[ForeignKeyModel, ...], models: Mapping[str, TableModel]) -> Conditions:
    driving = next((m for m in fk_models if m.driving), None)
    parent_model = models.get(driving.fk.ref_table) if driving else None
    if driving is None or parent_model is None or not parent_model.model_columns or frames[table.key].empty:
        return Conditions("", None, {}, pd.DataFrame(index=frames[table.key].index))
    parent = snapshot.table(driving.fk.ref_table)
    names = parent_model.model_columns
    given = {hierarchy.CONDITION + c: dataclasses.replace(model_column(parent, c, parent_model.roles[c]), name=hierarchy.CONDITION + c) for c in names}
    frame = hierarchy.parent_attributes(frames[table.key], driving, frames[driving.fk.ref_table], names)
    return Conditions(driving.fk.ref_table, driving, given, frame)


def _read_all(engine: Engine, snapshot: SchemaSnapshot, config: Config, progress: Progress) -> dict[str, pd.DataFrame]:
    frames = {}
    with connect(engine) as conn:
        for table in progress.iter(snapshot.tables, "read source", unit="table"):
            cap = config.table(table.key).row_cap or config.train.row_cap
            frames[table.key] = read_rows(conn, table, cap, table_seed(config.seed, table.key, "read"))
    return frames


def _planned_copies(snapshot: SchemaSnapshot, order: tuple[str, ...], pii_by_table: Mapping[str, list], config: Config) -> set[str]:
    """The lookup tables that will be copied (the same rule as choose_method, decided up front)."""
    copied: set[str] = set()
    shared = bookkeeping_parents(snapshot)
    for key in order:
        table = snapshot.table(key)
        forced = config.table(key).model or (config.train.model if config.train.model != "auto" else None)
        if forced == "copy" or (forced is None and _is_lookup(table, bool(pii_by_table.get(key)), copied, config, shared)):
            copied.add(key)
    return copied


def _fk_models(conn: Connection, snapshot: SchemaSnapshot, table: Table, lookups: frozenset[str]) -> tuple[ForeignKeyModel, ...]:
    models = []
    for fk in table.foreign_keys:
        degree, null_rate = degree_of(conn, table, fk, snapshot.table(fk.ref_table))
        models.append(ForeignKeyModel(fk=fk, degree=degree, null_rate=null_rate, driving=False, self_ref=fk.ref_table == table.key))
    eligible = [m for m in models if not set(m.fk.columns) <= lookups]
    chosen = choose_driving(table, eligible, {t.key: t.row_count for t in snapshot.tables})
    if chosen is not None:
        at = models.index(eligible[chosen])
        models[at] = dataclasses.replace(models[at], driving=True)
    return tuple(models)


def choose_method(
    table: Table, frame: pd.DataFrame, roles: Mapping[str, str], has_pii: bool, copied: set[str], config: Config,
    has_counts: bool = False,
    shared: frozenset[str] = frozenset(),
) -> tuple[str, str]:
    """The documented rule. Config ``tables.<name>.model`` / ``train.model`` win over it."""
    forced = config.table(table.key).model or (config.train.model if config.train.model != "auto" else None)
    lookup = _is_lookup(table, has_pii, copied, config, shared)
    if forced in ("copy", "skip", "generate"):
        return forced, "set in the config"
    if table.row_count == 0 or frame.empty:
        return "generate", "the source table is empty: values come from types and constraints"
    if lookup and forced is None and table.row_count > config.train.lookup_max_rows:
        return "copy", "migration log: the schema migrations that ran, kept as they are (the staging schema is the source's)"
    if lookup and forced is None:
        return "copy", f"lookup table: {table.row_count} rows (<= {config.train.lookup_max_rows}), no PII, parents copied too"
    if not any(r in ("model", "lookup") for r in roles.values()) and not has_counts:
        return "keys", "no learnable columns: keys, PII and text only"
    if forced:
        return forced, "set in the config"
    if len(frame) < config.train.gan_min_rows:
        return columns.SMALL_TABLES, f"{len(frame)} rows < {config.train.gan_min_rows}: too few for a GAN"
    if not any(r in ("model", "lookup") for r in roles.values()):
        return columns.SMALL_TABLES, "only child counts and the columns of the parents its keys pick are learnt: the conditional copula"
    return columns.LARGE_TABLES, f"{len(frame)} rows"


def _is_lookup(table: Table, has_pii: bool, copied: set[str], config: Config, shared: frozenset[str] = frozenset()) -> bool:
    """Small, no PII, and every parent copied too, but for optional keys into a ``shared`` parent (an ERP's
    create_uid / write_uid into its users on every table: its currencies and units are reference data all
    the same), which point at synthetic rows (sample._redraw_keys)."""
    parents_ok = all(fk.ref_table in copied or (fk.ref_table in shared and _optional(table, fk.columns) and fk.ref_table != table.key)
                     for fk in table.foreign_keys)
    small = 0 < table.row_count <= config.train.lookup_max_rows
    return (small or migration_log(table)) and not has_pii and parents_ok


def _optional(table: Table, columns: tuple[str, ...]) -> bool:
    return all(table.column(c).nullable for c in columns)


def bookkeeping_parents(snapshot: SchemaSnapshot) -> frozenset[str]:
    """Tables that most other tables (half of them, at least 3) point into through optional keys: the users
    an ERP's create_uid / write_uid name on every row. A key into one says who touched a row, not what it is."""
    pointing: dict[str, set[str]] = {}
    for table in snapshot.tables:
        for fk in table.foreign_keys:
            if fk.ref_table != table.key and _optional(table, fk.columns):
                pointing.setdefault(fk.ref_table, set()).add(table.key)
    least = max(3, (len(snapshot.tables) - 1) / 2)
    return frozenset(p for p, tables in pointing.items() if len(tables) >= least)


MIGRATION_LOG = re.compile(r"migration|schema_?(version|history)|^databasechangelog$", re.IGNORECASE)
MIGRATION_LOG_MAX_ROWS = 100_000


def migration_log(table: Table) -> bool:
    """A table that records which schema migrations ran (its name says so: Rails' and Ecto's versions,
    Django's, Flyway's, Liquibase's, Knex's logs), with no foreign key. The staging schema is the source's,
    so the log keeps the source's rows whatever its size: synthetic versions make the app's migrate
    re-run migrations whose tables exist, or skip ones never run."""
    return bool(MIGRATION_LOG.search(table.name)) and not table.foreign_keys and 0 < table.row_count <= MIGRATION_LOG_MAX_ROWS


def _train_table(
    table: Table,
    frame: pd.DataFrame,
    detected: list[pii.PiiColumn],
    fk_models: tuple[ForeignKeyModel, ...],
    copied: set[str],
    config: Config,
    counts: pd.DataFrame,
    cond: Conditions,
    refs: around.References | None = None,
    shared: frozenset[str] = frozenset(),
) -> tuple[TableModel, RealRows | None]:
    started = time.perf_counter()
    references, ref_frame = refs if refs is not None else ((), pd.DataFrame(index=frame.index))
    roles, stats = roles_of(table, frame, frozenset(c.column for c in detected), lookup_columns(table, copied),
                            around.kept_columns(config, table.key))
    method, reason = choose_method(table, frame, roles, bool(detected), copied, config, has_counts=not counts.columns.empty or bool(references),
                                   shared=shared)
    fills = tuple(detected) + tuple(
        pii.text_column(table.key, name, stats[name].null_rate, stats[name].mean_length, pii.empty_share(frame[name]))
        for name, role in roles.items() if role == "text"
    )
    beside = [c for c in table.primary_key if c in table.fk_columns and c in frame]  # a line number's parent
    shapes = {c: key_shape(table.column(c), frame[c], frame[beside] if beside else None)
              for c in table.primary_key if roles.get(c) == "key" and c not in table.fk_columns and c in frame}
    base = dict(key=table.key, roles=roles, stats=stats, fills=fills, foreign_keys=fk_models, key_shapes=shapes, source_rows=table.row_count)
    if method == "copy":
        kept = tuple(hierarchy.CopiedCounts(c, counts[c].to_numpy(dtype=np.int64)) for c in counts.columns)
        return TableModel(method=method, reason=reason, rows=frame.reset_index(drop=True), rules=kept, **base), None  # type: ignore[arg-type]
    if method in ("generate", "skip", "keys"):
        return TableModel(method=method, reason=reason, seconds=time.perf_counter() - started, **base), None  # type: ignore[arg-type]
    joined = pd.concat([frame, counts, cond.frame, ref_frame], axis=1)
    train_rows, holdout = split_holdout(joined, config.train.holdout, config.privacy.min_rows, table_seed(config.seed, table.key, "split"))
    learnt = {c: model_column(table, c, r) for c, r in roles.items() if r in ("model", "lookup")}
    learnt.update({c: hierarchy.count_column(c) for c in counts.columns})
    learnt.update(cond.columns)
    learnt.update({c.name: c for r in references for c in r.columns})
    tconf = config.table(table.key)
    job = FitJob(
        table.key, method, train_rows, learnt,
        epochs=tconf.epochs or config.train.epochs, batch_size=config.train.batch_size,
        seed=table_seed(config.seed, table.key, "fit"),
    )
    model = TableModel(
        histograms=histograms.learn(table, frame, tuple(c for c, r in roles.items() if r == "model")),
        method=method, reason=reason, synthesizer=job, train_rows=len(train_rows), holdout_rows=len(holdout),
        seconds=time.perf_counter() - started, count_columns=tuple(counts.columns),
        conditions=conditions_of(method, job.columns), rules=tuple(references) + ranks.learn(table, frame, roles), **base,  # type: ignore[arg-type]
    )
    return model, RealRows(train_rows, holdout)


def conditions_of(method: str, learnt: Mapping[str, Column]) -> tuple[Column, ...]:
    """The parent columns a table's model is sampled given: those it was fitted with (``__parent__``),
    when ``method`` can sample given them; a job carries them for every method, so that a conditional
    candidate fitted beside one that is not (choose.py) learns them too."""
    if not columns.get(method).conditional:
        return ()
    return tuple(col for name, col in learnt.items() if name.startswith(hierarchy.CONDITION))


def _fit_pending(
    models: dict[str, TableModel], config: Config, progress: Progress, started: float, real: Mapping[str, RealRows] | None = None,
) -> None:
    """Fit every table's model, independent tables side by side (executor.py).

    A table's fit needs only its own prepared rows, so the order does not
    matter and each fit is seeded per table: serial, a process pool and Ray give
    the same models. Copula fits take milliseconds, so a pool (whose workers
    import torch and SDV, seconds each) is only worth it for two or more GANs.
    Under ``train.time_budget`` the GAN jobs get rows, epochs and a deadline
    from what is left of the budget (budget.py).
    """
    jobs = [m.synthesizer for m in models.values() if isinstance(m.synthesizer, FitJob)]
    if not jobs:
        return
    extra = choose.candidates(jobs, config)
    gans = sum(1 for j in jobs if columns.get(j.method).iterative)
    name = config.train.executor
    if name == "auto":
        name = "local" if gans >= 2 else "serial"
    fit_started = time.perf_counter()
    executor = make_executor(name, ray_address=config.train.ray_address or None)
    try:
        notes: dict[str, str] = {}
        if config.train.time_budget and gans:
            remaining = config.train.time_budget - (fit_started - started)
            jobs, notes = _budgeted(jobs, remaining, workers_of(executor), config, progress)
        if name == "local" and len(jobs + extra) > 1:
            progress.info(f"fitting {len(jobs + extra)} models on {workers_of(executor)} worker processes (each imports torch first)")
        with reporting(executor, progress):
            fitted = fit_all(executor, jobs + extra)
    finally:
        executor.close()
    progress.info(f"fitted {len(jobs)} table models ({gans} GAN) with the {name} executor in {time.perf_counter() - fit_started:.1f}s")
    by_table = {job.table: job for job in jobs}
    for key, model in list(models.items()):
        if isinstance(model.synthesizer, FitJob):
            job, reason = by_table[key], model.reason + notes.get(key, "")
            if fitted[key].epochs is not None and key in notes:
                reason += f", trained {fitted[key].epochs} epochs"
            models[key] = dataclasses.replace(
                model, synthesizer=fitted[key], method=job.method, reason=reason, train_rows=len(job.frame),
            )
    for candidate in extra:
        key, method = candidate.table.split(choose.SEPARATOR)
        _keep_better(models, key, {models[key].method: models[key].synthesizer, method: fitted[candidate.table]},
                     (real or {}).get(key), candidate, progress)


def _keep_better(
    models: dict[str, TableModel], key: str, fitted: Mapping[str, Any], rows: RealRows | None, job: FitJob, progress: Progress,
) -> None:
    """Keep the candidate a classifier tells least well from the table's holdout rows (choose.py)."""
    model = models[key]
    if rows is None:
        return
    ratios = frozenset(i.column for i in model.inherited if i.mode == "ratio")  # the model's values are ratios there
    progress.info(f"{key}: measuring {' and '.join(fitted)} against {len(rows.holdout)} holdout rows")
    decided = choose.decide(key, fitted, rows.holdout, job.columns, job.seed, ratios)
    if decided is None:
        return
    method, choice = decided
    scores = ", ".join(f"{m} {v:.2f}" for m, v in choice.scores.items())
    reason = model.reason if method == model.method else f"{model.reason}; the copula scored better"
    models[key] = dataclasses.replace(model, method=method, synthesizer=fitted[method], rules=model.rules + (choice,),
                                      conditions=conditions_of(method, job.columns), reason=f"{reason}; holdout AUC {scores}")
    progress.info(f"{key}: {method} chosen by holdout AUC ({scores})")


def _budgeted(
    jobs: list[FitJob], remaining: float, workers: int, config: Config, progress: Progress,
) -> tuple[list[FitJob], dict[str, str]]:
    """The GAN jobs cut to fit ``remaining`` seconds: fewer rows, fewer epochs, a deadline, or the copula."""
    gan_jobs = [j for j in jobs if columns.get(j.method).iterative]
    work = [
        (j.table, len(j.frame), j.epochs,
         budget.encoded_width(j.frame, j.columns, [c for c, col in j.columns.items() if codec.is_categorical(col)]))
        for j in gan_jobs
    ]
    startup = budget.POOL_STARTUP_SECONDS if workers > 1 else 0.0
    shares = {a.table: a for a in budget.allot(work, remaining, workers, startup)}
    deadline = time.time() + budget.usable_seconds(remaining)
    out, notes = [], {}
    for job in jobs:
        share = shares.get(job.table)
        if share is None:
            out.append(job)
            continue
        frame = job.frame
        if share.rows < len(frame):
            frame = frame.sample(n=share.rows, random_state=table_seed(config.seed, job.table, "budget") % (2**32))
        if not share.fits:
            notes[job.table] = f"; time budget: {share.seconds:.0f}s is too little for {job.method}, so {columns.CHEAPEST}"
            out.append(dataclasses.replace(job, method=columns.CHEAPEST, frame=frame))
            continue
        notes[job.table] = f"; time budget: {share.rows} rows, {share.seconds:.0f}s (about {share.epochs} epochs expected)"
        out.append(dataclasses.replace(job, frame=frame, time_limit=share.seconds, deadline=deadline))
    for table, note in notes.items():
        progress.info(f"{table}{note}")
    return out, notes


def _refuse_skipped_parents(snapshot: SchemaSnapshot, models: Mapping[str, TableModel]) -> None:
    for table in snapshot.tables:
        if models[table.key].method == "skip":
            continue
        for fk in table.foreign_keys:
            if models[fk.ref_table].method == "skip" and not all(table.column(c).nullable for c in fk.columns):
                raise ConfigError(
                    f"table {fk.ref_table} is set to 'skip', but {table.key} needs its rows ({fk.name}); "
                    f"skip {table.key} too, or choose another model for {fk.ref_table}"
                )
