"""Key columns that are, together, a row of another table: a task's ``(org_id, assignee_id)`` is always one of the
``memberships`` (its assignee is a member of the task's organization), though only ``assignee_id -> users`` is declared.

Each foreign key picks its parent on its own, so the assignee came from any organization. :func:`learn` finds, per
table, column sets whose value combinations in every source row are a row of a primary or unique key of another table
(an undeclared composite inclusion dependency), among columns that are foreign keys (declared or from the config) or
part of one and that meet in the same referenced column (both ends lead, key by key, to ``organizations.id`` and
``users.id``). PostgreSQL checks the rule on every source row; it is kept only when enough rows and combinations
obey it that chance cannot explain it (the key's rows are a small share of all combinations of its columns' values).
:func:`apply` re-picks, on a synthetic row whose combination is not a row of the other table's synthetic rows, the
columns of the non-driving keys inside the set (``moved``) from a row of that table that agrees on the rest. Only names
and counts are kept, never a value.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from psycopg import sql
from sqlalchemy import Connection

from provisioner.model.relations.matching import key_text
from provisioner.model.relations.relational import ForeignKeyModel
from provisioner.pg.connect import run
from provisioner.schema.snapshot import ForeignKey, SchemaSnapshot, Table

MIN_ROWS = 20  # child rows with every column set
MIN_COMBOS = 10  # distinct combinations among them
CHANCE = 1e-6  # the largest chance that independent combinations would all be rows of the key, for a rule
MAX_WIDTH = 4  # columns in a key looked at
MAX_SETS = 16  # column sets tried per key of another table


@dataclass(frozen=True)
class Inclusion:
    columns: tuple[str, ...]  # the child's columns, in the order of ``sources``
    parent: str  # the table whose key holds every combination
    sources: tuple[str, ...]  # that key's columns
    moved: tuple[str, ...]  # the child's columns re-picked on a synthetic row that breaks the rule
    nullable: bool  # every moved column takes NULL (a row no parent row agrees with gets NULL there)
    rows: int  # source rows (read) the rule was seen on
    combos: int  # distinct combinations among them


def rules_of(rules: Sequence[object]) -> tuple[Inclusion, ...]:
    return tuple(r for r in rules if isinstance(r, Inclusion))


def edges(found: Mapping[str, tuple[Inclusion, ...]]) -> dict[str, set[str]]:
    """Tables to make before each table (the ones holding its rules' keys), for the load order."""
    return {key: {r.parent for r in rules} for key, rules in found.items() if rules}


def roots(snapshot: SchemaSnapshot) -> dict[tuple[str, str], tuple[str, str]]:
    """Each foreign-key column (table, column) -> the column it leads to, key after key, that is no key itself."""
    step: dict[tuple[str, str], tuple[str, str]] = {}
    for table in snapshot.tables:
        for fk in sorted(table.foreign_keys, key=lambda f: f.name):
            for col, ref in zip(fk.columns, fk.ref_columns):
                step.setdefault((table.key, col), (fk.ref_table, ref))
    out = {}
    for start in step:
        at, seen = start, {start}
        while at in step and step[at] not in seen:
            at = step[at]
            seen.add(at)
        out[start] = at
    return out


def learn(
    conn: Connection, snapshot: SchemaSnapshot, frames: Mapping[str, pd.DataFrame], fk_models: Mapping[str, tuple[ForeignKeyModel, ...]],
) -> dict[str, tuple[Inclusion, ...]]:
    """Every table's rules (see the module docstring), checked on all source rows by PostgreSQL."""
    lead = roots(snapshot)
    out: dict[str, tuple[Inclusion, ...]] = {}
    for table in snapshot.tables:
        found = []
        for parent, columns, sources in _candidates(snapshot, table, lead):
            rule = _rule(snapshot, table, fk_models.get(table.key, ()), parent, columns, sources, frames)
            if rule is not None and _holds(conn, table, parent, columns, sources):
                found.append(rule)
        out[table.key] = tuple(found)
    return out


def _candidates(snapshot: SchemaSnapshot, table: Table, lead: Mapping[tuple[str, str], tuple[str, str]]) -> list[tuple[Table, tuple[str, ...], tuple[str, ...]]]:
    """(other table, child columns, its key's columns): the child's key columns that lead where the key's do."""
    mine = sorted(table.fk_columns & {c for (t, c) in lead if t == table.key})
    declared = {(fk.ref_table, tuple(zip(fk.columns, fk.ref_columns))) for fk in table.foreign_keys}
    out = []
    for other in snapshot.tables:
        if other.key == table.key:
            continue
        for unique in other.uniques:
            if not 2 <= len(unique) <= MAX_WIDTH:
                continue
            ends = [lead.get((other.key, u), (other.key, u)) for u in unique]
            options = [[c for c in mine if lead[(table.key, c)] == end] for end in ends]
            sets = [s for s in itertools.product(*options) if len(set(s)) == len(s)][:MAX_SETS]
            out += [(other, s, tuple(unique)) for s in sets if (other.key, tuple(zip(s, unique))) not in declared]
    return out


def _rule(
    snapshot: SchemaSnapshot, table: Table, models: tuple[ForeignKeyModel, ...], parent: Table, columns: tuple[str, ...],
    sources: tuple[str, ...], frames: Mapping[str, pd.DataFrame],
) -> Inclusion | None:
    """The rule, when some of its columns can be re-picked and the rows read obey it too often for chance."""
    moved = _moved(table, models, parent, dict(zip(columns, sources)))
    frame, other = frames.get(table.key), frames.get(parent.key)
    if not moved or frame is None or other is None or not set(columns) <= set(frame.columns) or not set(sources) <= set(other.columns):
        return None
    combos = key_text(frame, columns).dropna()
    keys = other[list(sources)].dropna()
    if len(combos) < MIN_ROWS or combos.nunique() < MIN_COMBOS or keys.empty:
        return None
    space = math.prod(int(keys[c].astype(str).nunique()) for c in sources)
    density = len(keys.drop_duplicates()) / max(space, 1)
    if density >= 1.0 or combos.nunique() * math.log(density) > math.log(CHANCE):
        return None
    nullable = all(table.column(c).nullable for c in moved)
    return Inclusion(columns, parent.key, sources, moved, nullable, len(combos), int(combos.nunique()))


def _moved(table: Table, models: tuple[ForeignKeyModel, ...], parent: Table, pairs: Mapping[str, str]) -> tuple[str, ...]:
    """The columns of the non-driving keys wholly inside the set whose every column points where the other table's
    matching column does (or at it): a value copied from the other table's row keeps the key valid."""
    driving = {m.fk.name for m in models if m.driving}
    out: list[str] = []
    for fk in table.foreign_keys:
        if fk.name in driving or fk.ref_table == table.key or not set(fk.columns) <= set(pairs):
            continue
        if all(_same_target(fk, col, ref, parent, pairs[col]) for col, ref in zip(fk.columns, fk.ref_columns)):
            out += [c for c in fk.columns if c not in out]
    return tuple(c for c in pairs if c in out)


def _same_target(fk: ForeignKey, col: str, ref: str, parent: Table, source: str) -> bool:
    if (fk.ref_table, ref) == (parent.key, source):
        return True
    return any((p.ref_table, r) == (fk.ref_table, ref) for p in parent.foreign_keys for c, r in zip(p.columns, p.ref_columns) if c == source)


def _holds(conn: Connection, table: Table, parent: Table, columns: tuple[str, ...], sources: tuple[str, ...]) -> bool:
    """Whether every source row of ``table`` with all ``columns`` set has them as a row of ``parent``'s ``sources``."""
    child, other = sql.Identifier("c"), sql.Identifier("p")
    set_ = sql.SQL(" AND ").join(sql.SQL("{} IS NOT NULL").format(sql.Identifier("c", c)) for c in columns)
    same = sql.SQL(" AND ").join(sql.SQL("{} = {}").format(sql.Identifier("p", s), sql.Identifier("c", c)) for c, s in zip(columns, sources))
    query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {} AS {} WHERE {} AND NOT EXISTS (SELECT 1 FROM {} AS {} WHERE {}))").format(
        table.ident, child, set_, parent.ident, other, same)
    return not run(conn, query).fetchone()[0]


