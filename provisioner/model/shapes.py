"""The learnt shape of structured values: arrays, JSON, hstore (aggregates, like a copula's marginals).

:func:`learn` reads a column's values (Python lists, dicts and scalars, as the
driver returns them or as :mod:`provisioner.schema.values` parses PostgreSQL's
text) into a :class:`ValueShape`:

* an array: the distribution of its lengths and the shape of its elements;
* an object (JSON object, hstore): the key sets seen, each key's presence and the
  shape of its values;
* text: the values seen at least ``MIN_COUNT`` times and their shares (categories,
  as a column model keeps them), the share of other values (made up as words of
  the learnt mean length), never a value seen once; text that looks personal
  (e-mail addresses, phone numbers) or is mostly unique keeps no value at all, only its
  format where it has one (:mod:`provisioner.model.tokens`: ``+7`` and ten digits, a name, a
  dot and ``@example.org``); numbers written with a sign or leading zeros are such text;
* numbers and dates: ``QUANTILES`` quantiles; booleans: their share.

:mod:`provisioner.synth.generate` draws new values from a shape.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from provisioner.model import tokens

MIN_COUNT = 2  # a value (or key set) seen fewer times is never kept
MAX_VALUES = 50  # categories kept per text value
MAX_KEYS = 64  # keys kept per object
MAX_KEYSETS = 32
QUANTILES = 11
MAX_DEPTH = 3
_EPOCH = dt.datetime(1970, 1, 1)


@dataclass(frozen=True)
class ValueShape:
    kind: str  # text | number | integer | boolean | date | timestamp | uuid | object | array | null
    null_rate: float = 0.0
    categories: tuple[tuple[Any, float], ...] = ()  # (value, share of present values), seen MIN_COUNT+ times
    quantiles: tuple[float, ...] = ()  # numbers; dates and timestamps as epoch seconds
    mean_length: float = 8.0  # text not among the categories: words of about this length
    as_text: bool = False  # numbers, booleans or dates written as text (hstore values, text[] of numbers)
    nested: Any = None  # ArrayShape or ObjectShape
    token: Any = None  # text that is not kept (personal, mostly unique) but has a format: a tokens.TokenShape

    @property
    def other(self) -> float:
        """Share of present values that are none of the categories."""
        return max(0.0, 1.0 - sum(share for _, share in self.categories))


@dataclass(frozen=True)
class ArrayShape:
    lengths: tuple[tuple[int, float], ...]  # (length, share)
    element: ValueShape


@dataclass(frozen=True)
class ObjectShape:
    keysets: tuple[tuple[tuple[str, ...], float], ...]  # key sets seen MIN_COUNT+ times, share of objects
    presence: tuple[tuple[str, float], ...]  # each kept key: share of objects holding it (for the other objects)
    values: tuple[tuple[str, ValueShape], ...]  # each kept key's values

    def value(self, key: str) -> ValueShape:
        return dict(self.values)[key]


@dataclass(frozen=True)
class RangeShape:
    """What a range column keeps besides its two part columns."""

    bounds: str = "[)"  # the most common inclusive/exclusive bounds
    empty: float = 0.0  # share of 'empty' ranges among the present values


def learn(values: Sequence[Any], personal: Callable[[list[str]], bool] | None = None, depth: int = 0) -> ValueShape:
    """The shape of ``values`` (None for NULL); ``personal`` says whether text values look like PII."""
    n = len(values)
    present = [v for v in values if v is not None]
    null_rate = 1 - len(present) / n if n else 0.0
    if not present:
        return ValueShape("null", null_rate)
    kind = Counter(_kind(v) for v in present).most_common(1)[0][0]
    same = [v for v in present if _kind(v) == kind]
    if kind == "array" and depth < MAX_DEPTH:
        lengths = Counter(len(v) for v in same)
        items = [x for v in same for x in v]
        return ValueShape("array", null_rate, nested=ArrayShape(_shares(lengths, len(same), 1), learn(items, personal, depth + 1)))
    if kind == "object" and depth < MAX_DEPTH:
        return ValueShape("object", null_rate, nested=_object(same, personal, depth))
    if kind in ("number", "integer", "date", "timestamp"):
        return ValueShape(kind, null_rate, quantiles=_quantiles([_number(v) for v in same]))
    if kind == "boolean":
        return ValueShape(kind, null_rate, categories=_shares(Counter(same), len(same), 1))
    if kind == "uuid":
        return ValueShape(kind, null_rate)
    return _text([str(v) for v in same], null_rate, personal)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, np.integer)):
        return "integer"
    if isinstance(value, (float, decimal.Decimal, np.floating)):
        return "number"
    if isinstance(value, dt.datetime):
        return "timestamp"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    if type(value).__name__ == "UUID":
        return "uuid"
    return "text"


def _number(value: Any) -> float:
    if isinstance(value, dt.datetime):
        return (value.replace(tzinfo=None) - _EPOCH).total_seconds()
    if isinstance(value, dt.date):
        return float((value - _EPOCH.date()).days * 86_400)
    return float(value)


def _quantiles(values: list[float]) -> tuple[float, ...]:
    finite = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    if not len(finite):
        return (0.0, 0.0)
    return tuple(float(q) for q in np.quantile(finite, np.linspace(0, 1, QUANTILES)))


def _shares(counts: Counter, total: int, minimum: int) -> tuple[tuple[Any, float], ...]:  # type: ignore[type-arg]
    kept = [(v, c) for v, c in counts.most_common() if c >= minimum]
    return tuple((v, c / max(total, 1)) for v, c in kept)


def _text(values: list[str], null_rate: float, personal: Callable[[list[str]], bool] | None) -> ValueShape:
    mean_length = float(np.mean([len(v) for v in values])) if values else 8.0
    numeric = _as_numbers(values)
    if numeric is not None:
        return ValueShape("number" if any("." in v for v in values) else "integer", null_rate,
                          quantiles=_quantiles(numeric), as_text=True)
    if set(values) <= {"true", "false", "t", "f"}:
        return ValueShape("boolean", null_rate, categories=_shares(Counter(values), len(values), 1), as_text=True)
    counts = Counter(values)
    mostly_unique = len(counts) > 0.5 * len(values) and len(values) > 2 * MIN_COUNT
    if mostly_unique or (personal is not None and personal(values)):
        return ValueShape("text", null_rate, mean_length=mean_length, token=tokens.learn(pd.Series(values, dtype=object), ""))
    kept = _shares(Counter(dict(counts.most_common(MAX_VALUES))), len(values), MIN_COUNT)
    return ValueShape("text", null_rate, categories=kept, mean_length=mean_length)


def _as_numbers(values: list[str]) -> list[float] | None:
    try:
        numbers = [float(v) for v in values]
    except ValueError:
        return None
    written = all(v.strip() == v and v.lower() not in ("nan", "inf", "-inf", "infinity") and not _LEADING.match(v) for v in values)
    return numbers if values and written else None


_LEADING = re.compile(r"^\+|^-?0\d")  # '+70123', '007': a phone number, a code, not a number


def _object(objects: list[dict[str, Any]], personal: Callable[[list[str]], bool] | None, depth: int) -> ObjectShape:
    keys = Counter(k for o in objects for k in o)
    kept = [k for k, c in keys.most_common(MAX_KEYS) if c >= MIN_COUNT]
    keep = set(kept)
    keysets = Counter(tuple(k for k in o if k in keep) for o in objects)
    frequent = [(ks, c) for ks, c in keysets.most_common(MAX_KEYSETS) if c >= MIN_COUNT]
    values = tuple((k, learn([o.get(k) for o in objects if k in o], personal, depth + 1)) for k in kept)
    return ObjectShape(
        keysets=tuple((ks, c / len(objects)) for ks, c in frequent),
        presence=tuple((k, keys[k] / len(objects)) for k in kept),
        values=values,
    )
