"""Leak scan: does any real value of a personal or free-text column reach the target or the bundle?

The *needles* are every distinct source value of the PII columns, and every
distinct source value longer than :data:`MIN_TEXT_LENGTH` characters of the
high-cardinality text columns (role ``text``). Of a copied lookup table only the
detected PII columns are searched (they were masked before the bundle was written,
:mod:`provisioner.synth.masking`); its other values are public by design.

The *target* is scanned as every distinct value of every text column of every
table (exact match), plus, for needles longer than :data:`MIN_TEXT_LENGTH`,
as a substring of those values. The *bundle* is scanned as the strings its
JSON document holds (exact match) and, for long needles, as a substring of its bytes
in UTF-8 and UTF-32 (numpy's unicode arrays).

Some hits are chance collisions, not leaks: a short number or code, or a word
that Faker's own vocabulary holds (a common first name, a city, a lorem word),
or a category value a model learnt legitimately. They are counted and listed
by column, never by value: the report names a hit by the column it came from,
where it was found, and the first 12 hex digits of its SHA-256.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from faker.config import AVAILABLE_LOCALES
from psycopg import sql
from sqlalchemy import Connection, Engine, text

from provisioner.config import Config
from provisioner.model import bundle as bundle_io
from provisioner.model import pii
from provisioner.model.bundle import ModelBundle
from provisioner.model.profile import read_rows, roles_of
from provisioner.model.train import bookkeeping_parents, choose_method, table_seed
from provisioner.pg.connect import connect, run
from provisioner.schema.graph import load_order
from provisioner.schema.reflect import reflect
from provisioner.schema.snapshot import TEXT_KINDS, Table

MIN_TEXT_LENGTH = 6  # text-column values longer than this are needles
PLACE_CATEGORIES = frozenset({"city", "state", "country"})  # public place names, not identifying alone
SHORT_CODE = re.compile(r"[\W\d_]{1,12}|\w{1,3}")  # digits and punctuation, or at most 3 characters
MAX_LISTED = 200
_FAKER_PROVIDERS = ("person", "address", "company", "lorem", "internet", "job", "color", "geo")
_TEXT_TYPES = ("text", "character varying", "character", "citext", "name")


@dataclass(frozen=True)
class Needle:
    value: str
    source: str  # table.column
    category: str  # the PII category, or "text"


@dataclass(frozen=True)
class Hit:
    source: str  # table.column the value came from
    found_in: str  # target table.column, or "bundle"
    match: str  # "exact" | "substring"
    fingerprint: str  # sha256 prefix of the value, never the value
    collision: str = ""  # why this is a chance collision; "" for a leak

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass(frozen=True)
class AuditReport:
    columns: tuple[str, ...]  # source table.column scanned
    needles: int
    target: tuple[Hit, ...]
    bundle: tuple[Hit, ...] | None  # None: no bundle given
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def leaks(self) -> tuple[Hit, ...]:
        return tuple(h for h in self.target + (self.bundle or ()) if not h.collision)

    @property
    def passed(self) -> bool:
        return not self.leaks

    def summary(self) -> str:
        where = "target and bundle" if self.bundle is not None else "target"
        collisions = sum(1 for h in self.target + (self.bundle or ()) if h.collision)
        return (f"{len(self.leaks)} leaks, {collisions} chance collisions: {self.needles} source values of "
                f"{len(self.columns)} columns searched in the {where}")

    def to_dict(self) -> dict[str, Any]:
        def part(hits: Iterable[Hit], leak: bool) -> list[dict[str, str]]:
            return [h.to_dict() for h in hits if bool(h.collision) != leak][:MAX_LISTED]

        out: dict[str, Any] = {"passed": self.passed, "summary": self.summary(), "columns": list(self.columns),
                               "needles": self.needles, "notes": list(self.notes)}
        for name, hits in (("target", self.target), ("bundle", self.bundle)):
            if hits is not None:
                out[name] = {"leaks": part(hits, True), "collisions": part(hits, False)}
        return out


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]


# -- needles ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Columns:
    """What the scan needs to know of one source table."""

    ident: sql.Identifier  # the table's qualified name
    searched: Mapping[str, str]  # column -> PII category, or "text"
    public: tuple[str, ...] = ()  # learnt category columns, every text column of a copied lookup table
    parts: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # a composite's attribute -> (column, attribute)


def columns_of_bundle(bundle: ModelBundle) -> dict[str, Columns]:
    out = {}
    for key, model in bundle.tables.items():
        table = bundle.snapshot.table(key)
        if model.method == "copy":  # copied verbatim by design, but its PII columns were masked: search those
            pii_cols = {f.column: f.category for f in model.fills if f.category != "text"}
            out[key] = _columns(table, pii_cols, tuple(c.name for c in table.columns if c.kind in TEXT_KINDS and c.name not in pii_cols))
            continue
        searched = {f.column: f.category for f in model.fills}
        searched.update({c: r for c, r in model.roles.items() if r in ("pii", "text") and c not in searched})
        learnt = tuple(c for c in model.model_columns if table.column(c).kind in TEXT_KINDS | {"enum"})
        out[key] = _columns(table, searched, learnt)
    return out


def _columns(table: Table, searched: Mapping[str, str], public: tuple[str, ...]) -> Columns:
    """The scan of one table; a composite's attribute is read as ``(column).attribute``, other part
    columns (a range's bounds, a point's x and y) are not text and are left out."""
    parts = {c.name: (c.part_of, c.name[len(c.part_of) + 1:]) for c in table.columns
             if c.part_of and table.column(c.part_of).kind == "composite"}
    keep = lambda name: name in parts or table.column(name).part_of is None
    return Columns(table.ident, {c: v for c, v in searched.items() if keep(c)}, tuple(c for c in public if keep(c)), parts)


def needles(source: Engine, tables: Mapping[str, Columns]) -> tuple[list[Needle], set[str]]:
    """Source values to search for, and the public values (learnt categories, copied lookup tables)."""
    found: list[Needle] = []
    learnt: set[str] = set()
    with connect(source) as conn:
        for key, cols in tables.items():
            for column, category in cols.searched.items():
                values = _distinct(conn, cols.ident, column, cols.parts.get(column))
                if category == "text":
                    values = [v for v in values if len(v) > MIN_TEXT_LENGTH]
                found += [Needle(v, f"{key}.{column}", category) for v in values]
            for column in cols.public:
                learnt.update(_distinct(conn, cols.ident, column, cols.parts.get(column)))
    return found, learnt


def _distinct(conn: Connection, table: sql.Identifier, column: str, part: tuple[str, str] | None = None) -> list[str]:
    """Distinct text of a column, or of a composite column's attribute (``(home).street``)."""
    name: sql.Composable = sql.Identifier(column)
    if part is not None:
        name = sql.SQL("({}).{}").format(sql.Identifier(part[0]), sql.Identifier(part[1]))
    rows = run(conn, sql.SQL("SELECT DISTINCT {}::text FROM {} WHERE {} IS NOT NULL").format(name, table, name)).fetchall()
    return [str(r[0]) for r in rows if str(r[0]).strip()]


