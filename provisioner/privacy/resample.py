"""Redraw the synthetic rows the privacy gate names (:func:`provisioner.privacy.gate.run` decides when).

Only the *learnt* columns of the offending rows (exact copies of unique training
rows, and NNDR violations when that metric failed) are redrawn, from the table's
own model with a fresh seed and, for a child table, given its rows' parents'
columns as when the rows were first made. Learnt columns never include keys, so
every primary key, foreign key and child row stays valid: no parent disappears
and no child has to move. Columns copied from a parent (inherit.py) are copied
again for the redrawn rows, and columns that aggregate the table's children
(aggregate.py) are recomputed from them rather than redrawn.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from provisioner.columns import table as column_models
from provisioner.model.bundle import ModelBundle, TableModel
from provisioner.model.relations import aggregate, hierarchy, inherit, repeats
from provisioner.model.train import learnt_columns
from provisioner.privacy.metrics import PrivacyReport
from provisioner.schema.snapshot import Table


def offending(bundle: ModelBundle, report: PrivacyReport) -> dict[str, np.ndarray]:
    """Synthetic row numbers to redraw, per failing table that has a model to redraw them from."""
    out = {}
    for key, result in report.tables.items():
        model = bundle.tables.get(key)
        if result.passed or not result.offending_rows or model is None or model.synthesizer is None:
            continue
        out[key] = np.unique(np.array([row for row, _ in result.offending_rows], dtype=np.int64))
    return out


def redraw(
    bundle: ModelBundle, key: str, frame: pd.DataFrame, rows: np.ndarray, seed: int, tables: Mapping[str, pd.DataFrame],
) -> pd.DataFrame:
    """``frame`` with the learnt columns of ``rows`` (positions) replaced by fresh model draws."""
    table, model = bundle.snapshot.table(key), bundle.tables[key]
    learnt = learnt_columns(table, model)
    picked = frame.iloc[rows].reset_index(drop=True)
    given = _given(model, picked, tables)
    spec = {**learnt, **({c.name: c for c in model.conditions} if given is not None else {})}
    fresh = column_models.sample(model.synthesizer, len(rows), spec, seed, given)
    if model.inherited:
        keys = picked[list(dict.fromkeys(c for i in model.inherited for c in i.fk_columns))]
        both = pd.concat([fresh.reset_index(drop=True), keys.loc[:, ~keys.columns.isin(fresh.columns)]], axis=1)
        fresh = inherit.apply(both, model.inherited, tables, np.random.default_rng([seed, 11]), table)
    out = frame.copy()
    for name in learnt:
        col = table.column(name)
        values = fresh[name].to_numpy(dtype=object)
        if not col.nullable:
            values = _no_missing(values, out[name], np.random.default_rng([seed, len(rows)]))
        position = out.columns.get_loc(name)
        column = out[name].astype(object)
        column.iloc[rows] = values
        out.isetitem(position, _as_dtype(column, frame[name].dtype))
    _keep_unique(out, frame, table, learnt, rows)
    for rule in model.rules:  # a column that aggregates the children is theirs again, not the model's draw
        if isinstance(rule, aggregate.Aggregate) and rule.child in tables:
            aggregate.apply(out, tables[rule.child], rule, table.column(rule.column), tables)
    return out


def _keep_unique(out: pd.DataFrame, before: pd.DataFrame, table: Table, learnt: Mapping[str, object], rows: np.ndarray) -> None:
    """Redrawn rows whose draws repeat a unique set (a five-row currency table's code drawn again: the load
    failed) keep their values from before, which were unique; the next round redraws them again."""
    sets = repeats.sets_holding(table, learnt, out)
    changed = np.zeros(len(out), dtype=bool)
    changed[rows] = True
    while sets:
        back = np.flatnonzero(repeats.clashing(out, sets, changed, table))
        if not len(back):
            return
        changed[back] = False
        for name in learnt:
            position = out.columns.get_loc(name)
            column = out[name].astype(object)
            column.iloc[back] = before[name].astype(object).iloc[back].to_numpy()
            out.isetitem(position, _as_dtype(column, before[name].dtype))


def _given(model: TableModel, picked: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame | None:
    """The redrawn rows' parents' columns, as the model was conditioned on when the rows were made."""
    driving = next((m for m in model.foreign_keys if m.driving), None)
    if not model.conditions or driving is None or driving.fk.ref_table not in tables:
        return None
    names = tuple(c.name[len(hierarchy.CONDITION):] for c in model.conditions)
    return hierarchy.parent_attributes(picked, driving, tables[driving.fk.ref_table], names).reset_index(drop=True)


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
