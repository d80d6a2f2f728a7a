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
values it knows; unknown A values keep the model's B. A determined column may
determine another (a chain), never itself through others; :func:`apply` sets them
in chain order. Among categories, B is drawn from ``P(B | A)`` (smoothed) for the
strongest A with Cramer's V of at least ``MIN_ASSOCIATION``: a copula holds one
correlation between two nominal columns, not which values go together.

No map replays real rows: only determinant values held by ``MIN_CELL_ROWS`` training
rows enter a deterministic map (a near-unique determinant's value of one or two rows,
paired with its B, is a real row's pair of values), and by ``MIN_CONDITIONAL_ROWS`` a
smoothed conditional one; rows with any other value keep the model's B.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
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
MIN_ASSOCIATION = 0.3  # Cramer's V for a conditional draw
MIN_ROWS_CONDITIONAL = 20
PRIOR_ROWS = 3.0
MIN_COVERAGE = 0.5  # a deterministic map must hold the A values of at least this share of the training rows


@dataclass(frozen=True)
class Dependency:
    determinant: str
    mapping: Mapping[object, object]  # A value -> B value (deterministic), or A value -> P(B | A) (conditional)
    purity: float
    categories: tuple[object, ...] = ()  # conditional: B's values, in the order of the probabilities
    coverage: float = 1.0  # share of the training rows whose A value the mapping holds (learning only; not kept)

    def to_data(self) -> dict[str, Any]:
        pairs = [[plain(k), list(v) if self.categories else plain(v)] for k, v in self.mapping.items()]
        return {"determinant": self.determinant, "pairs": pairs, "purity": self.purity,
                "categories": [plain(c) for c in self.categories]}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Dependency:
        categories = tuple(data["categories"])
        mapping = {k: tuple(float(p) for p in v) if categories else v for k, v in data["pairs"]}
        return cls(str(data["determinant"]), mapping, float(data["purity"]), categories)


def learn(frame: pd.DataFrame, determinants: list[str], categorical: list[str], nominal: Collection[str] = ()) -> dict[str, Dependency]:
    """``{B: Dependency}`` for the categorical columns that a discrete column in ``determinants``
    fixes, or (among categories) strongly predicts. Dependencies may chain (A fixes B, B predicts C)
    but never loop: each column takes the strongest determinant that does not depend on it, the
    deterministic maps and the stronger associations choosing first (:func:`in_order` applies them).
    ``nominal``: further categories that may be drawn on (a parent's columns given to the model)."""
    n = len(frame)
    if n < MIN_ROWS_CONDITIONAL:
        return {}
    usable = [a for a in determinants if 2 <= frame[a].nunique() <= min(n / MIN_ROWS_PER_VALUE, MAX_DETERMINANT_VALUES)]
    options: list[tuple[tuple[bool, float, str], str, list[tuple[float, str, Dependency | None]]]] = []
    for b in categorical:
        if frame[b].nunique(dropna=False) < 2:
            continue
        best = max((_dependency(frame, a, b) for a in usable if a != b), key=_useful, default=None) if n >= MIN_ROWS else None
        if best is not None and best.purity >= MIN_PURITY and best.coverage >= MIN_COVERAGE:
            options.append(((False, -best.purity, b), b, [(best.purity, best.determinant, best)]))
            continue
        strengths = sorted(((association(frame[a], frame[b]), a) for a in usable if a != b and (a in categorical or a in nominal)), reverse=True)
        candidates = [(v, a, None) for v, a in strengths if v >= MIN_ASSOCIATION]
        if candidates:
            options.append(((True, -candidates[0][0], b), b, candidates))
    found: dict[str, Dependency] = {}
    for _, b, candidates in sorted(options, key=lambda o: o[0]):
        if candidates[0][2] is None and any(d.determinant == b and not d.categories for d in found.values()):
            continue  # a column that fixes another by a map keeps the model's value (and its ties to the numbers)
        for strength, a, dep in candidates:
            if not _depends_on(a, b, found):
                found[b] = dep if dep is not None else _conditional(frame, a, b, strength)
                break
    return found


def _depends_on(a: str, b: str, found: Mapping[str, Dependency]) -> bool:
    """Whether ``a`` is (through a chain) set from ``b``: then ``b`` cannot be set from ``a``."""
    seen = set()
    while a in found and a not in seen:
        seen.add(a)
        a = found[a].determinant
        if a == b:
            return True
    return False


def in_order(dependencies: Mapping[str, Dependency]) -> list[str]:
    """The determined columns, each after the column it is set from (dependencies never loop)."""
    placed: list[str] = []

    def place(b: str) -> None:
        if b in placed:
            return
        if dependencies[b].determinant in dependencies:
            place(dependencies[b].determinant)
        placed.append(b)

    for b in dependencies:
        place(b)
    return placed


def _useful(dep: Dependency) -> tuple[bool, float]:
    """A map that holds and covers most rows first, then the purer: a near-unique determinant is pure
    but its map keeps only the few values that repeat, so it would set almost no sampled row."""
    return dep.purity >= MIN_PURITY and dep.coverage >= MIN_COVERAGE, dep.purity


def _dependency(frame: pd.DataFrame, a: str, b: str) -> Dependency:
    pairs = frame[[a, b]].dropna(subset=[a])
    if pairs.empty:
        return Dependency(a, {}, 0.0)
    counts = pairs.groupby([a, b], dropna=False, sort=False, observed=True).size()
    modes = counts.sort_values(ascending=False, kind="stable").groupby(level=0, sort=False).head(1)
    purity = float(modes.sum()) / len(pairs)
    held = pairs[a].value_counts()
    mapping = {key[0]: (None if pd.isna(key[1]) else key[1]) for key in modes.index if held.get(key[0], 0) >= MIN_CELL_ROWS}
    coverage = float(held[held >= MIN_CELL_ROWS].sum()) / len(pairs)
    return Dependency(a, mapping, purity, coverage=coverage)


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
    for b in in_order(dependencies):
        dep = dependencies[b]
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
