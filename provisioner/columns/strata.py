"""A category that splits a table into groups with their own joint distribution: one copula per group.

A single Gaussian copula holds one correlation matrix and can shift a number only
monotonically with a category, so Chinook's video tracks (long, large, 1.99, TV genres)
melt into the music: the synthetic length/price correlation fell from 0.93 to 0.39. When
one category column *stratifies* the table (its groups differ strongly in the other
columns: the mean over them of the correlation ratio of a number's normal scores, or
Cramér's V of a category, at least ``MIN_STRENGTH``), every group of at least
``MIN_STRATUM`` rows gets its own copula over the other columns, fitted on its rows
only; smaller groups stay with the table's copula. Sampling draws every row from the
table's copula (which decides each row's group, given the parent's columns), then
redraws the other columns of each large group's rows from its own copula, conditioned
on the same parent columns. Each group's copula keeps aggregates of its rows only, with
the same rules for knots and shrinkage as the table's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

MIN_STRATUM = 100  # rows of a group that gets its own copula
MAX_GROUPS = 12
MIN_STRENGTH = 0.3  # mean over the other columns...
STRONG = 0.4  # ...or one column this strongly split (a video's length; 0.49 is an 80/20 split, perfectly apart)


@dataclass(frozen=True)
class Strata:
    column: str
    parts: Mapping[object, Any]  # group value -> the EmpiricalCopula of the other columns on its rows


def choose(data: pd.DataFrame, kinds: Mapping[str, str]) -> str | None:
    """The category column that best splits the rows into groups that differ (None if none does)."""
    best: tuple[float, str] | None = None
    for name, kind in kinds.items():
        if kind != "categorical" or name.startswith("__") or name not in data:
            continue
        groups = data[name].astype(object).where(data[name].notna(), "\0null")
        counts = groups.value_counts()
        if not 2 <= len(counts) <= MAX_GROUPS or (counts >= MIN_STRATUM).sum() < 2:
            continue
        others = [c for c in kinds if c != name and c in data and not c.startswith("__parent__")]
        if not others:
            continue
        each = [_strength(data[c], groups, kinds[c]) for c in others]
        strength = float(np.mean(each))
        if (strength >= MIN_STRENGTH or max(each) >= STRONG) and (best is None or strength > best[0]):
            best = (strength, name)
    return best[1] if best else None


def _strength(values: pd.Series, groups: pd.Series, kind: str) -> float:
    if kind == "numeric":
        x = values.to_numpy(dtype=float)
        ok = ~np.isnan(x)
        if ok.sum() < 3:
            return 0.0
        z = ndtri((pd.Series(x[ok]).rank().to_numpy() - 0.5) / ok.sum())
        g = groups.to_numpy()[ok]
        means = pd.Series(z).groupby(g).transform("mean").to_numpy()
        total = float(np.var(z))
        return float(np.var(means) / total) if total > 0 else 0.0
    from provisioner.columns.fd import association

    return association(values.reset_index(drop=True), groups.reset_index(drop=True))


def fit(data: pd.DataFrame, kinds: Mapping[str, str], column: str, fit_copula: Callable[[pd.DataFrame, Mapping[str, str]], Any]) -> Strata:
    """One copula per group of ``column`` with at least MIN_STRATUM rows, over the other columns."""
    groups = data[column].astype(object).where(data[column].notna(), "\0null")
    rest = {c: k for c, k in kinds.items() if c != column}
    parts = {}
    for value, size in groups.value_counts().items():
        if size >= MIN_STRATUM:
            parts[value] = fit_copula(data.loc[(groups == value).to_numpy()].reset_index(drop=True), rest)
    return Strata(column, parts)


def resample(rows: pd.DataFrame, strata: Strata, given: pd.DataFrame | None, rng: np.random.Generator) -> pd.DataFrame:
    """``rows`` (sampled by the table's copula) with each large group's other columns redrawn from its copula."""
    if strata.column not in rows:
        return rows
    groups = rows[strata.column].astype(object).where(rows[strata.column].notna(), "\0null").to_numpy()
    out = rows.copy()
    for value, part in strata.parts.items():
        at = np.flatnonzero(groups == value)
        if not len(at):
            continue
        cond = given.iloc[at].reset_index(drop=True) if given is not None else None
        drawn = part.sample(len(at), rng, cond)
        for name in drawn.columns:
            if name in out:
                column = out[name].to_numpy(dtype=object).copy() if out[name].dtype == object else out[name].to_numpy(copy=True)
                column[at] = drawn[name].to_numpy()
                out[name] = column
    return out
