"""The rows a load sent, kept in a file, so the next load of the same bundle, seed and sizes COPYs them.

Sampling is most of a load's time (the database side is close to ``pg_restore``'s), and the same
bundle, seed and sizes always give the same rows. ``load --cache-dir DIR`` keeps the COPY text of
every table, as the load sent it, in one file per key (:func:`entry_key`: the bundle's checksum,
the seed, the scale and row settings, and a fingerprint of this provisioner's code and of the
libraries that shape its rows), and a later load with that key sends those bytes instead of
sampling. It is meant for CI jobs on a fresh server (``refresh``'s template lives on one server;
this file can be kept by a CI cache).

The file is data, never code: a JSON header line (the tables, their columns, rows, byte lengths and
SHA-256 sums, and a digest of it all, an HMAC with the bundle's key when the bundle is signed)
followed by the COPY text. Any mismatch (a damaged, truncated or edited file, a header that is not
exactly this shape, an unsigned file for a signed bundle) is a miss: the load samples as usual and
writes the file afresh. Nothing is read but the one file named by the key; it is written all or
nothing, readable by its owner only. Streamed loads (big tables sampled shard by shard) are not
kept: a cache is for fixtures, not for millions of rows.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import hmac
import json
import os
import platform
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.engine import URL

from provisioner import files
from provisioner.config import Config
from provisioner.errors import LoadError
from provisioner.model import bundle as bundle_io
from provisioner.model.bundle import ModelBundle
from provisioner.model.profile import read_rows
from provisioner.model.train import table_seed
from provisioner.pg.connect import connect, target_engine
from provisioner.progress import Progress, silent
from provisioner.schema.graph import LoadOrder
from provisioner.schema.snapshot import SchemaSnapshot
from provisioner.synth import fake
from provisioner.synth.sample import SyntheticTables

FORMAT = 1
MAGIC = b"PROVISIONER-ROWS\n"
_LIBRARIES = ("numpy", "pandas", "scipy", "faker", "psycopg")  # what shapes the rows or their COPY text
_KEY = re.compile(r"[0-9a-f]{32}")
_HEADER_LIMIT = 16 << 20
R = TypeVar("R")  # the loader's LoadResult (it imports this module)


@dataclass(frozen=True)
class CopyText:
    """One table's rows as COPY text, ready to send: what the cache hands the loader instead of a frame."""

    columns: tuple[str, ...]
    rows: int
    data: bytes


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """This provisioner's source files and the versions of the libraries its rows depend on."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name, version in sorted(versions().items()):
        digest.update(f"{name}={version}\0".encode())
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """The Python (its ``unicodedata``, ``decimal``, ``datetime`` shape text) and library versions in the fingerprint."""
    found = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "-"
    return found


def entry_key(bundle_digest: str, config: Config) -> str:
    """What a load's rows depend on (:func:`entry_parts`), hashed."""
    return hashlib.sha256(json.dumps(entry_parts(bundle_digest, config), sort_keys=True).encode()).hexdigest()[:32]


def entry_parts(bundle_digest: str, config: Config) -> dict[str, Any]:
    """The bundle, seed, scale, per-table sizes, the code that samples, and the year birth dates count from."""
    tables = {k: [t.rows, t.scale] for k, t in sorted(config.tables.items())}
    return {"format": FORMAT, "bundle": bundle_digest, "seed": config.seed, "scale": config.scale, "tables": tables,
            "code": code_fingerprint(), "clock": fake.birth_anchor().isoformat()}


def _digest(header: Mapping[str, Any], payload: bytes, key: bytes | None) -> str:
    """The file's checksum, made as a bundle's is (signed with the bundle's key when it has one)."""
    body = json.dumps({k: v for k, v in header.items() if k != "digest"}, sort_keys=True).encode() + b"\0" + payload
    return bundle_io.checksum(body, key)[1]


