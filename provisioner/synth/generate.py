"""Rule-based values for columns no tabular model learns, and for empty tables.

Values come from the column's type, its constraints and a few aggregate
statistics (null rate, range, mean length), or from what was learnt about the
column: the shape of arrays, JSON and hstore (:mod:`provisioner.synth.shaped`),
the frequency profile of an external key (:func:`external_keys`), the share of
special values (:func:`with_specials`: ``infinity``, ``NaN``, BC dates, at their
source rate, for learnt columns too). Types without a rule get NULL where allowed;
a NOT NULL column of an unknown type is an error that names it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from provisioner.errors import SchemaError
from provisioner.model.profile import ColumnStats
from provisioner.model.relations.relational import Degree, KeyShape, make_keys
from provisioner.model.shapes import ValueShape
from provisioner.schema.snapshot import (
    INTEGER_KINDS,
    NUMERIC_KINDS,
    TEXT_KINDS,
    Column,
    Table,
)
from provisioner.synth import shaped

_INT_LIMITS = {"smallint": 32_767, "integer": 2_147_483_647, "bigint": 9_223_372_036_854_775_807}
_EPOCH = np.datetime64("2015-01-01T00:00:00")
_SPAN_SECONDS = 10 * 365 * 86_400


def values_for(table: Table, col: Column, n: int, stats: ColumnStats | None, rng: np.random.Generator) -> pd.Series:
    """``n`` values for ``col`` by rule, with the source's null rate and special values."""
    if stats is not None and stats.frequency is not None:
        return external_keys(col, n, stats, rng)
    if stats is not None and isinstance(stats.shape, ValueShape) and col.kind in _SHAPED and _shaped_element(col):
        return shaped.column_values(col, stats.shape, n, rng)
    series = _base(table, col, n, stats, rng)
    null_rate = stats.null_rate if stats else 0.0
    missing = null_rate + _special_share(stats)
    if (col.nullable or _special_share(stats)) and missing > 0 and n:
        series = series.astype(object) if series.dtype.kind in "iub" else series
        series = series.mask(rng.random(n) < missing)
    return with_specials(series.reset_index(drop=True), stats, rng)


_SHAPED = frozenset({"array", "json", "jsonb", "hstore"})
_ELEMENTS = INTEGER_KINDS | NUMERIC_KINDS | TEXT_KINDS | {"enum", "boolean", "date", "timestamp", "timestamptz", "uuid", "json", "jsonb"}


def _shaped_element(col: Column) -> bool:
    """Arrays of the element kinds a shape can make values of (not of composites, ranges, bytea, ...)."""
    return col.kind != "array" or col.element_kind in _ELEMENTS


def _special_share(stats: ColumnStats | None) -> float:
    return sum(share for _, share in stats.specials) if stats is not None and stats.specials else 0.0


def with_specials(series: pd.Series, stats: ColumnStats | None, rng: np.random.Generator) -> pd.Series:
    """Turn the share of NULLs that stood for special values back into them: a missing value is a special
    one with probability (special share) / (NULL share + special share), the special value by its share."""
    special = _special_share(stats)
    if not special:
        return series
    missing = series.isna().to_numpy()
    chosen = missing & (rng.random(len(series)) < special / (special + stats.null_rate))  # type: ignore[union-attr]
    if not chosen.any():
        return series
    tokens = [t for t, _ in stats.specials]  # type: ignore[union-attr]
    weights = np.asarray([s for _, s in stats.specials], dtype=float)  # type: ignore[union-attr]
    out = series.astype(object).where(series.notna(), None)
    out[chosen] = np.asarray(tokens, dtype=object)[rng.choice(len(tokens), size=int(chosen.sum()), p=weights / weights.sum())]
    return out


def apply_specials(frame: pd.DataFrame, names: Iterable[str], stats: Mapping[str, ColumnStats], rng: np.random.Generator) -> None:
    """Special values of learnt columns (the model sampled them as NULL): see :func:`with_specials`."""
    for name in names:
        if name in frame and stats.get(name) is not None and stats[name].specials:
            frame[name] = with_specials(frame[name], stats[name], rng).to_numpy()


def external_keys(col: Column, n: int, stats: ColumnStats, rng: np.random.Generator) -> pd.Series:
    """New values for an external key with the source's frequency profile: as many values shared by
    1, 2, ... rows as the source had (scaled to ``n``), none of them a source value by design."""
    present = ~(rng.random(n) < stats.null_rate) if col.nullable and stats.null_rate > 0 else np.ones(n, dtype=bool)
    rows = int(present.sum())
    counts = _multiplicities(stats.frequency, rows, rng)  # type: ignore[arg-type]
    ids = _new_ids(col, len(counts), stats, rng)
    values = np.empty(n, dtype=object)
    values[:] = None
    values[present] = rng.permutation(np.repeat(ids, counts)) if rows else values[present]
    series = pd.Series(values, dtype=object)
    return series.astype("Int64") if col.kind in INTEGER_KINDS else series


