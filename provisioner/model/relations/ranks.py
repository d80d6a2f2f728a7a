"""A key that ranks the rows by one of their numbers: position 1 holds the highest score.

A league table, a ranking or a periodic table numbers its rows 1..n in the order of a column: the key is a
permutation of consecutive numbers, and sorting by it sorts that column (ties allowed) on every source row.
The key is made as a counter and the column by the model, so the two used to be unrelated (half the pairs
of rows out of order). :func:`learn` finds such a column; :func:`apply` puts the sampled rows in that
column's order before the counter is laid over them, so every other column keeps its own row; columns
that are the key itself on every source row (the atomic number, the proton count) are written from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from provisioner.columns.codec import to_numbers
from provisioner.schema.snapshot import INTEGER_KINDS, NUMERIC_KINDS, Table

MIN_ROWS = 20


@dataclass(frozen=True)
class KeyOrder:
    key: str
    column: str
    descending: bool  # the first key holds the largest value
    equals: tuple[str, ...] = ()  # columns that are the key itself on every source row (an element's proton count)


def learn(table: Table, frame: pd.DataFrame, roles: Mapping[str, str]) -> tuple[KeyOrder, ...]:
    """The first numeric model column that the table's lone integer key orders on every source row."""
    if len(table.primary_key) != 1 or table.foreign_keys or len(frame) < MIN_ROWS:
        return ()
    key = table.primary_key[0]
    if key not in frame or roles.get(key) != "key" or table.column(key).kind not in INTEGER_KINDS:
        return ()
    ids = to_numbers(frame[key])
    if ids.isna().any() or ids.nunique() != len(ids) or ids.max() - ids.min() + 1 != len(ids):
        return ()
    ordered = np.sort(ids.to_numpy(dtype=float))
    found: list[tuple[str, bool]] = []
    equals: list[str] = []
    for col in table.columns:
        if roles.get(col.name) != "model" or col.kind not in NUMERIC_KINDS or col.name not in frame:
            continue
        values = to_numbers(frame[col.name]).to_numpy(dtype=float)[np.argsort(ids.to_numpy())]
        if np.isnan(values).any() or len(np.unique(values)) < MIN_ROWS:
            continue
        steps = np.diff(values)
        if (steps <= 0).all() or (steps >= 0).all():
            found.append((col.name, bool((steps <= 0).all())))
            equals += [col.name] if (values == ordered).all() else []
    return (KeyOrder(key, found[0][0], found[0][1], tuple(equals)),) if found else ()


def apply(frame: pd.DataFrame, rule: KeyOrder) -> None:
    """Rows in the column's order under keys in increasing order, in place (NULLs last); columns equal to
    the key get the key."""
    if rule.key not in frame or rule.column not in frame:
        return
    values = to_numbers(frame[rule.column]).to_numpy(dtype=float)
    order = np.argsort(np.where(np.isnan(values), np.inf, -values if rule.descending else values), kind="stable")
    keys = np.sort(frame[rule.key].to_numpy())
    for name in frame.columns:
        frame[name] = keys if name == rule.key or name in rule.equals else frame[name].to_numpy()[order]
