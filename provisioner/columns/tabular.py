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
import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from provisioner.columns import fd, sdvfast
from provisioner.columns.copula import EmpiricalCopula
from provisioner.model import budget
from provisioner.model.relations.hierarchy import CONDITION
from provisioner.schema.snapshot import INTEGER_KINDS, NUMERIC_KINDS, Column

_DATETIMES = ("date", "timestamp", "timestamptz")

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


def is_categorical(col: Column) -> bool:
    """Whether CTGAN one-hot encodes the column (a category or a boolean)."""
    return _sdtype(col)["sdtype"] in ("categorical", "boolean")


def _sdtype(col: Column) -> dict[str, Any]:
    if col.kind in INTEGER_KINDS:
        return {"sdtype": "numerical"}
    if col.kind in NUMERIC_KINDS or col.kind in ("interval", "time"):
        return {"sdtype": "numerical"}
    if col.kind == "boolean":
        return {"sdtype": "boolean"}
    if col.kind in ("date", "timestamp", "timestamptz"):
        return {"sdtype": "datetime"}  # given as datetime64: SDV's per-value string format check is skipped
    return {"sdtype": "categorical"}


def encode(frame: pd.DataFrame, columns: Mapping[str, Column]) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for name, col in columns.items():
        series = frame[name]
        if col.kind in ("date", "timestamp", "timestamptz"):
            series = pd.to_datetime(series, errors="coerce", utc=col.kind == "timestamptz")
            if col.kind == "timestamptz":
                series = series.dt.tz_convert("UTC").dt.tz_localize(None)
            series = series.astype("datetime64[ns]")  # strings made SDV re-parse every sampled value (30x slower)
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
        elif col.kind in INTEGER_KINDS or (col.kind == "lookup" and col.element_kind in INTEGER_KINDS):
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
    epochs: int | None = None  # CTGAN epochs actually trained (fewer than asked when a time budget stopped it)
    determined: Mapping[str, fd.Dependency] = field(default_factory=dict)  # column -> what fixes it (fd.py)
    deltas: Mapping[str, tuple[str, float, float]] = field(default_factory=dict)  # copula: datetime column -> (anchor, its range)


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


def _copula_kind(col: Column) -> str:
    numeric = col.kind in INTEGER_KINDS or col.kind in NUMERIC_KINDS or col.kind in ("interval", "time")
    return "numeric" if numeric or col.kind in _DATETIMES else "categorical"


