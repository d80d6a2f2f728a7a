"""Functional dependencies inside a table: a category that another column determines.

Real tables are full of denormalised columns: an invoice's ``billing_country``
follows from its ``customer_id``, a product's category name from its category
code. Neither a Gaussian copula nor CTGAN can hold "B is a function of A"
exactly, so synthetic rows pair a customer with several countries, and
SDMetrics' pair trends for (customer_id, billing_country) fall to 0.25.

:func:`learn` finds, on the training rows, each categorical column ``B`` whose
value is (almost) always the same for a given value of a discrete column
``A`` that repeats: purity ``>= MIN_PURITY`` (the share of rows whose B is the
most common B of their A) with at least ``MIN_ROWS_PER_VALUE`` rows per A
value on average. It keeps ``A -> most common B`` (an aggregate: one B per A
value, never a row). :func:`apply` overwrites B from A after sampling, for A
values it knows; unknown A values keep the model's B. A determined column never
determines another, so there are no chains to order.

No map replays real rows: only determinant values held by ``MIN_CELL_ROWS`` training
rows enter a deterministic map (a near-unique determinant's value of one or two rows,
paired with its B, is a real row's pair of values), and by ``MIN_CONDITIONAL_ROWS`` a
smoothed conditional one; rows with any other value keep the model's B.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from provisioner.columns.codec import plain

MIN_PURITY = 0.97
MIN_ROWS_PER_VALUE = 2.0
MIN_CELL_ROWS = 5  # a determinant value is kept in a map only when this many training rows hold it...
MIN_CONDITIONAL_ROWS = 2  # ...or, for P(B | A) smoothed by PRIOR_ROWS toward B's marginal, this many
MIN_ROWS = 50  # on fewer rows every column "determines" the others
MAX_DETERMINANT_VALUES = 5000  # bounds the size of the mapping kept in the bundle
MIN_ASSOCIATION = 0.5  # Cramer's V for a conditional draw
MIN_ROWS_CONDITIONAL = 20
PRIOR_ROWS = 3.0


@dataclass(frozen=True)
class Dependency:
    determinant: str
    mapping: Mapping[object, object]  # A value -> B value (deterministic), or A value -> P(B | A) (conditional)
    purity: float
    categories: tuple[object, ...] = ()  # conditional: B's values, in the order of the probabilities

    def to_data(self) -> dict[str, Any]:
        pairs = [[plain(k), list(v) if self.categories else plain(v)] for k, v in self.mapping.items()]
        return {"determinant": self.determinant, "pairs": pairs, "purity": self.purity,
                "categories": [plain(c) for c in self.categories]}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Dependency:
        categories = tuple(data["categories"])
        mapping = {k: tuple(float(p) for p in v) if categories else v for k, v in data["pairs"]}
        return cls(str(data["determinant"]), mapping, float(data["purity"]), categories)


def learn(frame: pd.DataFrame, determinants: list[str], categorical: list[str]) -> dict[str, Dependency]:
    """``{B: Dependency}`` for the categorical columns that a discrete column in ``determinants``
    fixes, or (among categories) strongly predicts."""
    n = len(frame)
    if n < MIN_ROWS_CONDITIONAL:
        return {}
    usable = [a for a in determinants if 2 <= frame[a].nunique() <= min(n / MIN_ROWS_PER_VALUE, MAX_DETERMINANT_VALUES)]
    found: dict[str, Dependency] = {}
    for b in categorical:
        if frame[b].nunique(dropna=False) < 2:
            continue
        best = max((_dependency(frame, a, b) for a in usable if a != b), key=lambda d: d.purity, default=None) if n >= MIN_ROWS else None
        if best is not None and best.purity >= MIN_PURITY:
            found[b] = best
            continue
        strongest = max(((association(frame[a], frame[b]), a) for a in usable if a != b and a in categorical), default=(0.0, ""))
        if strongest[0] >= MIN_ASSOCIATION:
            found[b] = _conditional(frame, strongest[1], b, strongest[0])
    # a determined column does not determine another (no chains, and 1:1 pairs keep one direction:
    # a deterministic map before a conditional draw, then the purer, then by name)
    return {b: dep for b, dep in found.items() if dep.determinant not in found
            or found[dep.determinant].determinant == b and _rank(dep, b) < _rank(found[dep.determinant], dep.determinant)}


def _rank(dep: Dependency, name: str) -> tuple[bool, float, str]:
    return bool(dep.categories), -dep.purity, name


def _dependency(frame: pd.DataFrame, a: str, b: str) -> Dependency:
    pairs = frame[[a, b]].dropna(subset=[a])
    if pairs.empty:
        return Dependency(a, {}, 0.0)
    counts = pairs.groupby([a, b], dropna=False, sort=False, observed=True).size()
    modes = counts.sort_values(ascending=False, kind="stable").groupby(level=0, sort=False).head(1)
    purity = float(modes.sum()) / len(pairs)
    held = pairs[a].value_counts()
    mapping = {key[0]: (None if pd.isna(key[1]) else key[1]) for key in modes.index if held.get(key[0], 0) >= MIN_CELL_ROWS}
    return Dependency(a, mapping, purity)


def association(a: pd.Series, b: pd.Series) -> float:
    """Cramer's V of two categorical columns (NULL is a category)."""
    a, b = a.astype(object), b.astype(object)
    table = pd.crosstab(a.where(a.notna(), "\0null"), b.where(b.notna(), "\0null")).to_numpy(dtype=float)
    n, k = table.sum(), min(table.shape) - 1
    if n == 0 or k < 1:
        return 0.0
    expected = table.sum(axis=1, keepdims=True) @ table.sum(axis=0, keepdims=True) / n
    chi2 = float(((table - expected) ** 2 / np.where(expected > 0, expected, 1)).sum())
    return float(np.sqrt(chi2 / (n * k)))


