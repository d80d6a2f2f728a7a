"""Constraint repair: make synthetic rows satisfy CHECK constraints before the load.

Table checks and domain checks (VALUE replaced by the column) are parsed by
:mod:`provisioner.schema.checkexpr` and evaluated in pandas with SQL's three-valued
logic (a check passes when it is TRUE or NULL). Violating rows are repaired,
never dropped:

* ``a > b`` between columns: swap the two values (or, when only one of them is in a unique set,
  reflect the other across it: synth/colorder.py), then shift one by a unit (1, 10**-scale, one
  day, one second) where they are equal;
* ``x >= c``, ``x BETWEEN c AND d``, ``x IN (...)``: a value of the same column
  from a row that satisfies the check, else the bound or the first allowed value;
* ``length(x) <= n``: truncate;
* ``a IS NULL OR <expr>``: repair ``<expr>``.

Checks outside that grammar (regular expressions, function calls) are left to
PostgreSQL, which names the constraint if a row breaks one; the notes list them.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Collection, Sequence

import numpy as np
import pandas as pd
from psycopg import sql

from provisioner.columns.codec import to_numbers
from provisioner.schema.checkexpr import Node, Unsupported, parse
from provisioner.schema.snapshot import (
    INTEGER_KINDS,
    NUMERIC_KINDS,
    TEXT_KINDS,
    Domain,
    ForeignKey,
    Table,
    family,
)
from provisioner.synth import colorder

ROUNDS = 4
_OPS: dict[str, Callable[..., object]] = {
    "=": operator.eq, "<>": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "<>": "<>"}


def all_checks(table: Table, domains: Sequence[Domain]) -> list[tuple[str, str]]:
    """(name, ``CHECK (...)`` text) of the table's checks and of its columns' domains (VALUE -> column)."""
    candidates = [(c.name, c.definition) for c in table.checks]
    for col in table.columns:
        dom = domain_of(col.type, domains)
        if col.insertable and dom is not None:
            quoted = sql.Identifier(col.name).as_string(None)
            candidates += [(f"domain {dom.name} on {col.name}", re.sub(r"\bVALUE\b", lambda _: quoted, d)) for d in _domain_checks(dom)]
    return candidates


def domain_of(type_name: str, domains: Sequence[Domain]) -> Domain | None:
    spellings = lambda d: (d.name, f"{d.schema}.{d.name}", sql.Identifier(d.schema, d.name).as_string(None), sql.Identifier(d.name).as_string(None))  # noqa: E731
    return next((d for d in domains if type_name in spellings(d)), None)


def checks_of(table: Table, domains: Sequence[Domain]) -> tuple[list[tuple[str, Node]], list[str]]:
    """Parsed checks of ``table`` (its own and its columns' domains) and the names of unparsable ones."""
    parsed: list[tuple[str, Node]] = []
    skipped: list[str] = []
    for name, definition in all_checks(table, domains):
        node = _parsed(definition, table)
        if node is None:
            skipped.append(name)
        else:
            parsed.append((name, node))
    return parsed, skipped


def _parsed(definition: str, table: Table) -> Node | None:
    """The check's tree when pandas can evaluate it (tried on no rows), else None: PostgreSQL checks it."""
    try:
        node = parse(definition)
        evaluate(node, pd.DataFrame({c.name: pd.Series([], dtype=object) for c in table.columns}), table)
    except (Unsupported, KeyError, TypeError, ValueError):
        return None
    return node


def unevaluable(table: Table, domains: Sequence[Domain]) -> list[tuple[str, str]]:
    """(name, definition) of the checks pandas cannot evaluate: PostgreSQL checks them (see pgcheck)."""
    return [(name, definition) for name, definition in all_checks(table, domains) if _parsed(definition, table) is None]


def _domain_checks(dom: Domain) -> list[str]:
    parts = dom.definition.split(" CHECK ")[1:]
    return ["CHECK " + part.split(' CONSTRAINT "')[0] for part in parts]


def repair(
    frame: pd.DataFrame, table: Table, domains: Sequence[Domain], seed: int, notes: Sequence[str] = ()
) -> tuple[pd.DataFrame, list[str]]:
    """Repair every evaluable check instead of dropping rows; ``notes`` come back extended."""
    checks, skipped = checks_of(table, domains)
    frame, excl_notes = separate_exclusions(frame, table)
    notes = list(notes) + type_notes(table) + excl_notes + [f"{table.key}: check {name} is evaluated by PostgreSQL at load time (rows breaking it are re-drawn there)" for name in skipped]
    if frame.empty or not checks:
        return frame, notes
    rng = np.random.default_rng(seed)
    out = frame.copy()
    for _ in range(ROUNDS):
        bad_total = 0
        for name, node in checks:
            if not _columns_present(node, out):
                continue
            bad = failing(node, out, table)
            if bad.any():
                bad_total += int(bad.sum())
                _fix(node, out, bad, table, rng)
        if not bad_total:
            break
    for name, node in checks:
        if _columns_present(node, out) and failing(node, out, table).any():
            notes.append(f"{table.key}: {int(failing(node, out, table).sum())} rows still break check {name}; the load will name them")
    return out, notes


_FALLBACKS = {
    "tsvector": "stand-in lexemes as many as the source's values hold (lexemes are not learnt)",
    "other": "written NULL (no generator for this type)",
    "geometric": "written as one fixed shape (geometry is not learnt; points are)",
}


def type_notes(table: Table) -> list[str]:
    """Say which columns got a stand-in value because their type cannot be synthesised from data."""
    out = []
    for col in table.columns:
        if not col.insertable or col.kind not in _FALLBACKS or col.name in table.fk_columns:
            continue
        what = _FALLBACKS[col.kind]
        if col.kind == "tsvector" and table.triggers:
            what += f", then filled by the table's trigger ({', '.join(t.name for t in table.triggers)})"
        out.append(f"{table.key}.{col.name} ({col.type}): {what}")
    return out


def _columns_present(node: Node, frame: pd.DataFrame) -> bool:
    if node.op == "col":
        return node.args[0] in frame
    return all(_columns_present(a, frame) for a in node.args if isinstance(a, Node))


def failing(node: Node, frame: pd.DataFrame, table: Table) -> pd.Series:
    """Rows where the check is FALSE (NULL passes, as in PostgreSQL)."""
    return (evaluate(node, frame, table) == False).fillna(False).astype(bool)  # noqa: E712 - Kleene logic


def evaluate(node: Node, frame: pd.DataFrame, table: Table) -> pd.Series:
    """A nullable boolean Series for a predicate node."""
    op = node.op
    if op == "and":
        result = evaluate(node.args[0], frame, table)
        for arg in node.args[1:]:
            result = result & evaluate(arg, frame, table)
        return result
    if op == "or":
        result = evaluate(node.args[0], frame, table)
        for arg in node.args[1:]:
            result = result | evaluate(arg, frame, table)
        return result
    if op == "not":
        return ~evaluate(node.args[0], frame, table)
    if op == "col" and _boolean(node, table):  # CHECK (NOT is_current OR ...): a boolean column is a predicate
        return frame[node.args[0]].astype(object).where(frame[node.args[0]].notna(), None).astype("boolean")
    if op in ("isnull", "notnull"):
        nulls = _value(node.args[0], frame, table).isna()
        return (nulls if op == "isnull" else ~nulls).astype("boolean")
    if op == "in":
        values = _value(node.args[0], frame, table)
        return values.isin(list(node.args[1])).astype("boolean").mask(values.isna(), pd.NA)
    if op == "cmp":
        cmp, left, right = node.args
        a, b = colorder.aligned(_value(left, frame, table), _value(right, frame, table))
        result = pd.Series(_OPS[cmp](a, b), index=frame.index).astype("boolean")
        return result.mask(a.isna() | b.isna(), pd.NA)
    raise Unsupported(f"{op} is not a predicate")


def _boolean(node: Node, table: Table) -> bool:
    return any(c.name == node.args[0] and family(c.kind) == "boolean" for c in table.columns)


def _value(node: Node, frame: pd.DataFrame, table: Table) -> pd.Series:
    if node.op == "col":
        return frame[node.args[0]]
    if node.op == "const":
        return pd.Series([node.args[0]] * len(frame), index=frame.index, dtype=object)
    if node.op == "length":
        inner = _value(node.args[0], frame, table)
        return inner.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else len(str(v))).astype("Float64")
    raise Unsupported(f"{node.op} is not a value")


