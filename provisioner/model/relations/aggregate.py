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

A booking's ``total_amount`` may sum its tickets' flight segments: the lines are a
grandchild, reached through a table between (:func:`learn_through`; ``via`` names it,
``fk_columns`` are then its columns referencing the parent). Each grandchild row takes
its parent's key from the row of the table between that it references.

Only complete reads are checked (a table read in full, not a capped sample):
an aggregate over a sample of the children proves nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from provisioner.columns.codec import to_numbers
from provisioner.model.relations.polymorphic import Polymorphic
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
    via: str = ""  # a table between: ``child`` references it, it references the parent ("" when ``child`` does)
    via_fk: tuple[str, ...] = ()  # in ``child``, referencing ``via``
    via_ref: tuple[str, ...] = ()  # in ``via``
    where: tuple[str, ...] = ()  # (child column, value): only those children count (a polymorphic association's type)


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


def through(child: pd.DataFrame, between: pd.DataFrame, agg: Aggregate) -> pd.DataFrame:
    """``child``'s ``terms`` beside the parent key (``fk_columns``) of the ``between`` row each references;
    rows referencing no row of ``between`` are left out."""
    lookup = pd.Series(np.arange(len(between)), index=_keys(between, agg.via_ref).to_numpy())
    lookup = lookup[lookup.index.notna() & ~lookup.index.duplicated()]
    pos = _keys(child, agg.via_fk).map(lookup)
    hit = np.flatnonzero(pos.notna().to_numpy())
    keys = between.iloc[pos.iloc[hit].to_numpy(dtype=int)][list(agg.fk_columns)].reset_index(drop=True)
    return pd.concat([keys, child.iloc[hit][list(agg.terms)].reset_index(drop=True)], axis=1)


def totals(parent: pd.DataFrame, child: pd.DataFrame, agg: Aggregate, between: pd.DataFrame | None = None) -> np.ndarray:
    """The aggregate of ``child`` rows for every ``parent`` row (0 where it has none); ``between`` is the
    table ``agg.via`` names, when the child is a grandchild."""
    if agg.where:
        child = child[child[agg.where[0]].astype(object) == agg.where[1]] if agg.where[0] in child else child.iloc[:0]
    if agg.via:
        child = through(child, between if between is not None else pd.DataFrame(), agg)
    keys = _keys(child, agg.fk_columns)
    values = _values(child, agg.op, agg.terms)
    sums = values.groupby(keys.to_numpy()).sum(min_count=1) if len(child) else pd.Series(dtype=float)
    return _keys(parent, agg.ref_columns).map(sums).fillna(0.0).to_numpy(dtype=float)


def _tolerance(col: Column, values: np.ndarray) -> np.ndarray:
    if col.scale is not None:
        return np.full(len(values), 0.5 * 10.0 ** (-col.scale) + 1e-9)
    return np.maximum(1e-6, 1e-6 * np.abs(values))


def _numbers(table: Table, frame: pd.DataFrame, roles: Mapping[str, str]) -> list[str]:
    return [c.name for c in table.columns if roles.get(c.name) == "model" and c.kind in NUMERIC_KINDS and c.name in frame]


def _candidates(terms: Sequence[str]) -> list[tuple[str, tuple[str, ...]]]:
    # a sum of products first: with a quantity of 1 on every line, sum(price) holds too, but the
    # rule is quantity * price; then a sum, then a count
    out = [("sum_product", (a, b)) for i, a in enumerate(terms) for b in terms[i + 1:]]
    return out + [("sum", (t,)) for t in terms] + [("count", ())]


def _match(parent: Table, rows: pd.DataFrame, numbers: Sequence[str], child: pd.DataFrame, base: Aggregate,
           terms: Sequence[str], found: dict[str, Aggregate]) -> None:
    """Add to ``found`` the parent's ``numbers`` that an aggregate of ``child`` (keyed by ``base.fk_columns``)
    equals on every row."""
    with_children = np.count_nonzero(_keys(rows, base.ref_columns).isin(set(_keys(child, base.fk_columns).dropna())))
    if with_children < MIN_PARENTS:
        return
    for op, used in _candidates(terms):
        agg = dataclasses.replace(base, op=op, terms=used)
        got = totals(rows, child, dataclasses.replace(agg, via=""))
        for name in numbers:
            if name in found:
                continue
            target = to_numbers(rows[name]).to_numpy(dtype=float)
            if np.isnan(target).any() or np.nanstd(target) == 0:
                continue
            if np.all(np.abs(target - got) <= _tolerance(parent.column(name), target)):
                found[name] = dataclasses.replace(agg, column=name)


