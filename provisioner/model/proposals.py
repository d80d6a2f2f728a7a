"""Relationships ``provisioner init`` proposes: key columns the database declares no foreign key for.

A column named like a key (``customer_id``, ``CustomerId``; integer, uuid or text) with no
declared foreign key is checked against every table whose name is the column's stem
(singular or plural, any case; failing any, a prefix and the stem, as Django's ``blog_post``)
and whose primary key is one column of a matching type: the
share of the column's distinct non-null values (at most ``CAP`` of them) that the primary key
holds is computed in SQL on the read-only source. Every value found: an active entry;
most of them: a commented one. The evidence goes with each entry; no value is written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml
from psycopg import sql
from sqlalchemy import Connection

from provisioner.pg.connect import run
from provisioner.schema.snapshot import (
    INTEGER_KINDS,
    TEXT_KINDS,
    Column,
    SchemaSnapshot,
    Table,
)

CAP = 100_000  # distinct values checked per column
SCAN = 1_000_000  # rows read per column at most, whatever the table's size
MOST = 0.9  # share of values found for a commented-out proposal


@dataclass(frozen=True)
class Proposal:
    child: str  # table.column
    parent: str  # table.column: the parent's primary key
    found: int  # distinct non-null child values the parent's key holds
    checked: int  # distinct non-null child values checked (at most CAP)

    @property
    def certain(self) -> bool:
        return self.checked > 0 and self.found == self.checked


def propose(conn: Connection, snapshot: SchemaSnapshot) -> list[Proposal]:
    """Relationships the values support, for the key-like columns with no declared foreign key."""
    out = []
    for table in snapshot.tables:
        for col in table.stored_columns:
            stem = _stem(col.name)
            if stem is None or col.name in table.fk_columns or (table.primary_key == (col.name,) and _names(table.name, stem)):
                continue
            fits = [(p, t) for p, t in ((_proposal(conn, table, col, t), t) for t in _parents(snapshot, col, stem)) if p]
            if fits:  # one column, one parent: the one holding most of its values, then another table, then the shortest name
                out.append(max(fits, key=lambda f: (f[0].found / f[0].checked, f[1].key != table.key, -len(f[1].name)))[0])
    return out


def _proposal(conn: Connection, table: Table, col: Column, parent: Table) -> Proposal | None:
    pk = parent.column(parent.primary_key[0])
    found, checked = _inclusion(conn, table, col, parent, pk)
    return Proposal(side(table, col.name), side(parent, pk.name), found, checked) if checked and found >= MOST * checked else None


def side(table: Table, column: str) -> str:
    """``table.column`` as ``relationships`` reads it: a name holding a dot, comma, bracket or quote in double quotes."""
    names = ([] if table.schema == "public" else [table.schema]) + [table.name, column]
    return ".".join(n if re.fullmatch(r'[^."(),]+', n) and n == n.strip() else '"' + n.replace('"', '""') + '"' for n in names)


def scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain where YAML reads it back unchanged, double-quoted otherwise."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", text) and yaml.safe_load(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _stem(name: str) -> str | None:
    """``customer_id`` / ``CustomerId`` / ``customerid`` -> ``customer``; None for a name not like a key."""
    match = re.fullmatch(r"(?P<stem>[A-Za-z0-9_]*?[A-Za-z0-9])_?(id|Id|ID)", name)
    return match["stem"].lower() if match else None


def _forms(stem: str) -> set[str]:
    return {stem, stem + "s", stem + "es"} | ({stem[:-1] + "ies"} if stem.endswith("y") else set())


def _names(table: str, stem: str) -> bool:
    """Whether a table's name is ``stem``, singular or plural, in any case (``customer``, ``customers``, ``categories``)."""
    return table.lower().replace("_", "") in _forms(stem.replace("_", ""))


def _prefixed(table: str, stem: str) -> bool:
    """Whether a table's name is a prefix, an underscore and ``stem`` (singular or plural): Django names a
    model's table ``<app label>_<model>`` (``blog_post`` for ``post_id``, ``auth_user`` for ``user_id``)."""
    name = table.lower()
    return any(name.endswith("_" + form) and len(name) > len(form) + 1 for form in _forms(stem))


def _kind(col: Column) -> str:
    return "integer" if col.kind in INTEGER_KINDS else "text" if col.kind in TEXT_KINDS else col.kind


def _parents(snapshot: SchemaSnapshot, col: Column, stem: str) -> list[Table]:
    """Tables named ``stem`` with a one-column key of the column's type; failing any, tables named
    ``<prefix>_<stem>`` (:func:`_prefixed`)."""
    fits = [
        t for t in snapshot.tables
        if len(t.primary_key) == 1 and _kind(t.column(t.primary_key[0])) == _kind(col) and _kind(col) in ("integer", "text", "uuid")
    ]
    return [t for t in fits if _names(t.name, stem)] or [t for t in fits if _prefixed(t.name, stem)]


def _inclusion(conn: Connection, table: Table, col: Column, parent: Table, pk: Column) -> tuple[int, int]:
    query = sql.SQL(
        "SELECT count(*), count(p.{pk}) FROM (SELECT DISTINCT v FROM (SELECT {col} AS v FROM {table} WHERE {col} IS NOT NULL "
        "LIMIT {scan}) r LIMIT {cap}) s LEFT JOIN {parent} p ON p.{pk} = s.v"
    ).format(pk=sql.Identifier(pk.name), col=sql.Identifier(col.name), table=table.ident, cap=sql.Literal(CAP),
             scan=sql.Literal(SCAN), parent=parent.ident)
    checked, found = run(conn, query).fetchone()
    return int(found), int(checked)


def yaml_lines(proposals: list[Proposal]) -> list[str]:
    """``relationships:`` entries with their evidence: active where every value was found, commented otherwise."""
    if not proposals:
        return ["relationships: []                # foreign keys the database does not declare: {child: t.c, parent: p.c}"]
    lines = [
        "# Foreign keys the database does not declare, found from the values: each is modelled like a declared one",
        "# (children per parent, valid parents), never created in the target. Review them; the commented ones",
        "# hold values the parent does not have.",
        "relationships:",
    ]
    for p in proposals:
        entry = f"{{child: {scalar(p.child)}, parent: {scalar(p.parent)}}}"
        evidence = f"# {p.found} of {p.checked} values found in {p.parent}"
        lines.append(f"  - {entry:<60} {evidence}" if p.certain else f"  # - {entry:<58} {evidence}")
    return lines
