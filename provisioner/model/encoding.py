"""A bundle's contents as JSON plus numpy arrays, and back, without running code from the file.

:func:`dump` turns a tree of provisioner's frozen dataclasses, fitted column
models, snapshots, frames and plain values into a JSON document and a dict of
numeric numpy arrays (saved with ``allow_pickle=False``). :func:`load` rebuilds
it. Decoding only ever constructs the dataclasses named in :data:`CLASSES`
(keyword arguments, no custom ``__setstate__``), fitted models through their
registry's ``from_data``, and plain values: a crafted file can make a wrong
bundle, never run code.

Markers (a JSON object with one ``$`` key) carry what JSON lacks: ``$t`` tuple,
``$o`` a mapping with string keys, ``$m`` any other mapping (key/value pairs),
``$f`` NaN and infinities, ``$a`` an array by name, ``$ts``/``$date``/``$time``/
``$td`` times, ``$dec`` decimals, ``$b`` bytes, ``$uuid``, ``$c`` a dataclass,
``$fitted`` a column model, ``$snapshot`` a schema snapshot, ``$frame`` a DataFrame.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import decimal
import math
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from provisioner.columns.fd import Dependency
from provisioner.columns.table import Fitted
from provisioner.errors import BundleError
from provisioner.model.agreement import EmailFromName, LetterCase, NullsByCountry, TextShape
from provisioner.model.choose import Choice
from provisioner.model.pii import PiiColumn
from provisioner.model.profile import ColumnStats
from provisioner.model.relations.aggregate import Aggregate
from provisioner.model.relations.current import OnePerParent
from provisioner.model.relations.distinct import DistinctKeys
from provisioner.model.relations.hierarchy import CopiedCounts
from provisioner.model.relations.inclusion import Inclusion
from provisioner.model.relations.inherit import Inherit
from provisioner.model.relations.levels import Levels
from provisioner.model.relations.matching import Reference
from provisioner.model.relations.paths import PathOf
from provisioner.model.relations.polymorphic import Polymorphic
from provisioner.model.relations.ranks import KeyOrder
from provisioner.model.relations.relational import Degree, ForeignKeyModel, KeyShape
from provisioner.model.shapes import ArrayShape, ObjectShape, RangeShape, ValueShape
from provisioner.model.textforms import DateText, ListText, UnitText
from provisioner.model.tokens import Segment, TokenShape
from provisioner.model.xmlshape import Leaf, XmlShape
from provisioner.schema.graph import LoadOrder
from provisioner.schema.snapshot import Column, ForeignKey, SchemaSnapshot

CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (ColumnStats, PiiColumn, Inherit, Degree, ForeignKeyModel, KeyShape, LoadOrder, Column, ForeignKey, Dependency,
                ValueShape, ArrayShape, ObjectShape, RangeShape,
                Aggregate, Reference, CopiedCounts, EmailFromName, NullsByCountry, TextShape, LetterCase, Levels, OnePerParent,
                DistinctKeys, Choice, XmlShape, Leaf, TokenShape, Segment, Polymorphic, UnitText, ListText, KeyOrder, DateText, Inclusion, PathOf)
}


def register(cls: type) -> type:
    """Allow ``cls`` (a frozen dataclass) in bundles: the bundle module registers its own."""
    CLASSES[cls.__name__] = cls
    return cls


class _Writer:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def array(self, value: np.ndarray) -> dict[str, Any]:
        if value.dtype.kind not in "biuf":
            return {"$l": [self.value(v) for v in value.tolist()], "shape": list(value.shape)}
        name = f"a{len(self.arrays)}"
        self.arrays[name] = np.ascontiguousarray(value)
        return {"$a": name}

    def value(self, value: Any) -> Any:  # noqa: C901 - one branch per kind of value, flat
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"$f": repr(value)}
        if isinstance(value, np.ndarray):
            return self.array(value)
        if isinstance(value, np.generic):
            return self.value(value.item())
        if value is pd.NA or value is pd.NaT:
            return None
        if isinstance(value, Fitted):
            return {"$fitted": self.value(value.to_data())}
        if isinstance(value, SchemaSnapshot):
            return {"$snapshot": value.to_dict()}
        if isinstance(value, pd.DataFrame):
            return {"$frame": self.frame(value)}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            name = type(value).__name__
            if CLASSES.get(name) is not type(value):
                raise BundleError(f"cannot store a {name} in a bundle; this is a bug in provisioner")
            fields = {f.name: self.value(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init and not f.name.startswith("_")}
            return {"$c": name, "f": fields}
        if isinstance(value, (list, tuple, frozenset, set)):
            items = [self.value(v) for v in (sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value)]
            return items if isinstance(value, list) else {"$t": items} if isinstance(value, tuple) else {"$s": items}
        if isinstance(value, Mapping):
            if all(isinstance(k, str) for k in value):
                return {"$o": {k: self.value(v) for k, v in value.items()}}
            return {"$m": [[self.value(k), self.value(v)] for k, v in value.items()]}
        return _scalar(value)

    def frame(self, frame: pd.DataFrame) -> dict[str, Any]:
        columns = []
        for name in frame.columns:
            series = frame[name]
            columns.append({"name": str(name), "dtype": str(series.dtype), "values": [self.value(_cell(v)) for v in series.tolist()]})
        return {"columns": columns, "rows": len(frame)}


def _cell(value: Any) -> Any:
    """A frame cell as a plain value: missing values are None, driver objects (ranges, ...) their PostgreSQL text."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (str, bool, int, float, np.generic, pd.Timestamp, dt.date, dt.time, dt.timedelta, decimal.Decimal,
                          bytes, bytearray, memoryview, uuid.UUID, list, tuple, dict)):
        return value
    from provisioner.schema.values import literal

    return literal(value)


