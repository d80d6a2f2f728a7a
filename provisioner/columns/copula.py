"""A Gaussian copula with empirical marginals, and conditional sampling.

SDV's Gaussian copula fits parametric marginals (beta, truncnorm, ...). On
real columns that are multimodal or discrete (a track's bytes, a price that
is 0.99 or 1.99) those score poorly: KS complement 0.18-0.73 on Chinook's
track. Here every marginal is empirical instead:

* numbers and datetimes keep ``QUANTILES`` quantiles (aggregates, never rows),
  sampled by interpolating between them, so values fall *between* real ones;
* categories keep their frequencies (each owns a slice of [0, 1]);
* NULL owns the bottom slice of a column's [0, 1], at the source's rate.

The dependence between columns is a correlation matrix of normal scores.
Sampling can be *conditional*: given some columns' values (a child row's
parent attributes), the rest are drawn from the conditional normal, which is
how child rows follow their parent (the intertable trends).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from provisioner.columns import codec
from provisioner.columns import strata as strata_
from provisioner.columns.base import CONDITION, FitSettings
from provisioner.schema.snapshot import Column

QUANTILES = 256
# At least this many real values per quantile knot: a knot per value would store the
# column itself and let samples sit on real values; coarser knots smooth between them.
ROWS_PER_KNOT = 4
MIN_KNOTS = 8
_EPS = 1e-6


@dataclass(frozen=True)
class Marginal:
    name: str
    kind: str  # "numeric" | "categorical"
    null_rate: float
    quantiles: np.ndarray | None = None  # numeric: values at evenly spaced probabilities
    categories: tuple[object, ...] = ()
    cumulative: np.ndarray | None = None  # categorical: right edge of each category's slice

    def to_uniform(self, values: pd.Series, rng: np.random.Generator) -> np.ndarray:
        """Place values on [0, 1]: NULLs in the bottom slice, the rest above it."""
        n = len(values)
        missing = values.isna().to_numpy()
        u = np.empty(n)
        u[missing] = rng.uniform(0, 1, int(missing.sum())) * self.null_rate
        if self.kind == "numeric":
            within = self._numeric_cdf(values[~missing].to_numpy(dtype=float), rng)
        else:
            index = {c: i for i, c in enumerate(self.categories)}
            codes = values[~missing].map(index).fillna(0).to_numpy(dtype=int)
            left = np.concatenate([[0.0], self.cumulative[:-1]])  # type: ignore[index]
            within = left[codes] + rng.random(len(codes)) * (self.cumulative[codes] - left[codes])  # type: ignore[index]
        u[~missing] = self.null_rate + (1 - self.null_rate) * within
        return np.clip(u, _EPS, 1 - _EPS)

    def _numeric_cdf(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Position of each value in [0, 1]; a value repeated in the data (a price of
        0.99) spreads uniformly over its whole block of probability, so its rank,
        and with it the correlation to other columns, is not lost."""
        q = self.quantiles
        last = len(q) - 1  # type: ignore[arg-type]
        left = np.searchsorted(q, x, side="left")  # type: ignore[arg-type]
        right = np.searchsorted(q, x, side="right")  # type: ignore[arg-type]
        ties = right - left > 1
        smooth = np.interp(x, q, np.linspace(0.0, 1.0, last + 1))  # type: ignore[arg-type]
        spread = (left + rng.random(len(x)) * (right - 1 - left)) / max(last, 1)
        jitter = (rng.random(len(x)) - 0.5) / max(last, 1)
        return np.clip(np.where(ties, spread, smooth + jitter), 0.0, 1.0)

    def from_uniform(self, u: np.ndarray) -> pd.Series:
        missing = u < self.null_rate
        within = np.clip((u - self.null_rate) / max(1 - self.null_rate, _EPS), 0.0, 1.0)
        if self.kind == "numeric":
            probs = np.linspace(0.0, 1.0, len(self.quantiles))  # type: ignore[arg-type]
            values = pd.Series(np.interp(within, probs, self.quantiles), dtype=float)  # type: ignore[arg-type]
        else:
            codes = np.minimum(np.searchsorted(self.cumulative, within, side="right"), len(self.categories) - 1)  # type: ignore[arg-type]
            values = pd.Series(np.asarray(self.categories, dtype=object)[codes], dtype=object)
        return values.mask(missing)


