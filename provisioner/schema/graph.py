"""Foreign-key graph: load order, cycle breaking, depth."""

from __future__ import annotations

from dataclasses import dataclass

from provisioner.errors import SchemaError
from provisioner.schema.snapshot import ForeignKey, SchemaSnapshot, Table


@dataclass(frozen=True)
class LoadOrder:
    """Tables parents-first; ``deferred`` FKs close a cycle and are loaded NULL, then updated."""

    tables: tuple[str, ...]
    deferred: frozenset[tuple[str, str]]  # (table key, fk name)

    def is_deferred(self, table: str, fk: ForeignKey) -> bool:
        return (table, fk.name) in self.deferred


def parents(table: Table) -> list[tuple[ForeignKey, str]]:
    return [(fk, fk.ref_table) for fk in table.foreign_keys if fk.ref_table != table.key]


def load_order(snapshot: SchemaSnapshot) -> LoadOrder:
    """Kahn's algorithm; when only cycles remain, defer a nullable FK inside one."""
    for table in snapshot.tables:
        for fk in table.foreign_keys:
            if not snapshot.has_table(fk.ref_table):
                raise SchemaError(
                    f"table {table.key}: foreign key {fk.name} references {fk.ref_table}, which is not reflected; "
                    "add its schema with --schema"
                )
    edges = {t.key: {p for fk, p in parents(t)} for t in snapshot.tables}
    deferred: set[tuple[str, str]] = set()
    order: list[str] = []
    remaining = dict(edges)
    while remaining:
        ready = sorted(k for k, deps in remaining.items() if not (deps - set(order)))
        if ready:
            order += ready
            for k in ready:
                remaining.pop(k)
            continue
        table, fk = _breakable(snapshot, remaining, set(order))
        deferred.add((table, fk.name))
        remaining[table] = remaining[table] - {fk.ref_table} | _still_needed(snapshot.table(table), deferred, fk.ref_table)
    return LoadOrder(tuple(order), frozenset(deferred))


def _still_needed(table: Table, deferred: set[tuple[str, str]], ref: str) -> set[str]:
    """A second, non-deferred FK to the same parent keeps the dependency."""
    return {ref} if any(fk.ref_table == ref and (table.key, fk.name) not in deferred for fk in table.foreign_keys) else set()


def _breakable(snapshot: SchemaSnapshot, remaining: dict[str, set[str]], done: set[str]) -> tuple[str, ForeignKey]:
    for key in sorted(remaining):
        table = snapshot.table(key)
        for fk in table.foreign_keys:
            pending = fk.ref_table in remaining and fk.ref_table != key
            nullable = all(table.column(c).nullable for c in fk.columns)
            if pending and nullable:
                return key, fk
    cycle = ", ".join(sorted(remaining))
    raise SchemaError(
        f"tables {cycle} form a cycle of NOT NULL foreign keys; provisioner needs one nullable foreign key "
        "in every cycle to load it (make one column nullable or exclude a table)"
    )


def depth(snapshot: SchemaSnapshot) -> int:
    """Longest parent chain (a root table has depth 1)."""
    memo: dict[str, int] = {}

    def walk(key: str, seen: frozenset[str]) -> int:
        if key in memo:
            return memo[key]
        refs = [p for _, p in parents(snapshot.table(key)) if p not in seen]
        value = 1 + max((walk(p, seen | {key}) for p in refs), default=0)
        memo[key] = value
        return value

    return max((walk(t.key, frozenset()) for t in snapshot.tables), default=0)
