"""A table's fitted column model plus the rules learnt around it, whichever model it is.

:func:`fit` fits the model chosen for a table and, on the same rows, the
functional dependencies between its categories (:mod:`provisioner.columns.fd`);
:func:`sample` draws from the model, then sets every determined column from its
determinant. :class:`Fitted` is what a bundle keeps for the table, as data.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from provisioner import columns as registry
from provisioner.columns import codec, fd, nullsets, rules
from provisioner.columns.base import CONDITION, ColumnModel, FitSettings
from provisioner.schema.snapshot import INTEGER_KINDS, Column


@dataclass(frozen=True)
class Fitted:
    method: str  # the registry name of ``model``
    model: ColumnModel
    determined: Mapping[str, fd.Dependency] = field(default_factory=dict)  # column -> what fixes it (fd.py)
    seconds: float = 0.0
    rules: tuple[rules.Rule, ...] = ()  # what holds on every source row (rules.py)
    nulls: tuple[nullsets.NullAgreement | nullsets.OneSet, ...] = ()  # categories that fix which columns are NULL, groups with one set (nullsets.py)

    @property
    def epochs(self) -> int | None:
        return self.model.epochs_trained

    def to_data(self) -> dict[str, Any]:
        return {"method": self.method, "model": self.model.to_data(), "seconds": self.seconds,
                "determined": {name: dep.to_data() for name, dep in self.determined.items()}, "rules": rules.to_data(self.rules),
                "nulls": [n.to_data() for n in self.nulls]}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Fitted:
        model = registry.get(str(data["method"])).from_data(data["model"])
        determined = {str(name): fd.Dependency.from_data(dep) for name, dep in data["determined"].items()}
        return cls(str(data["method"]), model, determined, float(data.get("seconds", 0.0)), rules.from_data(data.get("rules", [])),
                   tuple(nullsets.from_data(n) for n in data.get("nulls", [])))


def fit(method: str, frame: pd.DataFrame, columns: Mapping[str, Column], settings: FitSettings) -> Fitted:
    """Fit ``method`` (a registry name) on ``columns`` of ``frame``, seeded by ``settings``. A model that
    cannot sample given a parent's values is fitted without them (``__parent__`` columns), rules included."""
    started = time.monotonic()
    if not registry.get(method).conditional:
        columns = {c: col for c, col in columns.items() if not c.startswith(CONDITION)}
    determined = _dependencies(frame, columns)
    model = registry.get(method).fit(frame, columns, settings)
    return Fitted(method, model, determined, time.monotonic() - started, rules.learn(frame, columns), _null_agreements(frame, columns))


def sample(fitted: Fitted, n: int, columns: Mapping[str, Column], seed: int, given: pd.DataFrame | None = None) -> pd.DataFrame:
    """``n`` rows; the same seed gives the same rows. ``given`` conditions a conditional model
    on some columns (a child's parent attributes); the others ignore it."""
    if n == 0:
        return codec.decode(pd.DataFrame({name: pd.Series(dtype=object) for name in columns}), columns)
    cond = given if fitted.model.conditional else None
    rows = fitted.model.sample(n, columns, seed, cond)
    rows = _dependent(fitted, rows, seed, cond)
    rows = rules.apply(rows, fitted.rules, columns, np.random.default_rng([seed % (2**32), 13]), cond) if fitted.rules else rows
    return nullsets.apply(rows, fitted.nulls, np.random.default_rng([seed % (2**32), 17])) if fitted.nulls else rows


def _null_agreements(frame: pd.DataFrame, columns: Mapping[str, Column]) -> tuple[nullsets.NullAgreement | nullsets.OneSet, ...]:
    """Categories of the table (not a parent's) whose values fix which nullable columns are NULL (nullsets.py)."""
    own = {c: col for c, col in columns.items() if c in frame and not c.startswith(CONDITION)}
    categories = [c for c, col in own.items() if codec.is_categorical(col)]
    # an enum stored as an integer (Rails' status 0/1/2) is a category here too: 'published' has a published_at
    coded = [c for c, col in own.items() if col.kind in INTEGER_KINDS and 2 <= frame[c].nunique() <= nullsets.MAX_VALUES]
    nullable = [c for c, col in own.items() if col.nullable]
    return nullsets.learn(frame, categories + coded, nullable) + nullsets.one_sets(frame, nullable)


def _dependencies(frame: pd.DataFrame, columns: Mapping[str, Column]) -> dict[str, fd.Dependency]:
    """Categories fixed by a discrete column (fd.py): a category or an integer, the parent's
    columns a child is conditioned on included; those are given when sampling, never determined."""
    categorical = [c for c, col in columns.items() if codec.is_categorical(col) and c in frame]
    discrete = categorical + [c for c, col in columns.items() if col.kind in INTEGER_KINDS and c in frame]
    # a number with few values is a category here too (a price of 0.99 or 1.99 that the media type fixes)
    few = [c for c, col in columns.items() if codec.is_numeric(col) and col.kind not in codec.DATETIMES and c in frame
           and not c.startswith("__") and 2 <= frame[c].nunique() <= rules.MAX_VALUES]
    targets = [c for c in categorical if not c.startswith(CONDITION)] + few
    return fd.learn(frame, list(dict.fromkeys(discrete + few)), targets)


def _dependent(fitted: Fitted, rows: pd.DataFrame, seed: int, given: pd.DataFrame | None = None) -> pd.DataFrame:
    """``rows`` with the columns another one determines set from it (fd.py); a determinant
    may be one of the ``given`` parent columns, which are not returned."""
    deps, rng = fitted.determined, np.random.default_rng([seed % (2**32), 7])
    if given is None or not deps:
        return fd.apply(rows, deps, rng)
    both = pd.concat([rows, given.reset_index(drop=True).drop(columns=list(rows.columns), errors="ignore")], axis=1)
    return fd.apply(both, deps, rng)[list(rows.columns)]
