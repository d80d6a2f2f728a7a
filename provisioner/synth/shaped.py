"""New arrays, JSON and hstore values drawn from a learnt shape (:mod:`provisioner.model.shapes`).

An array gets a length from the learnt lengths and elements from the element's
shape (an array of an enum only ever holds the enum's labels); an object gets one
of the learnt key sets (or, for the share of objects outside them, each key with
its learnt presence) and values from each key's shape. Text outside the learnt
categories is made of words of the learnt mean length. Values are PostgreSQL's
text of the column's type.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from provisioner.model.shapes import ArrayShape, ObjectShape, ValueShape
from provisioner.schema.snapshot import Column
from provisioner.schema.values import format_array, format_hstore
from provisioner.synth import tokens

_WORDS = np.array(["alpha", "beta", "gamma", "delta", "north", "south", "river", "stone", "cloud", "maple", "cedar", "harbor", "amber", "field", "lake", "pine"])
_EPOCH = dt.datetime(1970, 1, 1)


def column_values(col: Column, shape: ValueShape, n: int, rng: np.random.Generator, labels: tuple[str, ...] | None = None) -> pd.Series:
    """``n`` values of ``col`` as PostgreSQL text (None for NULL), at the shape's NULL rate."""
    if col.kind == "array":
        labels = col.enum_values if col.element_kind == "enum" else labels
        values = draw(shape, n, rng, labels, force="array")
        return pd.Series([None if v is None else format_array(_texts(v)) for v in values], dtype=object)
    values = draw(shape, n, rng, force="object" if col.kind == "hstore" else None)
    if col.kind == "hstore":
        return pd.Series([None if v is None else format_hstore({k: None if x is None else _text(x) for k, x in v.items()})
                          for v in values], dtype=object)
    return pd.Series([None if v is None else json.dumps(v) for v in values], dtype=object)


def draw(shape: ValueShape, n: int, rng: np.random.Generator, labels: tuple[str, ...] | None = None,
         force: str | None = None) -> list[Any]:
    """``n`` Python values (None for NULL) of the shape."""
    values = _present(shape, n, rng, labels, force)
    if shape.null_rate > 0 and n:
        for i in np.flatnonzero(rng.random(n) < shape.null_rate).tolist():
            values[i] = None
    return values


def _present(shape: ValueShape, n: int, rng: np.random.Generator, labels: tuple[str, ...] | None, force: str | None) -> list[Any]:
    kind = shape.kind
    if force == "array" and not isinstance(shape.nested, ArrayShape):
        return [[] for _ in range(n)]
    if force == "object" and not isinstance(shape.nested, ObjectShape):
        return [{} for _ in range(n)]
    if kind == "array" and isinstance(shape.nested, ArrayShape):
        return _arrays(shape.nested, n, rng, labels)
    if kind == "object" and isinstance(shape.nested, ObjectShape):
        return _objects(shape.nested, n, rng)
    if kind in ("number", "integer", "date", "timestamp"):
        return _numbers(shape, n, rng)
    if kind == "uuid":
        raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
        raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
        raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
        return [f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" for h in (r.tobytes().hex() for r in raw)]
    if kind == "null":
        return [None] * n
    return _categories(shape, n, rng, labels)


def _arrays(shape: ArrayShape, n: int, rng: np.random.Generator, labels: tuple[str, ...] | None) -> list[Any]:
    lengths = _pick([length for length, _ in shape.lengths], [s for _, s in shape.lengths], n, rng) if shape.lengths else [0] * n
    items = draw(shape.element, int(sum(lengths)), rng, labels)
    out, at = [], 0
    for length in lengths:
        out.append(items[at:at + length])
        at += length
    return _rectangular(out) if shape.element.kind == "array" else out


def _rectangular(arrays: list[Any]) -> list[Any]:
    """A multidimensional array must be rectangular: every inner array gets the most common inner length."""
    widths = Counter(len(x) for a in arrays for x in a if isinstance(x, list) and x)
    if not widths:
        return arrays
    width = widths.most_common(1)[0][0]
    return [[(x * width)[:width] if isinstance(x, list) and x else x for x in a] for a in arrays]


def _objects(shape: ObjectShape, n: int, rng: np.random.Generator) -> list[Any]:
    known = sum(s for _, s in shape.keysets)
    sets: list[tuple[str, ...] | None] = _pick([ks for ks, _ in shape.keysets] + [None], [s for _, s in shape.keysets] + [max(0.0, 1 - known)], n, rng)
    presence = dict(shape.presence)
    for i, ks in enumerate(sets):
        if ks is None:
            sets[i] = tuple(k for k in presence if rng.random() < presence[k])
    values = {k: iter(draw(shape.value(k), sum(1 for ks in sets if ks and k in ks), rng)) for k in presence}
    return [{k: next(values[k]) for k in ks} for ks in sets]  # type: ignore[union-attr]


def _numbers(shape: ValueShape, n: int, rng: np.random.Generator) -> list[Any]:
    q = np.asarray(shape.quantiles or (0.0, 0.0), dtype=float)
    values = np.interp(rng.random(n), np.linspace(0, 1, len(q)), q)
    if shape.kind == "integer":
        out: list[Any] = [int(v) for v in np.round(values)]
    elif shape.kind == "date":
        out = [(_EPOCH + dt.timedelta(seconds=float(v))).date().isoformat() for v in values]
    elif shape.kind == "timestamp":
        out = [(_EPOCH + dt.timedelta(seconds=round(float(v)))).isoformat(sep=" ") for v in values]
    else:
        out = [float(round(v, 6)) for v in values]
    return [str(v) for v in out] if shape.as_text else out


def _categories(shape: ValueShape, n: int, rng: np.random.Generator, labels: tuple[str, ...] | None) -> list[Any]:
    values = [v for v, _ in shape.categories]
    weights = [s for _, s in shape.categories]
    other = shape.other if not labels else 0.0
    if labels:  # an enum: only its labels, the learnt ones at their shares
        values = [v for v in values if v in labels] or list(labels)
        weights = [s for v, s in shape.categories if v in labels] or [1.0] * len(values)
    picked = _pick(values + [None], weights + [other], n, rng) if values else [None] * n
    words = max(1, round(shape.mean_length / 6))
    if shape.token is not None:  # text kept as its format only: fresh tokens of that format
        fresh = iter(tokens.generate(shape.token, sum(1 for v in picked if v is None), rng).tolist())
        return [v if v is not None else next(fresh) for v in picked]
    out = [v if v is not None else " ".join(_WORDS[rng.integers(0, len(_WORDS), size=words)]) for v in picked]
    if shape.kind == "boolean" and not shape.as_text:
        return [bool(v) if not isinstance(v, str) else v in ("true", "t") for v in out]
    return out


def _pick(values: list[Any], weights: list[float], n: int, rng: np.random.Generator) -> list[Any]:
    p = np.asarray(weights, dtype=float)
    if n == 0 or not len(values):
        return []
    p = p / p.sum() if p.sum() > 0 else np.full(len(values), 1 / len(values))
    return [values[i] for i in rng.choice(len(values), size=n, p=p)]


def _texts(items: list[Any]) -> list[Any]:
    return [None if v is None else _texts(v) if isinstance(v, list) else _text(v) for v in items]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)

