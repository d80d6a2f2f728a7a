"""Per-table column models through SDV: CTGAN by default, a Gaussian copula for small tables.

Only ``model``-role columns reach SDV. Values are encoded into types SDV
handles (naive datetimes, floats) and decoded back to the column's PostgreSQL
type afterwards, rounding to the stored precision.
"""

from __future__ import annotations

import contextlib
import io
import logging
import random
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import sdvfast
from .snapshot import INTEGER_KINDS, NUMERIC_KINDS, Column

GAN = "ctgan"
COPULA = "gaussian_copula"


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """SDV and its dependencies warn and print a lot; keep the user's terminal clean."""
    levels = {name: logging.getLogger(name).level for name in ("sdv", "rdt", "copulas", "ctgan", "SingleTableSynthesizer")}
    for name in levels:
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@contextlib.contextmanager
def _threads() -> Iterator[None]:
    """CTGAN's transformer fans out with joblib's process backend, which re-imports torch in
    every worker (~12 s per fit here), and threads would race on numpy's global RNG and
    break determinism. Sequential is fastest and repeatable."""
    import joblib

    with joblib.parallel_config(backend="sequential"):
        yield


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def _sdtype(col: Column) -> dict[str, Any]:
    if col.kind in INTEGER_KINDS:
        return {"sdtype": "numerical"}
    if col.kind in NUMERIC_KINDS or col.kind in ("interval", "time"):
        return {"sdtype": "numerical"}
    if col.kind == "boolean":
        return {"sdtype": "boolean"}
    if col.kind in ("date", "timestamp", "timestamptz"):
        return {"sdtype": "datetime", "datetime_format": "%Y-%m-%d %H:%M:%S"}
    return {"sdtype": "categorical"}


def encode(frame: pd.DataFrame, columns: Mapping[str, Column]) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for name, col in columns.items():
        series = frame[name]
        if col.kind in ("date", "timestamp", "timestamptz"):
            series = pd.to_datetime(series, errors="coerce", utc=col.kind == "timestamptz")
            if col.kind == "timestamptz":
                series = series.dt.tz_convert("UTC").dt.tz_localize(None)
            series = series.dt.strftime("%Y-%m-%d %H:%M:%S")
        elif col.kind in INTEGER_KINDS or col.kind in NUMERIC_KINDS:
            series = pd.to_numeric(series, errors="coerce").astype(float)
        elif col.kind == "boolean":
            series = series.astype(object).where(series.notna(), None)
        elif col.kind not in ("interval", "time"):
            series = series.astype(object).where(series.notna(), None).map(lambda v: v if v is None else str(v))
        out[name] = series
    return out


def decode(frame: pd.DataFrame, columns: Mapping[str, Column]) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for name, col in columns.items():
        series = frame[name]
        if col.kind in ("date", "timestamp", "timestamptz"):
            series = pd.to_datetime(series, errors="coerce")
            if col.kind == "date":
                series = series.dt.normalize()
            elif col.kind == "timestamptz":
                series = series.dt.tz_localize("UTC")
        elif col.kind in INTEGER_KINDS:
            series = pd.to_numeric(series, errors="coerce").round().astype("Int64")
        elif col.kind in NUMERIC_KINDS:
            series = pd.to_numeric(series, errors="coerce").astype(float)
            if col.scale is not None:
                series = series.round(col.scale)
        out[name] = series
    return out


def metadata_for(table: str, columns: Mapping[str, Column]) -> Any:
    from sdv.metadata import Metadata

    spec = {"columns": {name: _sdtype(col) for name, col in columns.items()}}
    return Metadata.load_from_dict({"tables": {table: spec}})


@dataclass(frozen=True)
class FittedModel:
    """An SDV synthesizer plus the numeric ranges its output is folded back into."""

    synthesizer: Any
    bounds: Mapping[str, tuple[float, float]]


def _bounds(data: pd.DataFrame, columns: Mapping[str, Column]) -> dict[str, tuple[float, float]]:
    out = {}
    for name, col in columns.items():
        if col.kind in INTEGER_KINDS or col.kind in NUMERIC_KINDS or col.kind in ("interval", "time"):
            values = pd.to_numeric(data[name], errors="coerce").dropna()
            if len(values):
                out[name] = (float(values.min()), float(values.max()))
    return out


def fold(values: pd.Series, low: float, high: float) -> pd.Series:
    """Reflect out-of-range values back inside [low, high].

    Clipping would pile values onto the exact minimum and maximum, which are
    real rows' values; reflecting keeps the edge of the distribution smooth.
    """
    span = high - low
    if span <= 0:
        return values.where(values.isna(), low)
    offset = (values - low) % (2 * span)
    return low + offset.where(offset <= span, 2 * span - offset)


def fit(
    method: str, table: str, frame: pd.DataFrame, columns: Mapping[str, Column], epochs: int, batch_size: int, seed: int
) -> FittedModel:
    """Fit one SDV synthesizer on encoded ``model`` columns, seeded."""
    from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer

    data = encode(frame, columns)
    metadata = metadata_for(table, columns)
    seed_everything(seed)
    with quiet(), _threads():
        if method == GAN:
            batch = max(10, min(batch_size, (len(data) // 10) * 10 or 10))
            synth = CTGANSynthesizer(
                metadata, epochs=epochs, batch_size=batch, verbose=False, enable_gpu=False, enforce_min_max_values=False
            )
        else:
            synth = GaussianCopulaSynthesizer(metadata, default_distribution="truncnorm", enforce_min_max_values=False)
        synth.fit({table: data})
    return FittedModel(synth, _bounds(data, columns))


def sample(model: FittedModel, n: int, columns: Mapping[str, Column], seed: int) -> pd.DataFrame:
    """``n`` rows from a fitted synthesizer; the same seed gives the same rows."""
    synth = model.synthesizer
    if n == 0:
        return decode(pd.DataFrame({name: pd.Series(dtype=object) for name in columns}), columns)
    with quiet(), sdvfast.sampling(synth):
        synth.reset_sampling()
        synth._set_random_state(seed % (2**31))  # SDV's public seed hook for repeatable sampling
        rows = synth.sample(num_rows=n)
    if isinstance(rows, dict):  # SDV 2.x returns {table: frame}
        rows = next(iter(rows.values()))
    rows = rows.reset_index(drop=True)
    for name, (low, high) in model.bounds.items():
        rows[name] = fold(pd.to_numeric(rows[name], errors="coerce").astype(float), low, high)
    return decode(rows, columns)
