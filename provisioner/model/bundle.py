"""The model bundle: everything ``sample`` needs, and no row of a modelled table.

A bundle file is ``MAGIC``, one JSON header line, then the payload: an ``.npz``
archive (numpy's zip of ``.npy`` files) holding the bundle as one JSON document
(member ``bundle``) and every numeric array it names (:mod:`provisioner.model.encoding`).
Nothing in it is code: arrays load with ``allow_pickle=False`` and the document
decodes into provisioner's own dataclasses only, so a crafted file can fail to
load, never run anything.

The header carries the source schema hash and a checksum of the payload. The payload
records which database the bundle was trained on (``ModelBundle.source``: the server's
``system_identifier`` and the database name, hashed, never in clear), so ``load`` and
``refresh`` can refuse to write into it. With
``PROVISIONER_BUNDLE_KEY`` set, the key decides: the bundle must carry an
HMAC-SHA256 made with that key, whatever its header says, or it is refused.
Without a key, the SHA-256 checksum catches damage, not tampering.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from provisioner import __version__, files
from provisioner.errors import BundleError
from provisioner.model import encoding
from provisioner.model.histograms import Histogram
from provisioner.model.pii import PiiColumn
from provisioner.model.profile import ColumnStats
from provisioner.model.relations.inherit import Inherit
from provisioner.model.relations.relational import ForeignKeyModel, KeyShape
from provisioner.schema.graph import LoadOrder
from provisioner.schema.snapshot import Column, SchemaSnapshot

MAGIC = b"PROVISIONER-BUNDLE/3\n"
_OLD_MAGIC = (b"PROVISIONER-BUNDLE/1\n", b"PROVISIONER-BUNDLE/2\n")
DOCUMENT = "bundle"


@encoding.register
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
    histograms: Mapping[str, Histogram] = field(default_factory=dict)  # real distributions as aggregates, for reports
    rules: tuple[Any, ...] = ()  # learnt rules across tables (model/relations: aggregate.py, levels.py, ...), registered dataclasses

    @property
    def model_columns(self) -> tuple[str, ...]:
        return tuple(c for c, r in self.roles.items() if r in ("model", "lookup"))

    @property
    def pii_columns(self) -> tuple[str, ...]:
        return tuple(f.column for f in self.fills if f.category != "text")


@encoding.register
@dataclass(frozen=True)
class ModelBundle:
    snapshot: SchemaSnapshot
    tables: Mapping[str, TableModel]
    order: LoadOrder
    seed: int
    settings: Mapping[str, Any] = field(default_factory=dict)
    privacy: Mapping[str, Any] | None = None  # the verdict from training time, if checked
    version: str = __version__
    source: Mapping[str, str] = field(default_factory=dict)  # the source database's identity, hashed (pg.connect.identity)

    @property
    def schema_hash(self) -> str:
        return self.snapshot.structure_hash

    def with_privacy(self, verdict: Mapping[str, Any]) -> ModelBundle:
        return dataclasses.replace(self, privacy=verdict)

    def with_source(self, identity: Mapping[str, str]) -> ModelBundle:
        """The bundle marked with the hashed identity of the database it was trained on
        (``load`` and ``refresh`` refuse that database as a target)."""
        return dataclasses.replace(self, source=dict(identity))


def checksum(payload: bytes, key: bytes | None) -> tuple[str, str]:
    """(algorithm, hex digest) of ``payload``: an HMAC-SHA256 with ``key``, a SHA-256 without."""
    if key:
        return "hmac-sha256", hmac.new(key, payload, hashlib.sha256).hexdigest()
    return "sha256", hashlib.sha256(payload).hexdigest()


def to_bytes(bundle: ModelBundle) -> bytes:
    """The payload: the bundle as a JSON document plus its arrays, in one ``.npz`` archive."""
    document, arrays = encoding.dump(bundle)
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    buffer = io.BytesIO()
    np.savez(buffer, **{DOCUMENT: np.frombuffer(text, dtype=np.uint8)}, **arrays)
    return buffer.getvalue()


def from_bytes(payload: bytes, path: str | Path = "bundle") -> ModelBundle:
    """The bundle :func:`to_bytes` wrote; nothing in ``payload`` is executed."""
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        document = json.loads(arrays.pop(DOCUMENT).tobytes().decode("utf-8"))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError, RecursionError) as exc:
        raise BundleError(f"bundle {path} is damaged or not a provisioner bundle ({type(exc).__name__}: {str(exc)[:80]}); "
                          "re-run `provisioner train`") from None
    try:
        bundle = encoding.load(document, arrays)
    except BundleError as exc:
        raise BundleError(f"bundle {path}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - a crafted document fails in many ways; none of them runs code
        raise BundleError(f"bundle {path} does not decode ({type(exc).__name__}: {str(exc)[:80]}); re-run `provisioner train`") from None
    if not isinstance(bundle, ModelBundle):
        raise BundleError(f"{path} does not hold a provisioner model bundle; pass the file written by `provisioner train`")
    return bundle


def save(bundle: ModelBundle, path: str | Path, key: bytes | None = None) -> Path:
    """Write ``bundle`` atomically (a temporary file renamed over ``path``); signed when ``key`` is given."""
    path = Path(path)
    payload = to_bytes(bundle)
    algorithm, digest = checksum(payload, key)
    header = {
        "format": 3,
        "version": bundle.version,
        "schema_hash": bundle.schema_hash,
        "tables": sorted(bundle.tables),
        "digest_algorithm": algorithm,
        "digest": digest,
    }
    return files.write_bytes(path, MAGIC + json.dumps(header).encode() + b"\n" + payload)


def read_header(path: str | Path) -> tuple[dict[str, Any], bytes]:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise BundleError(f"cannot read bundle {path}: {exc.strerror}; pass the file written by `provisioner train`") from None
    return split(raw, path)


def split(raw: bytes, path: str | Path = "bundle") -> tuple[dict[str, Any], bytes]:
    """(header, payload) of a bundle file's bytes."""
    if raw.startswith(_OLD_MAGIC):
        raise BundleError(f"bundle {path} was written by an older provisioner (a pickle, no longer loaded); "
                          "retrain it with `provisioner train`")
    if not raw.startswith(MAGIC):
        raise BundleError(f"{path} is not a provisioner bundle; pass the file written by `provisioner train`")
    head, _, payload = raw[len(MAGIC):].partition(b"\n")
    try:
        header = json.loads(head)
    except ValueError:
        raise BundleError(f"bundle {path} has a damaged header; re-run `provisioner train`") from None
    if not isinstance(header, dict):
        raise BundleError(f"bundle {path} has a damaged header; re-run `provisioner train`")
    return header, payload


