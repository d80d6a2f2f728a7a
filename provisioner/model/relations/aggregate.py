"""A parent column equal to an aggregate of its children: recomputed once the children are final.

An invoice's ``total`` is the sum of ``quantity * unit_price`` over its lines, an
order's ``item_count`` the number of its items. No per-table model can keep that
exactly: the parent is sampled before its children exist. :func:`learn` checks,
on the source rows, every learnt number of a parent against the aggregates of each
child table that references it (the count of children, the sum of one child
number, the sum of the product of two) and keeps those that hold on every parent
row (:class:`Aggregate`: names only, no values). After the child table is made,
:func:`apply` recomputes the parent's column from the synthetic children (0 for a
parent without children, as the empty sum is in the source), rounded to the
column's scale.

Only complete reads are checked (a table read in full, not a capped sample):
an aggregate over a sample of the children proves nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from provisioner.columns.codec import to_numbers
from provisioner.schema.snapshot import NUMERIC_KINDS, Column, Table

MIN_PARENTS = 20  # parent rows with children needed before an aggregate counts as a rule


@dataclass(frozen=True)
class Aggregate:
    column: str  # the parent's column
    child: str  # the child table's key
    fk_columns: tuple[str, ...]  # in the child
    ref_columns: tuple[str, ...]  # in the parent
    op: str  # "count" | "sum" | "sum_product"
    terms: tuple[str, ...] = ()  # child columns: one summed, or two multiplied then summed


def _keys(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """One comparable key per row (numbers as floats; NULL where any part is NULL)."""
    parts = []
    for col in columns:
        series = frame[col].reset_index(drop=True)
        numeric = to_numbers(series)
        text = numeric.astype(float).map(repr) if numeric.notna().sum() == series.notna().sum() else series.astype(str)
        parts.append(text.where(series.notna(), None))
    out = parts[0].astype(object)
    for part in parts[1:]:
        out = out + "\x1f" + part
    return out


def _values(child: pd.DataFrame, op: str, terms: tuple[str, ...]) -> pd.Series:
    if op == "count":
        return pd.Series(np.ones(len(child)))
    values = to_numbers(child[terms[0]]).astype(float).reset_index(drop=True)
    if op == "sum_product":
        values = values * to_numbers(child[terms[1]]).astype(float).reset_index(drop=True)
    return values


def totals(parent: pd.DataFrame, child: pd.DataFrame, agg: Aggregate) -> np.ndarray:
    """The aggregate of ``child`` rows for every ``parent`` row (0 where it has none)."""
    keys = _keys(child, agg.fk_columns)
    values = _values(child, agg.op, agg.terms)
    sums = values.groupby(keys.to_numpy()).sum(min_count=1) if len(child) else pd.Series(dtype=float)
    return _keys(parent, agg.ref_columns).map(sums).fillna(0.0).to_numpy(dtype=float)


def _tolerance(col: Column, values: np.ndarray) -> np.ndarray:
    if col.scale is not None:
        return np.full(len(values), 0.5 * 10.0 ** (-col.scale) + 1e-9)
    return np.maximum(1e-6, 1e-6 * np.abs(values))


def learn(
    parent: Table, rows: pd.DataFrame, roles: Mapping[str, str], children: Sequence[tuple[Table, pd.DataFrame, Mapping[str, str]]],
) -> tuple[Aggregate, ...]:
    """The aggregates that every row of ``rows`` (the parent, read in full) equals; ``children``
    are (table, all its rows, its roles) of the tables referencing it."""
    numbers = [c.name for c in parent.columns if roles.get(c.name) == "model" and c.kind in NUMERIC_KINDS and c.name in rows]
    if not numbers or len(rows) < MIN_PARENTS:
        return ()
    found: dict[str, Aggregate] = {}
    for child, frame, child_roles in children:
        terms = [c.name for c in child.columns if child_roles.get(c.name) == "model" and c.kind in NUMERIC_KINDS and c.name in frame]
        for fk in child.foreign_keys:
            if fk.ref_table != parent.key or not set(fk.columns) <= set(frame.columns):
                continue
            # a sum of products first: with a quantity of 1 on every line, sum(price) holds too, but the
            # rule is quantity * price; then a sum, then a count
            candidates = [("sum_product", (a, b)) for i, a in enumerate(terms) for b in terms[i + 1:]]
            candidates += [("sum", (t,)) for t in terms] + [("count", ())]
            for op, used in candidates:
                agg = Aggregate("", child.key, fk.columns, fk.ref_columns, op, used)
                got = totals(rows, frame, agg)
                with_children = np.count_nonzero(_keys(rows, fk.ref_columns).isin(set(_keys(frame, fk.columns).dropna())))
                if with_children < MIN_PARENTS:
                    continue
                for name in numbers:
                    if name in found:
                        continue
                    target = to_numbers(rows[name]).to_numpy(dtype=float)
                    if np.isnan(target).any() or np.nanstd(target) == 0:
                        continue
                    if np.all(np.abs(target - got) <= _tolerance(parent.column(name), target)):
                        found[name] = Aggregate(name, child.key, fk.columns, fk.ref_columns, op, used)
    return tuple(found.values())


def apply(parent: pd.DataFrame, child: pd.DataFrame, agg: Aggregate, col: Column) -> None:
    """Set ``parent[agg.column]`` from the final ``child`` rows, rounded to the column's scale."""
    if agg.column not in parent or not set(agg.ref_columns) <= set(parent.columns) or not set(agg.fk_columns) <= set(child.columns):
        return
    values = totals(parent, child, agg)
    if col.scale is not None:
        values = np.round(values, col.scale)
    elif col.kind not in ("real", "double", "numeric"):
        values = np.round(values)
    series = pd.Series(values, index=parent.index)
    try:
        series = series.astype(parent[agg.column].dtype)
    except (TypeError, ValueError):
        pass
    parent[agg.column] = series
