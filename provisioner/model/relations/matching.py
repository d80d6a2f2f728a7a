"""Which parent a non-driving foreign key picks: the one whose columns fit the row.

A link table's second key (``playlist_track.track_id``) or a line's product
(``invoice_line.track_id``) is otherwise drawn by popularity alone, so a
"Movies" playlist gets music tracks and a line's track has nothing to do with its
invoice. Here the child's column model also learns the referenced parent's
learnt columns (``__ref__<fk>__<column>``, joined on the source rows: a joint
distribution, no rows kept), together with the child's own columns and its
driving parent's. When sampling, the model says what kind of parent each row
wants; :func:`match` then hands every row the synthetic parent closest to that
(standardised numbers, categories equal or not), without changing how many
children each parent gets: the counts drawn by popularity are kept as
capacities, so the children-per-parent histogram stays as learnt. A row never
gets a parent that its group (the rest of a unique key it is part of) already has.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from provisioner.columns import codec
from provisioner.columns.codec import to_numbers
from provisioner.schema.snapshot import Column, ForeignKey, Table

PREFIX = "__ref__"
NEIGHBOURS = 64  # candidates per row (16 for large shards: the search dominates)
LARGE = 20_000
MIN_ROWS = 20


@dataclass(frozen=True)
class Reference:
    fk_name: str
    fk_columns: tuple[str, ...]
    ref_columns: tuple[str, ...]
    parent: str
    columns: tuple[Column, ...]  # the parent's learnt columns, as the child's model sees them (renamed)
    sources: tuple[str, ...]  # the parent's names of those columns, in the same order


def column_name(fk_name: str, column: str) -> str:
    return f"{PREFIX}{fk_name}__{column}"


def learn(
    table: Table, frame: pd.DataFrame, fk: ForeignKey, parent: pd.DataFrame, columns: Mapping[str, Column],
) -> tuple[Reference, pd.DataFrame] | None:
    """The reference through ``fk`` and the parent's ``columns`` for every row of ``frame`` (renamed),
    or None when too few rows find their parent."""
    if len(frame) < MIN_ROWS or not columns or not set(fk.columns) <= set(frame.columns):
        return None
    keys = key_text(frame, fk.columns)
    index = pd.Series(np.arange(len(parent)), index=key_text(parent, fk.ref_columns).to_numpy())
    index = index[~index.index.duplicated()]
    at = keys.map(index)
    if at.notna().sum() < MIN_ROWS:
        return None
    picks = at.fillna(-1).to_numpy(dtype=np.int64)
    out = pd.DataFrame(index=frame.index)
    renamed = []
    for name, col in columns.items():
        values = parent[name].to_numpy(dtype=object)[np.maximum(picks, 0)] if len(parent) else np.full(len(frame), None)
        new = column_name(fk.name, name)
        out[new] = pd.Series(values, index=frame.index).where(pd.Series(picks >= 0, index=frame.index), None).infer_objects()
        renamed.append(replace(col, name=new))
    return Reference(fk.name, fk.columns, fk.ref_columns, fk.ref_table, tuple(renamed), tuple(columns)), out


def key_text(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """Each row's values of ``columns`` as one text (numbers as floats, so 1 and 1.0 agree), None where one is
    NULL; on a fresh 0..n-1 index."""
    parts = []
    for col in columns:
        series = frame[col].reset_index(drop=True)
        numeric = to_numbers(series)
        textual = series.dtype == object and series.map(lambda v: isinstance(v, str)).any()  # '007' and '7' stay two keys
        text = numeric.astype(float).map(repr) if not textual and numeric.notna().sum() == series.notna().sum() else series.astype(str)
        parts.append(text.where(series.notna(), None))
    out = parts[0].astype(object)
    for part in parts[1:]:
        out = out + "\x1f" + part
    return out


def _features(values: pd.DataFrame, columns: tuple[Column, ...], reference: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Numbers standardised by ``reference`` (the synthetic parents), and categories as codes of
    ``reference``'s values (-1: a value no parent has)."""
    numbers, codes = [], []
    for col in columns:
        if codec.is_numeric(col):
            ref = codec.encode(reference[[col.name]], {col.name: col})[col.name].astype(float)
            mine = codec.encode(values[[col.name]], {col.name: col})[col.name].astype(float)
            scale = float(ref.std()) or 1.0
            centre = float(ref.mean()) if ref.notna().any() else 0.0
            numbers.append(((mine - centre) / scale).fillna(0.0).to_numpy())
        else:
            cats = pd.Index(pd.unique(reference[col.name].astype(object).map(str)))
            codes.append(cats.get_indexer(values[col.name].astype(object).map(str)))
    stack = (lambda parts, dtype: np.column_stack(parts).astype(dtype) if parts else np.zeros((len(values), 0), dtype=dtype))
    return stack(numbers, float), stack(codes, np.int64)


