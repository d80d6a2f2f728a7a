"""``provisioner init``: a commented starting provisioner.yaml, from the source itself.

Reflects the source, reads a small sample per table, runs the PII detector and
the method rule of ``train`` (:func:`provisioner.model.train.choose_method`), and
writes what it found as YAML for a person to review: lookup tables pinned to
``copy``, every detected PII column listed with its category and reason.
No source value is written, only names.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from provisioner import columns
from provisioner.config import Config
from provisioner.errors import ConfigError
from provisioner.model import pii, proposals
from provisioner.model.profile import is_external, read_rows, roles_of
from provisioner.model.train import choose_method, table_seed
from provisioner.pg import connect as db
from provisioner.pg import urls
from provisioner.schema.graph import load_order
from provisioner.schema.reflect import reflect
from provisioner.schema.snapshot import SchemaSnapshot

SAMPLE_ROWS = 2000


def starter_yaml(config: Config) -> str:
    if not config.source:
        raise ConfigError("no source database given; pass --source URL")
    engine = db.source_engine(config.source)
    try:
        snapshot = reflect(engine, config.schemas, foreign_keys=config.virtual_keys(), where=config.where)
        with db.connect(engine) as conn:
            frames = {t.key: read_rows(conn, t, SAMPLE_ROWS, table_seed(config.seed, t.key, "read")) for t in snapshot.tables}
            found = proposals.propose(conn, snapshot)
    finally:
        engine.dispose()
    detected = pii.detect(snapshot, frames)
    return render(snapshot, frames, detected, config, found)


def render(
    snapshot: SchemaSnapshot, frames: dict, detected: tuple[pii.PiiColumn, ...], config: Config,  # type: ignore[type-arg]
    found: list[proposals.Proposal] | None = None,
) -> str:
    database = urls.parse(config.source or "", "source").database or "app"
    lines = [
        f"# provisioner.yaml: written by `provisioner init` on {dt.date.today()} from {urls.display(config.source or '')}.",
        "# Review it before the first run: PII detection and the method rule are heuristics.",
        "# Keys: README.md, section Configuration. Layers: defaults < this file < PROVISIONER_* env < flags.",
        "source: env:PROD_DATABASE_URL      # read-only role; keep passwords out of this file",
        f"target: postgresql://localhost:5432/{database}_staging",
        f"schemas: [{', '.join(config.schemas)}]",
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
    lines += external_lines(snapshot, {p.child for p in found or []})
    lines += ["tables:"]
    lines += _table_lines(snapshot, frames, detected, config)
    return "\n".join(lines) + "\n"


def external_lines(snapshot: SchemaSnapshot, proposed: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """External keys: columns named like keys that no declared foreign key (or proposed relationship) covers, to review."""
    found = [f"{t.key}.{c.name}" for t in snapshot.tables for c in t.columns if is_external(c, t)]
    found = [name for name in found if name not in proposed]
    if not found:
        return []
    lines = [
        "# External keys: integer or uuid columns named like a key with no declared foreign key. Each gets new",
        "# values with the source's frequency profile (how many rows share a value), never the source's values.",
        "# Where one points at a table provisioner loads too, add it to relationships (modelled, never",
        "# created in the target), e.g.  - {child: customer.support_rep_id, parent: employee.employee_id}",
    ]
    return lines + [f"#   {name:<40} external key" for name in found]


def _table_lines(snapshot: SchemaSnapshot, frames: dict, detected: tuple[pii.PiiColumn, ...], config: Config) -> list[str]:  # type: ignore[type-arg]
    has_pii = {c.table for c in detected}
    copied: set[str] = set()
    out = []
    for key in load_order(snapshot).tables:
        table = snapshot.table(key)
        roles, _ = roles_of(table, frames[key], frozenset(c.column for c in detected if c.table == key))
        method, reason = choose_method(table, frames[key], roles, key in has_pii, copied, config)
        if columns.is_model(method) and columns.get(method).iterative:  # the sample is capped; the rule looks at the training rows
            reason = f"{table.row_count} rows (>= {config.train.gan_min_rows})"
        if method == "copy":
            copied.add(key)
            out.append(f"  {key}: {{model: copy}}{' ' * max(1, 24 - len(key))}# {reason}")
        else:
            out.append(f"  # {key}: {{model: {method}}}  # auto: {reason}")
    return out or ["  {}"]


def write_starter(config: Config, path: str | Path, force: bool = False) -> Path:
    out = Path(path)
    if out.exists() and not force:
        raise ConfigError(f"{out} already exists; pass --force to overwrite it, or --out another file")
    out.write_text(starter_yaml(config), encoding="utf-8")
    return out