def verify(path: str | Path, header: Mapping[str, Any], payload: bytes, key: bytes | None) -> None:
    """The key decides: with one, only an HMAC made with it passes; without, the SHA-256 checksum must match."""
    signed = header.get("digest_algorithm") == "hmac-sha256"
    if key and not signed:
        raise BundleError(f"bundle {path} is not signed, and PROVISIONER_BUNDLE_KEY is set: refusing it; "
                          "retrain with the key set, or unset the key to accept unsigned bundles")
    if signed and not key:
        raise BundleError(f"bundle {path} is signed with an HMAC key; set PROVISIONER_BUNDLE_KEY to verify it")
    _, digest = checksum(payload, key)
    if not hmac.compare_digest(digest, str(header.get("digest"))):
        what = "its signature does not match PROVISIONER_BUNDLE_KEY" if key else "it was modified or damaged after `provisioner train` wrote it"
        raise BundleError(f"bundle {path} failed its checksum: {what}; refusing to load it")


def load_with_digest(path: str | Path, key: bytes | None = None, expect_schema: str | None = None) -> tuple[ModelBundle, str]:
    """:func:`load`, and the checksum it verified: the bytes decoded, read once (a pipe, or a file renamed
    over between two reads, gives another bundle the second time)."""
    header, payload = read_header(path)
    verify(path, header, payload, key)
    if expect_schema and header.get("schema_hash") != expect_schema:
        raise BundleError(
            f"bundle {path} was trained on a different schema (hash {str(header.get('schema_hash'))[:12]}, "
            f"source now {expect_schema[:12]}); run `provisioner diff`, then retrain with `provisioner train`"
        )
    return from_bytes(payload, path), str(header.get("digest"))


def load(path: str | Path, key: bytes | None = None, expect_schema: str | None = None) -> ModelBundle:
    """Verify the checksum (or the key's signature), then decode. Refuses tampered or mismatched bundles."""
    return load_with_digest(path, key, expect_schema)[0]


def source_identity(path: str | Path, key: bytes | None = None) -> dict[str, str]:
    """The hashed identity of the database a bundle was trained on (verified, without decoding its models)."""
    header, payload = read_header(path)
    verify(path, header, payload, key)
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
            document = json.loads(archive[DOCUMENT].tobytes().decode("utf-8"))
        value = encoding.load(document["f"].get("source", {"$o": {}}), {})
    except (OSError, ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise BundleError(f"bundle {path} is damaged ({type(exc).__name__}); re-run `provisioner train`") from None
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, Mapping) else {}

