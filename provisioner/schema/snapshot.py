"""The schema snapshot: an immutable, serialisable picture of the source schema.

``reflect`` produces a :class:`SchemaSnapshot`; every later stage reads it.
Snapshots are saved as indented JSON under ``schemas/`` so that a reviewer can
read them and a diff shows what changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from psycopg import sql

from provisioner.errors import SchemaError
from provisioner.schema.extras import (
    Comment,
    Composite,
    DbSequence,
    Policy,
    TypeDef,
    View,
)

SNAPSHOT_FORMAT = 1

#: Normalised type families the generators understand.
NUMERIC_KINDS = frozenset({"smallint", "integer", "bigint", "numeric", "real", "double"})
INTEGER_KINDS = frozenset({"smallint", "integer", "bigint"})
TEXT_KINDS = frozenset({"text", "varchar", "char"})
TIME_KINDS = frozenset({"date", "timestamp", "timestamptz", "time"})


def family(kind: str) -> str:
    """The statistical family of a column kind: numeric, datetime, boolean or categorical."""
    if kind in NUMERIC_KINDS or kind in ("interval", "time"):
        return "numeric"
    if kind in ("date", "timestamp", "timestamptz"):
        return "datetime"
    if kind == "boolean":
        return "boolean"
    return "categorical"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # exact PostgreSQL spelling, from format_type()
    kind: str  # normalised family: integer, varchar, timestamp, enum, array, ...
    nullable: bool = True
    default: str | None = None
    identity: str | None = None  # "always" | "by default"
    generated: str | None = None  # expression of a STORED generated column
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    enum_values: tuple[str, ...] | None = None
    element_kind: str | None = None  # for arrays ("enum" for an array of an enum: enum_values are its labels)
    sequence: str | None = None  # sequence behind a serial default
    part_of: str | None = None  # a *part* of another column: a range's lower bound or length, a composite's attribute
    domain_not_null: bool = False  # NOT NULL through its domain only (not nullable, but no NOT NULL of its own)
    collation: str | None = None  # a built-in collation other than its type's (pg_catalog."C"), re-created

    @property
    def insertable(self) -> bool:
        """Generated columns are computed by PostgreSQL and never written."""
        return self.generated is None

    @property
    def stored(self) -> bool:
        """A column of the table in PostgreSQL that is written (not generated, not a part of another column)."""
        return self.generated is None and self.part_of is None


@dataclass(frozen=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    ref_table: str  # table key, see Table.key
    ref_columns: tuple[str, ...]
    definition: str  # pg_get_constraintdef() text
    # declared on the partitions of a partitioned table rather than on the table: (schema, partition, name)
    on_partitions: tuple[tuple[str, str, str], ...] = ()
    virtual: bool = False  # declared in the config (``foreign_keys``), not in the database: modelled, never created

    @property
    def label(self) -> str:
        return f"({', '.join(self.columns)}) -> {self.ref_table}({', '.join(self.ref_columns)})"


@dataclass(frozen=True)
class Constraint:
    name: str
    kind: str  # "unique" | "check" | "exclude"
    columns: tuple[str, ...]
    definition: str


@dataclass(frozen=True)
class Index:
    name: str
    definition: str  # pg_get_indexdef() text
    unique: bool
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Trigger:
    name: str
    definition: str  # pg_get_triggerdef() text


@dataclass(frozen=True)
class Partition:
    schema: str
    name: str
    parent_schema: str
    parent: str  # the partitioned table it belongs to (the reflected table, or a partition above)
    bound: str  # pg_get_expr(relpartbound): "FOR VALUES FROM (...) TO (...)" or "DEFAULT"
    partition_key: str | None = None  # a partition that is itself partitioned


@dataclass(frozen=True)
class Routine:
    schema: str
    name: str
    definition: str  # pg_get_functiondef(): CREATE OR REPLACE FUNCTION ...


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    primary_key_name: str | None = None
    foreign_keys: tuple[ForeignKey, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    indexes: tuple[Index, ...] = ()
    row_count: int = 0
    partition_key: str | None = None  # pg_get_partkeydef() of a partitioned table: "RANGE (day)"
    partitions: tuple[Partition, ...] = ()  # re-created in the target; rows are loaded through the parent
    triggers: tuple[Trigger, ...] = ()  # re-created and fire during the load (e.g. a tsvector trigger)
    row_security: bool = False  # ALTER TABLE ... ENABLE ROW LEVEL SECURITY
    force_row_security: bool = False  # ALTER TABLE ... FORCE ROW LEVEL SECURITY
    policies: tuple[Policy, ...] = ()  # created after the load, with the flags above

    @property
    def key(self) -> str:
        """The name used everywhere else: ``album`` in public, ``sales.order`` elsewhere."""
        return self.name if self.schema == "public" else f"{self.schema}.{self.name}"

    @property
    def ident(self) -> sql.Identifier:
        """The table's qualified name for :mod:`psycopg.sql` composition."""
        return sql.Identifier(self.schema, self.name)

    @property
    def sql_name(self) -> str:
        """The qualified name as SQL text, quoted by psycopg (any character may appear in a name)."""
        return self.ident.as_string(None)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise SchemaError(f"table {self.key} has no column {name!r}; check the name in your config")

    @property
    def uniques(self) -> tuple[tuple[str, ...], ...]:
        """Every column set that must be unique: PK, unique constraints, full unique indexes."""
        sets: list[tuple[str, ...]] = [self.primary_key] if self.primary_key else []
        sets += [c.columns for c in self.constraints if c.kind == "unique"]
        sets += [i.columns for i in self.indexes if i.unique and i.columns and " WHERE " not in i.definition]
        return tuple(dict.fromkeys(s for s in sets if s))

    def nulls_not_distinct(self, columns: tuple[str, ...]) -> bool:
        """Whether a unique set is ``UNIQUE NULLS NOT DISTINCT`` (PostgreSQL 15+): NULLs count as equal."""
        definitions = [c.definition for c in self.constraints if c.kind == "unique" and tuple(c.columns) == tuple(columns)]
        definitions += [i.definition for i in self.indexes if i.unique and tuple(i.columns) == tuple(columns)]
        return any("NULLS NOT DISTINCT" in d.upper() for d in definitions)

    @property
    def stored_columns(self) -> tuple[Column, ...]:
        """The columns PostgreSQL stores and provisioner writes (see :attr:`Column.stored`)."""
        return tuple(c for c in self.columns if c.stored)

    def parts(self, name: str) -> tuple[Column, ...]:
        """The part columns of column ``name`` (a range's bounds, a composite's attributes), in order."""
        return tuple(c for c in self.columns if c.part_of == name)

    @property
    def partition_columns(self) -> tuple[str, ...]:
        """Columns named in the partition key (``LIST (region)``, ``RANGE (lower(span), id)``)."""
        if not self.partition_key:
            return ()
        body = self.partition_key.split("(", 1)[-1]
        return tuple(c.name for c in self.columns if c.stored and _names_column(body, c.name))

    @property
    def fk_columns(self) -> frozenset[str]:
        return frozenset(c for fk in self.foreign_keys for c in fk.columns)

    @property
    def checks(self) -> tuple[Constraint, ...]:
        return tuple(c for c in self.constraints if c.kind == "check")


