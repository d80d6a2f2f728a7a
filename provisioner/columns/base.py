"""The column-model seam: what a per-table column model is.

A column model learns the joint distribution of a table's learnt columns (numbers,
dates, booleans, categories; never keys, PII or free text) and samples new rows
from it. Every model is one file in this package and one entry in the registry
(:mod:`provisioner.columns`); the rest of provisioner asks the model's class
properties instead of comparing names:

``conditional``
    it can sample given some columns' values (a child row given its parent's
    attributes), so a child table is trained on its driving parent's columns too;
``iterative``
    it trains for epochs: ``train.epochs``, the time budget and the process pool
    apply to it, and the report shows the epochs it trained.

A fitted model is *data*: :meth:`ColumnModel.to_data` returns nested dicts and
lists of plain values (None, bool, int, float, str, timestamps, decimals) and
numpy arrays, and :meth:`ColumnModel.from_data` rebuilds the model from them.
The bundle stores that data, so loading a bundle never runs code from the file.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import pandas as pd

from provisioner.schema.snapshot import Column

CONDITION = "__parent__"  # prefix of the parent's columns a child is trained and sampled with (conditional models)


@dataclass(frozen=True)
class FitSettings:
    """What a fit may use besides the rows: all of it plain data, so a fit runs in any process."""

    epochs: int = 100
    batch_size: int = 500
    seed: int = 0
    time_limit: float | None = None  # seconds from the start of the fit: iterative models stop after the last epoch in time
    on_epoch: Callable[[int, int, float], None] | None = None  # iterative models call it after each epoch: (done, expected, seconds)


class ColumnModel(Protocol):
    """One per-table column model (see the module docstring)."""

    name: ClassVar[str]
    conditional: ClassVar[bool]
    iterative: ClassVar[bool]

    @classmethod
    def fit(cls, frame: pd.DataFrame, columns: Mapping[str, Column], settings: FitSettings) -> ColumnModel:
        """Learn ``columns`` of ``frame`` (the values as read from the source)."""

    def sample(self, n: int, columns: Mapping[str, Column], seed: int, given: pd.DataFrame | None = None) -> pd.DataFrame:
        """``n`` rows of ``columns``; the same seed gives the same rows. ``given`` (``n`` rows of some
        conditioning columns) is honoured by conditional models and ignored by the others."""

    @property
    def epochs_trained(self) -> int | None:
        """Epochs an iterative model trained (fewer than asked when a time limit stopped it); None otherwise."""

    def to_data(self) -> dict[str, Any]:
        """The fitted model as plain data and numpy arrays (no objects, no code)."""

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ColumnModel:
        """The model :meth:`to_data` described."""


_NOISY = ("sdv", "rdt", "copulas", "ctgan", "sdmetrics", "SingleTableSynthesizer")


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """SDV, SDMetrics and their dependencies warn and print a lot; keep the user's terminal clean."""
    levels = {name: logging.getLogger(name).level for name in _NOISY}
    for name in levels:
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
