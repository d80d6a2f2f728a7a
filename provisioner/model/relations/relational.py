"""The hierarchical relational model: children per parent and foreign-key assignment.

Works for any number of tables and any depth, composite keys, self-references
and cycles (see :mod:`provisioner.schema.graph`). What it learns is aggregate only:
for every foreign key, the histogram of children per parent (zeros included)
and the share of NULLs.

* The *driving* foreign key of a child table decides how many rows it gets:
  every synthetic parent draws a child count from the histogram.
* Every other foreign key picks parents by popularity: each synthetic parent
  draws a weight from that key's histogram, so the joint skew of parents is
  kept instead of uniform picks.
* Self-references point at an earlier row, so the result is a forest.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from psycopg import sql
from sqlalchemy import Connection

from provisioner.columns.codec import to_numbers
from provisioner.model.relations import counters
from provisioner.pg.connect import run
from provisioner.schema.snapshot import (
    INTEGER_KINDS,
    NUMERIC_KINDS,
    TEXT_KINDS,
    Column,
    ForeignKey,
    Table,
)


@dataclass(frozen=True)
class Degree:
    """``counts[i]`` parents had ``values[i]`` children in the source."""

    values: tuple[int, ...]
    counts: tuple[int, ...]

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` child counts, stratified: one draw per 1/n slice of the distribution, shuffled.

        For as many parents as the source had this reproduces the histogram
        exactly; independent draws would blur small parent tables badly.
        """
        if not self.values or sum(self.counts) == 0:
            return np.ones(n, dtype=np.int64)
        cdf = np.cumsum(np.asarray(self.counts, dtype=float))
        cdf /= cdf[-1]
        u = (np.arange(n) + rng.random(n)) / max(n, 1)
        picks = np.asarray(self.values, dtype=np.int64)[np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)]
        return rng.permutation(picks)

    def ranked(self, rng: np.random.Generator, order_by: np.ndarray) -> np.ndarray:
        """Stratified counts handed out by rank of ``order_by`` (a model's guess per parent)."""
        counts = np.sort(self.draw(rng, len(order_by)))
        ranks = np.argsort(np.argsort(order_by + rng.random(len(order_by)) * 1e-6, kind="stable"), kind="stable")
        return counts[ranks]

    @property
    def mean(self) -> float:
        total = sum(self.counts)
        return sum(v * c for v, c in zip(self.values, self.counts)) / total if total else 0.0


@dataclass(frozen=True)
class ForeignKeyModel:
    fk: ForeignKey
    degree: Degree
    null_rate: float
    driving: bool
    self_ref: bool


@dataclass(frozen=True)
class KeyShape:
    """How a non-FK key column looks: enough to make new unique values."""

    kind: str
    length: int = 8
    alphabet: str = string.ascii_uppercase
    start: int = 1
    prefix: str = ""  # what every source key starts with ("cus_", "in_": Stripe-style ids), kept on every new key
    per_parent: bool = False  # a line number: start, start + 1, ... within each parent (the key's foreign key columns)
    counter: bool = False  # text: prefix, then start, start + 1, ... zero-padded to ``length`` when it is not 0 (counters.py)


def degree_of(conn: Connection, child: Table, fk: ForeignKey, parent: Table) -> tuple[Degree, float]:
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in fk.columns)
    not_null = sql.SQL(" AND ").join(sql.SQL("{} IS NOT NULL").format(sql.Identifier(c)) for c in fk.columns)
    rows = run(conn, sql.SQL(
        "SELECT n, count(*) FROM (SELECT count(*) AS n FROM {} WHERE {} GROUP BY {}) g GROUP BY n ORDER BY n"
    ).format(child.ident, not_null, cols)).fetchall()
    referenced = sum(int(c) for _, c in rows)
    zeros = max(parent.row_count - referenced, 0)
    values = ([0] if zeros else []) + [int(v) for v, _ in rows]
    counts = ([zeros] if zeros else []) + [int(c) for _, c in rows]
    nulls = run(conn, sql.SQL("SELECT count(*) FROM {} WHERE NOT ({})").format(child.ident, not_null)).fetchone()[0]
    return Degree(tuple(values), tuple(counts)), (int(nulls) / child.row_count if child.row_count else 0.0)