@dataclass
class Recorder:
    """Collects the COPY text a load sends, per table, and writes the cache file once the load committed."""

    path: Path
    entry: str
    key: bytes | None
    sent: dict[str, tuple[tuple[str, ...], int, list[bytes]]] = field(default_factory=dict)
    broken: str = ""  # why the rows sent cannot be kept

    def add(self, table: str, columns: tuple[str, ...], rows: int, data: bytes) -> None:
        """Keep one COPY's text; never raises (it runs inside the load): a table COPYed twice with other
        columns makes the file unsavable instead."""
        known = self.sent.setdefault(table, (columns, 0, []))
        if known[0] != columns:
            self.broken = f"table {table} was sent twice with different columns"
        self.sent[table] = (known[0], known[1] + rows, [*known[2], data])

    def save(self, keys: list[str], rows: Mapping[str, int], notes: tuple[str, ...]) -> Path:
        if self.broken:
            raise ValueError(self.broken)
        parts, chunks = [], []
        for table in keys:
            columns, count, data = self.sent.get(table, ((), 0, []))
            blob = b"".join(data)
            parts.append({"table": table, "columns": list(columns), "rows": count, "length": len(blob),
                          "sha256": hashlib.sha256(blob).hexdigest()})
            chunks.append(blob)
        payload = b"".join(chunks)
        header: dict[str, Any] = {"format": FORMAT, "entry": self.entry, "signed": self.key is not None, "parts": parts,
                                  "rows": {k: int(v) for k, v in rows.items()}, "notes": list(notes)}
        header["digest"] = _digest(header, payload, self.key)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return files.write_bytes(self.path, MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + payload)


@dataclass(frozen=True)
class CachedSource:
    """A :class:`~provisioner.synth.shards.RowSource` of the rows a cache file holds: each table's COPY text."""

    order: LoadOrder
    tables: Mapping[str, CopyText]
    ordered: tuple[str, ...]
    counts: Mapping[str, int]
    remarks: tuple[str, ...]
    path: Path

    def keys(self) -> list[str]:
        return list(self.ordered)

    def frames(self, key: str) -> Iterator[Any]:
        if key in self.tables and self.tables[key].rows:
            yield self.tables[key]

    def deferred(self) -> Mapping[str, Any]:
        return {key: self.tables[key] for key, _ in self.order.deferred if key in self.tables}

    @property
    def rows(self) -> Mapping[str, int]:
        return dict(self.counts)

    @property
    def notes(self) -> tuple[str, ...]:
        return self.remarks


