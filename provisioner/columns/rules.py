"""Rules that hold on every source row of a table, learnt as aggregates and kept after sampling.

Whichever column model samples a table (the copula, CTGAN), these are applied to
its rows afterwards (:func:`apply`), so what a person checks first still holds:

:class:`ValueSet`
    a number with few distinct values (prices of 0.99 and 1.99, discounts in steps
    of 0.05) never gets a value the source lacks: a sampled value outside the set
    moves to the nearest value of the set. Only values held by at least
    ``MIN_VALUE_ROWS`` source rows are kept (a rarer one is not emitted as itself).
:class:`Grid`
    a number with many distinct values keeps how round the source's values are: the
    share of values that are whole hundreds, tens, units, halves, quarters, cents...
    (each value counted at the coarsest step of the ladder 1, 2.5, 5 x 10^k it is a
    multiple of). Every sampled value is rounded to a step drawn from those shares,
    never to one coarser than half the value nor across the source's smallest
    or largest value. A price list of 18.00, 12.50 and 21.35
    stays one; a continuous measurement (no step fits every value) learns no grid.
:class:`Calendar`
    a datetime keeps its resolution (date-only stays date-only, minutes stay
    minutes), its time-of-day profile (24 hourly shares) and its weekly rhythm
    (7 day-of-week shares): the fewest rows needed move to another hour or to the
    nearest day of the week that is short of rows, so orders placed only on
    weekdays stay on weekdays.
:class:`Ordered`
    two columns of one family where one is never below the other on any source row
    (shipped on or after ordered, end after start) keep that order: a datetime that
    breaks it moves after the other one (by the smallest gap the source allows),
    numbers are swapped.
:class:`Equal`
    two columns of one type equal on every source row with both set (a count or a date kept twice):
    the second is written from the first.
:class:`~provisioner.columns.formulas.Formula`
    a number that is the sum or the (discounted) product of two others on every source row
    (a line's total, its subtotal) is computed from them (see ``formulas.py``).

Every rule is stored as plain data in the table's :class:`~provisioner.columns.table.Fitted`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from provisioner.columns import codec, formulas
from provisioner.columns.base import CONDITION
from provisioner.schema.snapshot import Column, family

MAX_VALUES = 64  # a number with more distinct values is continuous
MIN_VALUE_ROWS = 3  # a value of the set must be held by at least this many source rows
MIN_SET_COVER = 0.9  # the kept values must cover this share of the rows
MIN_RULE_ROWS = 20  # fewer rows: no rule is learnt (anything "always holds" on a handful of rows)...
MIN_CALENDAR_ROWS = 3  # ...but a datetime's resolution (midnight on every row) is structure, not chance
DAY, HOUR = 86_400.0, 3_600.0
UNITS = (DAY, HOUR, 60.0, 1.0)
MIN_PROFILE_ROWS = 50  # a weekly or daily profile needs this many values


@dataclass(frozen=True)
class ValueSet:
    column: str
    values: np.ndarray  # sorted

    def apply(self, rows: pd.DataFrame, rng: np.random.Generator) -> None:
        x = rows[self.column].to_numpy(dtype=float)
        present = ~np.isnan(x)
        if not present.any() or not len(self.values):
            return
        at = np.clip(np.searchsorted(self.values, x[present]), 1, max(len(self.values) - 1, 1))
        lower, upper = self.values[at - 1], self.values[np.minimum(at, len(self.values) - 1)]
        nearest = np.where(np.abs(x[present] - lower) <= np.abs(upper - x[present]), lower, upper)
        x[present] = nearest
        rows[self.column] = x


@dataclass(frozen=True)
class Grid:
    column: str
    steps: np.ndarray  # the ladder's steps that source values sit on, coarsest first
    shares: np.ndarray  # share of source values whose coarsest step is each of them
    low: float = -np.inf  # the source's smallest and largest values: rounding never crosses them
    high: float = np.inf

    def apply(self, rows: pd.DataFrame, rng: np.random.Generator) -> None:
        x = rows[self.column].to_numpy(dtype=float)
        present = np.flatnonzero(~np.isnan(x))
        if not len(present):
            return
        v = x[present]
        pick = rng.choice(len(self.steps), size=len(v), p=self.shares)
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(len(self.steps)):  # a finer step where the drawn one is too coarse for the value
                bad = self._bad(v, self.steps[pick]) & (pick < len(self.steps) - 1)
                if not bad.any():
                    break
                pick = np.where(bad, pick + 1, pick)
            step = self.steps[pick]
            rounded = np.round(v / step) * step
            rounded = np.where(rounded > self.high, np.floor(v / step) * step, rounded)  # inward, never outward:
            rounded = np.where(rounded < self.low, np.ceil(v / step) * step, rounded) + 0.0  # no -0.0 either
            rounded = _snapped(rounded, step)
        x[present] = np.where(np.isfinite(rounded), rounded, v)  # a value beyond float range keeps itself
        rows[self.column] = x

    def _bad(self, v: np.ndarray, step: np.ndarray) -> np.ndarray:
        """Steps coarser than half the value (3.2 never becomes 0 or 10), or whose rounding crosses the
        source's range (a smallint at 32767 never becomes 32770, numeric(5,2) never 1000.00)."""
        rounded = np.round(v / step) * step
        crosses = ((rounded > self.high) & (v <= self.high)) | ((rounded < self.low) & (v >= self.low))
        return (step > np.abs(v) / 2) | crosses