def encode_numeric(frame: pd.DataFrame, columns: Mapping[str, Column]) -> pd.DataFrame:
    """Numbers as floats, datetimes as epoch seconds, the rest as Python objects."""
    out = pd.DataFrame(index=frame.index)
    for name, col in columns.items():
        series = frame[name]
        if col.kind in _DATETIMES:
            stamps = pd.to_datetime(series, errors="coerce", utc=True)
            out[name] = (stamps - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
        elif _copula_kind(col) == "numeric":
            out[name] = pd.to_numeric(series, errors="coerce").astype(float)
        else:
            out[name] = series.astype(object).where(series.notna(), None)
    return out


def _decode_numeric(rows: pd.DataFrame, columns: Mapping[str, Column]) -> pd.DataFrame:
    rows = rows.copy()
    for name, col in columns.items():
        if col.kind in _DATETIMES and name in rows:
            rows[name] = pd.to_datetime(pd.to_numeric(rows[name], errors="coerce"), unit="s").dt.round("s")
    return decode(rows, columns)


def fit(
    method: str, table: str, frame: pd.DataFrame, columns: Mapping[str, Column], epochs: int, batch_size: int, seed: int,
    time_limit: float | None = None,
) -> FittedModel:
    """Fit one model on the ``columns`` of ``frame``, seeded.

    ``gaussian_copula`` is provisioner's empirical-marginal copula (copula.py);
    ``ctgan`` is SDV's CTGANSynthesizer, stopped after the last epoch that ends
    within ``time_limit`` seconds of the start of this call (budget.py).
    """
    started = time.monotonic()
    determined = _dependencies(frame, columns)
    if method != GAN:
        data = encode_numeric(frame, columns)
        kinds = {name: _copula_kind(col) for name, col in columns.items()}
        deltas = {name: (anchor, float(data[name].min()), float(data[name].max())) for name, anchor in date_deltas(data, columns).items()}
        for name, (anchor, _, _) in deltas.items():
            data[name] = data[name] - data[anchor]
        lookups = frozenset(c for c, col in columns.items() if col.kind == "lookup")
        return FittedModel(EmpiricalCopula.fit(data, kinds, seed, lookups), {}, determined=determined, deltas=deltas)
    from sdv.single_table import CTGANSynthesizer

    data = encode(frame, columns)
    metadata = metadata_for(table, columns)
    seed_everything(seed)
    with quiet(), _threads():
        batch = max(10, min(batch_size, (len(data) // 10) * 10 or 10))
        synth = CTGANSynthesizer(
            metadata, epochs=epochs, batch_size=batch, verbose=False, enable_gpu=False, enforce_min_max_values=False
        )
        with budget.deadline_epochs(time_limit, started) as loops:
            synth.fit({table: data})
    trained = loops[0].done if loops else epochs
    return FittedModel(synth, _bounds(data, columns), trained, determined)


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
    dates = [c for c, col in columns.items() if col.kind in _DATETIMES and c in data and not c.startswith(CONDITION)]
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


def _dependencies(frame: pd.DataFrame, columns: Mapping[str, Column]) -> dict[str, fd.Dependency]:
    """Categories fixed by a discrete column (fd.py): a category or an integer, the parent's
    columns a child is conditioned on included; those are given when sampling, never determined."""
    categorical = [c for c, col in columns.items() if is_categorical(col) and c in frame]
    discrete = categorical + [c for c, col in columns.items() if col.kind in INTEGER_KINDS and c in frame]
    targets = [c for c in categorical if not c.startswith(CONDITION)]
    return fd.learn(frame, discrete, targets)


def sample(
    model: FittedModel, n: int, columns: Mapping[str, Column], seed: int, given: pd.DataFrame | None = None
) -> pd.DataFrame:
    """``n`` rows; the same seed gives the same rows. ``given`` conditions a copula
    on some columns (a child's parent attributes); a GAN ignores it."""
    if n == 0:
        return decode(pd.DataFrame({name: pd.Series(dtype=object) for name in columns}), columns)
    if isinstance(model.synthesizer, EmpiricalCopula):
        cond = encode_numeric(given, {c: columns[c] for c in given.columns}) if given is not None else None
        rows = model.synthesizer.sample(n, np.random.default_rng(seed), cond)
        for name, (anchor, low, high) in getattr(model, "deltas", {}).items():
            if name in rows and anchor in rows:
                rows[name] = fold(rows[anchor] + rows[name], low, high)
        return _dependent(model, _decode_numeric(rows, {c: col for c, col in columns.items() if c in rows}), seed, given)
    synth = model.synthesizer
    with quiet(), sdvfast.sampling(synth):
        synth.reset_sampling()
        synth._set_random_state(seed % (2**31))  # SDV's public seed hook for repeatable sampling
        rows = synth.sample(num_rows=n)
    if isinstance(rows, dict):  # SDV 2.x returns {table: frame}
        rows = next(iter(rows.values()))
    rows = rows.reset_index(drop=True)
    for name, (low, high) in model.bounds.items():
        rows[name] = fold(pd.to_numeric(rows[name], errors="coerce").astype(float), low, high)
    return _dependent(model, decode(rows, {c: col for c, col in columns.items() if c in rows}), seed)


def _dependent(model: FittedModel, rows: pd.DataFrame, seed: int, given: pd.DataFrame | None = None) -> pd.DataFrame:
    """``rows`` with the columns another one determines set from it (fd.py); a determinant
    may be one of the ``given`` parent columns, which are not returned."""
    deps, rng = getattr(model, "determined", {}), np.random.default_rng([seed % (2**32), 7])
    if given is None or not deps:
        return fd.apply(rows, deps, rng)
    both = pd.concat([rows, given.reset_index(drop=True).drop(columns=list(rows.columns), errors="ignore")], axis=1)
    return fd.apply(both, deps, rng)[list(rows.columns)]
