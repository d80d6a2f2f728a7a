"""Key columns that are, together, a row of another table: a task's ``(org_id, assignee_id)`` is always one of the
``memberships`` (its assignee is a member of the task's organization), though only ``assignee_id -> users`` is declared;
and through a join: a comment's author is a member of the organization of the comment's task.

Each foreign key picks its parent on its own, so the assignee came from any organization. :func:`learn` finds, per
table, column sets whose value combinations in every source row are a row of a primary or unique key of another table
(an undeclared composite inclusion dependency), among columns that are foreign keys (declared or from the config) or
part of one and that meet in the same referenced column (both ends lead, key by key, to ``organizations.id`` and
``users.id``); a column may also be read from the parent a foreign key points at (``through``: the task's
``org_id`` for a comment). PostgreSQL checks the rule on every source row; it is kept only when enough rows and
combinations obey it that chance cannot explain it (the key's rows are a small share of all combinations of its
columns' values). :func:`apply` re-picks, on a synthetic row whose combination is not a row of the other table's
synthetic rows, the table's own columns of the non-driving keys inside the set (``moved``) from a row of that table
that agrees on the rest. Only names and counts are kept, never a value.
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
OWN = ""  # ``through`` of a column of the table itself

Ref = tuple[str, str]  # (foreign key read through, or OWN; column)


@dataclass(frozen=True)
class Inclusion:
    columns: tuple[str, ...]  # the columns, in the order of ``sources`` (of the parent ``through`` names, where it does)
    parent: str  # the table whose key holds every combination
    sources: tuple[str, ...]  # that key's columns
    moved: tuple[str, ...]  # the table's own columns re-picked on a synthetic row that breaks the rule
    nullable: bool  # every moved column takes NULL (a row no parent row agrees with gets NULL there)
    rows: int  # source rows (read) the rule was seen on
    combos: int  # distinct combinations among them
    through: tuple[str, ...] = ()  # per column, the foreign key whose parent holds it (OWN: the table's own; () all own)

    def refs(self) -> tuple[Ref, ...]:
        return tuple(zip(self.through or (OWN,) * len(self.columns), self.columns))


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
        for parent, refs, sources in _candidates(snapshot, table, lead):
            rule = _rule(snapshot, table, fk_models.get(table.key, ()), parent, refs, sources, frames)
            if rule is not None and _holds(conn, snapshot, table, parent, refs, sources):
                found.append(rule)
        out[table.key] = tuple(found)
    return out


def _pool(snapshot: SchemaSnapshot, table: Table, lead: Mapping[tuple[str, str], tuple[str, str]]) -> dict[Ref, tuple[str, str]]:
    """The key columns a rule may use -> where each leads: the table's own, and its parents' (through a foreign key)."""
    pool = {(OWN, c): lead[(table.key, c)] for c in sorted(table.fk_columns) if (table.key, c) in lead}
    for fk in table.foreign_keys:
        if fk.ref_table != table.key:
            parent = snapshot.table(fk.ref_table)
            pool.update({(fk.name, c): lead[(parent.key, c)] for c in sorted(parent.fk_columns)
                         if c not in fk.ref_columns and (parent.key, c) in lead})
    return pool


def _candidates(
    snapshot: SchemaSnapshot, table: Table, lead: Mapping[tuple[str, str], tuple[str, str]],
) -> list[tuple[Table, tuple[Ref, ...], tuple[str, ...]]]:
    """(other table, columns, its key's columns): columns that lead where the key's do, at least one of them the table's."""
    pool = _pool(snapshot, table, lead)
    declared = {(fk.ref_table, tuple(zip(fk.columns, fk.ref_columns))) for fk in table.foreign_keys}
    out = []
    for other in snapshot.tables:
        if other.key == table.key:
            continue
        for unique in other.uniques:
            if not 2 <= len(unique) <= MAX_WIDTH:
                continue
            ends = [lead.get((other.key, u), (other.key, u)) for u in unique]
            options = [[ref for ref, end in pool.items() if end == want] for want in ends]
            sets = [s for s in itertools.product(*options) if len(set(s)) == len(s) and any(f == OWN for f, _ in s)][:MAX_SETS]
            out += [(other, s, tuple(unique)) for s in sets
                    if (other.key, tuple(zip((c for _, c in s), unique))) not in declared or any(f != OWN for f, _ in s)]
    return out


def _rule(
    snapshot: SchemaSnapshot, table: Table, models: tuple[ForeignKeyModel, ...], parent: Table, refs: tuple[Ref, ...],
    sources: tuple[str, ...], frames: Mapping[str, pd.DataFrame],
) -> Inclusion | None:
    """The rule, when some of its columns can be re-picked and the rows read obey it too often for chance."""
    moved = _moved(table, models, parent, {c: s for (f, c), s in zip(refs, sources) if f == OWN})
    other = frames.get(parent.key)
    view = _view(frames, table, refs, {fk.name: fk for fk in table.foreign_keys})
    if not moved or view is None or other is None or not set(sources) <= set(other.columns):
        return None
    combos = key_text(view, list(view.columns)).dropna()
    keys = other[list(sources)].dropna()
    if len(combos) < MIN_ROWS or combos.nunique() < MIN_COMBOS or keys.empty:
        return None
    space = math.prod(int(keys[c].astype(str).nunique()) for c in sources)
    density = len(keys.drop_duplicates()) / max(space, 1)
    if density >= 1.0 or combos.nunique() * math.log(density) > math.log(CHANCE):
        return None
    nullable = all(table.column(c).nullable for c in moved)
    through = tuple(f for f, _ in refs) if any(f != OWN for f, _ in refs) else ()
    return Inclusion(tuple(c for _, c in refs), parent.key, sources, moved, nullable, len(combos), int(combos.nunique()), through)


def _view(frames: Mapping[str, pd.DataFrame], table: Table, refs: Sequence[Ref], fks: Mapping[str, ForeignKey]) -> pd.DataFrame | None:
    """Each row's values of ``refs`` (columns named by position; NULL where a parent row is not found), or None
    when a frame or column is missing. ``frames``: the table's and its parents' rows by table key."""
    frame = frames.get(table.key)
    if frame is None:
        return None
    out = pd.DataFrame(index=range(len(frame)))
    for i, (through, col) in enumerate(refs):
        fk = fks.get(through)
        values = frame[col].to_numpy(dtype=object) if through == OWN and col in frame else (
            _through(frame, fk, frames.get(fk.ref_table), col) if fk is not None else None)
        if values is None:
            return None
        out[str(i)] = values
    return out


def _through(frame: pd.DataFrame, fk: ForeignKey, parent: pd.DataFrame | None, col: str) -> np.ndarray | None:
    """``col`` of the ``parent`` row each row's ``fk`` points at (None where it points at no row)."""
    if parent is None or col not in parent or not set(fk.columns) <= set(frame.columns) or not set(fk.ref_columns) <= set(parent.columns):
        return None
    if parent.empty:
        return np.full(len(frame), None, dtype=object)
    index = pd.Series(np.arange(len(parent)), index=key_text(parent, fk.ref_columns).to_numpy())
    at = key_text(frame, fk.columns).map(index[~index.index.duplicated()]).to_numpy(dtype=float)
    values = parent[col].to_numpy(dtype=object)[np.nan_to_num(at, nan=0).astype(np.int64)]
    return np.where(np.isnan(at), None, values)


def _moved(table: Table, models: tuple[ForeignKeyModel, ...], parent: Table, pairs: Mapping[str, str]) -> tuple[str, ...]:
    """The columns of the non-driving keys wholly among the table's own columns of the set whose every column points
    where the other table's matching column does (or at it): a value copied from the other table's row keeps the key valid."""
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


def _holds(conn: Connection, snapshot: SchemaSnapshot, table: Table, parent: Table, refs: tuple[Ref, ...], sources: tuple[str, ...]) -> bool:
    """Whether every source row of ``table`` with all ``refs`` set (its parents' joined) has them as a row of ``parent``'s ``sources``."""
    fks = {fk.name: fk for fk in table.foreign_keys}
    joins = sql.SQL("").join(
        sql.SQL(" JOIN {} AS {} ON {}").format(snapshot.table(fks[f].ref_table).ident, sql.Identifier(f"j{i}"), sql.SQL(" AND ").join(
            sql.SQL("{} = {}").format(sql.Identifier(f"j{i}", r), sql.Identifier("c", c)) for c, r in zip(fks[f].columns, fks[f].ref_columns)))
        for i, f in enumerate(dict.fromkeys(f for f, _ in refs)) if f != OWN)
    alias = {f: (f"j{i}" if f != OWN else "c") for i, f in enumerate(dict.fromkeys(f for f, _ in refs))}
    values = [sql.Identifier(alias[f], c) for f, c in refs]
    set_ = sql.SQL(" AND ").join(sql.SQL("{} IS NOT NULL").format(v) for v in values)
    same = sql.SQL(" AND ").join(sql.SQL("{} = {}").format(sql.Identifier("p", s), v) for v, s in zip(values, sources))
    query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {} AS c{} WHERE {} AND NOT EXISTS (SELECT 1 FROM {} AS p WHERE {}))").format(
        table.ident, joins, set_, parent.ident, same)
    return not run(conn, query).fetchone()[0]