def nearest(
    parents: tuple[np.ndarray, np.ndarray], rows: tuple[np.ndarray, np.ndarray], k: int, rng: np.random.Generator,
    signatures: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """``k`` candidate parents per row, best first: the parents with exactly the row's categories, nearest in
    the standardised numbers (a k-d tree per combination of categories, on the few numeric columns); where
    fewer than ``k`` parents have the row's categories, all of those and then the parents nearest in the
    numbers alone. Without numbers, parents of the row's categories are equally near: ``k`` at random.
    ``signatures``: :func:`_signatures` of the two, when the caller has them already."""
    (p_num, p_cat), (r_num, r_cat) = parents, rows
    out = np.empty((len(r_num), k), dtype=np.int64)
    p_sig, r_sig = signatures if signatures is not None else _signatures(p_cat, r_cat)
    members = pd.Series(np.arange(len(p_sig))).groupby(p_sig).indices
    few: list[tuple[np.ndarray, np.ndarray]] = []  # rows whose categories fewer than k parents have, and those parents
    for sig, at in pd.Series(np.arange(len(r_sig))).groupby(r_sig).indices.items():
        block = members.get(sig, np.empty(0, dtype=np.int64))
        if len(block) >= k:
            out[at] = _near(p_num, block, r_num[at], k, rng)
        else:
            few.append((at, block))
    if few:  # one search of all parents for all of them
        anyone = _near(p_num, np.arange(len(p_num)), r_num[np.concatenate([at for at, _ in few])], k, rng)
        start = 0
        for at, block in few:
            rest = anyone[start : start + len(at), : k - len(block)]
            out[at] = np.hstack([np.tile(block, (len(at), 1)), rest])  # a repeated candidate is only tried twice
            start += len(at)
    return out


def _near(p_num: np.ndarray, block: np.ndarray, r_num: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """The ``k`` parents of ``block`` nearest each row in the numbers (``k`` at random without numbers)."""
    from scipy.spatial import cKDTree

    if p_num.shape[1] == 0:
        return block[rng.integers(0, len(block), size=(len(r_num), k))]
    _, idx = cKDTree(p_num[block]).query(r_num, k=k)
    return block[np.asarray(idx).reshape(len(r_num), k)]


def _signatures(p_cat: np.ndarray, r_cat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One integer per combination of category codes, shared by parents and rows."""
    if p_cat.shape[1] == 0:
        return np.zeros(len(p_cat), dtype=np.int64), np.zeros(len(r_cat), dtype=np.int64)
    both = pd.DataFrame(np.vstack([p_cat, r_cat]))
    sig = both.groupby(list(both.columns), sort=False).ngroup().to_numpy(dtype=np.int64)
    return sig[: len(p_cat)], sig[len(p_cat):]


def match(
    frame: pd.DataFrame, ref: Reference, wanted: pd.DataFrame, parent: pd.DataFrame, groups: list[tuple[str, ...]],
    rng: np.random.Generator,
) -> None:
    """Re-point ``frame``'s ``ref`` key at the parents closest to ``wanted`` (the model's columns per row),
    keeping each parent's number of children; ``groups``: the other columns of unique keys with the FK."""
    if len(parent) == 0 or len(frame) == 0 or not all(c in frame for c in ref.fk_columns):
        return
    index = pd.Series(np.arange(len(parent)), index=key_text(parent, ref.ref_columns).to_numpy())
    index = index[~index.index.duplicated()]
    current = key_text(frame, ref.fk_columns).map(index)
    assigned = current.notna().to_numpy()
    if not assigned.any():
        return
    capacity = np.bincount(current[assigned].to_numpy(dtype=np.int64), minlength=len(parent))
    sources = {c.name: s for c, s in zip(ref.columns, ref.sources)}
    reference = pd.DataFrame({c.name: parent[sources[c.name]].to_numpy() for c in ref.columns})
    x_parent = _features(reference, ref.columns, reference)
    x_rows = _features(wanted.reset_index(drop=True), ref.columns, reference)
    p_sig, r_sig = _signatures(x_parent[1], x_rows[1][assigned])
    capacity = by_category(capacity, p_sig, r_sig, rng)
    k = min(NEIGHBOURS if assigned.sum() <= LARGE else 16, len(parent))
    near = nearest(x_parent, (x_rows[0][assigned], x_rows[1][assigned]), k, rng, (p_sig, r_sig))
    group_keys = _groups(frame, groups)
    picks = _greedy(np.flatnonzero(assigned), near, capacity, group_keys, rng, (p_sig, r_sig))
    for child_col, parent_col in zip(ref.fk_columns, ref.ref_columns):
        column = frame[child_col].to_numpy(dtype=object).copy()
        column[np.flatnonzero(assigned)] = parent[parent_col].to_numpy(dtype=object)[picks]
        frame[child_col] = column


def by_category(capacity: np.ndarray, p_sig: np.ndarray, r_sig: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The children per parent drawn by popularity, handed out again so the parents of a category that
    many rows want get the larger counts (a Classical playlist's rows then find Classical tracks with room
    instead of spilling onto any track): parents are ranked by their category's rows per parent, with noise,
    and take the counts in that order. The counts themselves, so the children-per-parent histogram, stay."""
    if len(capacity) < 2:
        return capacity
    size = int(max(p_sig.max(initial=-1), r_sig.max(initial=-1))) + 1
    per_parent = np.bincount(r_sig, minlength=size) / np.maximum(np.bincount(p_sig, minlength=size), 1)
    score = per_parent[p_sig] * rng.lognormal(0.0, 0.5, len(p_sig))
    out = np.empty_like(capacity)
    out[np.argsort(-score, kind="stable")] = np.sort(capacity)[::-1]
    return out


def _groups(frame: pd.DataFrame, groups: list[tuple[str, ...]]) -> np.ndarray | None:
    if not groups:
        return None
    cols = [c for c in groups[0] if c in frame]
    return pd.factorize(key_text(frame, tuple(cols)))[0] if cols else None


def _greedy(
    rows: np.ndarray, near: np.ndarray, capacity: np.ndarray, groups: np.ndarray | None, rng: np.random.Generator,
    signatures: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Each row's nearest parent with room left that its group does not have yet, in vectorised rounds:
    round r offers every unplaced row its r-th neighbour, in a random order, and a parent takes as many as
    it has room for. Rows left after all neighbours are offered random parents with room that their group
    lacks, first of their own categories (``signatures``: parents', rows'), then any; the last get any
    parent with room."""
    n, k = near.shape
    state = _Placing(capacity.astype(np.int64).copy(), np.full(n, -1, dtype=np.int64),
                     groups[rows].astype(np.int64) if groups is not None else np.zeros(n, dtype=np.int64),
                     np.int64(len(capacity)), np.empty(0, dtype=np.int64), groups is not None)
    order = rng.permutation(n)
    for r in range(k):
        todo = order[state.out[order] < 0]
        if not len(todo):
            break
        state.offer(todo, near[todo, r].astype(np.int64))
    for r in range(FALLBACK_ROUNDS):
        todo = np.flatnonzero(state.out < 0)
        room = np.flatnonzero(state.left > 0)
        if not len(todo) or not len(room):
            break
        if signatures is not None and r < FALLBACK_ROUNDS // 2:
            todo, want = _same_category(todo, room, signatures, rng)
        else:
            want = room[rng.integers(0, len(room), len(todo))]
        state.offer(todo, want)
    out, left = state.out, state.left
    rest = np.flatnonzero(out < 0)
    if len(rest):
        pool = np.repeat(np.arange(len(left)), np.maximum(left, 0))
        pool = rng.permutation(pool)
        fill = pool[: len(rest)] if len(pool) else near[rest, 0]
        out[rest[: len(fill)]] = fill
        out[rest[len(fill):]] = near[rest[len(fill):], 0]
    return out


FALLBACK_ROUNDS = 8


@dataclass
class _Placing:
    left: np.ndarray  # room left per parent
    out: np.ndarray  # parent per row (-1: none yet)
    group: np.ndarray  # per row
    width: np.int64
    taken: np.ndarray  # group * width + parent pairs placed
    grouped: bool = True  # False: no unique key holds the foreign key, a parent takes rows up to its room

    def __post_init__(self) -> None:
        space = (int(self.group.max(initial=0)) + 1) * int(self.width) if self.grouped else 0
        self.seen = np.zeros(space, dtype=bool) if space <= PAIR_TABLE else None  # taken, as a lookup table

    def offer(self, todo: np.ndarray, want: np.ndarray) -> None:
        """Offer row ``todo[i]`` parent ``want[i]``: taken if the parent has room and the group lacks it."""
        if not self.grouped:
            ok = _queue_rank(want) < self.left[want]
            self.out[todo[ok]] = want[ok]
            np.subtract.at(self.left, want[ok], 1)
            return
        pair = self.group[todo] * self.width + want
        first = np.zeros(len(pair), dtype=bool)
        first[np.unique(pair, return_index=True)[1]] = True  # a pair's first offer (np.unique: first occurrences)
        placed = self.seen[pair] if self.seen is not None else np.isin(pair, self.taken)
        fresh = ~placed & first
        todo, want, pair = todo[fresh], want[fresh], pair[fresh]
        ok = _queue_rank(want) < self.left[want]
        self.out[todo[ok]] = want[ok]
        np.subtract.at(self.left, want[ok], 1)
        if self.seen is not None:
            self.seen[pair[ok]] = True
        else:
            self.taken = np.concatenate([self.taken, pair[ok]])


PAIR_TABLE = 1 << 26  # (group, parent) pairs looked up in a table up to this many (64 MiB), else by np.isin


def _queue_rank(want: np.ndarray) -> np.ndarray:
    """Each offer's position in the queue of its parent, in offer order (a groupby's cumcount)."""
    order = np.argsort(want, kind="stable")
    ranked = want[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]]) if len(want) else np.empty(0, dtype=np.int64)
    run = np.repeat(starts, np.diff(np.r_[starts, len(want)]))
    rank = np.empty(len(want), dtype=np.int64)
    rank[order] = np.arange(len(want)) - run
    return rank


def _same_category(
    todo: np.ndarray, room: np.ndarray, signatures: tuple[np.ndarray, np.ndarray], rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """For the rows ``todo`` whose categories a parent with room has: one such parent each, at random."""
    p_sig, r_sig = signatures
    ranked = room[np.argsort(p_sig[room], kind="stable")]
    keys = p_sig[ranked]
    lo, hi = np.searchsorted(keys, r_sig[todo], "left"), np.searchsorted(keys, r_sig[todo], "right")
    has = hi > lo
    picks = lo[has] + (rng.random(int(has.sum())) * (hi[has] - lo[has])).astype(np.int64)
    return todo[has], ranked[picks]