def _fix(node: Node, frame: pd.DataFrame, bad: pd.Series, table: Table, rng: np.random.Generator) -> None:
    op = node.op
    if op == "and":
        for arg in node.args:
            _fix(arg, frame, bad & failing(arg, frame, table), table, rng)
    elif op == "or":
        target = next((a for a in reversed(node.args) if a.op not in ("isnull", "notnull")), node.args[-1])
        _fix(target, frame, bad, table, rng)
    elif op == "in" and node.args[0].op == "col":
        values = np.asarray(node.args[1], dtype=object)
        frame.loc[bad, node.args[0].args[0]] = values[rng.integers(0, len(values), size=int(bad.sum()))]
    elif op == "col":
        frame.loc[bad, node.args[0]] = True
    elif op == "not" and node.args[0].op == "col":
        frame.loc[bad, node.args[0].args[0]] = False
    elif op == "notnull" and node.args[0].op == "col":
        _resample(node.args[0].args[0], frame, bad, ~bad, rng)
    elif op == "cmp":
        _fix_cmp(node, frame, bad, table, rng)


def _fix_cmp(node: Node, frame: pd.DataFrame, bad: pd.Series, table: Table, rng: np.random.Generator) -> None:
    cmp, left, right = node.args
    if left.op == "const" and right.op in ("col", "length"):
        cmp, left, right = _FLIP[cmp], right, left
    if left.op == "length" and right.op == "const" and left.args[0].op == "col" and cmp in ("<", "<="):
        name, limit = left.args[0].args[0], int(right.args[0]) - (1 if cmp == "<" else 0)
        frame.loc[bad, name] = frame.loc[bad, name].astype(str).str.slice(0, max(limit, 0))
    elif left.op == "col" and right.op == "col":
        colorder.order_columns(frame, bad, left.args[0], right.args[0], cmp, table)
    elif left.op == "col" and right.op == "const":
        good = ~bad & ~failing(node, frame, table) & frame[left.args[0]].notna()
        if good.any():
            _resample(left.args[0], frame, bad, good, rng)
        else:
            frame.loc[bad, left.args[0]] = _bound(table, left.args[0], cmp, right.args[0])