def _snapped(values: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Multiples of a decimal step as the nearest float to their decimal text: 87543 * 0.01 is
    875.4300000000001, which an unconstrained numeric column stores as such (the source's 875.43)."""
    decimals = np.clip(1 - np.floor(np.log10(step)), 0, 15).astype(np.int64)
    out = values.copy()
    for places in np.unique(decimals):
        at = decimals == places
        out[at] = np.round(values[at], int(places))
    return out


@dataclass(frozen=True)
class Calendar:
    column: str
    unit: float  # seconds: every source value is a multiple of it past midnight (DAY: date-only)
    weekdays: np.ndarray | None  # share of each day of the week, Monday first
    hours: np.ndarray | None  # share of each hour of the day (only when unit < DAY)

    def apply(self, rows: pd.DataFrame, rng: np.random.Generator, floor: np.ndarray | None = None) -> None:
        """``floor``: per row, the earliest value allowed (an :class:`Ordered` partner), or NaN."""
        x = rows[self.column].to_numpy(dtype=float)
        present = ~np.isnan(x)
        if not present.any():
            return
        v = x[present]
        if self.hours is not None:
            v = _move_hours(v, self.hours, rng)
        v = np.floor(v / self.unit) * self.unit if self.unit >= 1 else v
        if self.weekdays is not None:
            bound = floor[present] if floor is not None else np.full(len(v), np.nan)
            v = _move_weekdays(v, self.weekdays, bound, rng)
        x[present] = v
        rows[self.column] = x


@dataclass(frozen=True)
class Ordered:
    low: str
    high: str
    gap: float  # the smallest difference allowed (0, or one unit when the source never has them equal)
    kind: str  # "datetime" | "numeric"

    def apply(self, rows: pd.DataFrame, rng: np.random.Generator) -> None:
        lo, hi = rows[self.low].to_numpy(dtype=float), rows[self.high].to_numpy(dtype=float)
        bad = ~np.isnan(lo) & ~np.isnan(hi) & (hi < lo + self.gap)
        if not bad.any():
            return
        if self.kind == "numeric" and self.gap == 0:
            lo[bad], hi[bad] = hi[bad], lo[bad].copy()
            rows[self.low] = lo
        else:
            hi[bad] = lo[bad] + np.maximum(self.gap, lo[bad] - hi[bad])
        rows[self.high] = hi


@dataclass(frozen=True)
class Equal:
    source: str
    copy: str  # equal to ``source`` on every source row with both set (a count kept twice): written from it

    def apply(self, rows: pd.DataFrame, rng: np.random.Generator) -> None:
        a, b = rows[self.source].to_numpy(dtype=float), rows[self.copy].to_numpy(dtype=float)
        both = ~np.isnan(a) & ~np.isnan(b)
        b[both] = a[both]
        rows[self.copy] = b


Rule = ValueSet | Grid | Calendar | Ordered | Equal | formulas.Formula


def learn(frame: pd.DataFrame, columns: Mapping[str, Column]) -> tuple[Rule, ...]:
    """The rules that hold on every row of ``frame`` (see the module docstring)."""
    if len(frame) < MIN_CALENDAR_ROWS:
        return ()
    own = {c: col for c, col in columns.items() if c in frame and codec.is_numeric(col) and not c.startswith("__")}
    given = {c: col for c, col in columns.items() if c in frame and col.kind in codec.DATETIMES and c.startswith(CONDITION)}
    data = codec.encode(frame, {**own, **given})
    out: list[Rule] = []
    for name, col in columns.items():
        if name not in own:
            continue
        values = data[name].dropna().to_numpy(dtype=float)
        if col.kind in codec.DATETIMES and len(values) >= MIN_CALENDAR_ROWS:
            out.append(_calendar(name, values))  # a resolution holds on a handful of rows too; profiles need more
        elif len(values) < MIN_RULE_ROWS:
            continue
        elif (found := _value_set(name, values)) is not None or (found := _grid(name, values)) is not None:
            out.append(found)
    out += _orders(data, {**own, **given}) if len(frame) >= MIN_RULE_ROWS else []
    out += formulas.learn(data, own)
    return tuple(r for r in out if r is not None and not (isinstance(r, Ordered) and r.high in given)
                 and not (isinstance(r, Equal) and {r.source, r.copy} & set(given)))


def reorder(rows: pd.DataFrame, rules: tuple[Rule, ...], columns: Mapping[str, Column], rng: np.random.Generator) -> None:
    """The in-row order rules again, in place, after a step moved a low side (a date made unique per parent
    moves later). Only the cells a rule raises are written back: a value the codec cannot hold (a
    '9999-01-01' sentinel, 'infinity') stays as it is."""
    orders = _chained([r for r in rules if isinstance(r, Ordered) and {r.low, r.high} <= set(rows.columns) & set(columns)])
    if not orders:
        return
    spec = {c: columns[c] for r in orders for c in (r.low, r.high)}
    data = codec.encode(rows[list(spec)].reset_index(drop=True), spec)
    before = data.copy()
    for rule in orders:
        rule.apply(data, rng)
    for name, column in spec.items():
        moved = ~np.isclose(before[name].to_numpy(dtype=float), data[name].to_numpy(dtype=float), equal_nan=True)
        if moved.any():
            values = codec.decode(data.loc[moved, [name]], {name: column})[name].to_numpy(dtype=object)
            cells = rows[name].astype(object).to_numpy(copy=True)
            cells[moved] = values
            rows[name] = pd.Series(cells, index=rows.index).infer_objects()


def _chained(orders: list[Ordered]) -> list[Ordered]:
    """``orders`` with every rule that raises a column before the rules that read it as their low side
    (hire date <= from date <= to date: the second is applied after the first moved from date)."""
    out: list[Ordered] = []
    pending = list(orders)
    while pending:
        ready = [r for r in pending if not any(o.high == r.low for o in pending if o is not r)] or pending[:1]
        out += ready
        pending = [r for r in pending if all(r is not o for o in ready)]
    return out


def _rank(column: str, orders: list[Ordered]) -> int:
    """Where a column's last raise comes in ``orders`` (0: none): calendars snap in that order."""
    return max((i + 1 for i, o in enumerate(orders) if o.high == column), default=0)


def _value_set(name: str, values: np.ndarray) -> ValueSet | None:
    distinct, counts = np.unique(np.round(values, 9), return_counts=True)
    if len(distinct) > MAX_VALUES or len(distinct) < 2:
        return None
    kept = counts >= MIN_VALUE_ROWS
    if counts[kept].sum() < MIN_SET_COVER * len(values) or kept.sum() < 2:
        return None
    return ValueSet(name, distinct[kept])


LADDER = np.array([m * 10.0**e for e in range(6, -5, -1) for m in (5.0, 2.5, 1.0)])  # coarsest first, down to 0.0001


def _grid(name: str, values: np.ndarray) -> Grid | None:
    """The coarsest ladder step of every non-zero value, as shares; None when some value sits on no step
    (a continuous number) or every value on the finest."""
    values = values[np.isfinite(values)]
    low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 0.0)
    values = values[values != 0]
    if not len(values):
        return None
    with np.errstate(over="ignore", invalid="ignore"):  # 1e308 / 0.0001 is no step of the ladder
        off = np.abs(values[:, None] - np.round(values[:, None] / LADDER[None, :]) * LADDER[None, :])
        near = np.minimum(1e-6 * np.maximum(1.0, np.abs(values))[:, None], 0.05 * LADDER[None, :])  # float error, never a step off
        on = (off <= near) & (np.abs(values)[:, None] >= LADDER[None, :])
    if not on.any(axis=1).all():
        return None
    counts = np.bincount(on.argmax(axis=1), minlength=len(LADDER))
    used = np.flatnonzero(counts)
    if used[0] == len(LADDER) - 1:
        return None
    return Grid(name, LADDER[used[0]: used[-1] + 1], counts[used[0]: used[-1] + 1] / counts.sum(), low, high)


def _calendar(name: str, seconds: np.ndarray) -> Calendar:
    unit = next((u for u in UNITS if np.all(np.isclose(np.mod(seconds, u), 0.0, atol=1e-6))), 0.0)
    weekdays = hours = None
    if len(seconds) >= MIN_PROFILE_ROWS:
        days = np.floor(seconds / DAY).astype(np.int64)
        weekdays = np.bincount((days + 3) % 7, minlength=7) / len(days)
        if unit < DAY:
            hours = np.bincount(((seconds % DAY) // HOUR).astype(np.int64), minlength=24) / len(seconds)
    return Calendar(name, unit, weekdays, hours)


def _orders(data: pd.DataFrame, columns: Mapping[str, Column]) -> list[Ordered | Equal]:
    """Pairs where ``high >= low`` on every source row with both set, whose ranges overlap
    (otherwise the order holds by itself), of the same family; pairs of one type equal on every such row."""
    out = []
    names = [c for c in data.columns if family(columns[c].kind) in ("numeric", "datetime")]
    names = [c for c in names if not c.startswith(CONDITION) or columns[c].kind in codec.DATETIMES]
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if family(columns[a].kind) != family(columns[b].kind) or columns[a].kind != columns[b].kind and family(columns[a].kind) == "numeric":
                continue
            both = data[[a, b]].dropna()
            if len(both) < MIN_RULE_ROWS:
                continue
            if columns[a].kind == columns[b].kind and (both[a] == both[b]).all() and both[a].nunique() > 1:
                out.append(Equal(a, b))  # both orders hold: one column is the other
                continue
            for low, high in ((a, b), (b, a)):
                diff = both[high] - both[low]
                overlap = both[high].min() < both[low].max()
                if (diff >= 0).all() and overlap:
                    unit = DAY if columns[high].kind == "date" else 0.0
                    gap = unit if (diff > 0).all() and unit else 0.0
                    out.append(Ordered(low, high, gap, family(columns[a].kind)))
    return out


def apply(
    rows: pd.DataFrame, rules: tuple[Rule, ...], columns: Mapping[str, Column], rng: np.random.Generator,
    given: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``rows`` (decoded, as a column model returns them) with every rule applied; ``given``: the parent's
    columns each row was sampled for (a child's date never before its parent's), read, never changed."""
    names = {n for r in rules for n in _columns_of(r)} & set(rows.columns)
    if not names:
        return rows
    spec = {c: columns[c] for c in names if c in columns}
    data = codec.encode(rows, spec)
    if given is not None:
        parent = {c: columns[c] for r in rules if isinstance(r, Ordered) for c in (r.low,) if c in given and c in columns and c not in spec}
        for name, column in codec.encode(given.reset_index(drop=True).set_axis(rows.index), parent).items():
            data[name] = column
    for rule in rules:
        if isinstance(rule, (ValueSet, Grid)) and rule.column in data:
            rule.apply(data, rng)
    orders = _chained([r for r in rules if isinstance(r, Ordered) and r.low in data and r.high in data])
    for rule in sorted((r for r in rules if isinstance(r, Calendar) and r.column in data), key=lambda r: _rank(r.column, orders)):
        lows = [data[o.low].to_numpy(dtype=float) + o.gap for o in orders if o.high == rule.column and o.kind == "datetime"]
        rule.apply(data, rng, np.fmax.reduce(lows) if lows else None)
    for rule in orders:
        rule.apply(data, rng)
    for rule in (r for r in rules if isinstance(r, Equal) and r.source in data and r.copy in data):
        rule.apply(data, rng)
    for formula in (r for r in rules if isinstance(r, formulas.Formula)):
        formula.apply(data)
    decoded = codec.decode(data[list(spec)], spec)
    out = rows.copy()
    for name in decoded.columns:
        out[name] = decoded[name].to_numpy()
    return out


def _columns_of(rule: Rule) -> tuple[str, ...]:
    if isinstance(rule, formulas.Formula):
        return rule.columns()
    return (rule.low, rule.high) if isinstance(rule, Ordered) else (rule.source, rule.copy) if isinstance(rule, Equal) else (rule.column,)


def _move_hours(seconds: np.ndarray, shares: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move the fewest values to other hours of the same day so the hourly counts match ``shares``."""
    hour = ((seconds % DAY) // HOUR).astype(np.int64)
    moved = _rebalance(hour, shares, rng)
    change = moved != hour
    out = seconds.copy()
    within = rng.random(int(change.sum())) * HOUR
    out[change] = np.floor(seconds[change] / DAY) * DAY + moved[change] * HOUR + within
    return out


def _move_weekdays(seconds: np.ndarray, shares: np.ndarray, floor: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move the fewest values to another day of the week (the nearest such day, never before
    ``floor``) so the weekday counts match ``shares``."""
    days = np.floor(seconds / DAY)
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    moved = _rebalance(weekday, shares, rng)
    change = moved != weekday
    offset = (moved - weekday + 3) % 7 - 3  # the nearest such day: -3..3
    out = seconds.copy()
    out[change] += offset[change] * DAY
    early = ~np.isnan(floor) & (out < floor)  # whole weeks later: the day of the week stays
    out[early] += np.ceil((floor[early] - out[early]) / (7 * DAY)) * 7 * DAY
    return out


def _rebalance(codes: np.ndarray, shares: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``codes`` with the fewest entries changed so that each code's count is its share of the
    total (stratified rounding); codes with share 0 lose every entry."""
    n, k = len(codes), len(shares)
    target = np.floor(shares * n).astype(np.int64)
    short = n - int(target.sum())
    if short > 0:
        target += np.bincount(rng.choice(k, size=short, p=shares / shares.sum()), minlength=k)
    counts = np.bincount(codes, minlength=k)
    out = codes.copy()
    excess = [rng.choice(np.flatnonzero(codes == c), size=int(counts[c] - target[c]), replace=False) for c in np.flatnonzero(counts > target)]
    if not excess:
        return out
    moving = rng.permutation(np.concatenate(excess))
    wanted = rng.permutation(np.repeat(np.arange(k), np.maximum(target - counts, 0)))
    out[moving[: len(wanted)]] = wanted[: len(moving)]
    return out


def to_data(rules: tuple[Rule, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for rule in rules:
        if isinstance(rule, ValueSet):
            out.append({"rule": "values", "column": rule.column, "values": rule.values})
        elif isinstance(rule, Grid):
            out.append({"rule": "grid", "column": rule.column, "steps": rule.steps, "shares": rule.shares, "low": rule.low, "high": rule.high})
        elif isinstance(rule, Calendar):
            out.append({"rule": "calendar", "column": rule.column, "unit": rule.unit, "weekdays": rule.weekdays, "hours": rule.hours})
        elif isinstance(rule, Equal):
            out.append({"rule": "equal", "source": rule.source, "copy": rule.copy})
        elif isinstance(rule, formulas.Formula):
            out.append(formulas.to_data(rule))
        else:
            out.append({"rule": "order", "low": rule.low, "high": rule.high, "gap": rule.gap, "kind": rule.kind})
    return out


def from_data(data: list[Mapping[str, Any]]) -> tuple[Rule, ...]:
    out: list[Rule] = []
    for item in data:
        if item["rule"] == "values":
            out.append(ValueSet(str(item["column"]), np.asarray(item["values"], dtype=float)))
        elif item["rule"] == "grid":
            out.append(Grid(str(item["column"]), np.asarray(item["steps"], dtype=float), np.asarray(item["shares"], dtype=float),
                            float(item.get("low", -np.inf)), float(item.get("high", np.inf))))
        elif item["rule"] == "calendar":
            arrays = [None if item[k] is None else np.asarray(item[k], dtype=float) for k in ("weekdays", "hours")]
            out.append(Calendar(str(item["column"]), float(item["unit"]), arrays[0], arrays[1]))
        elif item["rule"] == "equal":
            out.append(Equal(str(item["source"]), str(item["copy"])))
        elif item["rule"] == "formula":
            out.append(formulas.from_data(item))
        elif item["rule"] == "order":
            out.append(Ordered(str(item["low"]), str(item["high"]), float(item["gap"]), str(item["kind"])))
    return tuple(out)