def _conditional(frame: pd.DataFrame, a: str, b: str, strength: float) -> Dependency:
    """``P(B | A)`` per A value, smoothed toward B's marginal by PRIOR_ROWS rows."""
    pairs = frame[[a, b]].dropna(subset=[a])
    values = pairs[b].astype(object).where(pairs[b].notna(), None)
    categories = tuple(pd.unique(values))
    counts = pd.crosstab(pairs[a], values.map(categories.index)).reindex(columns=range(len(categories)), fill_value=0)
    marginal = counts.sum(axis=0).to_numpy(dtype=float)
    marginal /= max(marginal.sum(), 1.0)
    smoothed = (counts.to_numpy(dtype=float) + PRIOR_ROWS * marginal) / (counts.sum(axis=1).to_numpy(dtype=float)[:, None] + PRIOR_ROWS)
    held = counts.sum(axis=1).to_numpy()
    mapping = {key: tuple(float(p) for p in row) for key, row, n in zip(counts.index, smoothed, held) if n >= MIN_CONDITIONAL_ROWS}
    return Dependency(a, mapping, strength, categories)


def apply(rows: pd.DataFrame, dependencies: Mapping[str, Dependency], rng: np.random.Generator | None = None) -> pd.DataFrame:
    """Overwrite each determined column from its determinant where the determinant's value is known
    (a conditional one drawn from ``P(B | A)`` with ``rng``)."""
    for b, dep in dependencies.items():
        if b not in rows or dep.determinant not in rows or not dep.mapping:
            continue
        determinant = rows[dep.determinant]
        hit = determinant.isin(list(dep.mapping)).to_numpy(dtype=bool)
        if not hit.any():
            continue
        column = rows[b].astype(object)
        if dep.categories:
            column[hit] = _draw(determinant[hit], dep, rng or np.random.default_rng(0))
        else:
            column[hit] = determinant[hit].map(dep.mapping).astype(object).to_numpy()
        rows[b] = column.where(column.notna(), None)
    return rows


def _draw(determinant: pd.Series, dep: Dependency, rng: np.random.Generator) -> np.ndarray:
    """One B per row from its A's smoothed conditional, by inverse CDF (one uniform per row)."""
    keys = list(dep.mapping)
    codes = determinant.map({k: i for i, k in enumerate(keys)}).to_numpy(dtype=int)
    cumulative = np.cumsum(np.asarray([dep.mapping[k] for k in keys], dtype=float), axis=1)
    u = rng.random(len(codes)) * cumulative[codes, -1]
    index = np.minimum((cumulative[codes] < u[:, None]).sum(axis=1), len(dep.categories) - 1)
    return np.asarray(dep.categories, dtype=object)[index]
