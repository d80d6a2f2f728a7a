"""Arithmetic between a row's own numbers that holds on every source row, kept after sampling.

An order line's ``price_total`` is its ``price_subtotal`` plus its ``price_tax``; its ``price_subtotal`` is
``round(quantity * price_unit * (1 - discount / 100), 2)``. A column model samples each number from the
joint distribution and never gives the exact sum or product, so every synthetic line broke both (5,582 of
5,582 in tests/sql/unseen_erp.sql) and every order total that sums them disagreed with its parts.

:func:`learn` tries, for each number column, the sums of two other number columns and the products of two
(optionally times ``1 - d / 100`` or ``1 - d`` for a third, a discount), rounded to the column's decimals
(its scale, else the fewest decimals every source value has). A formula is kept only when it holds on
every source row where its columns are set (at least ``MIN_ROWS`` of them) and its terms are not constant
(a sum with a part that is always 0 is an equality, not a sum). :func:`apply` computes the column from the
sampled terms, terms first when one formula's column is another's term. Only aggregates are stored.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from provisioner.schema.snapshot import INTEGER_KINDS, NUMERIC_KINDS, Column

MIN_ROWS = 20
MAX_COLUMNS = 16  # more number columns than this: no search (the candidates grow with the fourth power)
SCREEN_ROWS = 200  # candidates are screened on these rows, then checked on all
MAX_PLACES = 6
PER = (100.0, 1.0)  # a discount in percent or as a fraction


@dataclass(frozen=True)
class Formula:
    column: str
    kind: str  # "sum": terms added; "product": terms multiplied, times (1 - discount / per) with a discount
    terms: tuple[str, ...]
    places: int | None  # the result's decimals, None: not rounded
    discount: str | None = None
    per: float = 100.0

    def compute(self, data: Mapping[str, Any]) -> np.ndarray:
        """The column from the terms of ``data`` (a frame, or arrays by name)."""
        a, b = (np.asarray(data[t], dtype=float) for t in self.terms)
        with np.errstate(over="ignore", invalid="ignore"):
            out = a + b if self.kind == "sum" else a * b
            if self.discount is not None:
                out = out * (1 - np.asarray(data[self.discount], dtype=float) / self.per)
        return _round(out, self.places)

    def apply(self, data: pd.DataFrame) -> None:
        if not {self.column, *self.terms, *([self.discount] if self.discount else [])} <= set(data.columns):
            return
        made = self.compute(data)
        x = data[self.column].to_numpy(dtype=float, copy=True)
        set_ = np.isfinite(made)
        x[set_] = made[set_]
        data[self.column] = x

    def columns(self) -> tuple[str, ...]:
        return (self.column, *self.terms, *([self.discount] if self.discount else []))


def _round(values: np.ndarray, places: int | None) -> np.ndarray:
    """Half away from zero, as PostgreSQL's round() on numeric does."""
    if places is None:
        return values
    scale = 10.0 ** places
    with np.errstate(over="ignore", invalid="ignore"):
        return np.round(np.sign(values) * np.floor(np.abs(values) * scale + 0.5 + 1e-7) / scale, places)


def learn(data: pd.DataFrame, columns: Mapping[str, Column]) -> list[Formula]:
    """The formulas that hold on every row of ``data`` (encoded numbers) among its number ``columns``."""
    names = [n for n, c in columns.items() if n in data and (c.kind in INTEGER_KINDS or c.kind in NUMERIC_KINDS)
             and not n.startswith("__") and data[n].nunique() > 1]
    if len(names) < 3 or len(names) > MAX_COLUMNS or len(data) < MIN_ROWS:
        return []
    values = {n: data[n].to_numpy(dtype=float) for n in names}
    rows = np.linspace(0, len(data) - 1, min(SCREEN_ROWS, len(data))).astype(int)
    screen = {n: v[rows] for n, v in values.items()}
    out: list[Formula] = []
    for target in names:
        places = _places(values[target], columns[target])
        for found in _candidates(target, [n for n in names if n != target], places, values):
            if _holds(found, screen, min(MIN_ROWS, len(rows))) and _holds(found, values, MIN_ROWS):
                out.append(found)
                break
    return _acyclic(out)


def _candidates(target: str, others: list[str], places: int | None, values: Mapping[str, np.ndarray]) -> list[Formula]:
    out = [Formula(target, "sum", pair, places) for pair in itertools.combinations(others, 2)]
    for pair in itertools.combinations(others, 2):
        out.append(Formula(target, "product", pair, places))
        out += [Formula(target, "product", pair, places, d, per) for d in others if d not in pair for per in PER
                if np.nanmin(values[d]) >= 0 and np.nanmax(values[d]) <= per]
    return out


def _holds(formula: Formula, values: Mapping[str, np.ndarray], least: int) -> bool:
    target = values[formula.column]
    made = formula.compute(values)
    present = np.isfinite(target) & np.isfinite(made)
    if present.sum() < least:
        return False
    unit = 10.0 ** -formula.places if formula.places is not None else 0.0
    off = np.abs(target[present] - made[present])
    return bool((off <= 1e-9 * np.maximum(1.0, np.abs(target[present])) + 1.01 * unit).all())


def _places(values: np.ndarray, column: Column) -> int | None:
    if column.scale is not None:
        return int(column.scale)
    if column.kind in INTEGER_KINDS:
        return 0
    finite = values[np.isfinite(values)]
    for places in range(MAX_PLACES + 1):
        if np.allclose(finite, np.round(finite, places), rtol=0, atol=1e-9 * max(1.0, float(np.abs(finite).max(initial=0)))):
            return places
    return None


def _acyclic(formulas: list[Formula]) -> list[Formula]:
    """Formulas in the order they are computed (a term first); one that closes a loop is dropped."""
    left, out, done = list(formulas), [], set()
    targets = {f.column for f in formulas}
    while left:
        ready = [f for f in left if not (set(f.columns()[1:]) & targets) - done - {f.column}]
        if not ready:
            break
        out += ready
        done |= {f.column for f in ready}
        left = [f for f in left if f not in ready]
    return out


def to_data(formula: Formula) -> dict[str, object]:
    return {"rule": "formula", "column": formula.column, "kind": formula.kind, "terms": list(formula.terms),
            "places": formula.places, "discount": formula.discount, "per": formula.per}


def from_data(item: Mapping[str, object]) -> Formula:
    places = item.get("places")
    return Formula(str(item["column"]), str(item["kind"]), tuple(str(t) for t in item["terms"]),  # type: ignore[attr-defined]
                   None if places is None else int(places), None if item.get("discount") is None else str(item["discount"]),  # type: ignore[call-overload]
                   float(item.get("per", 100.0)))  # type: ignore[arg-type]
