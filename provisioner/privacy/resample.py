"""Resample privacy violations: replace the offending synthetic rows, then re-check.

When the gate names offending rows (exact copies of unique training rows, and
NNDR violations when that metric failed), only the *learnt* columns of those
rows are redrawn from the table's own model with a fresh seed. Learnt columns
never include keys, so every primary key, foreign key and child row stays
valid: no parent disappears and no child has to move. The gate then runs
again, up to ``rounds`` times. Metrics that name no rows (DCR share,
identifiability) cannot be repaired this way; their failures stand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from provisioner.columns import table as column_models
from provisioner.config import PrivacyConfig
from provisioner.model.bundle import ModelBundle, TableModel
from provisioner.model.relations import inherit
from provisioner.model.train import RealRows, table_seed
from provisioner.privacy import gate
from provisioner.privacy import metrics as privacy
from provisioner.privacy.metrics import PrivacyReport
from provisioner.progress import Progress, silent
from provisioner.schema.snapshot import Table
from provisioner.synth.sample import SyntheticTables

DEFAULT_ROUNDS = 3


@dataclass(frozen=True)
class Resampled:
    synthetic: SyntheticTables
    verdict: PrivacyReport
    rows: Mapping[str, int]  # rows redrawn per table, all rounds together
    rounds: int


def repair(
    bundle: ModelBundle,
    real: Mapping[str, RealRows],
    synthetic: SyntheticTables,
    verdict: PrivacyReport,
    config: PrivacyConfig,
    progress: Progress = silent,
    rounds: int = DEFAULT_ROUNDS,
) -> Resampled:
    """Redraw offending rows and re-check until the gate passes or nothing is left to redraw."""
    tables = dict(synthetic.tables)
    counts: dict[str, int] = {}
    done = 0
    if any(len(t.offending_rows) >= privacy.MAX_OFFENDING for t in verdict.tables.values() if not t.passed):
        verdict = gate.check(bundle, real, synthetic, config, progress, max_offending=None)  # name every row
    while not verdict.passed and done < rounds:
        offenders = offending(bundle, verdict)
        if not offenders:
            break
        done += 1
        for key, rows in offenders.items():
            model, table = bundle.tables[key], bundle.snapshot.table(key)
            seed = table_seed(synthetic.seed, key, f"resample:{done}")
            tables[key] = redraw(table, model, tables[key], rows, seed, tables)
            counts[key] = counts.get(key, 0) + len(rows)
            progress.info(f"{key}: {len(rows)} offending rows redrawn (round {done})")
        synthetic = _with_tables(synthetic, tables)
        verdict = gate.check(bundle, real, synthetic, config, progress, max_offending=None)
    notes = tuple(f"{key}: {n} synthetic rows redrawn by --resample-violations (learnt columns only)" for key, n in counts.items())
    return Resampled(replace(synthetic, notes=synthetic.notes + notes), trim(verdict), counts, done)


def trim(verdict: PrivacyReport, cap: int = privacy.MAX_OFFENDING) -> PrivacyReport:
    """The report as the gate writes it: at most ``cap`` offending rows per table."""
    return privacy.report(replace(t, offending_rows=t.offending_rows[:cap]) for t in verdict.tables.values())


def offending(bundle: ModelBundle, verdict: PrivacyReport) -> dict[str, np.ndarray]:
    """Synthetic row numbers to redraw, per failing table that has a model to redraw them from."""
    out = {}
    for key, result in verdict.tables.items():
        model = bundle.tables.get(key)
        if result.passed or not result.offending_rows or model is None or model.synthesizer is None:
            continue
        out[key] = np.unique(np.array([row for row, _ in result.offending_rows], dtype=np.int64))
    return out


def redraw(
    table: Table, model: TableModel, frame: pd.DataFrame, rows: np.ndarray, seed: int,
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """``frame`` with the learnt columns of ``rows`` (positions) replaced by fresh model draws;
    columns copied from a parent (inherit.py) are copied again for the redrawn rows."""
    learnt = {c: table.column(c) for c in model.model_columns}
    fresh = column_models.sample(model.synthesizer, len(rows), learnt, seed)
    inherited = getattr(model, "inherited", ())
    if inherited and tables is not None:
        keys = frame.iloc[rows][list(dict.fromkeys(c for i in inherited for c in i.fk_columns))].reset_index(drop=True)
        both = pd.concat([fresh.reset_index(drop=True), keys.loc[:, ~keys.columns.isin(fresh.columns)]], axis=1)
        fresh = inherit.apply(both, inherited, tables, np.random.default_rng([seed, 11]))
    out = frame.copy()
    for name, col in learnt.items():
        values = fresh[name].to_numpy(dtype=object)
        if not col.nullable:
            values = _no_missing(values, out[name], np.random.default_rng([seed, len(rows)]))
        position = out.columns.get_loc(name)
        column = out[name].astype(object)
        column.iloc[rows] = values
        out.isetitem(position, _as_dtype(column, frame[name].dtype))
    return out


def _no_missing(values: np.ndarray, existing: pd.Series, rng: np.random.Generator) -> np.ndarray:
    """Fill missing draws of a NOT NULL column from the column's other synthetic values."""
    missing = pd.isna(values)
    present = existing.dropna().to_numpy(dtype=object)
    if missing.any() and len(present):
        values = values.copy()
        values[missing] = rng.choice(present, int(missing.sum()))
    return values


def _as_dtype(column: pd.Series, dtype: object) -> pd.Series:
    try:
        return column.astype(dtype)
    except (TypeError, ValueError):
        return column


def _with_tables(synthetic: SyntheticTables, tables: Mapping[str, pd.DataFrame]) -> SyntheticTables:
    return replace(synthetic, tables=dict(tables))


def checked(
    bundle: ModelBundle,
    real: Mapping[str, RealRows],
    synthetic: SyntheticTables,
    config: PrivacyConfig,
    progress: Progress = silent,
    resample_violations: bool = False,
) -> Resampled:
    """The gate as the pipeline runs it.

    Tables under ``privacy.min_rows`` only get the copy check, and with a handful
    of rows a chance collision with a unique real row is likely; redrawing those
    rows is always right, so failures confined to such tables are repaired even
    without ``resample_violations``.
    """
    verdict = gate.check(bundle, real, synthetic, config, progress)
    failing = [t for t in verdict.tables.values() if not t.passed]
    small_only = bool(failing) and all(t.status == "small" for t in failing)
    if verdict.passed or not (resample_violations or small_only):
        return Resampled(synthetic, verdict, {}, 0)
    return repair(bundle, real, synthetic, verdict, config, progress)