def _marginal(name: str, series: pd.Series, kind: str) -> Marginal:
    null_rate = float(series.isna().mean()) if len(series) else 0.0
    present = series.dropna()
    if kind == "numeric":
        values = present.to_numpy(dtype=float)
        few = len(values) < MIN_KNOTS * ROWS_PER_KNOT  # a handful of rows: MIN_KNOTS knots would be the values themselves
        knots = max(3, len(values) // 2) if few else int(np.clip(len(values) // ROWS_PER_KNOT, MIN_KNOTS, QUANTILES))
        quantiles = np.quantile(values, np.linspace(0, 1, knots)) if len(values) else np.zeros(2)
        return Marginal(name, kind, null_rate, quantiles=quantiles)
    # Categories in value order, not frequency order: two columns sharing values (a
    # customer's country, its invoice's billing country) then line up, and their
    # "mostly equal" dependence becomes monotone, which a Gaussian copula can hold.
    freq = present.value_counts(sort=False)
    freq = freq.iloc[np.argsort(np.asarray([str(v) for v in freq.index]), kind="stable")]
    cats = tuple(freq.index)
    cumulative = np.cumsum(freq.to_numpy(dtype=float)) / max(freq.sum(), 1)
    if not cats:
        cats, cumulative = (None,), np.ones(1)
    return Marginal(name, kind, null_rate, categories=cats, cumulative=cumulative)


@dataclass(frozen=True)
class EmpiricalCopula:
    marginals: tuple[Marginal, ...]
    correlation: np.ndarray

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.marginals)

    @classmethod
    def fit(cls, frame: pd.DataFrame, kinds: Mapping[str, str], seed: int, fixed_order: frozenset[str] = frozenset()) -> EmpiricalCopula:
        """``kinds`` maps each column to "numeric" or "categorical" (numbers already numeric);
        categories of ``fixed_order`` columns keep value order (see :func:`_reorder`)."""
        rng = np.random.default_rng(seed)
        marginals = tuple(_marginal(c, frame[c], kinds[c]) for c in kinds)
        if not marginals:
            return cls(marginals, np.zeros((0, 0)))
        if len(frame) >= REORDER_MIN_ROWS:
            marginals = _reorder(frame, marginals, np.random.default_rng(seed), fixed_order)
        u = np.column_stack([m.to_uniform(frame[m.name], rng) for m in marginals])
        groups = np.column_stack([_tie_groups(frame[m.name]) for m in marginals])
        for _ in range(TIE_ROUNDS if len(frame) >= TIE_MIN_ROWS else 0):
            u = _order_ties(u, groups, _correlation(ndtri(u)))
        return cls(marginals, _correlation(ndtri(u)))

    def sample(self, n: int, rng: np.random.Generator, given: pd.DataFrame | None = None) -> pd.DataFrame:
        """``n`` rows; columns in ``given`` (n rows) are conditioned on (and not returned).
        Marginals are stratified (:func:`_stratify`)."""
        names = self.columns
        fixed = [i for i, c in enumerate(names) if given is not None and c in given]
        free = [i for i in range(len(names)) if i not in fixed]
        z = rng.standard_normal((n, len(names)))
        if fixed:
            z_given = np.column_stack([ndtri(self.marginals[i].to_uniform(given[names[i]].reset_index(drop=True), rng)) for i in fixed])  # type: ignore[index]
            z[:, free] = self._conditional(z_given, fixed, free, z[:, free])
            z[:, fixed] = z_given
        else:
            z = z @ np.linalg.cholesky(self.correlation).T
        u = _stratify(np.clip(ndtr(z[:, free]), _EPS, 1 - _EPS), rng)
        return pd.DataFrame({names[i]: self.marginals[i].from_uniform(u[:, k]) for k, i in enumerate(free)})

    def _conditional(self, z_given: np.ndarray, fixed: list[int], free: list[int], noise: np.ndarray) -> np.ndarray:
        sigma = self.correlation
        s_ff, s_fg, s_gg = sigma[np.ix_(free, free)], sigma[np.ix_(free, fixed)], sigma[np.ix_(fixed, fixed)]
        gain = s_fg @ np.linalg.pinv(s_gg)
        cov = s_ff - gain @ s_fg.T
        chol = np.linalg.cholesky(_nearest_pd(cov))
        return z_given @ gain.T + noise @ chol.T