def learn(
    parent: Table, rows: pd.DataFrame, roles: Mapping[str, str], children: Sequence[tuple[Table, pd.DataFrame, Mapping[str, str]]],
) -> tuple[Aggregate, ...]:
    """The aggregates that every row of ``rows`` (the parent, read in full) equals; ``children``
    are (table, all its rows, its roles) of the tables referencing it."""
    numbers = _numbers(parent, rows, roles)
    if not numbers or len(rows) < MIN_PARENTS:
        return ()
    found: dict[str, Aggregate] = {}
    for child, frame, child_roles in children:
        terms = _numbers(child, frame, child_roles)
        for fk in child.foreign_keys:
            if fk.ref_table == parent.key and set(fk.columns) <= set(frame.columns):
                _match(parent, rows, numbers, frame, Aggregate("", child.key, fk.columns, fk.ref_columns, "count"), terms, found)
    return tuple(found.values())


def learn_polymorphic(
    parent: Table, rows: pd.DataFrame, roles: Mapping[str, str], known: Sequence[str],
    children: Sequence[tuple[Table, pd.DataFrame, Mapping[str, str], Polymorphic]],
) -> tuple[Aggregate, ...]:
    """Aggregates of the children whose polymorphic association names the parent's table (a post's
    ``comments_count`` counts the comments of type 'Post' with its key), for the numbers not in ``known``."""
    numbers = [n for n in _numbers(parent, rows, roles) if n not in known]
    if not numbers or len(rows) < MIN_PARENTS:
        return ()
    found: dict[str, Aggregate] = {}
    for child, frame, child_roles, rule in children:
        for value, key, column in rule.targets:
            if key == parent.key and rule.type_column in frame and rule.id_column in frame:
                base = Aggregate("", child.key, (rule.id_column,), (column,), "count", where=(rule.type_column, value))
                of_type = frame[frame[rule.type_column].astype(object) == value]
                _match(parent, rows, numbers, of_type, base, _numbers(child, frame, child_roles), found)
    return tuple(found.values())


def learn_through(
    parent: Table, rows: pd.DataFrame, roles: Mapping[str, str], known: Sequence[str],
    paths: Sequence[tuple[Table, pd.DataFrame, Table, pd.DataFrame, Mapping[str, str]]],
) -> tuple[Aggregate, ...]:
    """Aggregates of grandchildren, for the parent's numbers not in ``known``: ``paths`` are (table between,
    all its rows, grandchild, all its rows, the grandchild's roles), the grandchild referencing the table
    between, which references the parent."""
    numbers = [n for n in _numbers(parent, rows, roles) if n not in known]
    if not numbers or len(rows) < MIN_PARENTS:
        return ()
    found: dict[str, Aggregate] = {}
    for between, middle, child, frame, child_roles in paths:
        terms = _numbers(child, frame, child_roles)
        for up in (fk for fk in between.foreign_keys if fk.ref_table == parent.key and set(fk.columns) <= set(middle.columns)):
            for down in (fk for fk in child.foreign_keys if fk.ref_table == between.key and set(fk.columns) <= set(frame.columns)):
                usable = [t for t in terms if t not in up.columns]
                base = Aggregate("", child.key, up.columns, up.ref_columns, "count", (), between.key, down.columns, down.ref_columns)
                lifted = through(frame, middle, dataclasses.replace(base, terms=tuple(usable)))
                _match(parent, rows, numbers, lifted, base, usable, found)
    return tuple(found.values())


def apply(
    parent: pd.DataFrame, child: pd.DataFrame, agg: Aggregate, col: Column, tables: Mapping[str, pd.DataFrame] | None = None,
) -> None:
    """Set ``parent[agg.column]`` from the final ``child`` rows, rounded to the column's scale; ``tables``
    holds the table between (``agg.via``) when the child is a grandchild."""
    between = (tables or {}).get(agg.via) if agg.via else None
    keyed = between if agg.via else child
    if agg.column not in parent or not set(agg.ref_columns) <= set(parent.columns) or keyed is None or not set(agg.fk_columns) <= set(keyed.columns):
        return
    if agg.via and not set(agg.via_fk) <= set(child.columns):
        return
    values = totals(parent, child, agg, between)
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
