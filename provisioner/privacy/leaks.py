"""A Faker value that happens to equal or hold a real value is replaced before anything is written.

PII and free text are never learnt, so a synthetic name or title equals a source value
only by chance (a one-word track called "Intro", a common first name, a title that holds a
real one). Where the gate has the source rows (``provision``, ``check``), :func:`replace_real`
finds every value of a PII or free-text column that equals a real value of its column, or
equals or holds a real value that ``provisioner audit`` would call a leak (any PII or text
column's; not a Faker word, a short code or a place), and draws a new Faker value for it,
until none is left (a few rounds); columns that copy the replaced value from their parent (the
invoice's billing address) get the same new value, so they still agree. Nothing is
kept of the real values: they are compared in memory only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from provisioner.model.bundle import ModelBundle
from provisioner.model.relations import paths
from provisioner.model.relations.inherit import Inherit
from provisioner.model.textforms import DateText, ListText, UnitText
from provisioner.model.train import RealRows, table_seed
from provisioner.privacy import audit
from provisioner.synth import fake, repair
from provisioner.synth.sample import SyntheticTables

ROUNDS = 5


def replace_real(bundle: ModelBundle, real: Mapping[str, RealRows], synthetic: SyntheticTables) -> SyntheticTables:
    """``synthetic`` with every PII or free-text value that is, or holds, a real value redrawn (see the module docstring)."""
    tables = dict(synthetic.tables)
    needles = _needles(bundle, real)
    if not needles:
        return synthetic
    notes: list[str] = []
    for key in bundle.order.tables:
        model = bundle.tables[key]
        if key not in tables or model.method == "copy":
            continue
        derived = {r.column: r for r in model.rules if isinstance(r, paths.PathOf)}  # made from other columns, not drawn
        for pii in model.fills:
            if pii.source == "value" or pii.column in derived or pii.column in _vocabulary_columns(model):  # the config's constant; a learnt form's values; a rebuilt path
                continue
            own = _real_values(real[key], pii.column) if key in real else set()
            frame, mapping = _redraw(bundle, key, tables[key], pii, own, needles, synthetic.seed)
            if mapping:
                tables[key] = frame
                notes.append(f"{key}.{pii.column}: {len(mapping)} Faker values equal to or holding a source value were drawn again")
                _follow(bundle, key, pii.column, mapping, tables)
        if derived and key in tables:  # a path of names ('All / Desks') holds the names drawn again
            tables[key] = tables[key].copy()
            fks = {fk.name: fk for fk in bundle.snapshot.table(key).foreign_keys}
            for rule in derived.values():
                if rule.fk_name in fks:
                    paths.apply(tables[key], rule, fks[rule.fk_name])
    return replace(synthetic, tables=tables, notes=synthetic.notes + tuple(notes)) if notes else synthetic


def _needles(bundle: ModelBundle, real: Mapping[str, RealRows]) -> frozenset[str]:
    """Source values of PII and free-text columns that ``provisioner audit`` would call a leak if a
    target held them (exactly, or inside a longer value): not a short code, a word of Faker's
    vocabulary, a place name or a public value of a copied table or learnt category."""
    public = {str(v) for m in bundle.tables.values() if m.method == "copy" and m.rows is not None
              for c in m.rows.columns if m.rows[c].dtype == object for v in m.rows[c].dropna()}
    out: set[str] = set()
    for key, model in bundle.tables.items():
        if key not in real or model.method == "copy":
            continue
        for fill in model.fills:
            if fill.column in _vocabulary_columns(model):
                continue
            for value in _real_values(real[key], fill.column):
                needle = audit.Needle(value, f"{key}.{fill.column}", fill.category)
                if not audit.collision(needle, public):
                    out.add(value)
        out |= _full_names(model, real[key])
    return frozenset(out)


def _vocabulary_columns(model: object) -> frozenset[str]:
    """Text columns made from a learnt form (a number with its unit, a list from a vocabulary of elements
    on several rows each, :mod:`provisioner.model.textforms`): like a category's, their values are public
    aggregates, so one equal to a source value ('90 min', 'Dramas') is not a leak to draw again."""
    return frozenset(r.column for r in model.rules if isinstance(r, (UnitText, ListText, DateText)))  # type: ignore[attr-defined]


def _full_names(model: object, rows: RealRows) -> set[str]:
    """A person's whole name from first and last name columns ("Frank Harris"): a composer made of
    Faker names must not be a real customer."""
    by_category = {f.category: f.column for f in model.fills}  # type: ignore[attr-defined]
    first, last = by_category.get("first_name"), by_category.get("last_name")
    if not first or not last:
        return set()
    frame = pd.concat([rows.train, rows.holdout], ignore_index=True)
    if first not in frame or last not in frame:
        return set()
    both = frame[[first, last]].dropna()
    return {f"{a} {b}" for a, b in zip(both[first].astype(str), both[last].astype(str))}


def _real_values(rows: RealRows, column: str) -> set[str]:
    parts = [f[column] for f in (rows.train, rows.holdout) if column in f]
    return set(pd.concat(parts).dropna().astype(str)) if parts else set()


def _hits(values: pd.Series, seen: set[str], needles: frozenset[str]) -> pd.Series:
    """Values equal to a real value of their column, or equal to or holding a needle of any column."""
    text = values.astype(str)
    hit = values.notna() & (text.isin(seen) | text.isin(needles))
    long = [n for n in needles if len(n) > audit.MIN_TEXT_LENGTH]
    blob = "\n".join(text[values.notna()])
    inside = [n for n in long if n in blob]
    if inside:
        hit |= values.notna() & text.map(lambda v: any(n in v for n in inside))
    return hit


def _redraw(
    bundle: ModelBundle, key: str, frame: pd.DataFrame, pii: object, seen: set[str], needles: frozenset[str], seed: int,
) -> tuple[pd.DataFrame, dict[str, object]]:
    column = pii.column  # type: ignore[attr-defined]
    if column not in frame:
        return frame, {}
    table, model = bundle.snapshot.table(key), bundle.tables[key]
    out = frame.copy()
    mapping: dict[str, object] = {}
    # composite unique sets only: a unique column (a key children copy) keeps the one-to-one mapping (_still_unique)
    sets = [tuple(u) for u in table.uniques if column in u and len(u) > 1 and set(u) <= set(frame.columns)]
    changed = pd.Series(False, index=out.index)
    for round_ in range(ROUNDS):
        values = out[column]
        real = _hits(values, seen, needles)
        hit = real | (changed & _repeats(out, sets, table))  # a new value may clash in a unique set: drawn again, alone
        if not hit.any():
            break
        changed |= hit
        sub = out.loc[hit].reset_index(drop=True)
        spec = replace(pii, null_rate=0.0)  # type: ignore[type-var]
        fresh = fake.fill(table, sub, [spec], table_seed(seed, key, f"leak:{column}:{round_}"), model.rules)[column]
        chosen = [mapping.setdefault(old, new) if is_real else new
                  for old, new, is_real in zip(values[hit].astype(str), fresh.to_numpy(dtype=object), real[hit])]
        column_values = out[column].astype(object).to_numpy(copy=True)
        column_values[np.flatnonzero(hit.to_numpy())] = np.asarray(chosen, dtype=object)  # one new value per real one
        out[column] = column_values
        for old, new in list(mapping.items()):  # a new value that was real too was drawn again: follow it
            if str(new) in seen and str(new) in mapping and mapping[str(new)] is not new:
                mapping[old] = mapping[str(new)]
    for cols in sets:  # clashes left after the rounds (a small code space): a suffix, as the unique repair does
        dups = _repeats(out, [cols], table) & changed
        if dups.any():
            repair.bump(out, dups, (column,), table)
    if (column,) in table.uniques:
        out = _still_unique(frame, out, column)
    kept = set(out[column].dropna().astype(str))
    return out, {k: v for k, v in mapping.items() if str(v) not in seen and str(v) not in needles and str(v) in kept}


def _repeats(frame: pd.DataFrame, sets: list[tuple[str, ...]], table: object) -> pd.Series:
    """Rows whose values of one of the unique ``sets`` another row holds too (NULLs repeat nothing unless
    the set is NULLS NOT DISTINCT)."""
    out = pd.Series(False, index=frame.index)
    for cols in sets:
        repeated = frame[list(cols)].astype(str).duplicated(keep=False)
        out |= repeated if table.nulls_not_distinct(cols) else repeated & frame[list(cols)].notna().all(axis=1)  # type: ignore[attr-defined]
    return out


def _still_unique(before: pd.DataFrame, after: pd.DataFrame, column: str) -> pd.DataFrame:
    """A unique column stays unique: rows whose new value repeats another row's take their own value back
    (the values before were unique), until none repeats."""
    out = after.copy()
    while True:
        values = out[column]
        dup = values.notna() & values.astype(str).duplicated(keep=False) & (values.astype(str) != before[column].astype(str))
        if not dup.any():
            return out
        out.loc[dup, column] = before.loc[dup, column]


def _follow(bundle: ModelBundle, parent: str, column: str, mapping: Mapping[str, object], tables: dict[str, pd.DataFrame]) -> None:
    """Children that copy ``parent.column`` get the replaced values too."""
    for key, model in bundle.tables.items():
        for inh in model.inherited:
            if isinstance(inh, Inherit) and inh.parent == parent and inh.parent_column == column and inh.mode == "copy" and key in tables:
                frame = tables[key].copy()
                values = frame[inh.column].astype(object)
                frame[inh.column] = values.map(lambda v: mapping.get(str(v), v) if v is not None and not pd.isna(v) else v)
                tables[key] = frame
