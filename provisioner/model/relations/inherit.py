"""Columns a child row copies from its parent: ``order_details.unit_price`` is the
product's ``unit_price`` for most rows, ``orders.ship_country`` the customer's ``country``.

Neither per-table model can see the other table, and conditioning on the
driving parent only covers one FK and never yields exact equality, so the
synthetic child drifts away from its parent (Northwind: real correlation 0.99
between the two unit prices, synthetic 0.52 in SDMetrics' intertable trends).

:func:`learn` joins each child's training rows to its parents through every
FK and, for each learnt child column and parent column of the same family,
measures the share of rows where they are equal. At ``MIN_SHARE`` or more, and
with Cohen's kappa at ``MIN_KAPPA`` or more (agreement beyond what independent
columns reach by chance: a discount of 0 and a "discontinued" flag of 0 agree
on half of Northwind's order lines without being related), it keeps ``Inherit(fk, child column, parent column, share)``: an aggregate, no
rows. :func:`apply` runs once the child's FKs are final: it copies the
parent's synthetic value into a random ``share`` of the child rows (seeded),
so the rest keep the model's values as the real "not equal" rows do.

Two more cases are handled the same way:

* **PII and free text** copy their parent's column too (an invoice's billing address
  is its customer's address): the child's Faker value is replaced by the synthetic
  parent's Faker value, so the two agree without a real value ever being learnt. A
  NULL equal to a NULL counts as equal (no state for a Belgian customer, none on
  its invoices either).
* **A number that is its parent's number times a factor** (an order line's price is
  the product's list price, or 80% of it for older orders) is modelled as that
  factor (``mode="ratio"``): the table's column model learns the ratio with the
  other columns (so the factor follows the order date), and :func:`apply` multiplies
  the synthetic parent's value by it. It is chosen when the log-ratio varies far
  less than the column itself (``RATIO_SPREAD``).

Keys that must agree are learnt the same way (:func:`_agreeing_keys`): an order
line's customer is its order's customer when the line has foreign keys to both
the order and the customer and the order has one to the customer. The line's
customer key then copies the order's (for the share of rows that agree in the
source, every row when all do), so the two paths to the customer stay one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from provisioner.columns.codec import to_numbers
from provisioner.model.relations import repeats
from provisioner.schema.snapshot import INTEGER_KINDS, Table, family

MIN_SHARE = 0.5
MIN_KAPPA = 0.5  # Cohen's kappa: (share - chance) / (1 - chance), chance = equal by accident if independent
MIN_MATCHED = 30
PROBE_ROWS = 200
RATIO_SPREAD = 0.25  # std of log(child / parent) at most this share of std of log(child)
INHERITABLE = ("model", "pii", "text")


@dataclass(frozen=True)
class Inherit:
    fk_name: str
    parent: str
    fk_columns: tuple[str, ...]
    ref_columns: tuple[str, ...]
    column: str  # in the child
    parent_column: str
    share: float
    mode: str = "copy"  # "copy": a share of the rows copy the parent's value; "ratio": the model samples child / parent


def learn(
    table: Table, frame: pd.DataFrame, roles: Mapping[str, str], parents: Mapping[str, tuple[Table, pd.DataFrame, Mapping[str, str]]],
) -> tuple[Inherit, ...]:
    """What each learnt column of ``table`` copies from a parent; ``parents`` maps an FK's
    parent key to (its table, its training rows, its roles)."""
    learnt = [c for c, r in roles.items() if r in INHERITABLE and c in frame]
    out: dict[str, Inherit] = {}
    for fk in table.foreign_keys:
        if fk.ref_table not in parents or fk.ref_table == table.key or not learnt:
            continue
        parent, rows, parent_roles = parents[fk.ref_table]
        joined = _join(frame, rows, fk.columns, fk.ref_columns)
        if len(joined) < MIN_MATCHED:
            continue
        probe = joined.sample(n=min(PROBE_ROWS, len(joined)), random_state=0)
        for col in learnt:
            kind = family(table.column(col).kind)
            for pcol in (c.name for c in parent.columns if parent_roles.get(c.name) in INHERITABLE):
                if family(parent.column(pcol).kind) != kind or f"__p_{pcol}" not in joined:
                    continue
                if roles[col] == "model" and kind == "numeric" and _ratio(joined[col], joined[f"__p_{pcol}"]):
                    share = _equal_share(joined[col], joined[f"__p_{pcol}"], kind, kappa=False)
                    if col not in out or out[col].mode != "ratio":
                        out[col] = Inherit(fk.name, fk.ref_table, fk.columns, fk.ref_columns, col, pcol, share, "ratio")
                    continue
                if _equal_share(probe[col], probe[f"__p_{pcol}"], kind, kappa=False) < MIN_SHARE / 2:  # most pairs share nothing
                    continue
                share = _equal_share(joined[col], joined[f"__p_{pcol}"], kind)
                if share >= MIN_SHARE and (col not in out or out[col].mode == "copy" and share > out[col].share):
                    out[col] = Inherit(fk.name, fk.ref_table, fk.columns, fk.ref_columns, col, pcol, share)
    return tuple(out.values()) + _agreeing_keys(table, frame, parents)


ALL_AGREE = 0.999  # a share this high is taken as "always" (every synthetic row copies)


def _agreeing_keys(table: Table, frame: pd.DataFrame, parents: Mapping[str, tuple[Table, pd.DataFrame, Mapping[str, str]]]) -> tuple[Inherit, ...]:
    """Foreign keys of ``table`` whose value is, on most rows, the value of the same foreign key of another parent."""
    out: dict[str, Inherit] = {}
    for via in table.foreign_keys:
        if via.ref_table not in parents or via.ref_table == table.key:
            continue
        parent, rows, _ = parents[via.ref_table]
        for fk in table.foreign_keys:
            if fk is via or fk.ref_table == table.key:
                continue
            same = [p for p in parent.foreign_keys if p.ref_table == fk.ref_table and p.ref_columns == fk.ref_columns]
            for pfk in same:
                joined = _join(frame, rows, via.columns, via.ref_columns)
                if len(joined) < 2 or not all(f"__p_{c}" in joined for c in pfk.columns):
                    continue
                agree = np.ones(len(joined), dtype=bool)
                for child_col, parent_col in zip(fk.columns, pfk.columns):
                    agree &= joined[child_col].astype(str).to_numpy() == joined[f"__p_{parent_col}"].astype(str).to_numpy()
                share = float(agree.mean())
                if share >= ALL_AGREE or (len(fk.columns) == 1 and share >= MIN_SHARE):
                    share = 1.0 if share >= ALL_AGREE else share
                    for child_col, parent_col in zip(fk.columns, pfk.columns):
                        if child_col not in out or out[child_col].share < share:
                            out[child_col] = Inherit(via.name, via.ref_table, via.columns, via.ref_columns, child_col, parent_col, share)
    return tuple(out.values())


def _ratio(child: pd.Series, parent: pd.Series) -> bool:
    """Whether ``child`` is ``parent`` times a factor that varies far less than ``child`` (both positive)."""
    c = to_numbers(child).to_numpy(dtype=float)
    p = to_numbers(parent).to_numpy(dtype=float)
    if len(c) < MIN_MATCHED or np.isnan(c).any() or np.isnan(p).any() or (c <= 0).any() or (p <= 0).any():
        return False
    spread = float(np.std(np.log(c)))
    return spread > 0 and float(np.std(np.log(c) - np.log(p))) <= RATIO_SPREAD * spread


def ratios(frame: pd.DataFrame, inherits: tuple[Inherit, ...], parents: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """``frame`` (training rows) with each ratio-mode column replaced by child / parent, as the model learns it."""
    out = frame.copy()
    for inh in inherits:
        if inh.mode != "ratio" or inh.parent not in parents:
            continue
        values = _parent_values(out, inh, parents[inh.parent])
        if values is not None:
            own = to_numbers(out[inh.column]).to_numpy(dtype=float)
            ratio = own / to_numbers(values).to_numpy(dtype=float)
            unknown = np.isnan(ratio) & ~np.isnan(own)  # the parent was not read (a capped sample of it)
            ratio[unknown] = np.nanmedian(ratio) if np.isfinite(ratio).any() else 1.0
            out[inh.column] = ratio
    return out


def _join(child: pd.DataFrame, parent: pd.DataFrame, fk_columns: tuple[str, ...], ref_columns: tuple[str, ...]) -> pd.DataFrame:
    if not all(c in child for c in fk_columns) or not all(c in parent for c in ref_columns):
        return pd.DataFrame()
    right = parent.rename(columns={c: f"__p_{c}" for c in parent.columns})
    left_on, right_on = list(fk_columns), [f"__p_{c}" for c in ref_columns]
    keys = child[left_on].dropna()
    if keys.empty:
        return pd.DataFrame()
    try:
        return child.loc[keys.index].merge(right, left_on=left_on, right_on=right_on, how="inner")
    except (ValueError, TypeError):  # key types that do not join (they would not in the database either)
        return pd.DataFrame()


def _equal_share(child: pd.Series, parent: pd.Series, kind: str, kappa: bool = True) -> float:
    """Share of rows where the two agree (NULL agrees with NULL), if beyond chance (Cohen's kappa)."""
    if not len(child):
        return 0.0
    a, b = child, parent
    if kind == "numeric":
        a = to_numbers(a).round(9)
        b = to_numbers(b).round(9)
    a = a.astype(object).where(a.notna(), "\0null").astype(str)
    b = b.astype(object).where(b.notna(), "\0null").astype(str)
    share = float((a.to_numpy() == b.to_numpy()).sum()) / len(child)
    if not kappa:
        return share
    chance = float((a.value_counts(normalize=True) * b.value_counts(normalize=True)).sum())
    agreement = (share - chance) / (1 - chance) if chance < 1 else 0.0
    return share if agreement >= MIN_KAPPA else 0.0


def _parent_values(frame: pd.DataFrame, inh: Inherit, parent: pd.DataFrame) -> pd.Series | None:
    """The parent's ``parent_column`` for every row of ``frame`` (NaN/None where the key finds none)."""
    if inh.parent_column not in parent or not set(inh.fk_columns) <= set(frame.columns) or not set(inh.ref_columns) <= set(parent.columns):
        return None
    lookup = parent[[*inh.ref_columns, inh.parent_column]].drop_duplicates(list(inh.ref_columns))
    lookup = lookup.rename(columns={**{r: f"__k{i}" for i, r in enumerate(inh.ref_columns)}, inh.parent_column: "__value"})
    keys = frame[list(inh.fk_columns)].reset_index(drop=True)
    keys.columns = [f"__k{i}" for i in range(len(inh.fk_columns))]
    try:
        for col in keys.columns:  # the same spelling of a key on both sides (Int64 vs object ints)
            numeric = to_numbers(keys[col])
            other = to_numbers(lookup[col])
            if numeric.notna().sum() == keys[col].notna().sum() and other.notna().sum() == lookup[col].notna().sum():
                keys[col], lookup[col] = numeric.astype(float), other.astype(float)
        return keys.merge(lookup, how="left", on=list(keys.columns))["__value"]
    except (ValueError, TypeError):
        return None


def copied_whole(inherits: tuple[Inherit, ...], table: Table, done: Mapping[str, pd.DataFrame], deferred: Collection[str]) -> frozenset[str]:
    """Columns that :func:`apply` will overwrite on every row with the parent's value: copied at a share of 1,
    through a NOT NULL foreign key that is not ``deferred`` (names), from a parent made already, and in no
    unique set (the repairs that run before :func:`apply` read those). A value drawn for them before is never
    seen; :func:`apply` says in ``written`` which rows it did overwrite."""
    names = {c.name for c in table.columns}
    whole = {
        inh.column for inh in inherits
        if inh.mode == "copy" and inh.share >= 1.0 and inh.parent != table.key and inh.fk_name not in deferred
        and inh.parent in done and inh.parent_column in done[inh.parent] and set(inh.ref_columns) <= set(done[inh.parent].columns)
        and all(c in names and not table.column(c).nullable for c in inh.fk_columns)
    }
    return frozenset(whole - {c for u in table.uniques for c in u})


def apply(
    frame: pd.DataFrame, inherits: tuple[Inherit, ...], done: Mapping[str, pd.DataFrame], rng: np.random.Generator,
    table: Table | None = None, written: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Copy parents' synthetic values into a ``share`` of the rows, or multiply them by the sampled
    ratio (the FKs must be final); ``written`` collects, per column, the rows copied into."""
    for inh in _ordered(inherits):
        parent = done.get(inh.parent)
        if parent is None or inh.column not in frame:
            continue
        values = _parent_values(frame, inh, parent)
        if values is None:
            continue
        found = _found(frame, inh)
        if inh.mode == "ratio":
            factor = to_numbers(frame[inh.column]).to_numpy(dtype=float)
            product = np.where(found, to_numbers(values).to_numpy(dtype=float) * factor, np.nan)
            frame[inh.column] = _rounded(pd.Series(product, index=frame.index), table, inh.column)
            continue
        chosen = (rng.random(len(frame)) < inh.share) & found
        if chosen.any():
            before = frame[inh.column].astype(object).to_numpy(copy=True)
            column = before.copy()
            column[chosen] = values.astype(object).where(values.notna(), None).to_numpy(dtype=object)[chosen]
            frame[inh.column] = pd.Series(column, index=frame.index).infer_objects()
            chosen = _keep_unique(frame, inh.column, before, chosen, table)
        if written is not None:
            written[inh.column] = written.get(inh.column, np.zeros(len(frame), dtype=bool)) | chosen
    return frame


def _ordered(inherits: tuple[Inherit, ...]) -> list[Inherit]:
    """Copies through a key that another copy writes come after it: a line's currency copied from its company
    reads the company the line copied from its order, not the one it had before."""
    left, out = list(inherits), []
    while left:
        written = {inh.column for inh in left}
        ready = [inh for inh in left if not set(inh.fk_columns) & (written - {inh.column})] or left[:1]  # a loop: as listed
        out += ready
        left = [inh for inh in left if inh not in ready]
    return out


def _keep_unique(frame: pd.DataFrame, name: str, before: np.ndarray, chosen: np.ndarray, table: Table | None) -> np.ndarray:
    """Rows copied into that now repeat a unique set holding ``name`` (a link table's company copied from its
    user: (company, user) twice) get their value back, all but one of a repeat (none where a row not copied
    into holds it); returns the rows still copied. The values before were unique (the repairs ran)."""
    sets = repeats.sets_holding(table, (name,), frame)
    while sets:  # each round reverts at least one copied row: a repeat among rows not copied into cannot be
        back = repeats.clashing(frame, sets, chosen, table)
        if not back.any():
            break
        chosen = chosen & ~back
        column = frame[name].astype(object).to_numpy(copy=True)
        column[back] = before[back]
        frame[name] = pd.Series(column, index=frame.index).infer_objects()
    return chosen


def _rounded(values: pd.Series, table: Table | None, name: str) -> pd.Series:
    """A product rounded to the column's stored precision (an integer column gets integers)."""
    if table is None:
        return values
    col = table.column(name)
    if col.kind in INTEGER_KINDS:
        return values.round().astype("Int64")
    return values.round(col.scale) if col.scale is not None else values


def _found(frame: pd.DataFrame, inh: Inherit) -> np.ndarray:
    """Rows whose foreign key is set (a row without a parent has nothing to copy)."""
    return frame[list(inh.fk_columns)].notna().all(axis=1).to_numpy()