def _resample(name: str, frame: pd.DataFrame, bad: pd.Series, good: pd.Series, rng: np.random.Generator) -> None:
    pool = frame.loc[good, name].to_numpy(dtype=object)
    if len(pool):
        frame.loc[bad, name] = pool[rng.integers(0, len(pool), size=int(bad.sum()))]


def _bound(table: Table, name: str, cmp: str, limit: object) -> object:
    """The nearest value of the column's type that satisfies ``name cmp limit``."""
    if cmp in (">=", "<=", "="):
        return limit
    step = colorder.unit(table, name)
    if isinstance(limit, (int, float)):
        return limit + step if cmp == ">" else limit - step  # type: ignore[operator]
    return limit


def one_per_parent(table: Table, fk: ForeignKey, picks: np.ndarray, parents: int, rng: np.random.Generator) -> np.ndarray:
    """A 1:1 relationship (the driving FK is also unique): each parent gets at most one child.

    Repeated parents move to parents without a child; when every parent is taken
    the row count is capped at the number of parents (and the caller notes it).
    """
    if not any(set(u) <= set(fk.columns) for u in table.uniques):
        return picks
    valid = picks[picks >= 0]
    nulls = picks[picks < 0]
    kept = np.unique(valid)
    free = np.setdiff1d(np.arange(parents, dtype=np.int64), kept)
    extra = min(len(valid) - len(kept), len(free))
    moved = rng.choice(free, size=extra, replace=False) if extra else np.zeros(0, dtype=np.int64)
    return np.concatenate([np.sort(np.concatenate([kept, moved])), nulls]).astype(np.int64)


def spread_times(frame: pd.DataFrame, unique: list[str], name: str, kind: str, rounds: int = 20) -> pd.Series:
    """A unique set ending in a date or timestamp (a date dimension's date, a flight's number and departure):
    the k-th repeat of a value moves k days (dates) or seconds later, until no repeat is left."""
    unit = pd.Timedelta(days=1) if kind == "date" else pd.Timedelta(seconds=1)
    out = frame[list(unique)].copy()
    special = out[name].map(lambda v: isinstance(v, str))  # 'infinity' and other special values stay as they are
    for _ in range(rounds):
        dups = out.duplicated() & out.notna().all(axis=1) & ~special
        if not dups.any():
            break
        steps = out.groupby(list(unique), dropna=False, sort=False).cumcount()
        moved = pd.to_datetime(out.loc[dups, name], errors="coerce", utc=kind == "timestamptz") + unit * steps[dups]
        column = out[name].astype(object)
        column[dups] = moved.to_numpy(dtype=object) if kind != "date" else moved.dt.normalize().to_numpy(dtype=object)
        out[name] = column.infer_objects() if not special.any() else column
    return out[name]