# -- collisions ------------------------------------------------------------------------


def collision(needle: Needle, public: set[str]) -> str:
    """Why a hit of this needle is chance rather than a leak, or ''."""
    value = needle.value.strip()
    if SHORT_CODE.fullmatch(value):
        return "short code or number: Faker draws such values at random"
    if value.lower() in faker_vocabulary():
        return "a word of Faker's own vocabulary (e.g. a common first name or a city)"
    if needle.category in PLACE_CATEGORIES:
        return "a real place name: Faker builds cities and street names from real places (Leipzig in Leipziger Str.)"
    if needle.value in public:
        return "also a value of a learnt category column or a copied lookup table (public by design)"
    return ""


@lru_cache(maxsize=1)
def faker_vocabulary() -> frozenset[str]:
    """Lower-cased strings of Faker's word lists for common locales (names, cities, lorem ...)."""
    words: set[str] = set()
    for provider in _FAKER_PROVIDERS:
        for locale in ("",) + tuple(AVAILABLE_LOCALES):
            try:
                module = importlib.import_module(f"faker.providers.{provider}" + (f".{locale}" if locale else ""))
            except ImportError:
                continue
            words |= _strings_of(getattr(module, "Provider", None))
    return frozenset(words)


def _strings_of(provider: object) -> set[str]:
    out: set[str] = set()
    for name in dir(provider):
        attr = getattr(provider, name, None)
        if isinstance(attr, (list, tuple, dict)) and not name.startswith("_"):
            items = list(attr) + (list(attr.values()) if isinstance(attr, dict) else [])
            items += [v for item in items if isinstance(item, (tuple, list)) for v in item]  # (code, name) pairs
            out |= {v.lower() for v in items if isinstance(v, str) and "{{" not in v}
    return out


# -- scans -------------------------------------------------------------------------------