def apply(
    frame: pd.DataFrame, rule: Inclusion, table: Table, parents: Mapping[str, pd.DataFrame], fks: Mapping[str, ForeignKey],
    rng: np.random.Generator,
) -> int:
    """Re-pick, in place, the moved columns of the rows whose combination is no row of the rule's parent, from a parent
    row that agrees on the other columns (NULL where none does and the columns take it); the rows left as they were.
    ``parents``: made tables by key; ``fks``: the table's foreign keys that are set, by name."""
    parent = parents.get(rule.parent)
    view = _view({**parents, table.key: frame}, table, rule.refs(), fks)
    if parent is None or parent.empty or view is None or not set(rule.sources) <= set(parent.columns) or frame.empty:
        return 0
    rows = parent[list(rule.sources)].dropna().set_axis(list(view.columns), axis=1).reset_index(drop=True)
    if rows.empty:
        return 0  # no synthetic row to agree with (the table was skipped): the keys stay as drawn
    combos = key_text(view, list(view.columns))
    bad = np.flatnonzero((combos.notna() & ~combos.isin(set(key_text(rows, list(rows.columns))))).to_numpy())
    if not len(bad):
        return 0
    moved = {str(i): c for i, (f, c) in enumerate(rule.refs()) if f == OWN and c in rule.moved}
    kept = [c for c in view.columns if c not in moved]
    theirs = key_text(rows, kept) if kept else pd.Series("", index=range(len(rows)))
    mine = key_text(view.iloc[bad], kept) if kept else pd.Series("", index=range(len(bad)))
    codes, _ = pd.factorize(pd.concat([theirs, mine], ignore_index=True))
    their_codes, my_codes = codes[: len(theirs)], codes[len(theirs):]
    order = np.argsort(their_codes, kind="stable")
    lo, hi = np.searchsorted(their_codes[order], my_codes, "left"), np.searchsorted(their_codes[order], my_codes, "right")
    has = hi > lo
    picks = order[lo[has] + (rng.random(int(has.sum())) * (hi[has] - lo[has])).astype(np.int64)]
    for position, col in moved.items():
        values = frame[col].to_numpy(dtype=object, copy=True)
        values[bad[has]] = rows[position].to_numpy(dtype=object)[picks]
        if rule.nullable:
            values[bad[~has]] = None
        frame[col] = values
    return 0 if rule.nullable else int((~has).sum())
