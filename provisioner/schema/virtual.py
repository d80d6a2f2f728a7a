"""Virtual foreign keys: references the database does not declare, declared in the config.

An ORM app, or a database reflected without the schema it points into, holds key
columns with no foreign key (``customer.support_rep_id``). By default such a column
is an *external key* (model/profile.py). ``relationships`` in the config turns one into a
foreign key provisioner models like a declared one (children per parent, conditioning on
the parent, load order, privacy roles), without creating a constraint in the target::

    relationships:
      - {child: customer.support_rep_id, parent: employee.employee_id}
      - {child: sales.order_line.(order_id, line_no), parent: sales.order_item.(order_id, line_no)}

``foreign_keys: [customer.support_rep_id -> employee.employee_id]`` is the older spelling.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from psycopg import sql

from provisioner.errors import ConfigError
from provisioner.schema.snapshot import ForeignKey, SchemaSnapshot, Table

_IDENT = r'(?:"(?:[^"]|"")+"|[^."(),]+)'  # a bare name, or one in double quotes ("My Table", "a.b")
SIDE = re.compile(rf"^\s*(?P<table>{_IDENT}(?:\.{_IDENT})?)\.(?:\((?P<many>[^)]*)\)|(?P<one>{_IDENT}))\s*$")
_PART = re.compile(_IDENT)
_KEY_KINDS = ({"smallint", "integer", "bigint"}, {"text", "varchar", "char"})  # kinds a key may join across


def with_virtual_keys(
    snapshot: SchemaSnapshot, specs: Sequence[str] | Mapping[str, str], where: Callable[[str], str] = lambda k: "config",
) -> SchemaSnapshot:
    """``snapshot`` with the configured foreign keys added to their tables (``virtual``: never created).

    ``specs``: ``"child -> parent"`` strings (``foreign_keys``), or ``{config key: spec}``
    (``Config.virtual_keys()``: ``relationships[0]``, ``foreign_keys[1]``), the key naming the line in errors."""
    if not specs:
        return snapshot
    keyed = dict(specs) if isinstance(specs, Mapping) else {f"foreign_keys[{i}]": s for i, s in enumerate(specs)}
    added: dict[str, list[ForeignKey]] = {}
    for key, spec in keyed.items():
        here = where(key)
        section = key.partition("[")[0]
        child, columns, parent, ref_columns = _parse(spec, here)
        table, ref = _table(snapshot, child, here, section), _table(snapshot, parent, here, section)
        _columns_exist(table, columns, here, section)
        _columns_exist(ref, ref_columns, here, section)
        if len(columns) != len(ref_columns):
            raise ConfigError(f"{here}: foreign key {spec!r} pairs {len(columns)} columns with {len(ref_columns)}")
        if not any(set(u) == set(ref_columns) and len(u) == len(ref_columns) for u in ref.uniques):
            raise ConfigError(f"{here}: foreign key {spec!r}: ({', '.join(ref_columns)}) is not the primary key or a unique key "
                              f"of {ref.key}; a foreign key must point at one")
        _same_types(table, columns, ref, ref_columns, here, spec)
        cols = ", ".join(sql.Identifier(c).as_string(None) for c in columns)
        refs = ", ".join(sql.Identifier(c).as_string(None) for c in ref_columns)
        fk = ForeignKey(f"virtual_{table.name}_{'_'.join(columns)}", tuple(columns), ref.key, tuple(ref_columns),
                        f"FOREIGN KEY ({cols}) REFERENCES {ref.sql_name}({refs})", virtual=True)
        if any(set(f.columns) & set(columns) for f in table.foreign_keys):
            raise ConfigError(f"{here}: {table.key}.({', '.join(columns)}) already has a foreign key in the database; "
                              f"remove this entry of {section}")
        if any(set(f.columns) & set(columns) for f in added.get(table.key, [])):
            raise ConfigError(f"{here}: {table.key}.({', '.join(columns)}) is the child of an earlier entry of the config "
                              f"already; a column references one parent: remove one of the two entries")
        added.setdefault(table.key, []).append(fk)
    tables = tuple(replace(t, foreign_keys=t.foreign_keys + tuple(added.get(t.key, ()))) for t in snapshot.tables)
    return replace(snapshot, tables=tables, _index={})


def _same_types(table: Table, columns: list[str], ref: Table, ref_columns: list[str], here: str, spec: str) -> None:
    """Each child column's type joins its parent column's (PostgreSQL refuses other foreign keys too)."""
    for name, ref_name in zip(columns, ref_columns):
        a, b = table.column(name), ref.column(ref_name)
        if a.kind == b.kind or any(a.kind in group and b.kind in group for group in _KEY_KINDS):
            continue
        raise ConfigError(f"{here}: foreign key {spec!r}: {table.key}.{name} is {a.type} but {ref.key}.{ref_name} is {b.type}; "
                          "a key must have its parent's type: fix the entry (or the column's type)")


def _parse(spec: str, here: str) -> tuple[str, list[str], str, list[str]]:
    left, arrow, right = str(spec).partition("->")
    one, two = SIDE.match(left), SIDE.match(right)
    if not arrow or one is None or two is None:
        raise ConfigError(f"{here}: foreign key {spec!r} must be written table.column -> table.column "
                          "(or schema.table.(a, b) -> schema.table.(a, b); a name with dots, commas or brackets in double quotes)")
    return one["table"].strip(), _names(one), two["table"].strip(), _names(two)


def _unquote(part: str) -> str:
    part = part.strip()
    return part[1:-1].replace('""', '"') if len(part) > 1 and part[0] == part[-1] == '"' else part


def _names(match: re.Match[str]) -> list[str]:
    if match["many"] is None:
        return [_unquote(match["one"])]
    return [_unquote(c) for c in _PART.findall(match["many"]) if c.strip()]


def _table(snapshot: SchemaSnapshot, key: str, here: str, section: str) -> Table:
    parts = [_unquote(p) for p in _PART.findall(key)]
    schema, name = (parts[0], parts[1]) if len(parts) == 2 else ("public", parts[0])
    found = next((t for t in snapshot.tables if (t.schema, t.name) == (schema, name)), None)
    if found is None and snapshot.has_table(key.removeprefix("public.")):  # a public table whose name holds a dot
        found = snapshot.table(key.removeprefix("public."))
    if found is None:
        raise ConfigError(f"{here}: unknown table {key!r} in {section}; the snapshot has: {', '.join(snapshot.table_keys)}")
    return found


def _columns_exist(table: Table, columns: list[str], here: str, section: str) -> None:
    known = {c.name for c in table.stored_columns}
    for name in columns:
        if name not in known:
            raise ConfigError(f"{here}: table {table.key} has no column {name!r} ({section}); "
                              f"its columns: {', '.join(sorted(known))}")
