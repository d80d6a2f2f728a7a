"""A category that says which columns are NULL: a flight's ``status`` and its ``actual_*`` times.

On every source row of a flights table, 'Arrived' has both actual times, 'Departed' only the
departure, 'Scheduled' neither. A column model draws the category and each column's NULLs with
their own rates and correlations, so some synthetic flights are 'Scheduled' with an arrival time.

:func:`learn` finds, for each categorical column, the nullable columns whose NULL-ness each of its
values fixes on every source row (on ``MIN_ROWS`` rows in all), and keeps each value's pattern of NULLs over them and its row count
(:class:`NullAgreement`: category values and counts, never a row). :func:`apply`, after sampling,
gives every row whose value disagrees with its NULLs a value of the category whose pattern fits
them, drawn by the source's counts (a value of fewer than ``MIN_VALUE_ROWS`` rows is never drawn); when no value has exactly the row's pattern, one whose
non-NULL columns are all present on the row, and the row's other columns of the pattern are set
to NULL (NULLs the source has beside that value); a row no value fits that way (single-table
inheritance: neither subtype's columns filled) keeps its value, whose NULL columns are cleared and
whose non-NULL ones take the value of another synthetic row. A row keeps its own value wherever
that value is one that fits, so the category keeps its share.

:class:`OneSet` is the same check without a category: a group of nullable columns exactly one of which is
set on every source row (a periodic table's ``metal``/``nonmetal``/``metalloid`` flags, NULL where false;
a payment's ``card_id``/``iban``/``voucher``). After sampling, a row with several set keeps one (drawn by
how often each is the one in the source) and a row with none gets one, its value taken from another
synthetic row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from provisioner.columns.codec import plain

MIN_ROWS = 20
MIN_VALUE_ROWS = 3
MAX_VALUES = 64


@dataclass(frozen=True)
class NullAgreement:
    column: str  # the category
    others: tuple[str, ...]  # the columns whose NULLs its values fix
    values: tuple[object, ...]  # the category's values
    patterns: tuple[str, ...]  # per value: "1" where that other column is NULL, "0" where it is not
    counts: tuple[int, ...]  # per value: source rows

    def to_data(self) -> dict[str, Any]:
        return {"column": self.column, "others": list(self.others), "values": [plain(v) for v in self.values],
                "patterns": list(self.patterns), "counts": list(self.counts)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> NullAgreement:
        return cls(str(data["column"]), tuple(data["others"]), tuple(data["values"]), tuple(data["patterns"]),
                   tuple(int(c) for c in data["counts"]))


@dataclass(frozen=True)
class OneSet:
    columns: tuple[str, ...]  # exactly one of them is not NULL on every source row
    counts: tuple[int, ...]  # per column: source rows where it is the one

    def to_data(self) -> dict[str, Any]:
        return {"one_of": list(self.columns), "counts": list(self.counts)}

    def apply(self, rows: pd.DataFrame, rng: np.random.Generator) -> None:
        cols = list(self.columns)
        set_ = rows[cols].notna().to_numpy()
        wrong = np.flatnonzero(set_.sum(axis=1) != 1)
        if not len(wrong):
            return
        weights = np.asarray(self.counts, dtype=float)[None, :] * np.where(set_[wrong].any(axis=1)[:, None], set_[wrong], True)
        keys = np.log(np.maximum(weights, 1e-300)) - np.log(-np.log(rng.random(weights.shape)))  # one drawn per row by weight
        keep = np.argmax(np.where(weights > 0, keys, -np.inf), axis=1)
        for j, name in enumerate(cols):
            mine, donors = wrong[keep == j], rows[name].to_numpy()[set_[:, j]]
            values = rows[name].to_numpy(dtype=object, copy=True)
            values[wrong[keep != j]] = None
            missing = mine[~set_[mine, j]]
            if len(missing) and len(donors):
                values[missing] = rng.choice(donors, size=len(missing))
            rows[name] = pd.Series(values, index=rows.index).astype(rows[name].dtype, errors="ignore")


def from_data(data: Mapping[str, Any]) -> NullAgreement | OneSet:
    if "one_of" in data:
        return OneSet(tuple(data["one_of"]), tuple(int(c) for c in data["counts"]))
    return NullAgreement.from_data(data)


MAX_GROUP_CANDIDATES = 64


def one_sets(frame: pd.DataFrame, nullable: Sequence[str]) -> tuple[OneSet, ...]:
    """Groups of nullable columns exactly one of which is set on every row (on ``MIN_ROWS`` rows or more)."""
    candidates = [c for c in nullable if frame[c].isna().any() and frame[c].notna().any()][:MAX_GROUP_CANDIDATES]
    if len(frame) < MIN_ROWS or len(candidates) < 2:
        return ()
    set_ = frame[candidates].notna().to_numpy()
    out, used = [], set()
    for i in range(len(candidates)):
        if i in used:
            continue
        group = [i]
        for j in range(i + 1, len(candidates)):
            if j not in used and (set_[:, group + [j]].sum(axis=1) <= 1).all():
                group.append(j)
        if len(group) >= 2 and (set_[:, group].sum(axis=1) == 1).all():
            used |= set(group)
            out.append(OneSet(tuple(candidates[g] for g in group), tuple(int(set_[:, g].sum()) for g in group)))
    return tuple(out)


def learn(frame: pd.DataFrame, categories: Sequence[str], nullable: Sequence[str]) -> tuple[NullAgreement, ...]:
    """The agreements that hold on every row of ``frame`` (see the module docstring)."""
    if len(frame) < MIN_ROWS:
        return ()
    out = []
    for name in categories:
        values = frame[name]
        counts = values.value_counts()
        if values.isna().any() or not 2 <= len(counts) <= MAX_VALUES or counts.max() < MIN_VALUE_ROWS:
            continue
        others = [o for o in nullable if o != name and frame[o].isna().any() and frame[o].notna().any()
                  and (frame[o].isna().groupby(values).nunique() == 1).all()]
        if others:
            nulls = frame[others].isna().groupby(values).first()
            patterns = ["".join("1" if nulls.loc[v, o] else "0" for o in others) for v in counts.index]
            out.append(NullAgreement(name, tuple(others), tuple(plain(v) for v in counts.index), tuple(patterns),
                                     tuple(int(c) for c in counts.to_numpy())))
    return tuple(out)


def apply(rows: pd.DataFrame, agreements: Sequence[NullAgreement | OneSet], rng: np.random.Generator) -> pd.DataFrame:
    """``rows`` with every row's category in agreement with its NULLs (in place, and returned)."""
    for rule in agreements:
        if isinstance(rule, NullAgreement) and rule.column in rows and set(rule.others) <= set(rows.columns):
            _agree(rows, rule, rng)
    for rule in agreements:
        if isinstance(rule, OneSet) and set(rule.columns) <= set(rows.columns):
            rule.apply(rows, rng)
    return rows


