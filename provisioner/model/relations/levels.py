"""The levels of a self-referencing hierarchy: a manager's title comes from the level above.

A self-referencing key (``employee.reports_to``) is otherwise drawn as "any earlier
row", and the titles independently of it, so a general manager reports to a sales
support agent. :func:`learn` reads the source's tree: how many rows sit at each
depth (roots at 0), and for each category column that follows the tree (Cramér's V
of the row's value against its parent's, ``MIN_ASSOCIATION``), the share of each
value given the parent's value (given "root" at the top). :func:`apply` rebuilds the
synthetic tree level by level (rows in key order, so a parent always comes first):
the learnt number of rows per level, each row's parent drawn among the level above,
then each such column drawn from its parent's value, top down. Only counts and
shares of categories are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from provisioner.columns.fd import association
from provisioner.schema.snapshot import ForeignKey, Table, family

MIN_ASSOCIATION = 0.5
MAX_SHARE_DISTINCT = 0.8
MAX_DEPTH = 64
ROOT = "\0root"


@dataclass(frozen=True)
class Levels:
    fk_name: str
    fk_columns: tuple[str, ...]
    ref_columns: tuple[str, ...]
    depths: tuple[int, ...]  # source rows at depth 0, 1, ...
    columns: tuple[str, ...]
    categories: Mapping[str, tuple[object, ...]]  # column -> its values
    given: Mapping[str, Mapping[object, tuple[float, ...]]]  # column -> parent's value (ROOT at the top) -> shares


def _depths(frame: pd.DataFrame, fk: ForeignKey) -> np.ndarray:
    keys = [tuple(r) for r in frame[list(fk.ref_columns)].astype(object).itertuples(index=False, name=None)]
    index = {k: i for i, k in enumerate(keys)}
    parents = [index.get(tuple(r), -1) if not any(pd.isna(v) for v in r) else -1
               for r in frame[list(fk.columns)].astype(object).itertuples(index=False, name=None)]
    depth = np.full(len(frame), -1, dtype=np.int64)
    for i in range(len(frame)):
        chain, j = [], i
        while j >= 0 and depth[j] < 0 and len(chain) <= MAX_DEPTH and j not in chain:
            chain.append(j)
            j = parents[j]
        base = depth[j] if j >= 0 and depth[j] >= 0 else -1
        for step, k in enumerate(reversed(chain)):
            depth[k] = base + 1 + step
    return depth


def learn(table: Table, frame: pd.DataFrame, roles: Mapping[str, str]) -> tuple[Levels, ...]:
    out = []
    for fk in table.foreign_keys:
        if fk.ref_table != table.key or not set(fk.columns) | set(fk.ref_columns) <= set(frame.columns) or len(frame) < 3:
            continue
        depth = _depths(frame, fk)
        if depth.max() < 1:
            continue
        parent_at = _parent_rows(frame, fk)
        cats = [c for c, r in roles.items() if r == "model" and c in frame and family(table.column(c).kind) in ("categorical", "boolean")
                and frame[c].nunique() <= MAX_SHARE_DISTINCT * len(frame)]  # a near-unique column is no level's attribute
        columns, categories, given, strength = [], {}, {}, {}
        for col in cats:
            values = frame[col].astype(object).where(frame[col].notna(), None)
            above = pd.Series([values.iloc[p] if p >= 0 else ROOT for p in parent_at], dtype=object)
            strength[col] = association(values.reset_index(drop=True), above)
            if strength[col] < MIN_ASSOCIATION:
                continue
            levels = tuple(pd.unique(values))
            table_ = pd.crosstab(above.map(str), values.reset_index(drop=True).map(str))
            shares = {}
            for key in pd.unique(above):
                row = table_.loc[str(key)] if str(key) in table_.index else None
                counts = np.array([row.get(str(v), 0) if row is not None else 0 for v in levels], dtype=float)
                shares[key] = tuple(float(x) for x in counts / max(counts.sum(), 1))
            columns.append(col)
            categories[col], given[col] = levels, shares
        # first the column that best tells rows with reports from rows without (a title, not a country)
        leads = pd.Series(np.isin(np.arange(len(frame)), [p for p in parent_at if p >= 0]))
        columns.sort(key=lambda c: (-_purity(frame[c].astype(object).reset_index(drop=True), leads), -strength[c]))
        out.append(Levels(fk.name, fk.columns, fk.ref_columns, tuple(int(x) for x in np.bincount(depth[depth >= 0])), tuple(columns), categories, given))
    return tuple(out)


def _purity(values: pd.Series, leads: pd.Series) -> float:
    """How well a column's value says whether a row has children (1: always the same for a value)."""
    share = leads.groupby(values.map(str)).transform("mean")
    return float(np.maximum(share, 1 - share).mean())