def choose_driving(table: Table, models: list[ForeignKeyModel], parent_rows: Mapping[str, int]) -> int | None:
    """Index of the FK that decides row counts and owns the child rows.

    Rank: never NULL in the data first, then the one leading the primary key
    (order_details -> orders), then a parent whose name starts the child's
    (invoice_line -> invoice), then the parent with the most rows (track -> album).
    """
    candidates = [i for i, m in enumerate(models) if not m.self_ref]
    if not candidates:
        return None

    def rank(i: int) -> tuple[bool, int, bool, int, str]:
        fk = models[i].fk
        in_pk = table.primary_key.index(fk.columns[0]) if fk.columns[0] in table.primary_key else 99
        parent = fk.ref_table.rsplit(".", 1)[-1].rstrip("s")
        owns = table.name.startswith(parent)
        return (models[i].null_rate > 0, in_pk, not owns, -parent_rows.get(fk.ref_table, 0), fk.name)

    return min(candidates, key=rank)


def key_shape(col: Column, values: pd.Series, parents: pd.DataFrame | None = None) -> KeyShape:
    """``parents``: the foreign-key columns beside ``col`` in its composite key, where it has them."""
    present = values.dropna()
    if col.kind in INTEGER_KINDS and parents is not None and (start := _line_start(values, parents)) is not None:
        return KeyShape(col.kind, start=start, per_parent=True)
    if col.kind in TEXT_KINDS and (counted := counters.counter_of(present)) is not None:
        return KeyShape("text", length=counted[2], prefix=counted[0], start=counted[1], counter=True)
    if col.kind in TEXT_KINDS:
        as_text = present.astype(str)
        prefix = _common_prefix(as_text)
        as_text = as_text.str.slice(len(prefix))
        length = int(round(as_text.str.len().mean())) if len(as_text) else min(col.max_length or 8, 8)
        length = max(1, min(length, (col.max_length or length + len(prefix)) - len(prefix)))
        joined = "".join(as_text.head(500))
        alphabet = "".join(
            part for part, present_ in (
                (string.ascii_uppercase, any(ch.isupper() for ch in joined) or not joined),
                (string.ascii_lowercase, any(ch.islower() for ch in joined)),
                (string.digits, any(ch.isdigit() for ch in joined)),
            ) if present_
        )
        if len(as_text) >= MIN_ALPHABET_KEYS:  # only the characters the keys use: upper-case hexadecimal stays so
            alphabet = "".join(ch for ch in alphabet if ch in joined)
        return KeyShape("text", length=length, alphabet=alphabet or string.ascii_uppercase, prefix=prefix)
    if col.kind in INTEGER_KINDS and len(present):
        return KeyShape(col.kind, start=int(to_numbers(present).min()))  # counters start where the source's do
    return KeyShape(col.kind)


def _line_start(values: pd.Series, parents: pd.DataFrame) -> int | None:
    """The first number when, in every parent's rows, ``values`` are exactly first, first + 1, ... (order lines
    numbered 1..k per order), in enough parents with several rows to tell a convention from chance; else None."""
    numbers = to_numbers(values)
    if numbers.isna().any() or len(numbers) < MIN_LINE_PARENTS:
        return None
    groups = parents.astype(str).agg("\x1f".join, axis=1).to_numpy()
    frame = pd.DataFrame({"g": groups, "v": numbers.to_numpy(dtype=float)})
    stats = frame.groupby("g")["v"].agg(["min", "max", "count", "nunique"])
    first = stats["min"].unique()
    if len(first) != 1 or (stats["count"] >= 2).sum() < MIN_LINE_PARENTS:
        return None
    exact = (stats["nunique"] == stats["count"]) & (stats["max"] - stats["min"] + 1 == stats["count"])
    return int(first[0]) if bool(exact.all()) else None