@dataclass(frozen=True)
class EnumType:
    schema: str
    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Domain:
    schema: str
    name: str
    definition: str  # full CREATE DOMAIN statement
    depends: tuple[str, ...] = ()  # user types it is built on ("schema.name"), created first


@dataclass(frozen=True)
class SchemaSnapshot:
    schemas: tuple[str, ...]
    tables: tuple[Table, ...]
    enums: tuple[EnumType, ...] = ()
    domains: tuple[Domain, ...] = ()
    extensions: tuple[str, ...] = ()
    functions: tuple[Routine, ...] = ()  # user functions of the schemas (not extensions'), e.g. trigger functions
    server_version: str = ""
    composites: tuple[Composite, ...] = ()
    sequences: tuple[DbSequence, ...] = ()
    views: tuple[View, ...] = ()
    comments: tuple[Comment, ...] = ()
    extension_schemas: tuple[tuple[str, str], ...] = ()  # (extension, schema) where not public
    skipped: tuple[str, ...] = ()  # objects of the source that are not re-created (listed in the report's notes)
    range_types: tuple[TypeDef, ...] = ()
    aggregates: tuple[Routine, ...] = ()  # CREATE AGGREGATE statements (after the functions they call)
    format: int = SNAPSHOT_FORMAT
    _index: dict[str, Table] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({t.key: t for t in self.tables})

    def table(self, key: str) -> Table:
        try:
            return self._index[key]
        except KeyError:
            known = ", ".join(sorted(self._index)) or "none"
            raise SchemaError(f"unknown table {key!r}; the snapshot has: {known}") from None

    def has_table(self, key: str) -> bool:
        return key in self._index

    @property
    def table_keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.tables)

    def subset(self, keys: list[str] | tuple[str, ...]) -> SchemaSnapshot:
        """Only ``keys``; foreign keys to tables left out become plain columns."""
        kept = set(keys)
        tables = tuple(
            replace(t, foreign_keys=tuple(fk for fk in t.foreign_keys if fk.ref_table in kept))
            for t in self.tables if t.key in kept
        )
        return replace(self, tables=tables, _index={})

    def to_dict(self, with_counts: bool = True) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_") and not _unset(self, f)}
        out = json.loads(json.dumps({k: _plain(v) for k, v in data.items()}))
        if not with_counts:
            for table in out["tables"]:
                table.pop("row_count", None)
        return out

    @property
    def structure_hash(self) -> str:
        """SHA-256 of the structure (row counts and server version excluded)."""
        data = self.to_dict(with_counts=False)
        data.pop("server_version", None)
        data.pop("skipped", None)  # notes on what is not re-created, not structure
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n"

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SchemaSnapshot:
        if data.get("format") != SNAPSHOT_FORMAT:
            raise SchemaError(f"snapshot format {data.get('format')!r} is not supported; re-run `provisioner reflect`")
        tables = tuple(_table_from_dict(t) for t in data["tables"])
        return cls(
            schemas=tuple(data["schemas"]),
            tables=tables,
            enums=tuple(EnumType(e["schema"], e["name"], tuple(e["values"])) for e in data.get("enums", [])),
            domains=tuple(_make(Domain, d) for d in data.get("domains", [])),
            extensions=tuple(data.get("extensions", [])),
            functions=tuple(Routine(**r) for r in data.get("functions", [])),
            server_version=data.get("server_version", ""),
            composites=tuple(_make(Composite, c) for c in data.get("composites", [])),
            sequences=tuple(_make(DbSequence, q) for q in data.get("sequences", [])),
            views=tuple(_make(View, v) for v in data.get("views", [])),
            comments=tuple(Comment(**c) for c in data.get("comments", [])),
            extension_schemas=_tuple(data.get("extension_schemas", [])),
            skipped=tuple(data.get("skipped", [])),
            range_types=tuple(_make(TypeDef, t) for t in data.get("range_types", [])),
            aggregates=tuple(Routine(**r) for r in data.get("aggregates", [])),
        )

    @classmethod
    def load(cls, path: str | Path) -> SchemaSnapshot:
        try:
            return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SchemaError(f"cannot read schema snapshot {path}: {exc}; re-run `provisioner reflect`") from None