def _multiplicities(degree: Degree, rows: int, rng: np.random.Generator) -> np.ndarray:
    if rows == 0:
        return np.zeros(0, dtype=np.int64)
    mean = max(degree.mean, 1.0)
    drawn = np.maximum(degree.draw(rng, int(np.ceil(rows / mean)) + 8), 1)
    while drawn.sum() < rows:
        drawn = np.concatenate([drawn, np.maximum(degree.draw(rng, 8), 1)])
    cut = int(np.searchsorted(np.cumsum(drawn), rows))
    counts = drawn[:cut + 1].copy()
    counts[-1] -= int(counts.sum()) - rows
    return counts[counts > 0]


def _new_ids(col: Column, k: int, stats: ColumnStats, rng: np.random.Generator) -> np.ndarray:
    if col.kind == "uuid":
        return make_keys(KeyShape("uuid"), col, k, rng).to_numpy(dtype=object)
    low = int(stats.min_value) if stats.min_value is not None else 1
    high = max(int(stats.max_value) if stats.max_value is not None else low, low + 2 * k)
    high = min(high, _INT_LIMITS.get(col.kind, _INT_LIMITS["bigint"]))
    if high - low < 1_000_000:
        return rng.choice(np.arange(low, high + 1, dtype=np.int64), size=k, replace=False)
    ids = np.unique(rng.integers(low, high + 1, size=2 * k + 16, dtype=np.int64))
    return rng.permutation(ids)[:k]


def _base(table: Table, col: Column, n: int, stats: ColumnStats | None, rng: np.random.Generator) -> pd.Series:
    kind = col.kind
    if kind in INTEGER_KINDS:
        lo, hi = _range(stats, 1, min(1000, _INT_LIMITS[kind]))
        return pd.Series(rng.integers(int(lo), int(hi) + 1, size=n)).astype("Int64")
    if kind in NUMERIC_KINDS:
        lo, hi = _range(stats, 0, _numeric_max(col))
        return pd.Series(np.round(rng.uniform(lo, hi, size=n), col.scale if col.scale is not None else 4))
    if kind == "boolean":
        return pd.Series(rng.random(n) < 0.5, dtype="boolean")
    if kind in ("date", "timestamp", "timestamptz"):
        stamps = _EPOCH + rng.integers(0, _SPAN_SECONDS, size=n).astype("timedelta64[s]")
        series = pd.Series(pd.to_datetime(stamps))
        return series.dt.normalize() if kind == "date" else series.dt.tz_localize("UTC") if kind == "timestamptz" else series
    if kind == "enum" and col.enum_values:
        return pd.Series(np.asarray(col.enum_values, dtype=object)[rng.integers(0, len(col.enum_values), size=n)])
    if kind in TEXT_KINDS:
        return _words(col, n, stats, rng)
    if kind == "uuid":
        return make_keys(KeyShape("uuid"), col, n, rng)
    return _literal(table, col, n, stats, rng)


def _range(stats: ColumnStats | None, lo: float, hi: float) -> tuple[float, float]:
    if stats and stats.min_value is not None and stats.max_value is not None:
        return stats.min_value, stats.max_value
    return lo, hi


def _numeric_max(col: Column) -> float:
    if col.precision is not None:
        return min(1000.0, 10 ** (col.precision - (col.scale or 0)) - 1)
    return 1000.0


def _words(col: Column, n: int, stats: ColumnStats | None, rng: np.random.Generator) -> pd.Series:
    vocabulary = _VOCABULARY
    count = max(1, int(round((stats.mean_length or 12) / 6))) if stats else 2
    picks = vocabulary[rng.integers(0, len(vocabulary), size=(n, count))]
    words = pd.Series([" ".join(row) for row in picks], dtype=object)
    return words.str.slice(0, col.max_length) if col.max_length else words


_VOCABULARY = np.array(["alpha", "beta", "gamma", "delta", "north", "south", "river", "stone", "cloud", "maple", "cedar", "harbor"])


def _lexemes(n: int, stats: ColumnStats | None, rng: np.random.Generator) -> pd.Series:
    """tsvector literals of about the source's length ('cloud':1 'river':2), none when the source's were empty."""
    count = int(round((stats.mean_length if stats and stats.mean_length is not None else 30) / 10))
    if count <= 0:
        return pd.Series([""] * n, dtype=object)
    picks = _VOCABULARY[rng.integers(0, len(_VOCABULARY), size=(n, count))]
    return pd.Series([" ".join(f"'{w}':{i + 1}" for i, w in enumerate(row)) for row in picks], dtype=object)


