"""One row per parent marked current: every employee has exactly one salary whose ``to_date`` is the
'9999-01-01' sentinel (or NULL, or ``is_current = true``), and it is the latest one.

A column model draws the marker row by row, so a parent gets two current salaries or none, and the
"current salary" view a QA engineer opens first shows the wrong people. :func:`learn` finds, per
foreign key that groups a table's rows, a column and a marker value (NULL, the column's most common
value, or either boolean) that at most one row of every parent holds, in many parents with several
rows: exactly one in every parent, or at most one with the share of parents that have it; and the
column whose greatest value in the parent's rows the marked row holds (``from_date``), when one always
does. :func:`apply` marks, per synthetic parent, the row with that greatest value (else a random row)
and gives the other rows that held the marker a value the column's unmarked rows hold. Only the
marker (a value many rows share, never a record), the share and column names are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from provisioner.columns.codec import to_numbers
from provisioner.model.relations.matching import key_text
from provisioner.schema.snapshot import ForeignKey, Table, family

MIN_GROUPS = 10  # parents with two or more rows the rule must hold in
MIN_MARKED = 10  # rows holding the marker
MIN_SHARE = 0.5  # of parents (with rows) that hold it, for "at most one"
NULL = None
PANDAS_YEARS = (1678, 2262)  # datetime64[ns] holds the years strictly between


@dataclass(frozen=True)
class OnePerParent:
    fk_name: str
    fk_columns: tuple[str, ...]
    column: str
    kind: str  # the column's family: how a marker value is compared
    marker: str | None  # the value as text (None: NULL)
    share: float  # of parents with rows that hold one (1.0: exactly one each)
    latest: str  # the column whose greatest value in a parent's rows the marked row holds ("": none)
    latest_kind: str = ""  # its family: "datetime" | "numeric"


def _keys(series: pd.Series, kind: str) -> pd.Series:
    """Values as comparable text (None for NULL): a special value's text, a datetime's ISO text."""
    values = series.astype(object).where(series.notna(), None).reset_index(drop=True)
    if kind == "numeric":
        numbers = to_numbers(values)
        text = numbers.astype(float).astype(str)
        return pd.Series(np.where(numbers.notna(), text, values.astype(str)), dtype=object).where(values.notna(), None)
    if kind != "datetime":
        return values.astype(str).where(values.notna(), None)
    text = values.map(lambda v: isinstance(v, str))
    stamps = pd.to_datetime(values.where(~text, None), errors="coerce", utc=True)
    return pd.Series(np.where(text, values.astype(str), stamps.astype(str)), dtype=object).where(values.notna(), None)



def _numbers(series: pd.Series, kind: str) -> np.ndarray:
    """Numbers to order by (NaN for NULL and special values): seconds for datetimes."""
    values = series.astype(object).reset_index(drop=True)
    if kind != "datetime":
        return to_numbers(values).to_numpy(dtype=float)
    plain = values.where(~values.map(lambda v: isinstance(v, str)), None)
    stamps = pd.to_datetime(plain, errors="coerce", utc=True)
    return (stamps - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(dtype=float)


def learn(table: Table, frame: pd.DataFrame, roles: Mapping[str, str], fks: tuple[ForeignKey, ...]) -> tuple[OnePerParent, ...]:
    """Every (key, column, marker) for which the rule holds on the source rows (see the module docstring)."""
    out: list[OnePerParent] = []
    keyed = {c for u in (table.primary_key, *table.uniques) for c in u}  # made unique per parent elsewhere (qualifiers)
    learnt = [c for c, r in roles.items() if r in ("model", "lookup") and c in frame and c not in table.fk_columns]
    for fk in fks:
        if not set(fk.columns) <= set(frame.columns) or fk.ref_table == table.key:
            continue
        groups = key_text(frame, fk.columns)
        sizes = groups.value_counts()
        if (sizes >= 2).sum() < MIN_GROUPS:
            continue
        for name in (c for c in learnt if c not in keyed):
            found = _rule(table, frame, fk, groups, name, learnt)
            out += [found] if found is not None else []
    return tuple(out)


def _rule(table: Table, frame: pd.DataFrame, fk: ForeignKey, groups: pd.Series, name: str, others: list[str]) -> OnePerParent | None:
    kind = family(table.column(name).kind)
    keys = _keys(frame[name], kind)
    for marker in _markers(frame[name], keys, kind):
        held = keys.isna() if marker is NULL else keys.eq(marker)
        held = held.to_numpy(dtype=bool) & groups.notna().to_numpy()
        if held.sum() < MIN_MARKED or held.all():
            continue
        per = pd.Series(held).groupby(groups.to_numpy()).sum()
        if per.max() > 1:
            continue
        share = float((per == 1).mean())
        if share < MIN_SHARE:
            continue
        dated = sorted(others, key=lambda o: family(table.column(o).kind) != "datetime")  # a date says "latest" best
        latest = next((o for o in dated if o != name and _always_latest(frame[o], table, o, groups, held)), "")
        return OnePerParent(fk.name, fk.columns, name, kind, marker, share, latest, family(table.column(latest).kind) if latest else "")
    return None


def _markers(series: pd.Series, keys: pd.Series, kind: str) -> list[str | None]:
    out: list[str | None] = [NULL] if keys.isna().any() else []
    present = keys.dropna()
    if kind == "boolean":
        out += sorted(set(present))
    elif kind == "datetime" and len(present):  # an end of time: a special value ('9999-01-01', 'infinity') or the latest date
        stamps = pd.Series(_numbers(series, kind))[keys.notna().to_numpy()]
        special = present[stamps.isna().to_numpy()]
        out += [special.value_counts().index[0]] if len(special) else []
        mode = present.value_counts().index[0]
        out += [mode] if stamps.notna().any() and stamps[present.eq(mode).to_numpy()].max() == stamps.max() else []
    elif len(present):
        out.append(present.value_counts().index[0])
    return out


def _always_latest(series: pd.Series, table: Table, name: str, groups: pd.Series, held: np.ndarray) -> bool:
    kind = family(table.column(name).kind)
    if kind not in ("datetime", "numeric"):
        return False
    values = _numbers(series, kind)
    if np.isnan(values[held]).any():
        return False
    top = pd.Series(values).groupby(groups.to_numpy()).transform("max").to_numpy()
    multi = groups.map(groups.value_counts()).to_numpy(dtype=float) >= 2
    return bool((values[held] == top[held]).all()) and bool((held & multi).any())


def apply(frame: pd.DataFrame, rule: OnePerParent, rng: np.random.Generator, later: frozenset[str] = frozenset()) -> None:
    """Mark one row per parent (the latest, else a random one; a parent with probability ``share``),
    in place; rows that held the marker otherwise get a value of the column's unmarked rows. Parents in
    ``later`` (see :func:`later_parents`) have rows in a later shard: none of their rows here is marked."""
    if not {rule.column, *rule.fk_columns} <= set(frame.columns) or frame.empty:
        return
    groups = key_text(frame, rule.fk_columns)
    if groups.isna().all():
        return  # a key set at the end of the load (a cycle): no parent to group by yet
    order = _numbers(frame[rule.latest], rule.latest_kind) if rule.latest in frame else np.zeros(len(frame))
    tie = rng.random(len(frame))
    ranked = pd.DataFrame({"g": groups, "o": np.nan_to_num(order, nan=-np.inf), "t": tie}).sort_values(["g", "o", "t"])
    last = ranked[ranked["g"].notna() & ~ranked["g"].isin(later)].groupby("g", sort=False).tail(1).index.to_numpy()
    if rule.share < 1.0:
        last = last[rng.random(len(last)) < rule.share]
    keys = _keys(frame[rule.column], rule.kind)
    held = (keys.isna() if rule.marker is NULL else keys.eq(rule.marker)).to_numpy(dtype=bool)
    marked = np.zeros(len(frame), dtype=bool)
    marked[last] = True
    values = frame[rule.column].astype(object).to_numpy(copy=True)
    marker = _marker_value(values[held], rule, frame[rule.column])
    pool = values[~held & ~marked]
    loose = held & ~marked
    if loose.any() and len(pool):
        values[loose] = pool[rng.integers(0, len(pool), int(loose.sum()))]
    values[marked] = marker
    frame[rule.column] = pd.Series(values, index=frame.index).infer_objects()


def later_parents(parent: pd.DataFrame, rule: OnePerParent, ref_columns: tuple[str, ...], picks: np.ndarray, end: int) -> frozenset[str]:
    """The parents (as :func:`apply` groups them) of the plan's rows after row ``end``: a streamed table's
    shard leaves their current row to the shard that holds their last row, so a parent across shards gets one."""
    rows = np.unique(picks[end:])
    rows = rows[rows >= 0]
    if not len(rows) or not set(ref_columns) <= set(parent.columns):
        return frozenset()
    keys = parent.iloc[rows][list(ref_columns)].set_axis(list(rule.fk_columns), axis=1)
    return frozenset(key_text(keys, rule.fk_columns).dropna())


def _marker_value(held: np.ndarray, rule: OnePerParent, column: pd.Series) -> object:
    """The value to write: a synthetic row's own marker where one holds it (same type), else from the text:
    a datetime pandas cannot hold ('9999-01-01', 'infinity') stays text, as the reader gives it."""
    if rule.marker is NULL:
        return None
    if len(held):
        return held[0]
    if rule.kind == "boolean":
        return rule.marker == "True"
    if rule.kind == "numeric":
        return float(rule.marker)
    if rule.kind == "datetime":
        stamp = pd.to_datetime(rule.marker, errors="coerce", utc=True)
        if pd.isna(stamp) or not PANDAS_YEARS[0] < stamp.year < PANDAS_YEARS[1]:
            return rule.marker
        return stamp if isinstance(column.dtype, pd.DatetimeTZDtype) else stamp.tz_convert(None)
    return rule.marker