class RowCache:
    """``DIR/<key>.rows`` files (see the module docstring)."""

    def __init__(self, folder: str | Path, key: bytes | None = None) -> None:
        self.folder, self.key = Path(folder), key

    def path(self, entry: str) -> Path:
        if not _KEY.fullmatch(entry):
            raise ValueError(f"not a cache key: {entry!r}")
        return self.folder / f"{entry}.rows"

    def recorder(self, entry: str) -> Recorder:
        return Recorder(self.path(entry), entry, self.key)

    def lookup(
        self, entry: str, order: LoadOrder, stored: Mapping[str, frozenset[str]], progress: Progress = silent,
    ) -> CachedSource | None:
        """The rows kept for ``entry``, or None (no file, or one that fails a check: said on ``progress``);
        ``stored``: each table's stored columns, the only ones a kept table may name."""
        path = self.path(entry)
        try:
            raw = _read_file(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            progress.info(f"rows cache {path}: cannot read it ({exc.strerror}); sampling instead")
            return None
        try:
            return self._parse(raw, entry, order, stored, path)
        except (ValueError, KeyError, TypeError, ArithmeticError, RecursionError) as exc:  # a crafted header fails in these
            progress.info(f"rows cache {path}: not used ({exc}); sampling instead, and writing it afresh")
            return None

    def _parse(self, raw: bytes, entry: str, order: LoadOrder, stored: Mapping[str, frozenset[str]], path: Path) -> CachedSource:
        if not raw.startswith(MAGIC):
            raise ValueError("not a provisioner rows file")
        head, newline, payload = raw[len(MAGIC):].partition(b"\n")
        if not newline or len(head) > _HEADER_LIMIT:
            raise ValueError("damaged header")
        header = json.loads(head)
        if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("entry") != entry:
            raise ValueError("written for another key or by another version")
        if bool(header.get("signed")) != (self.key is not None):
            raise ValueError("signed with a key" if header.get("signed") else "not signed, and the bundle is")
        if not hmac.compare_digest(str(header.get("digest")), _digest(header, payload, self.key)):
            raise ValueError("its checksum does not match: damaged or edited")
        tables, ordered, at = {}, [], 0
        for part in header["parts"]:
            table, length = str(part["table"]), int(part["length"])
            blob = payload[at:at + length]
            if length < 0 or len(blob) != length or hashlib.sha256(blob).hexdigest() != part["sha256"]:
                raise ValueError(f"table {table}: its rows are damaged")
            if table in tables:
                raise ValueError(f"table {table}: named twice")
            columns = tuple(str(c) for c in part["columns"])
            if not set(columns) <= stored.get(table, frozenset()):
                raise ValueError(f"table {table}: names columns it does not store")
            tables[table], at = CopyText(columns, int(part["rows"]), blob), at + length
            ordered.append(table)
        if at != len(payload) or set(ordered) != set(order.tables):
            raise ValueError("its tables are not the bundle's")
        rows = {str(k): int(v) for k, v in dict(header["rows"]).items()}
        return CachedSource(order, tables, tuple(ordered), rows, tuple(str(n) for n in header["notes"]), path)


def _read_file(path: Path) -> bytes:
    """The bytes of ``path`` if it is a plain file: a link (to another file, ``/dev/zero``) or a FIFO in its
    place is not followed or waited on (OSError)."""
    handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(handle, "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a plain file")
        return stream.read()


def open_for(
    bundle_digest: str, config: Config, key: bytes | None, folder: str | Path | None, streamed: bool,
    progress: Progress = silent,
) -> tuple[RowCache, str] | None:
    """The rows cache in ``folder`` and this load's key in it (``bundle_digest``: the checksum of the bundle
    bytes loaded); None without a folder, or for a streamed load (said on ``progress``)."""
    if folder and streamed:
        progress.info("load: the rows cache is not used: this load streams its largest tables (see --stream), whose rows are not kept")
    if not folder or streamed:
        return None
    return RowCache(folder, key), entry_key(bundle_digest, config)


def through(
    cache: tuple[RowCache, str] | None, snapshot: SchemaSnapshot, order: LoadOrder, fresh: Any,
    run: Callable[[Any, Recorder | None], R], progress: Progress = silent,
) -> R:
    """``run(rows, recorder)`` with the cached rows when there are some, else with ``fresh``
    (a sampling row source) and a recorder whose file is written once the load is done. Cached rows that
    fail to load (the load was rolled back) are replaced by freshly sampled ones. What happened is a note."""
    stored = {t.key: frozenset(c.name for c in t.stored_columns) for t in snapshot.tables}
    cached = cache[0].lookup(cache[1], order, stored, progress) if cache is not None else None
    if cached is not None:
        try:
            progress.info(f"load: the rows come from the cache {cached.path} (sampling skipped)")
            return _noted(run(cached, None), f"rows copied from the cache {cached.path}, not sampled")
        except LoadError as exc:
            if not exc.after_rows:  # the schema, not the rows: sampling afresh would fail the same way
                raise
            progress.info(f"the cached rows did not load ({exc}); sampling afresh")
    recorder = cache[0].recorder(cache[1]) if cache is not None else None
    loaded = run(fresh, recorder)
    if recorder is not None:
        try:
            note = f"rows kept in the cache {recorder.save(fresh.keys(), fresh.rows, fresh.notes)}"
        except (OSError, ValueError) as exc:
            note = f"the rows cache {recorder.path} was not written ({exc}); the load itself is done"
        progress.info(f"load: {note}")
        loaded = _noted(loaded, note)
    return loaded


def _noted(loaded: R, note: str) -> R:
    return dataclasses.replace(loaded, notes=(*loaded.notes, note))  # type: ignore[type-var,attr-defined]


def read_back(target: URL, bundle: ModelBundle, rows: Mapping[str, int], cap: int, seed: int) -> SyntheticTables:
    """A seeded sample of up to ``cap`` rows of every table, read from the loaded target: what the HTML report
    charts when the rows came from the cache (nothing was sampled to keep a share of)."""
    engine = target_engine(target)
    try:
        with connect(engine) as conn:
            tables = {key: read_rows(conn, dataclasses.replace(bundle.snapshot.table(key), row_count=int(n)), cap,
                                     table_seed(seed, key, "keep")) for key, n in rows.items()}
    finally:
        engine.dispose()
    return SyntheticTables(tables, bundle.order, seed, (), 0.0)
