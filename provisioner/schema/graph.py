"""Foreign-key graph: load order, cycle breaking, depth."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from provisioner.errors import SchemaError
from provisioner.schema.snapshot import ForeignKey, SchemaSnapshot, Table


@dataclass(frozen=True)
class LoadOrder:
    """Tables parents-first; ``deferred`` FKs close a cycle: they are filled once their parent table is made."""

    tables: tuple[str, ...]
    deferred: frozenset[tuple[str, str]]  # (table key, fk name)

    def is_deferred(self, table: str, fk: ForeignKey) -> bool:
        return (table, fk.name) in self.deferred


def parents(table: Table) -> list[tuple[ForeignKey, str]]:
    return [(fk, fk.ref_table) for fk in table.foreign_keys if fk.ref_table != table.key]


def load_order(snapshot: SchemaSnapshot, after: Mapping[str, Collection[str]] | None = None) -> LoadOrder:
    """Kahn's algorithm; when only cycles remain, defer a foreign key inside one (:func:`_breakable`).
    ``after``: tables to make before a table though it has no foreign key to them, where that closes no cycle."""
    for table in snapshot.tables:
        for fk in table.foreign_keys:
            if not snapshot.has_table(fk.ref_table):
                raise SchemaError(
                    f"table {table.key}: foreign key {fk.name} references {fk.ref_table}, which is not reflected; "
                    "add its schema with --schema"
                )
    edges = {t.key: {p for fk, p in parents(t)} for t in snapshot.tables}
    for key, tables in sorted((after or {}).items()):
        for table in sorted(tables):
            if key in edges and table in edges and table != key and not _reaches(edges, table, key):
                edges[key].add(table)
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
        table, fk = _breakable(snapshot, remaining, deferred)
        deferred.add((table, fk.name))
        remaining[table] = remaining[table] - {fk.ref_table} | _still_needed(snapshot.table(table), deferred, fk.ref_table)
    return LoadOrder(tuple(order), frozenset(deferred))


def _still_needed(table: Table, deferred: set[tuple[str, str]], ref: str) -> set[str]:
    """A second, non-deferred FK to the same parent keeps the dependency."""
    return {ref} if any(fk.ref_table == ref and (table.key, fk.name) not in deferred for fk in table.foreign_keys) else set()


def _breakable(snapshot: SchemaSnapshot, remaining: dict[str, set[str]], deferred: set[tuple[str, str]]) -> tuple[str, ForeignKey]:
    """A foreign key inside a cycle to fill last. Best one pointing at a table at least as large (a
    department's manager, not an employee's department: the smaller table is made first and the
    larger one's rows follow it), then a nullable one, then a deferrable one. Any will do: the loader
    adds foreign keys after the rows, so NOT NULL cycles load too."""
    pending = {k: {p for p in deps if p in remaining} for k, deps in remaining.items()}
    candidates = [
        (key, fk) for key in sorted(remaining) for fk in snapshot.table(key).foreign_keys
        if fk.ref_table in pending[key] and fk.ref_table != key and (key, fk.name) not in deferred
        and _reaches(pending, fk.ref_table, key)
    ]

    def rank(item: tuple[str, ForeignKey]) -> tuple[bool, bool, bool]:
        key, fk = item
        table = snapshot.table(key)
        smaller = snapshot.table(fk.ref_table).row_count < table.row_count
        return (smaller, not all(table.column(c).nullable for c in fk.columns), "DEFERRABLE" not in fk.definition)

    return min(candidates, key=rank)


def _reaches(edges: dict[str, set[str]], start: str, goal: str) -> bool:
    """Whether ``goal`` is reachable from ``start`` (the foreign key ``goal -> start`` closes a cycle)."""
    seen, stack = {start}, [start]
    while stack:
        for nxt in edges.get(stack.pop(), ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


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