def _agree(rows: pd.DataFrame, rule: NullAgreement, rng: np.random.Generator) -> None:
    nulls = rows[list(rule.others)].isna().to_numpy()
    has = np.array([[ch == "1" for ch in p] for p in rule.patterns])  # value x other: NULL in the source
    of_value = {v: i for i, v in enumerate(rule.values)}
    current = np.array([of_value.get(plain(v), -1) for v in rows[rule.column].to_numpy(dtype=object)])
    fits = (current >= 0) & (has[np.maximum(current, 0)] == nulls).all(axis=1)
    if fits.all():
        return
    weights = np.asarray(rule.counts, dtype=float)
    weights[weights < MIN_VALUE_ROWS] = 0.0  # a rarer value is checked, never drawn
    column = rows[rule.column].to_numpy(dtype=object).copy()
    bad = np.flatnonzero(~fits)
    seen, group = np.unique(nulls[bad], axis=0, return_inverse=True)
    donors = {o: rows[o].to_numpy()[~nulls[:, j]] for j, o in enumerate(rule.others)}  # in the column's own dtype
    for g, row_nulls in enumerate(seen):
        exact = (has == row_nulls).all(axis=1)
        usable = exact if (exact & (weights > 0)).any() else (~has <= ~row_nulls).all(axis=1)  # its non-NULL columns are present
        which = bad[group.reshape(-1) == g]
        if not (usable & (weights > 0)).any():  # no value fits by clearing: the row keeps its value, missing ones are filled
            usable = weights > 0
        picks = _picks(current[which], usable, weights, rng)
        column[which] = np.asarray(rule.values, dtype=object)[picks]
        for j, other in enumerate(rule.others):  # NULLs the picked value has where the row has a value, and the reverse
            cleared = which[has[picks, j] & ~row_nulls[j]]
            if len(cleared):
                rows.iloc[cleared, rows.columns.get_loc(other)] = None
            missing = which[~has[picks, j] & row_nulls[j]]
            if len(missing) and len(donors[other]):
                rows.iloc[missing, rows.columns.get_loc(other)] = rng.choice(donors[other], size=len(missing))
    rows[rule.column] = pd.Series(column, index=rows.index).astype(rows[rule.column].dtype, errors="ignore")


def _picks(current: np.ndarray, usable: np.ndarray, weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each row's value: its own where that one is usable (the category keeps its share), else one drawn by the counts."""
    drawn = rng.choice(len(weights), size=len(current), p=weights * usable / (weights * usable).sum())
    own = (current >= 0) & usable[np.maximum(current, 0)] & (weights[np.maximum(current, 0)] > 0)
    return np.where(own, current, drawn)