def _stratify(u: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Keep each column's ranks (the copula) but put exactly one row in every 1/n slice of [0, 1].

    Independent uniforms give every category a binomial count and the NULL share a
    random rate; on a 91-row table that alone costs 0.1-0.2 of TV distance per
    column. Stratified, a category's count is its frequency times n, give or take one.
    """
    n = len(u)
    if n < 2:
        return u
    order = u.argsort(axis=0, kind="stable")
    ranks = np.empty_like(order)  # the inverse permutation: what a second argsort gives, without the sort
    np.put_along_axis(ranks, order, np.arange(n)[:, None], axis=0)
    return np.clip((ranks + rng.random(u.shape)) / n, _EPS, 1 - _EPS)


REORDER_MIN_ROWS = 20


def _reorder(
    frame: pd.DataFrame, marginals: tuple[Marginal, ...], rng: np.random.Generator, fixed_order: frozenset[str] = frozenset(),
) -> tuple[Marginal, ...]:
    """Order each category column's slices so that its dependence on the others is as monotone as can be.

    A Gaussian copula holds monotone relations only; a nominal column's slices sit in
    value order, which says nothing (a contact title against a country). Ordering the
    categories along the first principal axis of their mean normal scores on the other
    columns (correspondence analysis, roughly) lets one correlation carry most of it.
    Columns that share most of their values with another (a country and the parent's
    country) keep value order, so that equal values still line up.
    """
    z = ndtri(np.column_stack([m.to_uniform(frame[m.name], rng) for m in marginals]))
    out = list(marginals)
    for j, m in enumerate(marginals):
        if m.kind != "categorical" or len(m.categories) < 3 or len(marginals) < 2 or m.name in fixed_order or _shares_values(m, marginals):
            continue
        codes = frame[m.name].map({c: i for i, c in enumerate(m.categories)}).to_numpy(dtype=float)
        present = ~np.isnan(codes)
        others = np.delete(z[present], j, axis=1)
        k, idx = len(m.categories), codes[present].astype(int)
        counts = np.bincount(idx, minlength=k).astype(float)
        means = np.column_stack([np.bincount(idx, weights=others[:, c], minlength=k) for c in range(others.shape[1])]) / np.maximum(counts, 1)[:, None]
        centered = means - (counts @ means) / max(counts.sum(), 1)
        _, _, vt = np.linalg.svd(np.sqrt(counts)[:, None] * centered, full_matrices=False)
        order = np.argsort(centered @ vt[0], kind="stable")
        freq = np.diff(np.concatenate([[0.0], m.cumulative]))[order]  # type: ignore[index]
        out[j] = Marginal(m.name, m.kind, m.null_rate, categories=tuple(m.categories[i] for i in order), cumulative=np.cumsum(freq))
    return tuple(out)


def _shares_values(m: Marginal, marginals: tuple[Marginal, ...]) -> bool:
    """Whether another category column holds most of this one's values: a country and the parent's
    country. Codes that are numbers (keys of two lookup tables, 1..5 and 1..25) share values by
    chance, so they count only between columns of the same name (a column and the parent's)."""
    mine = set(map(str, m.categories))
    coded = _numbers(m.categories)
    return any(
        o is not m and o.kind == "categorical" and len(mine & set(map(str, o.categories))) >= 0.5 * len(mine)
        and (not (coded or _numbers(o.categories)) or _base(o.name) == _base(m.name))
        for o in marginals
    )


def _numbers(values: tuple[object, ...]) -> bool:
    return all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in values if v is not None)


def _base(name: str) -> str:
    return name[len(CONDITION):] if name.startswith(CONDITION) else name


TIE_ROUNDS = 3
# Ordering ties by the other columns is self-reinforcing: on a few dozen rows it
# invents near-deterministic relations and the samples hug the real rows (the
# privacy gate saw it on Northwind's 77 products). Only larger tables get it.
TIE_MIN_ROWS = 500


def _tie_groups(series: pd.Series) -> np.ndarray:
    """Integer id of each row's block of equal values (NULLs are one block)."""
    codes, _ = pd.factorize(series.astype(object).where(series.notna(), "\0null"), sort=False)
    return codes


def _order_ties(u: np.ndarray, groups: np.ndarray, corr: np.ndarray) -> np.ndarray:
    """Within each block of tied values, hand out the block's positions by what the
    other columns predict. Random tie-breaking would hide how a near-binary column
    (a price of 0.99 or 1.99) moves with a continuous one, and shrink the
    estimated correlation far below the real dependence."""
    z = ndtri(u)
    out = u.copy()
    for j in range(u.shape[1]):
        if len(np.unique(groups[:, j])) == len(groups):
            continue  # no ties
        others = [k for k in range(u.shape[1]) if k != j]
        if not others:
            continue
        beta = np.linalg.pinv(corr[np.ix_(others, others)]) @ corr[others, j]
        predicted = z[:, others] @ beta
        by_prediction = np.lexsort((predicted, groups[:, j]))
        by_position = np.lexsort((u[:, j], groups[:, j]))
        out[by_prediction, j] = u[by_position, j]
    return out


def _correlation(z: np.ndarray) -> np.ndarray:
    n, p = z.shape
    if p == 0:
        return np.zeros((0, 0))
    if n < 3:
        return np.eye(p)
    corr = np.nan_to_num(np.corrcoef(z, rowvar=False), nan=0.0).reshape(p, p)
    shrink = min(0.5, p / max(n, 1))  # small tables: pull toward independence
    corr = (1 - shrink) * corr + shrink * np.eye(p)
    np.fill_diagonal(corr, 1.0)
    return _nearest_pd(corr)


def _nearest_pd(matrix: np.ndarray) -> np.ndarray:
    sym = (matrix + matrix.T) / 2
    values, vectors = np.linalg.eigh(sym)
    fixed = vectors @ np.diag(np.clip(values, 1e-6, None)) @ vectors.T
    return (fixed + fixed.T) / 2


DELTA_SPREAD = 0.2  # model B - A when its spread is at most this share of B's own
DELTA_MIN_ROWS = 20


def date_deltas(data: pd.DataFrame, columns: Mapping[str, Column]) -> dict[str, str]:
    """Datetime columns that follow another one closely (an order's required and shipped
    dates after its order date): ``{column: anchor}``, to be modelled as the gap to the anchor.

    A copula keeps the normal-score correlation (0.9996 in Northwind's orders) but not the
    exact few days between the two; NULLs (orders not yet shipped) sit at the bottom of the
    column's scale and pull it further apart (0.59 sampled). The gap has neither problem.
    The anchor is a complete (no NULL) datetime column of this table; anchors are never deltas.
    """
    dates = [c for c, col in columns.items() if col.kind in codec.DATETIMES and c in data and not c.startswith(CONDITION)]
    anchors = [c for c in dates if data[c].notna().all() and len(data) >= DELTA_MIN_ROWS]
    out: dict[str, str] = {}
    for name in dates:
        if name in anchors[:1]:
            continue
        spread = data[name].std()
        best = None
        for anchor in anchors:
            if anchor == name or anchor in out:
                continue
            gap = (data[name] - data[anchor]).std()
            if pd.notna(gap) and pd.notna(spread) and spread > 0 and gap <= DELTA_SPREAD * spread and (best is None or gap < best[1]):
                best = (anchor, gap)
        if best is not None and data[name].notna().sum() >= DELTA_MIN_ROWS:
            out[name] = best[0]
    return {name: anchor for name, anchor in out.items() if anchor not in out}


RATIO_MIN_CORR = 0.9  # log-log correlation of a number with the one it is modelled as a ratio to


def ratios(data: pd.DataFrame, columns: Mapping[str, Column], taken: frozenset[str] = frozenset()) -> dict[str, str]:
    """Positive numbers that follow another one multiplicatively (a track's bytes and its length:
    the bitrate varies far less than either): ``{column: anchor}``, modelled as ``log(column / anchor)``.

    A copula keeps the rank correlation of the two but not their ratio, so a synthetic track's
    size and length disagree; the ratio, learnt with the other columns, keeps it. Both columns
    are complete and positive; the one with the wider spread (in logs) is the ratio; anchors
    are never ratios and ``taken`` columns (date gaps) are neither.
    """
    numbers = [c for c, col in columns.items() if c in data and codec.is_numeric(col) and col.kind not in codec.DATETIMES
               and not c.startswith("__") and c not in taken]
    logs = {c: np.log(data[c].to_numpy(dtype=float)) for c in numbers
            if data[c].notna().all() and len(data) >= DELTA_MIN_ROWS and (data[c] > 0).all()}
    out: dict[str, str] = {}
    for name, values in sorted(logs.items(), key=lambda kv: -float(np.std(kv[1]))):
        if name in out.values():
            continue
        best = None
        for anchor, base in logs.items():
            if anchor == name or anchor in out or float(np.std(base)) > float(np.std(values)) or np.std(base) == 0:
                continue
            spread = float(np.std(values - base))
            if np.corrcoef(values, base)[0, 1] >= RATIO_MIN_CORR and spread < float(np.std(values)) and (best is None or spread < best[1]):
                best = (anchor, spread)
        if best is not None:
            out[name] = best[0]
    return out


@dataclass(frozen=True)
class CopulaModel:
    """The column model for every table by default: :class:`EmpiricalCopula` on encoded values,
    dates that follow another date modelled as the gap to it (:func:`date_deltas`)."""

    name: ClassVar[str] = "gaussian_copula"
    conditional: ClassVar[bool] = True
    iterative: ClassVar[bool] = False

    copula: EmpiricalCopula
    deltas: Mapping[str, tuple[str, float, float]]  # column -> (anchor column, the column's own range)
    ratios: Mapping[str, tuple[str, float, float]] = field(default_factory=dict)  # column -> (anchor, range): log(column / anchor)
    strata: strata_.Strata | None = None  # a copula per large group of a category that splits the table (strata.py)

    @classmethod
    def fit(cls, frame: pd.DataFrame, columns: Mapping[str, Column], settings: FitSettings) -> CopulaModel:
        data = codec.encode(frame, columns)
        kinds = {name: "numeric" if codec.is_numeric(col) else "categorical" for name, col in columns.items()}
        deltas = {name: (anchor, float(data[name].min()), float(data[name].max())) for name, anchor in date_deltas(data, columns).items()}
        for name, (anchor, _, _) in deltas.items():
            data[name] = data[name] - data[anchor]
        ratio = {name: (anchor, float(data[name].min()), float(data[name].max()))
                 for name, anchor in ratios(data, columns, frozenset(deltas) | {a for a, _, _ in deltas.values()}).items()}
        for name, (anchor, _, _) in ratio.items():
            data[name] = np.log(data[name].to_numpy(dtype=float)) - np.log(data[anchor].to_numpy(dtype=float))
        # keys of lookup tables keep value order: reordering them by the other columns fits the
        # training rows more closely than a fresh sample (the gate's DCR share rose by 0.015); the
        # strata carry what a lookup splits (strata.py)
        lookups = frozenset(c for c, col in columns.items() if col.kind == "lookup")
        split = strata_.choose(data, kinds)
        groups = strata_.fit(data, kinds, split, lambda part, k: EmpiricalCopula.fit(part, k, settings.seed, lookups)) if split else None
        return cls(EmpiricalCopula.fit(data, kinds, settings.seed, lookups), deltas, ratio, groups)

    def sample(self, n: int, columns: Mapping[str, Column], seed: int, given: pd.DataFrame | None = None) -> pd.DataFrame:
        cond = codec.encode(given, {c: columns[c] for c in given.columns}) if given is not None else None
        rng = np.random.default_rng(seed)
        rows = self.copula.sample(n, rng, cond)
        if self.strata is not None and self.strata.parts:
            rows = strata_.resample(rows, self.strata, cond, rng)
        for name, (anchor, low, high) in self.deltas.items():
            if name in rows and anchor in rows:
                rows[name] = codec.fold(rows[anchor] + rows[name], low, high)
        for name, (anchor, low, high) in self.ratios.items():
            if name in rows and anchor in rows:
                rows[name] = codec.fold(np.exp(rows[name].astype(float)) * rows[anchor].astype(float), low, high)
        return codec.decode(rows, {c: col for c, col in columns.items() if c in rows})

    @property
    def epochs_trained(self) -> int | None:
        return None

    def to_data(self) -> dict[str, Any]:
        return {
            **_copula_data(self.copula),
            "deltas": {name: list(delta) for name, delta in self.deltas.items()},
            "ratios": {name: list(ratio) for name, ratio in self.ratios.items()},
            "strata": None if self.strata is None else {
                "column": self.strata.column,
                "parts": [[codec.plain(value), _copula_data(part)] for value, part in self.strata.parts.items()],
            },
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> CopulaModel:
        deltas = {name: (str(d[0]), float(d[1]), float(d[2])) for name, d in data["deltas"].items()}
        ratio = {name: (str(d[0]), float(d[1]), float(d[2])) for name, d in data.get("ratios", {}).items()}
        split = data.get("strata")
        groups = strata_.Strata(str(split["column"]), {value: _copula_from(part) for value, part in split["parts"]}) if split else None
        return cls(_copula_from(data), deltas, ratio, groups)


def _copula_data(copula: EmpiricalCopula) -> dict[str, Any]:
    return {
        "correlation": copula.correlation,
        "marginals": [
            {"name": m.name, "kind": m.kind, "null_rate": m.null_rate, "quantiles": m.quantiles,
             "categories": [codec.plain(c) for c in m.categories], "cumulative": m.cumulative}
            for m in copula.marginals
        ],
    }


def _copula_from(data: Mapping[str, Any]) -> EmpiricalCopula:
    marginals = tuple(
        Marginal(m["name"], m["kind"], float(m["null_rate"]), quantiles=m["quantiles"],
                 categories=tuple(m["categories"]), cumulative=m["cumulative"])
        for m in data["marginals"]
    )
    return EmpiricalCopula(marginals, np.asarray(data["correlation"], dtype=float))