def _scalar(value: Any) -> dict[str, Any]:
    if isinstance(value, pd.Timestamp):
        return {"$ts": value.isoformat()}
    if isinstance(value, dt.datetime):
        return {"$ts": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, (dt.timedelta, pd.Timedelta)):
        return {"$td": pd.Timedelta(value).value}
    if isinstance(value, decimal.Decimal):
        return {"$dec": str(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    raise BundleError(f"cannot store a {type(value).__name__} value in a bundle; this is a bug in provisioner")


def dump(value: Any) -> tuple[Any, dict[str, np.ndarray]]:
    """``value`` as a JSON-able document and the arrays it names."""
    writer = _Writer()
    return writer.value(value), writer.arrays


class _Reader:
    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.arrays = arrays
        self.markers: dict[str, Callable[[Any, Mapping[str, Any]], Any]] = {
            "$t": lambda v, _: tuple(self.value(x) for x in v),
            "$s": lambda v, _: frozenset(self.value(x) for x in v),
            "$o": lambda v, _: {str(k): self.value(x) for k, x in v.items()},
            "$m": lambda v, _: {self.value(k): self.value(x) for k, x in v},
            "$f": lambda v, _: float(v),
            "$a": lambda v, _: self._array(v),
            "$l": lambda v, d: np.array([self.value(x) for x in v], dtype=object).reshape(d.get("shape", [len(v)])),
            "$ts": lambda v, _: pd.Timestamp(v),
            "$date": lambda v, _: dt.date.fromisoformat(v),
            "$time": lambda v, _: dt.time.fromisoformat(v),
            "$td": lambda v, _: pd.Timedelta(int(v)),
            "$dec": lambda v, _: decimal.Decimal(v),
            "$b": lambda v, _: base64.b64decode(v),
            "$uuid": lambda v, _: uuid.UUID(v),
            "$c": lambda v, d: self._dataclass(v, d.get("f", {})),
            "$fitted": lambda v, _: Fitted.from_data(self.value(v)),
            "$snapshot": lambda v, _: SchemaSnapshot.from_dict(v),
            "$frame": lambda v, _: self._frame(v),
        }

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.value(x) for x in node]
        if not isinstance(node, dict):
            return node
        marker = next((k for k in node if k.startswith("$")), None)
        if marker is None or marker not in self.markers:
            raise BundleError(f"the bundle holds an unknown entry {sorted(node)[:3]}; it is damaged or not a provisioner bundle")
        return self.markers[marker](node[marker], node)

    def _array(self, name: str) -> np.ndarray:
        if name not in self.arrays:
            raise BundleError(f"the bundle names array {name!r}, which it does not hold; it is damaged")
        return self.arrays[name]

    def _dataclass(self, name: str, fields: Mapping[str, Any]) -> Any:
        cls = CLASSES.get(name)
        if cls is None:
            raise BundleError(f"the bundle holds a {name!r}, which provisioner does not store in bundles; it is not one of its bundles")
        known = {f.name for f in dataclasses.fields(cls)}
        if not set(fields) <= known:
            raise BundleError(f"the bundle's {name} has fields {sorted(set(fields) - known)} this provisioner does not know; retrain it")
        return cls(**{k: self.value(v) for k, v in fields.items()})

    def _frame(self, data: Mapping[str, Any]) -> pd.DataFrame:
        out = pd.DataFrame(index=pd.RangeIndex(int(data["rows"])))
        for column in data["columns"]:
            values = [self.value(v) for v in column["values"]]
            try:
                out[column["name"]] = pd.Series(values, dtype=column["dtype"]) if values else pd.Series(values, dtype=column["dtype"])
            except (TypeError, ValueError):
                out[column["name"]] = pd.Series(values, dtype=object)
        return out


def load(document: Any, arrays: Mapping[str, np.ndarray]) -> Any:
    """The value :func:`dump` described."""
    return _Reader(arrays).value(document)
