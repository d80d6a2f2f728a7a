"""Copied tables never carry detected PII: their PII columns are masked before the bundle is written.

A table copied verbatim (``tables.<t>.model: copy``, ``train.model: copy`` or the lookup
rule) keeps its real rows in the bundle, so its detected PII columns are replaced there
and then by Faker values that stay consistent: the same real value gets the same fake
everywhere in the column (:func:`provisioner.synth.fake.mask_consistent`), keyed by a
secret derived from the seed and the real values themselves (nobody without those values
can recompute the mapping). Only ``pii.remove`` keeps a column verbatim, and the table's
reason in the report says so.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable

from provisioner.config import Config
from provisioner.model.bundle import ModelBundle, TableModel
from provisioner.synth import fake

MASKED = "PII masked by Faker (the same value gets the same fake)"
KEPT = "kept verbatim by pii.remove"


def mask_copies(bundle: ModelBundle, config: Config, skip: Iterable[str] = ()) -> ModelBundle:
    """``bundle`` with the PII columns of every copied table masked (tables in ``skip``, reused
    from an earlier bundle, were masked when it was trained)."""
    skipped = set(skip)
    copies = {k: m for k, m in bundle.tables.items() if m.method == "copy" and m.rows is not None and k not in skipped}
    if not copies:
        return bundle
    secret = _secret(bundle.seed, copies.values())
    tables = dict(bundle.tables)
    for key, model in copies.items():
        tables[key] = _masked(bundle, model, config, secret)
    return dataclasses.replace(bundle, tables=tables)


def _masked(bundle: ModelBundle, model: TableModel, config: Config, secret: bytes) -> TableModel:
    table = bundle.snapshot.table(model.key)
    pii = [f for f in model.fills if f.category != "text"]
    kept = sorted(ref.rpartition(".")[2] for ref in config.pii_remove if ref.rpartition(".")[0] in (table.key, table.name))
    reason = model.reason
    if pii:
        reason += f"; {MASKED}: {', '.join(f.column for f in pii)}"
    if kept:
        reason += f"; {KEPT}: {', '.join(kept)}"
    if not pii:
        return dataclasses.replace(model, reason=reason)
    rows = fake.mask_consistent(table, model.rows, pii, bundle.seed, secret)  # type: ignore[arg-type]
    return dataclasses.replace(model, rows=rows, reason=reason)


def _secret(seed: int, models: Iterable[TableModel]) -> bytes:
    """Derived from the seed and every real value that is masked: stable for the same data and
    seed, unknowable without the data."""
    digest = hashlib.sha256(f"provisioner-mask/1\x00{seed}".encode())
    for model in sorted(models, key=lambda m: m.key):
        for fill in model.fills:
            if fill.category != "text" and model.rows is not None and fill.column in model.rows:
                values = sorted(model.rows[fill.column].dropna().astype(str).unique())
                digest.update("\x1f".join([model.key, fill.column, *values]).encode())
    return digest.digest()
