"""Stage 2, train: fit the column models and the relational model into a bundle.

For every table the method is chosen by a documented rule (see
:func:`choose_method`), overridable per table in the config. PII columns are
detected first and never reach a model. Each modelled table is split into
train and holdout rows; the holdout is never seen by a model, so the privacy
gate has an honest baseline.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from . import pii, tabular
from .bundle import ModelBundle, TableModel
from .config import Config
from .db import connect
from .errors import ConfigError
from .graph import load_order
from .profile import read_rows, roles_of, split_holdout
from .progress import Progress, silent
from .relational import ForeignKeyModel, degree_of, driving_fk, key_shape
from .snapshot import SchemaSnapshot, Table


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


def table_seed(seed: int, key: str, purpose: str = "") -> int:
    """A stable per-table seed (Python's hash() is salted per process)."""
    return zlib.crc32(f"{seed}:{key}:{purpose}".encode())


def train(engine: Engine, snapshot: SchemaSnapshot, config: Config, progress: Progress = silent) -> TrainResult:
    started = time.perf_counter()
    order = load_order(snapshot)
    _validate_table_config(snapshot, config)
    frames = _read_all(engine, snapshot, config, progress)
    detected = pii.detect(snapshot, frames, add=config.pii_add, remove=config.pii_remove)
    by_table: dict[str, list[pii.PiiColumn]] = {}
    for col in detected:
        by_table.setdefault(col.table, []).append(col)
    models: dict[str, TableModel] = {}
    real: dict[str, RealRows] = {}
    copied: set[str] = set()
    with connect(engine) as conn:
        for key in progress.iter(order.tables, "train", unit="table"):
            table = snapshot.table(key)
            fk_models = tuple(_fk_model(conn, snapshot, table, fk) for fk in table.foreign_keys)
            model, rows = _train_table(table, frames[key], by_table.get(key, []), fk_models, copied, config)
            if model.method == "copy":
                copied.add(key)
            models[key] = model
            if rows is not None:
                real[key] = rows
            progress.info(f"{key}: {model.method} ({model.reason}) in {model.seconds:.1f}s")
    _refuse_skipped_parents(snapshot, models)
    settings = {"scale": config.scale, "train": config.train.__dict__, "privacy": config.privacy.__dict__}
    bundle = ModelBundle(snapshot=snapshot, tables=models, order=order, seed=config.seed, settings=settings)
    return TrainResult(bundle=bundle, real=real, seconds=time.perf_counter() - started)


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


def _validate_table_config(snapshot: SchemaSnapshot, config: Config) -> None:
    from .config_check import validate

    validate(snapshot, config)  # unknown tables and columns, naming the config file and line


def _read_all(engine: Engine, snapshot: SchemaSnapshot, config: Config, progress: Progress) -> dict[str, pd.DataFrame]:
    frames = {}
    with connect(engine) as conn:
        for table in progress.iter(snapshot.tables, "read source", unit="table"):
            cap = config.table(table.key).row_cap or config.train.row_cap
            frames[table.key] = read_rows(conn, table, cap, table_seed(config.seed, table.key, "read"))
    return frames


def _fk_model(conn, snapshot: SchemaSnapshot, table: Table, fk) -> ForeignKeyModel:  # type: ignore[no-untyped-def]
    parent = snapshot.table(fk.ref_table)
    degree, null_rate = degree_of(conn, table, fk, parent)
    driving = driving_fk(table)
    return ForeignKeyModel(
        fk=fk, degree=degree, null_rate=null_rate,
        driving=driving is not None and driving.name == fk.name,
        self_ref=fk.ref_table == table.key,
    )


def choose_method(table: Table, frame: pd.DataFrame, roles: Mapping[str, str], has_pii: bool, copied: set[str], config: Config) -> tuple[str, str]:
    """The documented rule. Config ``tables.<name>.model`` / ``train.model`` win over it."""
    forced = config.table(table.key).model or (config.train.model if config.train.model != "auto" else None)
    lookup = _is_lookup(table, has_pii, copied, config)
    if forced in ("copy", "skip", "generate"):
        return forced, "set in the config"
    if table.row_count == 0 or frame.empty:
        return "generate", "the source table is empty: values come from types and constraints"
    if lookup and forced is None:
        return "copy", f"lookup table: {table.row_count} rows (<= {config.train.lookup_max_rows}), no PII, parents copied too"
    if not any(r == "model" for r in roles.values()):
        return "keys", "no learnable columns: keys, PII and text only"
    if forced:
        return forced, "set in the config"
    if len(frame) < config.train.gan_min_rows:
        return tabular.COPULA, f"{len(frame)} rows < {config.train.gan_min_rows}: too few for a GAN"
    return tabular.GAN, f"{len(frame)} rows"


def _is_lookup(table: Table, has_pii: bool, copied: set[str], config: Config) -> bool:
    parents_ok = all(fk.ref_table in copied for fk in table.foreign_keys)
    return 0 < table.row_count <= config.train.lookup_max_rows and not has_pii and parents_ok


def _train_table(
    table: Table,
    frame: pd.DataFrame,
    detected: list[pii.PiiColumn],
    fk_models: tuple[ForeignKeyModel, ...],
    copied: set[str],
    config: Config,
) -> tuple[TableModel, RealRows | None]:
    started = time.perf_counter()
    roles, stats = roles_of(table, frame, frozenset(c.column for c in detected))
    method, reason = choose_method(table, frame, roles, bool(detected), copied, config)
    fills = tuple(detected) + tuple(
        pii.text_column(table.key, name, stats[name].null_rate, stats[name].mean_length)
        for name, role in roles.items() if role == "text"
    )
    shapes = {c: key_shape(table.column(c), frame[c]) for c in table.primary_key if c not in table.fk_columns and c in frame}
    base = dict(key=table.key, roles=roles, stats=stats, fills=fills, foreign_keys=fk_models, key_shapes=shapes, source_rows=table.row_count)
    if method == "copy":
        return TableModel(method=method, reason=reason, rows=frame.reset_index(drop=True), **base), None  # type: ignore[arg-type]
    if method in ("generate", "skip", "keys"):
        return TableModel(method=method, reason=reason, seconds=time.perf_counter() - started, **base), None  # type: ignore[arg-type]
    train_rows, holdout = split_holdout(frame, config.train.holdout, config.privacy.min_rows, table_seed(config.seed, table.key, "split"))
    columns = {c: table.column(c) for c, r in roles.items() if r == "model"}
    tconf = config.table(table.key)
    synth = tabular.fit(
        method, table.key, train_rows, columns,
        epochs=tconf.epochs or config.train.epochs, batch_size=config.train.batch_size,
        seed=table_seed(config.seed, table.key, "fit"),
    )
    model = TableModel(
        method=method, reason=reason, synthesizer=synth, train_rows=len(train_rows), holdout_rows=len(holdout),
        seconds=time.perf_counter() - started, **base,  # type: ignore[arg-type]
    )
    return model, RealRows(train_rows, holdout)


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
