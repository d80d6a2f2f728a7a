"""Fidelity stage: can a classifier tell synthetic rows from real ones, table by table?

For every table it runs :func:`provisioner.model.detection.detect` ("detection
with aggregation", after SyntheRela) on the table's **neutral columns** (see
:func:`provisioner.report.quality.neutral_columns`: learnt columns and
lookup-table keys; never keys, PII or free text), with

* each row's parents' neutral columns joined through every foreign key
  (self-references included: an employee with its manager's title), named
  ``<parent>.<column>`` (``<fk name>.<column>`` when two keys reach one parent);
* the number of children each row has per foreign key that references it,
  named ``#<child>.<fk name>``.

Real rows are joined to real parents and children, synthetic rows to
synthetic ones. Copied lookup tables are identical by construction and left
out. It also runs TSTR (:func:`provisioner.model.detection.tstr`) on a target
column per table (``tables.<name>.target``, else chosen automatically) where
the real rows were split into training and holdout rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from provisioner.columns.codec import to_numbers
from provisioner.model import detection
from provisioner.model.bundle import ModelBundle
from provisioner.model.choose import Choice
from provisioner.model.train import RealRows, table_seed
from provisioner.report.quality import neutral_columns

LARGE_ROWS = 200  # the acceptance mean is over tables with at least this many source rows
BINS = 10  # parent numbers and datetimes as deciles in the "binned" variant


@dataclass(frozen=True)
class TableFidelity:
    table: str
    source_rows: int
    detection: detection.Detection | None
    utility: detection.Utility | None = None
    note: str = ""
    baseline: float | None = None  # the same test between two halves of the real rows (split by new parents)
    binned: float | None = None  # the AUC with parents' numbers and datetimes as deciles (no parent identity)
    baseline_binned: float | None = None
    grouped: float | None = None  # the AUC with the rows of one parent kept in one fold (no parent is recognised)
    baseline_grouped: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"source_rows": self.source_rows, "note": self.note,
                "detection": self.detection.to_dict() if self.detection else None,
                "grouped_by_parent_auc": _round(self.grouped), "grouped_real_vs_real_auc": _round(self.baseline_grouped),
                "real_vs_real_auc": _round(self.baseline), "binned_parents_auc": _round(self.binned),
                "binned_parents_real_vs_real_auc": _round(self.baseline_binned),
                "utility": self.utility.to_dict() if self.utility else None}


@dataclass(frozen=True)
class FidelityResult:
    tables: Mapping[str, TableFidelity] = field(default_factory=dict)
    choices: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # table -> the model chosen by holdout AUC (choose.py)

    def mean_auc(self, min_rows: int = 0, which: str = "auc") -> float | None:
        """Mean AUC over the tables of at least ``min_rows`` source rows, each floored at 0.5: an AUC
        below 0.5 is cross-validation noise (identical value counts on both sides), not a better table.
        ``which``: "auc" (parents joined), "baseline", "binned", "baseline_binned", "grouped" (folds by parent
        where a table has a synthesised driving parent, the plain test elsewhere) or "baseline_grouped"."""
        values = [t.detection.auc if which == "auc" else t.grouped if which == "grouped" and t.grouped is not None
                  else t.detection.auc if which == "grouped" else getattr(t, which)
                  for t in self.tables.values() if t.detection and t.source_rows >= min_rows]
        aucs = [max(v, 0.5) for v in values if v is not None]
        return float(np.mean(aucs)) if aucs else None

    def to_dict(self) -> dict[str, Any]:
        large = f"tables_{LARGE_ROWS}_rows"
        return {"mean_auc": _round(self.mean_auc()), f"mean_auc_{large}": _round(self.mean_auc(LARGE_ROWS)),
                f"mean_real_vs_real_auc_{large}": _round(self.mean_auc(LARGE_ROWS, "baseline")),
                f"mean_binned_parents_auc_{large}": _round(self.mean_auc(LARGE_ROWS, "binned")),
                "tables": {k: t.to_dict() for k, t in self.tables.items()},
                "model_choice": {k: dict(v) for k, v in self.choices.items()}}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def kinds_of(bundle: ModelBundle, key: str) -> dict[str, str]:
    """The neutral columns of ``key`` and their families (lookup keys are categories)."""
    return dict(neutral_columns(bundle, key))


def _key_strings(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """One comparable string per row for a (composite) key: numbers as floats, so 3, 3.0 and "3" agree."""
    parts = []
    for col in columns:
        series = frame[col].reset_index(drop=True)
        numeric = to_numbers(series)
        same = numeric.notna().sum() == series.notna().sum()
        text = numeric.astype(float).map(repr) if same else series.astype(str)
        parts.append(text.where(series.notna(), None))
    keys = parts[0].astype(object)
    for part in parts[1:]:
        keys = keys + "\x1f" + part
    return keys


def relational_frame(
    bundle: ModelBundle, key: str, frames: Mapping[str, pd.DataFrame], rows: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """``rows`` (default ``frames[key]``) as the classifier sees them: neutral columns, parents'
    neutral columns joined, child counts added (see the module docstring)."""
    table = bundle.snapshot.table(key)
    rows = (frames[key] if rows is None else rows).reset_index(drop=True)
    kinds = kinds_of(bundle, key)
    out = pd.DataFrame({c: rows[c].to_numpy() for c in kinds}, index=rows.index)
    targets = [fk.ref_table for fk in table.foreign_keys]
    for fk in table.foreign_keys:
        parent = frames.get(fk.ref_table)
        parent_kinds = kinds_of(bundle, fk.ref_table) if bundle.snapshot.has_table(fk.ref_table) else {}
        if parent is None or not parent_kinds or not set(fk.columns) <= set(rows.columns):
            continue
        prefix = fk.ref_table.rsplit(".", 1)[-1] if targets.count(fk.ref_table) == 1 and fk.ref_table != key else fk.name
        index = pd.Series(np.arange(len(parent)), index=_key_strings(parent, fk.ref_columns).to_numpy())
        index = index[~index.index.duplicated()]
        at = _key_strings(rows, fk.columns).map(index)
        valid = at.notna().to_numpy()
        picks = at.fillna(0).to_numpy(dtype=np.int64)
        for col, kind in parent_kinds.items():
            values = pd.Series(parent[col].to_numpy(dtype=object)[picks] if len(parent) else [None] * len(rows), dtype=object)
            out[f"{prefix}.{col}"] = values.where(pd.Series(valid), None)
            kinds[f"{prefix}.{col}"] = kind
    for child_key, fk in _referencing(bundle, key):
        child = frames.get(child_key)
        if child is None or not set(fk.columns) <= set(child.columns):
            continue
        counts = _key_strings(child, fk.columns).dropna().value_counts()
        name = f"#{child_key.rsplit('.', 1)[-1]}.{fk.name}"
        out[name] = _key_strings(rows, fk.ref_columns).map(counts).fillna(0).to_numpy(dtype=float)
        kinds[name] = "numeric"
    return out, kinds


def _referencing(bundle: ModelBundle, key: str) -> list[tuple[str, Any]]:
    return [(t.key, fk) for t in bundle.snapshot.tables for fk in t.foreign_keys if fk.ref_table == key]


def evaluate(
    bundle: ModelBundle, real: Mapping[str, pd.DataFrame], synthetic: Mapping[str, pd.DataFrame],
    split: Mapping[str, RealRows] | None = None, targets: Mapping[str, str] | None = None, seed: int = 0,
    max_rows: int = detection.MAX_ROWS, importance: bool = True, baselines: bool = True,
) -> FidelityResult:
    """Detection (and TSTR where ``split`` has the table's training/holdout rows) for every table."""
    out: dict[str, TableFidelity] = {}
    for key in bundle.order.tables:
        model = bundle.tables[key]
        if model.method == "copy":
            continue
        if not len(real.get(key, ())) or not len(synthetic.get(key, ())):
            continue
        out[key] = _table(bundle, key, real, synthetic, (split or {}).get(key), (targets or {}).get(key), seed, max_rows, importance, baselines)
    choices = {key: {"chosen": r.chosen, "holdout_auc": dict(r.scores)} for key, model in bundle.tables.items()
               for r in model.rules if isinstance(r, Choice)}
    return FidelityResult(out, choices)


def _table(
    bundle: ModelBundle, key: str, real: Mapping[str, pd.DataFrame], synthetic: Mapping[str, pd.DataFrame],
    split: RealRows | None, target: str | None, seed: int, max_rows: int, importance: bool, baselines: bool = True,
) -> TableFidelity:
    source_rows = bundle.tables[key].source_rows
    real_frame, kinds = relational_frame(bundle, key, real)
    syn_frame, _ = relational_frame(bundle, key, synthetic)
    if not kinds:
        return TableFidelity(key, source_rows, None, note="no neutral column, parent column or child count to compare")
    tseed = table_seed(seed, key, "detect")
    found = detection.detect(real_frame, syn_frame, kinds, tseed, max_rows=max_rows, importance=importance)
    note = "" if found else f"fewer than {2 * detection.FOLDS} rows on a side"
    extra: dict[str, float | None] = {}
    if baselines and found is not None:
        halves = _halves(bundle, key, real[key], tseed)
        bkinds = dict(kinds)
        binned_real, binned_syn = _binned(real_frame, syn_frame, bkinds)
        extra = {
            "baseline": _auc(real_frame[halves], real_frame[~halves], kinds, tseed, max_rows),
            "binned": _auc(binned_real, binned_syn, bkinds, tseed, max_rows),
            "baseline_binned": _auc(binned_real[halves], binned_real[~halves], bkinds, tseed, max_rows),
        }
        parents = _parent_keys(bundle, key, real[key]), _parent_keys(bundle, key, synthetic[key])
        if parents[0] is not None and parents[1] is not None:
            grouped_real, grouped_syn = real_frame.assign(**{_GROUP: parents[0]}), syn_frame.assign(**{_GROUP: parents[1]})
            extra["grouped"] = _auc(grouped_real, grouped_syn, kinds, tseed, max_rows, _GROUP)
            extra["baseline_grouped"] = _auc(grouped_real[halves], grouped_real[~halves], kinds, tseed, max_rows, _GROUP)
    utility = None
    if split is not None and len(split.holdout):
        own = kinds_of(bundle, key)
        chosen = target or detection.choose_target(real[key], own)
        if chosen is not None and chosen in kinds:
            train_frame, _ = relational_frame(bundle, key, real, split.train)
            hold_frame, _ = relational_frame(bundle, key, real, split.holdout)
            utility = detection.tstr(syn_frame, train_frame, hold_frame, kinds, chosen, table_seed(seed, key, "tstr"))
    return TableFidelity(key, source_rows, found, utility, note, **extra)


_GROUP = "#parent"


def _auc(a: pd.DataFrame, b: pd.DataFrame, kinds: Mapping[str, str], seed: int, max_rows: int, group: str | None = None) -> float | None:
    found = detection.detect(a, b, kinds, seed, max_rows=max_rows, importance=False, group=group)
    return found.auc if found else None


def _parent_keys(bundle: ModelBundle, key: str, rows: pd.DataFrame) -> np.ndarray | None:
    """Each row's driving parent (as text), when the parent is synthesised too; else None."""
    model = bundle.tables[key]
    driving = next((m for m in model.foreign_keys if m.driving), None)
    if driving is None or bundle.tables[driving.fk.ref_table].method == "copy" or not set(driving.fk.columns) <= set(rows.columns):
        return None
    return _key_strings(rows.reset_index(drop=True), driving.fk.columns).fillna("\0null").to_numpy()


def _halves(bundle: ModelBundle, key: str, rows: pd.DataFrame, seed: int) -> np.ndarray:
    """Two halves of the real rows, as a fresh sample would differ from them: split by the driving
    parent when the parent is synthesised too (its children stay together, as new parents bring
    new children), at random when there is none or it is copied (the synthetic rows share it)."""
    rng = np.random.default_rng([seed % (2**32), 23])
    model = bundle.tables[key]
    driving = next((m for m in model.foreign_keys if m.driving), None)
    if driving is None or bundle.tables[driving.fk.ref_table].method == "copy" or not set(driving.fk.columns) <= set(rows.columns):
        return rng.random(len(rows)) < 0.5
    groups = _key_strings(rows, driving.fk.columns).fillna("\0null")
    distinct = groups.unique()
    chosen = set(rng.permutation(distinct)[: len(distinct) // 2])
    return groups.isin(chosen).to_numpy()


def _binned(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parents' numbers and datetimes as deciles of the real values (the same edges on both sides):
    a parent's exact value, repeated over its children, names the parent, which no fresh sample shares."""
    real, synthetic = real.copy(), synthetic.copy()
    for name, kind in kinds.items():
        if "." not in name or name.startswith("#") or kind not in ("numeric", "datetime"):
            continue
        r, s = (_number(f[name], kind) for f in (real, synthetic))
        edges = np.unique(np.nanquantile(r, np.linspace(0, 1, BINS + 1)[1:-1])) if np.isfinite(r).any() else np.array([])
        real[name], synthetic[name] = (np.where(np.isnan(v), np.nan, np.searchsorted(edges, v)) for v in (r, s))
        kinds[name] = "numeric"
    return real, synthetic


def _number(series: pd.Series, kind: str) -> np.ndarray:
    if kind == "datetime":
        stamps = pd.to_datetime(series, errors="coerce", utc=True)
        return (stamps - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(dtype=float)
    return to_numbers(series).to_numpy(dtype=float)
