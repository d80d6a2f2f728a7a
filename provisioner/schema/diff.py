"""``provisioner diff``: what changed between the source schema and a bundle's snapshot.

Compares tables, columns (type, nullability, default, identity, generated),
primary keys, foreign keys, checks/uniques and indexes. A table whose
structure changed needs retraining; a table that only gained or lost rows does not.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from provisioner.schema.snapshot import Column, SchemaSnapshot, Table

_COLUMN_FIELDS = tuple(f.name for f in fields(Column) if f.name not in ("name", "sequence"))


@dataclass(frozen=True)
class TableChange:
    table: str
    change: str  # added | removed | changed
    details: tuple[str, ...]


@dataclass(frozen=True)
class SchemaDiff:
    changes: tuple[TableChange, ...]
    row_changes: tuple[str, ...]  # "invoice: 412 -> 500 rows"

    @property
    def identical(self) -> bool:
        return not self.changes

    @property
    def retrain(self) -> tuple[str, ...]:
        """Tables whose model no longer fits: new or changed tables (removed ones just go)."""
        return tuple(c.table for c in self.changes if c.change != "removed")

    def describe(self) -> str:
        if self.identical:
            lines = ["schema unchanged: the bundle fits the source"]
        else:
            lines = [f"{c.change:<8} {c.table}" + "".join(f"\n           {d}" for d in c.details) for c in self.changes]
            lines.append("retrain: " + (", ".join(self.retrain) or "nothing (only tables removed)")
                         + "  (provisioner train --source ... --bundle ...)")
        lines += [f"rows     {r}" for r in self.row_changes]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"identical": self.identical, "retrain": list(self.retrain), "row_changes": list(self.row_changes),
                "changes": [{"table": c.table, "change": c.change, "details": list(c.details)} for c in self.changes]}


def diff(old: SchemaSnapshot, new: SchemaSnapshot) -> SchemaDiff:
    """``old`` is the bundle's snapshot, ``new`` the source now."""
    old_keys, new_keys = set(old.table_keys), set(new.table_keys)
    changes = [TableChange(k, "added", ()) for k in new.table_keys if k not in old_keys]
    changes += [TableChange(k, "removed", ()) for k in old.table_keys if k not in new_keys]
    rows = []
    for key in new.table_keys:
        if key not in old_keys:
            continue
        before, after = old.table(key), new.table(key)
        details = table_details(before, after)
        if details:
            changes.append(TableChange(key, "changed", tuple(details)))
        if before.row_count != after.row_count:
            rows.append(f"{key}: {before.row_count} -> {after.row_count} rows")
    return SchemaDiff(tuple(changes), tuple(rows))


def table_details(before: Table, after: Table) -> list[str]:
    out = []
    old_cols, new_cols = {c.name: c for c in before.columns}, {c.name: c for c in after.columns}
    out += [f"column {n} added ({new_cols[n].type})" for n in new_cols if n not in old_cols]
    out += [f"column {n} removed" for n in old_cols if n not in new_cols]
    for name in new_cols.keys() & old_cols.keys():
        for attr in _COLUMN_FIELDS:
            a, b = getattr(old_cols[name], attr), getattr(new_cols[name], attr)
            if a != b:
                out.append(f"column {name}: {attr} {a!r} -> {b!r}")
    if before.primary_key != after.primary_key:
        out.append(f"primary key ({', '.join(before.primary_key)}) -> ({', '.join(after.primary_key)})")
    out += _named("foreign key", {f.name: f.definition for f in before.foreign_keys}, {f.name: f.definition for f in after.foreign_keys})
    out += _named("constraint", {c.name: str(c) for c in before.constraints}, {c.name: str(c) for c in after.constraints})
    out += _named("index", {i.name: str(i) for i in before.indexes}, {i.name: str(i) for i in after.indexes})
    return sorted(out)


def _named(what: str, old: dict[str, str], new: dict[str, str]) -> list[str]:
    out = [f"{what} {n} added" for n in new if n not in old]
    out += [f"{what} {n} removed" for n in old if n not in new]
    out += [f"{what} {n} changed" for n in new if n in old and new[n] != old[n]]
    return out