MIN_LINE_PARENTS = 10
MIN_ALPHABET_KEYS = 50  # text keys needed before the characters they use are taken as their alphabet


def line_numbers(picks: np.ndarray, start: int, n: int) -> np.ndarray:
    """0, 1, ... within each parent for rows ``start`` .. ``start + n`` of a table whose rows' parents are
    ``picks`` (the whole table's): a shard's numbering goes on from the rows before it."""
    part = pd.Series(picks[start:start + n])
    ranks = part.groupby(part.to_numpy()).cumcount().to_numpy(dtype=np.int64)
    if start:
        before = pd.Series(picks[:start]).value_counts()
        ranks += part.map(before).fillna(0).to_numpy(dtype=np.int64)
    return ranks


def _common_prefix(values: pd.Series) -> str:
    """The prefix every value shares up to its last non-alphanumeric character ("cus_" of "cus_9f2a..."),
    when there are enough values to tell a convention from chance; a value is never all prefix."""
    if len(values) < 20:
        return ""
    shared = os.path.commonprefix(list(values))
    cut = max((i + 1 for i, ch in enumerate(shared) if not ch.isalnum()), default=0)
    return shared[:cut] if cut < int(values.str.len().min()) else ""


def make_keys(shape: KeyShape, col: Column, n: int, rng: np.random.Generator) -> pd.Series:
    """``n`` distinct key values of the column's type."""
    if shape.kind in INTEGER_KINDS or shape.kind in NUMERIC_KINDS:
        return pd.Series(np.arange(shape.start, shape.start + n, dtype=np.int64)).astype("Int64")
    if shape.kind == "uuid":
        raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
        raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
        raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
        hexes = [r.tobytes().hex() for r in raw]
        return pd.Series([f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" for h in hexes], dtype=object)
    if shape.kind == "text":
        codes = counters.counter_keys(shape.prefix, shape.start, shape.length, n) if shape.counter else _unique_codes(shape, col, n, rng)
        return pd.Series(codes, dtype=object)
    if shape.kind in ("date", "timestamp", "timestamptz"):
        return pd.Series(pd.Timestamp("2000-01-01") + pd.to_timedelta(np.arange(n), unit="D"))
    return pd.Series(np.arange(1, n + 1, dtype=np.int64))


def _unique_codes(shape: KeyShape, col: Column, n: int, rng: np.random.Generator) -> list[str]:
    alphabet = np.array(list(shape.alphabet))
    length = shape.length
    limit = (col.max_length or 10_000) - len(shape.prefix)
    while len(alphabet) ** length < 2 * n and length < limit:
        length += 1
    codes: dict[str, None] = {}
    while len(codes) < n:
        need = (n - len(codes)) * 2 + 16
        picks = alphabet[rng.integers(0, len(alphabet), size=(need, length))]
        for code in (shape.prefix + "".join(row) for row in picks):
            codes.setdefault(code)
            if len(codes) == n:
                break
    return list(codes)


def assign(
    child_rows: int,
    parent: pd.DataFrame,
    model: ForeignKeyModel,
    rng: np.random.Generator,
) -> np.ndarray:
    """Parent row index for each child row (-1 = NULL).

    A configuration model: every parent draws a child count from the learnt
    histogram, the counts are rescaled to the rows at hand, and the resulting
    slots are shuffled over the children. So every foreign key, not just the
    driving one, keeps its children-per-parent distribution.
    """
    n_parent = len(parent)
    if n_parent == 0:
        return np.full(child_rows, -1, dtype=np.int64)
    if model.self_ref:
        upper = np.arange(child_rows)
        picks = np.floor(rng.random(child_rows) * np.maximum(upper, 1)).astype(np.int64)
        picks[0] = -1 if model.null_rate > 0 else 0
        nulls = rng.random(child_rows) < model.null_rate
        picks[nulls] = -1
        return picks
    nulls = rng.random(child_rows) < model.null_rate if model.null_rate > 0 else np.zeros(child_rows, dtype=bool)
    wanted = int((~nulls).sum())
    counts = rescale(model.degree.draw(rng, n_parent), wanted, rng)
    slots = rng.permutation(np.repeat(np.arange(n_parent, dtype=np.int64), counts))
    picks = np.full(child_rows, -1, dtype=np.int64)
    picks[~nulls] = slots
    return picks


def spread(
    parent_rows: int, model: ForeignKeyModel, rng: np.random.Generator, target: int | None, counts: np.ndarray | None = None
) -> np.ndarray:
    """Parent index of each child row for the driving FK, grouped by parent.

    ``counts`` are child counts the parent's model sampled with its other
    columns (the HMA idea); without them each parent draws from the histogram.
    """
    if counts is None:
        counts = model.degree.draw(rng, parent_rows) if parent_rows else np.zeros(0, dtype=np.int64)
    else:
        counts = model.degree.ranked(rng, counts.astype(float))
    if target is not None and parent_rows:
        counts = rescale(counts, target, rng)
    picks = np.repeat(np.arange(parent_rows, dtype=np.int64), counts)
    if model.null_rate > 0 and model.null_rate < 1:
        extra = int(round(len(picks) * model.null_rate / (1 - model.null_rate)))
        picks = np.concatenate([picks, np.full(extra, -1, dtype=np.int64)])
    return picks


def rescale(counts: np.ndarray, target: int, rng: np.random.Generator) -> np.ndarray:
    """Adjust drawn child counts so they add up to exactly ``target``."""
    counts = np.asarray(counts, dtype=np.int64)
    if len(counts) == 0:
        return counts
    total = int(counts.sum())
    if total == target:
        return counts
    if total == 0:
        return np.bincount(rng.integers(0, len(counts), size=target), minlength=len(counts))
    scaled = np.floor(counts * (target / total)).astype(np.int64)
    short = target - int(scaled.sum())
    if short > 0:
        p = counts / counts.sum()
        scaled += np.bincount(rng.choice(len(counts), size=short, p=p), minlength=len(counts))
    return scaled


def copy_parent_keys(frame: pd.DataFrame, fk: ForeignKey, parent: pd.DataFrame, picks: np.ndarray) -> None:
    """Write the parent's referenced columns into the child's FK columns (NULL where -1)."""
    valid = picks >= 0
    for child_col, parent_col in zip(fk.columns, fk.ref_columns):
        source = parent[parent_col].to_numpy(dtype=object)
        values = np.empty(len(picks), dtype=object)
        values[:] = None
        values[valid] = source[picks[valid]]
        frame[child_col] = values


def repair_unique(
    frame: pd.DataFrame,
    table: Table,
    models: Mapping[str, ForeignKeyModel],
    parents: Mapping[str, pd.DataFrame],
    rng: np.random.Generator,
    rounds: int = 40,
) -> tuple[pd.DataFrame, int]:
    """Re-pick non-driving FKs until every unique column set holds; returns rows dropped."""
    dropped = 0
    for unique in table.uniques:
        movable = [m for m in models.values() if not m.driving and set(m.fk.columns) <= set(unique)]
        if not set(unique) & table.fk_columns and table.column(unique[-1]).kind in INTEGER_KINDS | NUMERIC_KINDS | TEXT_KINDS:
            continue  # no foreign key in it: sample._dedupe_values bumps numbers / suffixes text instead of dropping rows
        if movable:
            _swap_repair(frame, unique, movable[0], rng)
        for _ in range(rounds):
            dups = _duplicated(frame, unique)
            if not dups.any() or not movable:
                break
            model = movable[int(rng.integers(len(movable)))]
            parent = parents[model.fk.ref_table] if not model.self_ref else frame
            picks = _spare_parents(frame, model, parent, int(dups.sum()), rng)
            sub = frame.loc[dups].copy()
            copy_parent_keys(sub, model.fk, parent, picks)
            frame.loc[dups, list(model.fk.columns)] = sub[list(model.fk.columns)].to_numpy()
        if movable:
            _exhaustive_repair(frame, unique, movable[0], parents)
        dups = _duplicated(frame, unique)
        if dups.any():
            dropped += int(dups.sum())
            frame = frame.loc[~dups].reset_index(drop=True)
    return frame, dropped


def _swap_repair(frame: pd.DataFrame, unique: tuple[str, ...], model: ForeignKeyModel, rng: np.random.Generator, rounds: int = 30) -> None:
    """Resolve clashes by swapping parents between two rows of different groups, many at a time.

    (playlist P, track A) twice: swap A with the track B of a row (P2, B) when
    neither (P, B) nor (P2, A) exists. Every track keeps its number of playlists,
    so the children-per-parent shape of both foreign keys survives the repair.
    Each round proposes one random partner per clashing row, keeps the swaps that
    create no clash (among themselves either), and applies them together, on
    integer codes of the keys: a few vectorised rounds instead of a loop per row.
    """
    moving = [c for c in unique if c in model.fk.columns]
    grouping = [c for c in unique if c not in model.fk.columns]
    if not grouping or model.self_ref:
        return
    complete = frame[list(unique)].notna().all(axis=1).to_numpy()
    group = _codes(frame, grouping)
    move = _codes(frame, moving)
    width = int(move.max()) + 2 if len(move) else 1
    order = np.arange(len(frame))
    sizes = np.bincount(group)[group].astype(float)
    weight = np.cumsum(sizes / sizes.sum())  # partners from big groups first: a row of a small group (a Classical playlist) keeps its parent
    for _ in range(rounds):
        key = group * width + move
        dups = np.flatnonzero(_repeats(key) & complete)
        if not len(dups):
            break
        partners = np.minimum(np.searchsorted(weight, rng.random(len(dups))), len(frame) - 1)
        new_i = group[dups] * width + move[partners]  # row i takes j's parent
        new_j = group[partners] * width + move[dups]  # row j takes i's parent
        taken = np.sort(key[complete])
        ok = (complete[partners] & (group[dups] != group[partners]) & (move[dups] != move[partners])
              & ~_contains(taken, new_i) & ~_contains(taken, new_j) & (new_i != new_j))
        ok &= ~np.isin(partners, dups)  # a partner is a settled row, not another clash of this round
        ok &= _unique_within(partners, ok)
        fresh = _unique_within(np.concatenate([new_i, new_j]), np.concatenate([ok, ok]))  # no two swaps make one key
        ok &= fresh[: len(ok)] & fresh[len(ok):]
        i, j = dups[ok], partners[ok]
        if not len(i):
            continue
        move[i], move[j] = move[j].copy(), move[i].copy()
        order[i], order[j] = order[j].copy(), order[i].copy()
    for col in moving:
        frame[col] = frame[col].iloc[order].set_axis(frame.index)  # keeps the column's dtype


def _codes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One integer per distinct value combination of ``columns`` (NULL gets its own code)."""
    if len(columns) == 1:
        return pd.factorize(frame[columns[0]].astype(object), use_na_sentinel=False)[0].astype(np.int64)
    return frame[columns].astype(object).groupby(columns, dropna=False, sort=False).ngroup().to_numpy(dtype=np.int64)


def _repeats(key: np.ndarray) -> np.ndarray:
    """True for every occurrence of a key after its first."""
    return pd.Series(key).duplicated(keep="first").to_numpy()


def _contains(sorted_keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    at = np.searchsorted(sorted_keys, values)
    return (at < len(sorted_keys)) & (sorted_keys[np.minimum(at, len(sorted_keys) - 1)] == values)


def _unique_within(values: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """``ok`` rows whose value no earlier ``ok`` row has (later duplicates lose)."""
    seen = pd.Series(np.where(ok, values, -1 - np.arange(len(values)))).duplicated(keep="first").to_numpy()
    return ok & ~seen


def _spare_parents(frame: pd.DataFrame, model: ForeignKeyModel, parent: pd.DataFrame, n: int, rng: np.random.Generator) -> np.ndarray:
    """New parents for ``n`` clashing rows, drawn among parents still below the most children
    any parent had in the source, so the repair never pushes a parent past that bound."""
    if len(parent) == 0:
        return np.full(n, -1, dtype=np.int64)
    if len(model.fk.columns) == 1:
        keys = pd.Index(parent[model.fk.ref_columns[0]].to_numpy(dtype=object))
        used = frame[model.fk.columns[0]].to_numpy(dtype=object)
    else:
        keys = pd.MultiIndex.from_frame(parent[list(model.fk.ref_columns)].astype(object))
        used = pd.MultiIndex.from_frame(frame[list(model.fk.columns)].astype(object).set_axis(list(model.fk.ref_columns), axis=1))
    at = keys.get_indexer(used)
    current = np.bincount(at[at >= 0], minlength=len(keys))
    top = max(model.degree.values) if model.degree.values else np.inf
    spare = np.flatnonzero(current < top)
    pool = spare if len(spare) else np.arange(len(parent))
    return pool[rng.integers(0, len(pool), size=n)]


def _exhaustive_repair(frame: pd.DataFrame, unique: tuple[str, ...], model: ForeignKeyModel, parents: Mapping[str, pd.DataFrame]) -> None:
    """Give each remaining duplicate an unused parent of its group, in order."""
    dups = _duplicated(frame, unique)
    if not dups.any() or model.self_ref:
        return
    moving = list(model.fk.columns)
    group_cols = [c for c in unique if c not in moving]
    parent = parents[model.fk.ref_table]
    options = list(parent[list(model.fk.ref_columns)].itertuples(index=False, name=None))
    groups = frame.loc[frame[group_cols].notna().all(axis=1)].groupby(group_cols, dropna=False, sort=False) if group_cols else None
    used: dict[tuple, set] = {}
    if groups is not None:
        for gkey, part in groups:
            used[gkey if isinstance(gkey, tuple) else (gkey,)] = set(part[moving].itertuples(index=False, name=None))
    else:
        used[()] = set(frame[moving].itertuples(index=False, name=None))
    for idx in frame.index[dups]:
        gkey = tuple(frame.loc[idx, group_cols]) if group_cols else ()
        taken = used.setdefault(gkey, set())
        free = next((o for o in options if o not in taken), None)
        if free is None:
            continue
        frame.loc[idx, moving] = list(free)
        taken.add(free)


def _duplicated(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """Duplicates among rows whose unique columns are all non-NULL (NULLs never clash)."""
    sub = frame[list(columns)]
    complete = sub.notna().all(axis=1)
    return sub.duplicated(keep="first") & complete


def balance_lookup(frame: pd.DataFrame, model: ForeignKeyModel, parent: pd.DataFrame, rng: np.random.Generator) -> None:
    """Give a lookup FK (sampled as a category) the learnt children-per-parent shape.

    The column model keeps which lookup value goes with which row; this moves
    the fewest rows needed so that the counts per lookup row are a stratified
    draw of the source histogram (ranked like the sampled counts), so no
    genre ends up with more tracks than any genre had, or with none.
    """
    if len(model.fk.columns) != 1 or parent.empty:
        return
    col, ref = model.fk.columns[0], model.fk.ref_columns[0]
    keys = pd.Series(parent[ref].to_numpy(dtype=object))
    values = frame[col]
    present = values.notna().to_numpy()
    codes = pd.Categorical(values[present].astype(object), categories=keys.tolist()).codes
    counts = np.bincount(codes[codes >= 0], minlength=len(keys))
    target = rescale(model.degree.ranked(rng, counts.astype(float)), int(present.sum()), rng)
    rows = np.flatnonzero(present)
    released = [rng.choice(rows[codes == p], size=int(counts[p] - target[p]), replace=False) for p in np.flatnonzero(counts > target)]
    if not released:
        return
    moving = np.concatenate(released)
    deficit = np.repeat(np.arange(len(keys)), np.maximum(target - counts, 0))
    new_values = keys.to_numpy()[rng.permutation(deficit)[: len(moving)]]
    column = frame[col].to_numpy(dtype=object).copy()
    column[moving[: len(new_values)]] = new_values
    frame[col] = column
