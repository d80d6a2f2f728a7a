"""``provisioner init``: a commented starting provisioner.yaml, from the source itself.

Reflects the source and runs ``train`` itself without fitting anything
(:func:`provisioner.model.train.train` with ``fit=False``, what ``provision --dry-run``
shows): the same rows read, the same PII detection and the same method rule, so
``init`` and ``train`` cannot disagree. Where ``train`` decides only after fitting
(``train.choose: measure``, a time budget), ``init`` names both methods
(:func:`provisioner.model.choose.predicted`). It writes what it found as YAML for a
person to review: lookup tables pinned to ``copy``, every detected PII column listed
with its category and reason, every table's method and rows. No source value is
written, only names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from provisioner.config import Config
from provisioner.errors import ConfigError
from provisioner.model import choose, pii, proposals
from provisioner.model.bundle import TableModel
from provisioner.model.profile import is_external
from provisioner.model.relations import inclusion, polymorphic
from provisioner.model.train import train
from provisioner.pg import connect as db
from provisioner.pg import urls
from provisioner.progress import Progress, silent
from provisioner.schema.reflect import reflect
from provisioner.schema.snapshot import SchemaSnapshot

if TYPE_CHECKING:
    import pandas as pd


def starter_yaml(config: Config, progress: Progress = silent) -> str:
    if not config.source:
        raise ConfigError("no source database given; pass --source URL")
    engine = db.source_engine(config.source)
    try:
        snapshot = reflect(engine, config.schemas, progress, foreign_keys=config.virtual_keys(), where=config.where)
        planned = train(engine, snapshot, config, progress, fit=False)  # train's own decisions; nothing is fitted
        with db.connect(engine) as conn:
            found = proposals.propose(conn, snapshot)
    finally:
        engine.dispose()
    models = planned.bundle.tables
    detected = tuple(f for m in models.values() for f in m.fills if f.category != "text")
    return render(snapshot, dict(planned.frames), detected, config, models, found)


def render(
    snapshot: SchemaSnapshot, frames: dict, detected: tuple[pii.PiiColumn, ...], config: Config,  # type: ignore[type-arg]
    models: Mapping[str, TableModel] | None = None, found: list[proposals.Proposal] | None = None,
) -> str:
    database = urls.parse(config.source or "", "source").database or "app"
    lines = [
        f"# provisioner.yaml: written by `provisioner init` on {dt.date.today()} from {urls.display(config.source or '')}.",
        "# Review it before the first run: PII detection and the method rule are heuristics.",
        "# Keys: README.md, section Configuration. Layers: defaults < this file < PROVISIONER_* env < flags.",
        "source: env:PROD_DATABASE_URL      # read-only role; keep passwords out of this file",
        f"target: postgresql://localhost:5432/{database}_staging",
        f"schemas: [{', '.join(proposals.scalar(s) for s in config.schemas)}]",
        "seed: 0",
        "scale: 1.0",
        "train:",
        "  epochs: 100                      # CTGAN epochs; 1-10 for a quick first look",
        "  row_cap: 20000",
        "pii:",
        "  # Detected PII, replaced by Faker and never learnt:",
    ]
    lines += [f"  #   {c.table + '.' + c.column:<32} {c.category:<15} {c.reason}" for c in detected] or ["  #   (none detected)"]
    lines += [
        "  # Missed a column? add it. A false positive? remove it.",
        "  add: []",
        "  remove: []",
    ]
    lines += proposals.yaml_lines(found or [])
    lines += external_lines(snapshot, {p.child for p in found or []}, _associations(snapshot, frames))
    lines += inclusion_lines(models or {})
    lines += ["tables:"]
    lines += _table_lines(models or {}, config)
    return "\n".join(lines) + "\n"


def _associations(snapshot: SchemaSnapshot, frames: Mapping[str, pd.DataFrame]) -> dict[str, polymorphic.Polymorphic]:
    """``table.id_column`` -> its polymorphic association (polymorphic.py), found on the rows read."""
    return {f"{t.key}.{rule.id_column}": rule for t in snapshot.tables if t.key in frames
            for rule in polymorphic.learn(snapshot, t, frames[t.key], frames)}


def _external(name: str, associations: Mapping[str, polymorphic.Polymorphic]) -> str:
    rule = associations.get(name)
    if rule is None:
        return f"#   {name:<40} external key"
    named = ", ".join(f"{value} -> {table}" for value, table, _ in rule.targets)
    return f"#   {name:<40} polymorphic: {rule.type_column} names its table ({named}); points at their synthetic rows"


def external_lines(
    snapshot: SchemaSnapshot, proposed: set[str] | frozenset[str] = frozenset(), associations: Mapping[str, polymorphic.Polymorphic] | None = None,
) -> list[str]:
    """External keys: columns named like keys that no declared foreign key (or proposed relationship) covers, to review;
    the id of a polymorphic association says which tables its type names (kept without a relationship)."""
    found = [f"{t.key}.{c.name}" for t in snapshot.tables for c in t.columns if is_external(c, t) and proposals.side(t, c.name) not in proposed]
    if not found:
        return []
    lines = [
        "# External keys: integer or uuid columns named like a key with no declared foreign key. Each gets new",
        "# values with the source's frequency profile (how many rows share a value), never the source's values.",
        "# Where one points at a table provisioner loads too, add it to relationships (modelled, never",
        "# created in the target), e.g.  - {child: customer.support_rep_id, parent: employee.employee_id}",
    ]
    return lines + [_external(name, associations or {}) for name in found]


def inclusion_lines(models: Mapping[str, TableModel]) -> list[str]:
    """Key columns that every source row has, together, as a row of another table's key (relations/inclusion.py)."""
    found = [(key, r) for key, m in models.items() for r in inclusion.rules_of(m.rules)]
    if not found:
        return []
    lines = ["# Kept without a declaration: key columns whose values, together, are a row of another table's key in",
             "# every source row (checked on all rows). Synthetic rows keep it: the named columns are re-picked to agree."]
    out = []
    for key, rule in found:
        fks = {m.fk.name: m.fk for m in models[key].foreign_keys}
        named = [c if f not in fks else f"{', '.join(fks[f].columns)} -> {fks[f].ref_table}.{c}" for f, c in rule.refs()]
        out.append(f"#   {key}.({', '.join(named)}) is always a row of {rule.parent}.({', '.join(rule.sources)}); "
                   f"{rule.rows} rows, {rule.combos} combinations; re-picked: {', '.join(rule.moved)}")
    return lines + out


def _table_lines(models: Mapping[str, TableModel], config: Config) -> list[str]:
    """One line per table, in load order: the method train will use (pinned for copies), its rows and why."""
    out = []
    for key, model in models.items():
        methods, how = choose.predicted(key, model.method, config)
        said = " or ".join(methods) + (f" ({how})" if how else "")
        rows = f"rows: {model.source_rows} source, " + (f"{model.train_rows} trained" if model.synthesizer is not None else "none trained")
        name = proposals.scalar(key)
        if model.method == "copy":
            out.append(f"  {name}: {{model: copy}}{' ' * max(1, 24 - len(name))}# {rows}; {model.reason}")
        else:
            out.append(f"  # {name}: {{model: {model.method}}}  # auto: {said}; {rows}; {model.reason}")
    return out or ["  {}"]


def write_starter(config: Config, path: str | Path, force: bool = False, progress: Progress = silent) -> Path:
    out = Path(path)
    if out.exists() and not force:
        raise ConfigError(f"{out} already exists; pass --force to overwrite it, or --out another file")
    out.write_text(starter_yaml(config, progress), encoding="utf-8")
    return out