def _literal(table: Table, col: Column, n: int, stats: ColumnStats | None, rng: np.random.Generator) -> pd.Series:
    """PostgreSQL text literals for types without a model."""
    kind = col.kind
    if kind in ("json", "jsonb"):
        keys = rng.integers(0, 1000, size=n)
        return pd.Series([f'{{"id": {k}}}' for k in keys], dtype=object)
    if kind == "array":
        inner = rng.integers(1, 100, size=(n, 3)) if col.element_kind in INTEGER_KINDS | NUMERIC_KINDS else None
        if inner is not None:
            return pd.Series(["{" + ",".join(map(str, row)) + "}" for row in inner], dtype=object)
        if col.element_kind == "enum" and col.enum_values:
            labels = np.asarray(col.enum_values, dtype=object)[rng.integers(0, len(col.enum_values), size=n)]
            return pd.Series(["{" + str(v) + "}" for v in labels], dtype=object)
        if col.element_kind in TEXT_KINDS:
            words = np.array(["alpha", "beta", "gamma", "delta", "north", "south", "river", "stone", "cloud", "maple"])
            sizes = rng.integers(0, 4, size=n)
            return pd.Series(["{" + ",".join(words[rng.integers(0, len(words), size=k)]) + "}" for k in sizes], dtype=object)
        return pd.Series(["{}"] * n, dtype=object)
    if kind == "bytea":
        length = int(round(stats.mean_length)) if stats and stats.mean_length else 16
        blobs = rng.integers(0, 256, size=(n, max(1, min(length, 4096))), dtype=np.uint8)
        return pd.Series(["\\x" + row.tobytes().hex() for row in blobs], dtype=object)
    if kind == "inet":
        octets = rng.integers(1, 255, size=(n, 4))
        return pd.Series([f"10.{a}.{b}.{c}" for a, b, c in octets[:, 1:]], dtype=object)
    if kind == "interval":
        return pd.Series(rng.integers(0, 86_400 * 30, size=n).astype(float))
    if kind == "time":
        return pd.Series(rng.integers(0, 86_400, size=n).astype(float))
    if kind == "range":
        return _ranges(col, n, rng)
    if kind == "tsvector":
        return _lexemes(n, stats, rng)
    if kind == "hstore":
        return pd.Series([""] * n, dtype=object)
    if kind == "bit":
        width = col.max_length or 1
        sizes = np.full(n, width) if col.type.startswith("bit(") or col.type == "bit" else rng.integers(1, width + 1, size=n)
        return pd.Series(["".join("01"[b] for b in rng.integers(0, 2, size=k)) for k in sizes], dtype=object)
    if kind == "geometric":
        return pd.Series([_GEOMETRIC.get(col.type.split("(")[0].strip(), None)] * n, dtype=object)
    if kind == "macaddr":
        octets = rng.integers(0, 256, size=(n, 6))
        return pd.Series([":".join(f"{o:02x}" for o in row) for row in octets], dtype=object)
    if col.nullable:
        return pd.Series([None] * n, dtype=object)
    raise SchemaError(
        f"table {table.key}: column {col.name} has type {col.type}, which provisioner cannot synthesise; "
        f"make it nullable, or set a model for table {table.key} in the config"
    )


_GEOMETRIC = {"box": "(1,1),(0,0)", "circle": "<(0,0),1>", "lseg": "[(0,0),(1,1)]", "line": "{1,-1,0}",
              "path": "((0,0),(1,1),(1,0))", "polygon": "((0,0),(1,1),(1,0))"}


def _ranges(col: Column, n: int, rng: np.random.Generator) -> pd.Series:
    start = rng.integers(0, 1000, size=n)
    width = rng.integers(1, 100, size=n)
    name = col.type.lower()
    if name.startswith(("daterange", "tsrange", "tstzrange")):
        base = pd.Timestamp("2020-01-01")
        fmt = "%Y-%m-%d" if name.startswith("daterange") else "%Y-%m-%d %H:%M:%S"
        lo = (base + pd.to_timedelta(start, unit="D")).strftime(fmt)
        hi = (base + pd.to_timedelta(start + width, unit="D")).strftime(fmt)
        return pd.Series([f"[{a},{b})" for a, b in zip(lo, hi)], dtype=object)
    return pd.Series([f"[{a},{a + w})" for a, w in zip(start, width)], dtype=object)
