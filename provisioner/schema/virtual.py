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

_SIDE = re.compile(r"^\s*(?P<table>[^()]+?)\.(?:\((?P<many>[^)]*)\)|(?P<one>[^.()]+))\s*$")


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
        if tuple(ref_columns) not in ref.uniques:
            raise ConfigError(f"{here}: foreign key {spec!r}: ({', '.join(ref_columns)}) is not the primary key or a unique key "
                              f"of {ref.key}; a foreign key must point at one")
        cols = ", ".join(sql.Identifier(c).as_string(None) for c in columns)
        refs = ", ".join(sql.Identifier(c).as_string(None) for c in ref_columns)
        fk = ForeignKey(f"virtual_{table.name}_{'_'.join(columns)}", tuple(columns), ref.key, tuple(ref_columns),
                        f"FOREIGN KEY ({cols}) REFERENCES {ref.sql_name}({refs})", virtual=True)
        if any(set(f.columns) == set(columns) for f in table.foreign_keys):
            raise ConfigError(f"{here}: {table.key}.({', '.join(columns)}) already has a foreign key in the database")
        added.setdefault(table.key, []).append(fk)
    tables = tuple(replace(t, foreign_keys=t.foreign_keys + tuple(added.get(t.key, ()))) for t in snapshot.tables)
    return replace(snapshot, tables=tables, _index={})


def _parse(spec: str, here: str) -> tuple[str, list[str], str, list[str]]:
    left, arrow, right = str(spec).partition("->")
    one, two = _SIDE.match(left), _SIDE.match(right)
    if not arrow or one is None or two is None:
        raise ConfigError(f"{here}: foreign key {spec!r} must be written table.column -> table.column "
                          "(or schema.table.(a, b) -> schema.table.(a, b))")
    return one["table"].strip(), _names(one), two["table"].strip(), _names(two)


def _names(match: re.Match[str]) -> list[str]:
    text = match["many"] if match["many"] is not None else match["one"]
    return [c.strip().strip('"') for c in text.split(",") if c.strip()]


def _table(snapshot: SchemaSnapshot, key: str, here: str, section: str) -> Table:
    key = key.removeprefix("public.")
    if not snapshot.has_table(key):
        raise ConfigError(f"{here}: unknown table {key!r} in {section}; the snapshot has: {', '.join(snapshot.table_keys)}")
    return snapshot.table(key)


def _columns_exist(table: Table, columns: list[str], here: str, section: str) -> None:
    known = {c.name for c in table.stored_columns}
    for name in columns:
        if name not in known:
            raise ConfigError(f"{here}: table {table.key} has no column {name!r} ({section}); "
                              f"its columns: {', '.join(sorted(known))}")