#: Fields added after snapshot format 1: written only when set, so that a snapshot of a schema
#: without these features (and its structure hash, the target's revision) stays as it was.
_OPTIONAL = frozenset({
    "part_of", "domain_not_null", "collation", "on_partitions", "virtual", "row_security", "force_row_security", "policies", "depends",
    "composites", "sequences", "views", "comments", "extension_schemas", "skipped", "range_types", "aggregates",
})


def _unset(obj: Any, f: Any) -> bool:
    return f.name in _OPTIONAL and getattr(obj, f.name) == f.default


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value) if not f.name.startswith("_") and not _unset(value, f)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _tuple(value: Any) -> Any:
    """JSON lists back to tuples, nested ones too (``on_partitions``, ``attributes``)."""
    return tuple(_tuple(v) for v in value) if isinstance(value, list) else value


def _make(cls: type, data: dict[str, Any]) -> Any:
    return cls(**{k: _tuple(v) for k, v in data.items()})


def _names_column(text: str, name: str) -> bool:
    quoted = sql.Identifier(name).as_string(None)
    return quoted in text or re.search(rf'(?<![\w"]){re.escape(name)}(?![\w"])', text) is not None


def _table_from_dict(data: dict[str, Any]) -> Table:
    columns = tuple(_make(Column, c) for c in data["columns"])
    fks = tuple(_make(ForeignKey, f) for f in data.get("foreign_keys", []))
    cons = tuple(Constraint(**{k: _tuple(v) for k, v in c.items()}) for c in data.get("constraints", []))
    idx = tuple(Index(**{k: _tuple(v) for k, v in i.items()}) for i in data.get("indexes", []))
    return Table(
        schema=data["schema"],
        name=data["name"],
        columns=columns,
        primary_key=tuple(data.get("primary_key", ())),
        primary_key_name=data.get("primary_key_name"),
        foreign_keys=fks,
        constraints=cons,
        indexes=idx,
        row_count=data.get("row_count", 0),
        partition_key=data.get("partition_key"),
        partitions=tuple(Partition(**p) for p in data.get("partitions", [])),
        triggers=tuple(Trigger(**t) for t in data.get("triggers", [])),
        row_security=bool(data.get("row_security", False)),
        force_row_security=bool(data.get("force_row_security", False)),
        policies=tuple(_make(Policy, p) for p in data.get("policies", [])),
    )