def unique_picks(table: Table, fk: ForeignKey, picks: np.ndarray, parents: int, rng: np.random.Generator) -> np.ndarray:
    """Parent picks of rows already made, for a foreign key that must be unique (a department's manager):
    a parent picked twice moves to a parent nobody picked, as long as there is one."""
    if not any(set(u) <= set(fk.columns) for u in table.uniques):
        return picks
    out = picks.copy()
    valid = np.flatnonzero(out >= 0)
    _, first = np.unique(out[valid], return_index=True)
    repeated = np.setdiff1d(valid, valid[first])
    free = rng.permutation(np.setdiff1d(np.arange(parents, dtype=np.int64), out[valid]))
    moved = min(len(repeated), len(free))
    out[repeated[:moved]] = free[:moved]
    return out


def shortfall(table: Table, wanted: int | None, made: int) -> list[str]:
    """A note when a table got fewer rows than asked (a 1:1 key allows one row per parent)."""
    if wanted is None or made >= wanted:
        return []
    return [f"{table.key}: {made} rows instead of {wanted}: a 1:1 foreign key allows one row per parent row"]


def dedupe_partial(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Partial unique indexes (``UNIQUE ... WHERE p``): make the columns unique over every row,
    which satisfies the index whatever ``p`` is. Numbers are bumped, text suffixed."""
    for index in table.indexes:
        if not (index.unique and index.columns and " WHERE " in index.definition):
            continue
        cols = [c for c in index.columns if c in frame]
        if len(cols) != len(index.columns):
            continue
        if set(cols) & table.fk_columns:
            frame = _unlink_partial(frame, table, tuple(cols), index.definition)
            continue
        dups = duplicates(frame, tuple(cols), table)
        if dups.any():
            frame = frame.copy()
            bump(frame, dups, tuple(cols), table)
    return frame


def _unlink_partial(frame: pd.DataFrame, table: Table, cols: tuple[str, ...], definition: str) -> pd.DataFrame:
    """A partial unique index over a foreign key (``UNIQUE (label_id) WHERE state = 'open'``): the rows
    the index covers that repeat a key lose it (NULL) when the key's columns are nullable; the
    predicate is evaluated when it can be (otherwise every row counts, as for an index without one)."""
    keys = [c for c in cols if c in table.fk_columns]
    if not all(table.column(c).nullable for c in keys):
        return frame
    covered = pd.Series(True, index=frame.index)
    try:
        covered = (evaluate(parse("CHECK (" + definition.split(" WHERE ", 1)[1] + ")"), frame, table) == True).fillna(False).astype(bool)  # noqa: E712
    except (Unsupported, KeyError, ValueError, TypeError):
        pass
    inside = frame.loc[covered, list(cols)]
    dups = (inside.duplicated() & inside.notna().all(axis=1)).reindex(frame.index, fill_value=False)
    if dups.any():
        frame = frame.copy()
        frame.loc[dups, keys] = None
    return frame


def duplicates(frame: pd.DataFrame, cols: tuple[str, ...], table: Table) -> pd.Series:
    """Rows that repeat an earlier row's ``cols``; a row with a NULL among them repeats nothing,
    unless the set is ``NULLS NOT DISTINCT``."""
    dups = frame[list(cols)].duplicated()
    return dups if table.nulls_not_distinct(cols) else dups & frame[list(cols)].notna().all(axis=1)


def bump(frame: pd.DataFrame, dups: pd.Series, cols: tuple[str, ...], table: Table) -> None:
    """Make the ``dups`` rows unique: bump the last of ``cols`` that holds a value in the row
    (a NULLS NOT DISTINCT row may hold NULL in some; one that is NULL in all gets the last a value)."""
    left = dups.copy()
    for name in reversed(cols):
        kind = table.column(name).kind
        if kind not in INTEGER_KINDS and kind not in NUMERIC_KINDS and kind not in TEXT_KINDS:
            continue
        here = left & frame[name].notna()
        if here.any():
            _bump(frame, here, name, table)
            left &= ~here
    if left.any():
        _bump(frame, left, cols[-1], table)


def _bump(frame: pd.DataFrame, dups: pd.Series, name: str, table: Table) -> None:
    col = table.column(name)
    count = int(dups.sum())
    if col.kind in INTEGER_KINDS or col.kind in NUMERIC_KINDS:
        top = to_numbers(frame[name]).max()
        frame.loc[dups, name] = np.arange(1, count + 1) + (0 if pd.isna(top) else int(top))
    elif col.kind in TEXT_KINDS:
        suffix = [f"~{i}" for i in range(1, count + 1)]
        width = col.max_length or 10_000
        frame.loc[dups, name] = [("" if pd.isna(v) else str(v))[: max(width - len(s), 0)] + s for v, s in zip(frame.loc[dups, name], suffix)]


def separate_exclusions(frame: pd.DataFrame, table: Table) -> tuple[pd.DataFrame, list[str]]:
    """``EXCLUDE USING gist (k WITH =, r WITH &&)``: within each ``k`` group, move ranges ``r``
    later so none overlaps the previous one (widths are kept). Other exclusions are noted."""
    notes = []
    out = frame
    for con in table.constraints:
        if con.kind != "exclude":
            continue
        pairs = re.findall(r'"?([A-Za-z_][\w]*)"? WITH (=|&&)', con.definition)
        ranges = [c for c, op in pairs if op == "&&"]
        equal = [c for c, op in pairs if op == "="]
        if len(ranges) != 1 or len(pairs) != len(equal) + 1 or not all(c in frame for c, _ in pairs):
            notes.append(f"{table.key}: exclusion constraint {con.name} is not repaired before the load (PostgreSQL validates it)")
            continue
        out = out.copy() if out is frame else out
        _separate(out, equal, ranges[0])
    return out, notes


def _separate(frame: pd.DataFrame, groups: list[str], name: str) -> None:
    parsed = frame[name].map(_parse_range)
    keys = frame[groups].astype(str).agg("|".join, axis=1) if groups else pd.Series("", index=frame.index)
    for _, idx in keys.groupby(keys).groups.items():
        rows = [i for i in idx if parsed[i] is not None]
        rows.sort(key=lambda i: parsed[i][1])
        end = None
        for i in rows:
            kind, low, high = parsed[i]
            if end is not None and low < end:
                low, high = end, end + (high - low)
            end = high
            frame.at[i, name] = _format_range(kind, low, high)


def _parse_range(value: object) -> tuple[str, object, object] | None:
    """``[a,b)`` text -> (kind, low, high) for int, date and timestamp ranges; None otherwise."""
    if not isinstance(value, str):
        return None
    match = re.match(r'^\[\s*"?([^",]+)"?\s*,\s*"?([^",]+)"?\s*\)$', value.strip())
    if not match:
        return None
    low, high = match[1], match[2]
    if re.fullmatch(r"-?\d+", low) and re.fullmatch(r"-?\d+", high):
        return "int", int(low), int(high)
    try:
        kind = "date" if len(low) == 10 else "ts"
        return kind, pd.Timestamp(low), pd.Timestamp(high)
    except ValueError:
        return None


def _format_range(kind: str, low: object, high: object) -> str:
    if kind == "int":
        return f"[{low},{high})"
    fmt = "%Y-%m-%d" if kind == "date" else "%Y-%m-%d %H:%M:%S"
    return f"[{low.strftime(fmt)},{high.strftime(fmt)})"  # type: ignore[attr-defined]


def dedupe_values(frame: pd.DataFrame, table: Table, keys: Collection[str]) -> pd.DataFrame:
    """Make unique sets without a column of ``keys`` (foreign keys, drawn keys) hold: bump numbers, suffix text."""
    for unique in table.uniques:
        if set(unique) & set(keys):
            continue
        dups = duplicates(frame, tuple(unique), table)
        if not dups.any():
            continue
        if table.nulls_not_distinct(tuple(unique)):
            bump(frame, dups, tuple(unique), table)
            continue
        name = unique[-1]
        col = table.column(name)
        if col.kind in INTEGER_KINDS or col.kind in NUMERIC_KINDS:
            top = to_numbers(frame[name]).max()
            frame.loc[dups, name] = np.arange(1, int(dups.sum()) + 1) + (0 if pd.isna(top) else int(top))
        elif col.kind in ("date", "timestamp", "timestamptz"):
            frame[name] = spread_times(frame, list(unique), name, col.kind).to_numpy()
        elif col.kind in TEXT_KINDS:
            suffix = pd.Series(np.arange(1, int(dups.sum()) + 1), index=frame.index[dups]).astype(str)
            width = (col.max_length or 10_000) - suffix.str.len() - 1
            base = frame.loc[dups, name].astype(str)
            frame.loc[dups, name] = [b[: max(w, 0)] + "~" + s for b, w, s in zip(base, width, suffix)]
    return frame