def apply(frame: pd.DataFrame, rule: Inclusion, parent: pd.DataFrame, rng: np.random.Generator) -> int:
    """Re-pick, in place, the moved columns of the rows whose combination is no row of ``parent`` from a parent row
    that agrees on the other columns (NULL where none does and the columns take it); the rows left as they were."""
    if not set(rule.columns) <= set(frame.columns) or not set(rule.sources) <= set(parent.columns) or frame.empty:
        return 0
    rows = parent[list(rule.sources)].dropna().set_axis(list(rule.columns), axis=1)
    combos = key_text(frame, rule.columns)
    bad = np.flatnonzero((combos.notna() & ~combos.isin(set(key_text(rows, rule.columns)))).to_numpy())
    if not len(bad):
        return 0
    kept = [c for c in rule.columns if c not in rule.moved]
    theirs = key_text(rows, kept) if kept else pd.Series("", index=range(len(rows)))
    mine = key_text(frame.iloc[bad], kept) if kept else pd.Series("", index=range(len(bad)))
    codes, _ = pd.factorize(pd.concat([theirs, mine], ignore_index=True))
    their_codes, my_codes = codes[: len(theirs)], codes[len(theirs):]
    order = np.argsort(their_codes, kind="stable")
    lo, hi = np.searchsorted(their_codes[order], my_codes, "left"), np.searchsorted(their_codes[order], my_codes, "right")
    has = hi > lo
    picks = order[lo[has] + (rng.random(int(has.sum())) * (hi[has] - lo[has])).astype(np.int64)]
    for col in rule.moved:
        values = frame[col].to_numpy(dtype=object, copy=True)
        values[bad[has]] = rows[col].to_numpy(dtype=object)[picks]
        if rule.nullable:
            values[bad[~has]] = None
        frame[col] = values
    return 0 if rule.nullable else int((~has).sum())
