"""The model bundle: everything ``sample`` needs, and no row of a modelled table.

A bundle file is ``MAGIC``, one JSON header line, then a pickle payload. The
header carries the source schema hash and a checksum of the payload (an HMAC
when a key is configured). Because unpickling runs code, the checksum is
verified *before* the payload is touched: treat bundles like code.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cloudpickle
import pandas as pd

from provisioner import __version__
from provisioner.errors import BundleError
from provisioner.model.pii import PiiColumn
from provisioner.model.profile import ColumnStats
from provisioner.model.relations.inherit import Inherit
from provisioner.model.relations.relational import ForeignKeyModel, KeyShape
from provisioner.schema.graph import LoadOrder
from provisioner.schema.snapshot import Column, SchemaSnapshot

MAGIC = b"PROVISIONER-BUNDLE/1\n"


@dataclass(frozen=True)
class TableModel:
    key: str
    method: str  # ctgan | gaussian_copula | copy | generate | keys | skip
    reason: str
    roles: Mapping[str, str]
    stats: Mapping[str, ColumnStats]
    fills: tuple[PiiColumn, ...]  # PII and free-text columns, filled by Faker
    foreign_keys: tuple[ForeignKeyModel, ...]
    key_shapes: Mapping[str, KeyShape]
    source_rows: int
    train_rows: int = 0
    holdout_rows: int = 0
    synthesizer: Any = None
    rows: pd.DataFrame | None = None  # verbatim rows of a copied lookup table only
    seconds: float = 0.0
    count_columns: tuple[str, ...] = ()  # children-per-row columns learnt with the others (hierarchy.py)
    conditions: tuple[Column, ...] = ()  # driving parent's columns ("__parent__<col>") the model is conditioned on
    inherited: tuple[Inherit, ...] = ()  # columns copied from a parent in a share of the rows (inherit.py)

    @property
    def model_columns(self) -> tuple[str, ...]:
        return tuple(c for c, r in self.roles.items() if r in ("model", "lookup"))

    @property
    def pii_columns(self) -> tuple[str, ...]:
        return tuple(f.column for f in self.fills if f.category != "text")


@dataclass(frozen=True)
class ModelBundle:
    snapshot: SchemaSnapshot
    tables: Mapping[str, TableModel]
    order: LoadOrder
    seed: int
    settings: Mapping[str, Any] = field(default_factory=dict)
    privacy: Mapping[str, Any] | None = None  # the verdict from training time, if checked
    version: str = __version__

    @property
    def schema_hash(self) -> str:
        return self.snapshot.structure_hash

    def with_privacy(self, verdict: Mapping[str, Any]) -> ModelBundle:
        return ModelBundle(self.snapshot, self.tables, self.order, self.seed, self.settings, verdict, self.version)


def _digest(payload: bytes, key: bytes | None) -> tuple[str, str]:
    if key:
        return "hmac-sha256", hmac.new(key, payload, hashlib.sha256).hexdigest()
    return "sha256", hashlib.sha256(payload).hexdigest()


def save(bundle: ModelBundle, path: str | Path, key: bytes | None = None) -> Path:
    path = Path(path)
    payload = cloudpickle.dumps(bundle)
    algorithm, digest = _digest(payload, key)
    header = {
        "version": bundle.version,
        "schema_hash": bundle.schema_hash,
        "tables": sorted(bundle.tables),
        "digest_algorithm": algorithm,
        "digest": digest,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + payload)
    tmp.replace(path)
    return path


def read_header(path: str | Path) -> tuple[dict[str, Any], bytes]:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise BundleError(f"cannot read bundle {path}: {exc.strerror}; pass the file written by `provisioner train`") from None
    if not raw.startswith(MAGIC):
        raise BundleError(f"{path} is not a provisioner bundle; pass the file written by `provisioner train`")
    head, _, payload = raw[len(MAGIC):].partition(b"\n")
    try:
        return json.loads(head), payload
    except ValueError:
        raise BundleError(f"bundle {path} has a damaged header; re-run `provisioner train`") from None


def load(path: str | Path, key: bytes | None = None, expect_schema: str | None = None) -> ModelBundle:
    """Verify the checksum, then unpickle. Refuses tampered or mismatched bundles."""
    header, payload = read_header(path)
    if header.get("digest_algorithm") == "hmac-sha256" and not key:
        raise BundleError(f"bundle {path} is signed with an HMAC key; set PROVISIONER_BUNDLE_KEY to verify it")
    algorithm, digest = _digest(payload, key if header.get("digest_algorithm") == "hmac-sha256" else None)
    if algorithm != header.get("digest_algorithm") or not hmac.compare_digest(digest, str(header.get("digest"))):
        raise BundleError(
            f"bundle {path} failed its checksum: it was modified or damaged after `provisioner train` wrote it; "
            "refusing to load it (bundles run code when loaded: treat them like code)"
        )
    if expect_schema and header.get("schema_hash") != expect_schema:
        raise BundleError(
            f"bundle {path} was trained on a different schema (hash {str(header.get('schema_hash'))[:12]}, "
            f"source now {expect_schema[:12]}); run `provisioner diff`, then retrain with `provisioner train`"
        )
    bundle = cloudpickle.loads(payload)
    if not isinstance(bundle, ModelBundle):
        raise BundleError(f"{path} does not hold a provisioner model bundle")
    return bundle
