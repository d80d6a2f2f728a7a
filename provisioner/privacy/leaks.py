"""A Faker value that happens to equal a real value of its column is replaced before anything is written.

PII and free text are never learnt, so a synthetic name or title equals a source value
only by chance (a one-word track called "Intro", a common first name). Where the gate
has the source rows (``provision``, ``check``), :func:`replace_real` finds every such
value of a PII or free-text column and draws a new Faker value for it, until none is
left (a few rounds); columns that copy the replaced value from their parent (the
invoice's billing address) get the same new value, so they still agree. Nothing is
kept of the real values: they are compared in memory only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from provisioner.model.bundle import ModelBundle
from provisioner.model.relations.inherit import Inherit
from provisioner.model.train import RealRows, table_seed
from provisioner.synth import fake
from provisioner.synth.sample import SyntheticTables

ROUNDS = 5


def replace_real(bundle: ModelBundle, real: Mapping[str, RealRows], synthetic: SyntheticTables) -> SyntheticTables:
    """``synthetic`` with every PII or free-text value equal to a real value of its column redrawn."""
    tables = dict(synthetic.tables)
    notes: list[str] = []
    for key in bundle.order.tables:
        model, rows = bundle.tables[key], real.get(key)
        if rows is None or key not in tables or model.method == "copy":
            continue
        for pii in model.fills:
            seen = _real_values(rows, pii.column)
            if not seen:
                continue
            frame, mapping = _redraw(bundle, key, tables[key], pii, seen, synthetic.seed)
            if mapping:
                tables[key] = frame
                notes.append(f"{key}.{pii.column}: {len(mapping)} Faker values equal to a source value were drawn again")
                _follow(bundle, key, pii.column, mapping, tables)
    return replace(synthetic, tables=tables, notes=synthetic.notes + tuple(notes)) if notes else synthetic


def _real_values(rows: RealRows, column: str) -> set[str]:
    parts = [f[column] for f in (rows.train, rows.holdout) if column in f]
    return set(pd.concat(parts).dropna().astype(str)) if parts else set()


def _redraw(
    bundle: ModelBundle, key: str, frame: pd.DataFrame, pii: object, seen: set[str], seed: int,
) -> tuple[pd.DataFrame, dict[str, object]]:
    column = pii.column  # type: ignore[attr-defined]
    if column not in frame:
        return frame, {}
    table, model = bundle.snapshot.table(key), bundle.tables[key]
    out = frame.copy()
    mapping: dict[str, object] = {}
    for round_ in range(ROUNDS):
        values = out[column]
        hit = values.notna() & values.astype(str).isin(seen)
        if not hit.any():
            break
        sub = out.loc[hit].reset_index(drop=True)
        spec = replace(pii, null_rate=0.0)  # type: ignore[type-var]
        fresh = fake.fill(table, sub, [spec], table_seed(seed, key, f"leak:{column}:{round_}"), model.rules)[column]
        chosen = [mapping.setdefault(old, new) for old, new in zip(values[hit].astype(str), fresh.to_numpy(dtype=object))]
        column_values = out[column].astype(object).to_numpy(copy=True)
        column_values[np.flatnonzero(hit.to_numpy())] = np.asarray(chosen, dtype=object)  # one new value per real one
        out[column] = column_values
        for old, new in list(mapping.items()):  # a new value that was real too was drawn again: follow it
            if str(new) in seen and str(new) in mapping and mapping[str(new)] is not new:
                mapping[old] = mapping[str(new)]
    return out, {k: v for k, v in mapping.items() if str(v) not in seen}


def _follow(bundle: ModelBundle, parent: str, column: str, mapping: Mapping[str, object], tables: dict[str, pd.DataFrame]) -> None:
    """Children that copy ``parent.column`` get the replaced values too."""
    for key, model in bundle.tables.items():
        for inh in model.inherited:
            if isinstance(inh, Inherit) and inh.parent == parent and inh.parent_column == column and inh.mode == "copy" and key in tables:
                frame = tables[key].copy()
                values = frame[inh.column].astype(object)
                frame[inh.column] = values.map(lambda v: mapping.get(str(v), v) if v is not None and not pd.isna(v) else v)
                tables[key] = frame