def scan_target(engine: Engine, found: list[Needle], public: set[str]) -> tuple[Hit, ...]:
    values = target_values(engine)
    blob = "\n".join(values)
    hits = []
    for needle in found:
        for place in values.get(needle.value, ()):
            hits.append(Hit(needle.source, place, "exact", fingerprint(needle.value), collision(needle, public)))
        if needle.value not in values and len(needle.value) > MIN_TEXT_LENGTH and needle.value in blob:
            hits.append(Hit(needle.source, "target", "substring", fingerprint(needle.value), collision(needle, public)))
    return tuple(hits)


def target_values(engine: Engine) -> dict[str, list[str]]:
    """Every distinct value of every text column of the target -> the table.columns holding it."""
    query = text(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
        "AND table_name NOT IN ('alembic_version', 'provisioner_version', 'provisioner_owned') "
        "AND data_type = ANY(:types) ORDER BY 1, 2, 3"
    )
    out: dict[str, list[str]] = {}
    with connect(engine) as conn:
        for schema, table, column in conn.execute(query, {"types": list(_TEXT_TYPES)}).fetchall():
            for value in _distinct(conn, sql.Identifier(schema, table), column):
                out.setdefault(value, []).append(f"{table}.{column}")
    return out


def scan_bundle(path: str | Path, found: list[Needle], public: set[str]) -> tuple[tuple[Hit, ...], str]:
    raw = Path(path).read_bytes()
    strings, note = bundle_strings(raw)
    hits = []
    for needle in found:
        match = "exact" if needle.value in strings else ""
        if not match and len(needle.value) > MIN_TEXT_LENGTH and _in_bytes(needle.value, raw):
            match = "substring"
        if match:
            hits.append(Hit(needle.source, "bundle", match, fingerprint(needle.value), collision(needle, public)))
    return tuple(hits), note


def bundle_strings(raw: bytes) -> tuple[set[str], str]:
    """Every string the bundle's JSON document holds (keys and values); a byte scan backs it up."""
    try:
        _, payload = bundle_io.split(raw)
        with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
            document = json.loads(archive[bundle_io.DOCUMENT].tobytes().decode("utf-8"))
    except Exception as exc:  # noqa: BLE001 - a damaged bundle still gets the byte scan
        return set(), f"bundle document unreadable ({type(exc).__name__}); byte scan only"
    out: set[str] = set()
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            out.add(node)
        elif isinstance(node, dict):
            out.update(str(k) for k in node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return out, ""


def _in_bytes(value: str, raw: bytes) -> bool:
    return value.encode("utf-8") in raw or value.encode("utf-32-le") in raw


def audit(source: Engine, target: Engine, tables: Mapping[str, Columns], bundle_path: str | Path | None = None) -> AuditReport:
    """Scan ``target`` (and the bundle file, when given) for the source's personal and free-text values."""
    found, public = needles(source, tables)
    columns = tuple(sorted({n.source for n in found}))
    target_hits = scan_target(target, found, public)
    bundle_hits, note = scan_bundle(bundle_path, found, public) if bundle_path else (None, "")
    return AuditReport(columns, len(found), target_hits, bundle_hits, (note,) if note else ())


def columns_of_source(engine: Engine, config: Config) -> dict[str, Columns]:
    """Without a bundle: detect PII and roles from the source the way ``train`` does (no model is fitted)."""
    snapshot = reflect(engine, config.schemas, foreign_keys=config.virtual_keys(), where=config.where)
    with connect(engine) as conn:
        frames = {t.key: read_rows(conn, t, _cap(config, t.key), table_seed(config.seed, t.key, "read")) for t in snapshot.tables}
    detected = pii.detect(snapshot, frames, add=config.pii_add, remove=config.pii_remove)
    out: dict[str, Columns] = {}
    copied: set[str] = set()
    shared = bookkeeping_parents(snapshot)
    for key in load_order(snapshot).tables:
        table, found = snapshot.table(key), [d for d in detected if d.table == key]
        roles, _ = roles_of(table, frames[key], frozenset(d.column for d in found))
        if choose_method(table, frames[key], roles, bool(found), copied, config, shared=shared)[0] == "copy":
            copied.add(key)
            pii_cols = {d.column: d.category for d in found}  # masked in copied tables (synth/masking.py)
            out[key] = _columns(table, pii_cols, tuple(c.name for c in table.columns if c.kind in TEXT_KINDS and c.name not in pii_cols))
            continue
        searched = {d.column: d.category for d in found} | {c: "text" for c, r in roles.items() if r == "text"}
        learnt = tuple(c for c, r in roles.items() if r == "model" and table.column(c).kind in TEXT_KINDS | {"enum"})
        out[key] = _columns(table, searched, learnt)
    return out


def _cap(config: Config, key: str) -> int:
    return config.table(key).row_cap or config.train.row_cap