def _parent_rows(frame: pd.DataFrame, fk: ForeignKey) -> list[int]:
    keys = [tuple(r) for r in frame[list(fk.ref_columns)].astype(object).itertuples(index=False, name=None)]
    index = {k: i for i, k in enumerate(keys)}
    return [index.get(tuple(r), -1) for r in frame[list(fk.columns)].astype(object).itertuples(index=False, name=None)]


def apply(frame: pd.DataFrame, rule: Levels, rng: np.random.Generator) -> None:
    """Rebuild the tree of ``frame`` (rows in key order) level by level, and the columns that follow it:
    a row's parent is drawn among the level above, from the rows whose values had children in the source."""
    n = len(frame)
    if n == 0 or not set(rule.fk_columns) | set(rule.ref_columns) <= set(frame.columns):
        return
    sizes = _sizes(rule.depths, n)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    parents = np.full(n, -1, dtype=np.int64)
    values = {c: frame[c].to_numpy(dtype=object).copy() for c in rule.columns if c in frame}
    for d in range(len(sizes)):
        rows = np.arange(starts[d], starts[d + 1])
        if d > 0 and len(rows):
            above = np.arange(starts[d - 1], starts[d])
            weights = np.array([_can_lead(rule, values, i) for i in above], dtype=float) + 1e-9
            parents[rows] = above[rng.choice(len(above), size=len(rows), p=weights / weights.sum())]
        for col, column in values.items():
            cats = np.asarray(rule.categories[col], dtype=object)
            for i in rows:
                shares = rule.given[col].get(ROOT if parents[i] < 0 else column[parents[i]])
                if shares is not None and sum(shares) > 0:
                    column[i] = cats[rng.choice(len(cats), p=np.asarray(shares) / sum(shares))]
        if d + 1 < len(sizes) and len(rows) and not any(_can_lead(rule, values, i) for i in rows):
            _make_leader(rule, values, int(rows[0]), parents, rng)
    for child, ref in zip(rule.fk_columns, rule.ref_columns):
        keys = frame[ref].to_numpy(dtype=object)
        linked = np.empty(n, dtype=object)
        linked[:] = None
        linked[parents >= 0] = keys[parents[parents >= 0]]
        frame[child] = linked
    for col, column in values.items():
        frame[col] = column


def _make_leader(rule: Levels, values: Mapping[str, np.ndarray], row: int, parents: np.ndarray, rng: np.random.Generator) -> None:
    """Give ``row`` a value of the strongest column that had children in the source (the level below
    needs a parent), among those its own parent's value allows."""
    first = next((c for c in rule.columns if c in values), None)
    if first is None:
        return
    cats = list(rule.categories[first])
    shares = rule.given[first].get(ROOT if parents[row] < 0 else values[first][parents[row]], tuple(1.0 for _ in cats))
    weights = np.array([w if c in rule.given[first] else 0.0 for c, w in zip(cats, shares)], dtype=float)
    if weights.sum() <= 0:
        weights = np.array([1.0 if c in rule.given[first] and c != ROOT else 0.0 for c in cats])
    if weights.sum() > 0:
        values[first][row] = cats[int(rng.choice(len(cats), p=weights / weights.sum()))]


def _can_lead(rule: Levels, values: Mapping[str, np.ndarray], row: int) -> bool:
    """Whether the row's value of the strongest column had children in the source."""
    first = next((c for c in rule.columns if c in values), None)
    return first is None or values[first][row] in rule.given[first]


def _sizes(depths: tuple[int, ...], n: int) -> np.ndarray:
    """Rows per level for ``n`` rows, in the source's proportions (at least one root)."""
    shares = np.asarray(depths, dtype=float) / max(sum(depths), 1)
    sizes = np.floor(shares * n).astype(np.int64)
    sizes[0] = max(sizes[0], 1)
    while sizes.sum() < n:
        sizes[int(np.argmax(shares * n - sizes))] += 1
    while sizes.sum() > n:
        sizes[int(np.argmax(sizes))] -= 1
    return sizes
