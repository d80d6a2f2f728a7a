"""Create or upgrade the staging schema through Alembic, touching only what provisioner created.

One revision per schema: its id is the first 12 hex digits of the snapshot's
structure hash, kept in provisioner's own version table (``public.provisioner_version``,
Alembic's ``version_table`` option), so an application's ``alembic_version`` is never
read or written. A target already at that revision gets no DDL at all.

Ownership: every object the revision's DDL creates (tables, partitions, indexes,
sequences, types, functions) is recorded by oid in ``public.provisioner_owned``.
Only recorded objects are ever dropped (when the target moves to a new revision) or
emptied; an object of the same name that provisioner did not create is a clash,
refused with exit code 2 and named, unless ``replace`` is given. A table of the user's
that depends on a provisioner table (a foreign key, a view) stops the upgrade with its
name instead of being altered by a cascade.

Concurrent runs on one target are serialised by a transaction-level advisory lock;
the waiter says it is waiting.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from alembic import command
from alembic.config import Config as AlembicConfig
from psycopg import sql
from sqlalchemy import Connection

from provisioner.errors import UnsafeTargetError
from provisioner.pg.connect import run
from provisioner.progress import Progress, silent
from provisioner.schema.ddl import create_statements
from provisioner.schema.snapshot import SchemaSnapshot

ENV_DIR = Path(__file__).resolve().parents[1] / "migrations"
BOOKKEEPING_SCHEMA = "public"
VERSION_TABLE = "provisioner_version"
OWNED_TABLE = "provisioner_owned"
LOCK_KEY = 0x70726F76_6C6F6164  # "provload": one provisioner load per target database at a time
_KINDS = {"r": "table", "p": "partitioned table", "i": "index", "I": "index", "S": "sequence", "v": "view",
          "m": "materialized view", "f": "foreign table", "c": "type", "t": "table"}
_MAX_NAMED = 5

_TEMPLATE = '''"""{message}

Revision ID: {revision}
Revises: {down}
Rendered by provisioner from schema snapshot {schema_hash}.
"""
from alembic import op

revision = {revision!r}
down_revision = {down!r}
branch_labels = None
depends_on = None

STATEMENTS = {statements}


def upgrade() -> None:
    driver = op.get_bind().connection.driver_connection  # statements as they are: no placeholder parsing
    for statement in STATEMENTS:
        driver.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("staging schemas are rebuilt, not downgraded")
'''


@dataclass(frozen=True)
class MigrationResult:
    revision: str
    previous: str | None
    applied: bool
    statements: int
    versions_dir: str
    replaced: tuple[str, ...] = ()  # objects provisioner did not create, dropped because of --replace


@dataclass(frozen=True)
class Thing:
    """One database object: kind (relation, type, function), oid, schema, name, and what it is in words."""

    kind: str
    oid: int
    schema: str
    name: str
    what: str

    @property
    def label(self) -> str:
        return f"{self.what} {self.schema}.{self.name}"


def revision_id(snapshot: SchemaSnapshot) -> str:
    return snapshot.structure_hash[:12]


def _bookkeeping(name: str) -> sql.Identifier:
    return sql.Identifier(BOOKKEEPING_SCHEMA, name)


def current_revision(conn: Connection) -> str | None:
    """provisioner's revision of the target (its own version table; never ``alembic_version``)."""
    if not _exists(conn, VERSION_TABLE):
        return None
    row = run(conn, sql.SQL("SELECT version_num FROM {} LIMIT 1").format(_bookkeeping(VERSION_TABLE))).fetchone()
    return row[0] if row else None


def _exists(conn: Connection, name: str) -> bool:
    found = run(conn, "SELECT to_regclass(%s) IS NOT NULL", (sql.Identifier(BOOKKEEPING_SCHEMA, name).as_string(None),))
    return bool(found.fetchone()[0])


def lock(conn: Connection, progress: Progress = silent, what: str = "the target") -> None:
    """Serialise provisioner runs on this database (released when the transaction ends)."""
    if run(conn, "SELECT pg_try_advisory_xact_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
        return
    progress.info(f"waiting: another provisioner run is loading {what}; this one starts when it finishes")
    run(conn, "SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))


def upgrade(
    conn: Connection, snapshot: SchemaSnapshot, versions_dir: str | Path | None = None, *,
    replace: bool = False, progress: Progress = silent,
) -> MigrationResult:
    """Bring the target (inside the caller's transaction) to the snapshot's revision."""
    lock(conn, progress)
    revision = revision_id(snapshot)
    previous = current_revision(conn)
    folder = Path(versions_dir) if versions_dir else Path(tempfile.mkdtemp(prefix="provisioner-versions-"))
    folder.mkdir(parents=True, exist_ok=True)
    mine = owned_oids(conn)
    clashes = [t for t in planned_clashes(conn, snapshot) if (t.kind, t.oid) not in mine]
    if previous == revision and not clashes and _complete(conn, snapshot, mine):
        referencing = _foreign_references(conn, mine)
        if not referencing:
            return MigrationResult(revision, previous, False, 0, str(folder))
        if not replace:  # the load empties provisioner's tables; a foreign key of the user's would stop it, or cascade
            raise UnsafeTargetError(
                f"{'; '.join(referencing[:_MAX_NAMED])}: a load empties provisioner's tables, and it never alters tables it did "
                "not create: drop those foreign keys, choose another --target, or pass --replace to drop them"
            )
    if clashes and not replace:
        raise UnsafeTargetError(
            f"the target already has {_names(clashes)}, which provisioner did not create; it never drops or alters "
            "what it did not create: rename or drop it, choose another --target, or pass --replace to replace it"
        )
    _drop_owned(conn, mine, cascade=replace)
    replaced = _drop_clashes(conn, clashes) if replace else ()
    _ensure_bookkeeping(conn)
    before = {t.oid for t in catalog(conn, _schemas(snapshot))}
    statements = create_statements(snapshot)
    _write(folder, revision, None, statements, "provisioner staging schema", snapshot.structure_hash)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(ENV_DIR))
    cfg.set_main_option("version_locations", str(folder))
    cfg.attributes["connection"] = conn
    cfg.attributes["version_table"] = VERSION_TABLE
    cfg.attributes["version_table_schema"] = BOOKKEEPING_SCHEMA
    run(conn, sql.SQL("DELETE FROM {}").format(_bookkeeping(VERSION_TABLE)))  # what was there is gone: the revision applies from base
    command.upgrade(cfg, revision)
    _record(conn, [t for t in catalog(conn, _schemas(snapshot)) if t.oid not in before])
    return MigrationResult(revision, previous, True, len(statements), str(folder), replaced)


@dataclass(frozen=True)
class MigrationPreview:
    """What :func:`upgrade` would do to the target, found with reads only (``--dry-run``)."""

    revision: str
    previous: str | None
    action: str  # "create" | "reload" | "upgrade"
    creates: tuple[str, ...]  # tables the revision creates (empty for a reload)
    drops: tuple[str, ...]  # provisioner's own objects dropped first (a new revision replaces them)
    clashes: tuple[str, ...]  # objects of the same name provisioner did not create: refused without --replace
    blockers: tuple[str, ...]  # users' foreign keys or views on provisioner's tables: refused without --replace

    def describe(self) -> list[str]:
        what = {"create": f"create {len(self.creates)} tables (revision {self.revision})",
                "reload": f"empty and reload provisioner's {len(self.creates) or 'existing'} tables (revision {self.revision} is there)",
                "upgrade": f"replace provisioner's revision {self.previous} by {self.revision}: drop {len(self.drops)} objects it "
                           f"created, create {len(self.creates)} tables"}[self.action]
        lines = [f"target: {what}"]
        lines += [f"target: refused without --replace: {c} (provisioner did not create it)" for c in self.clashes]
        lines += [f"target: refused without --replace: {b}" for b in self.blockers]
        return lines


def preview(conn: Connection, snapshot: SchemaSnapshot) -> MigrationPreview:
    """:func:`upgrade`'s decision, without changing anything (no lock, no DDL)."""
    revision, previous = revision_id(snapshot), current_revision(conn)
    mine = owned_oids(conn)
    clashes = tuple(t.label for t in planned_clashes(conn, snapshot) if (t.kind, t.oid) not in mine)
    tables = tuple(t.key for t in snapshot.tables)
    if previous == revision and not clashes and _complete(conn, snapshot, mine):
        return MigrationPreview(revision, previous, "reload", tables, (), (), tuple(_foreign_references(conn, mine)))
    drops = tuple(t.label for t in owned(conn))
    return MigrationPreview(revision, previous, "upgrade" if drops else "create", tables, drops, clashes, ())


def _schemas(snapshot: SchemaSnapshot) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*snapshot.schemas, BOOKKEEPING_SCHEMA)))


def _names(things: list[Thing]) -> str:
    named = ", ".join(t.label for t in things[:_MAX_NAMED])
    return named + (f" and {len(things) - _MAX_NAMED} more" if len(things) > _MAX_NAMED else "")


def _ensure_bookkeeping(conn: Connection) -> None:
    run(conn, sql.SQL("CREATE TABLE IF NOT EXISTS {} (version_num varchar(32) NOT NULL PRIMARY KEY)").format(_bookkeeping(VERSION_TABLE)))
    run(conn, sql.SQL(
        "CREATE TABLE IF NOT EXISTS {} (kind text NOT NULL, oid oid NOT NULL, schema_name text NOT NULL, "
        "name text NOT NULL, what text NOT NULL, PRIMARY KEY (kind, oid))"
    ).format(_bookkeeping(OWNED_TABLE)))


# -- the catalog ------------------------------------------------------------------------------

_CATALOG = """
SELECT 'relation', c.oid::bigint, n.nspname, c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p', 'i', 'I', 'S', 'v', 'm', 'f', 'c')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
UNION ALL
SELECT 'type', t.oid::bigint, n.nspname, t.typname, t.typtype::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname = ANY(%(schemas)s) AND t.typtype IN ('e', 'd', 'r', 'm', 'c') AND t.typrelid = 0
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
UNION ALL
SELECT 'function', p.oid::bigint, n.nspname, p.proname, p.prokind::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = ANY(%(schemas)s)
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
"""
_TYPE_WORDS = {"e": "enum type", "d": "domain", "r": "range type", "m": "multirange type", "c": "type"}


def _thing(kind: str, oid: int, schema: str, name: str, code: str) -> Thing:
    words = {"relation": _KINDS, "type": _TYPE_WORDS, "function": {"a": "aggregate"}}.get(kind, {})
    return Thing(kind, int(oid), schema, name, words.get(code, "function" if kind == "function" else kind))


def catalog(conn: Connection, schemas: Iterable[str]) -> list[Thing]:
    """Every table, index, sequence, view, type and function of ``schemas`` (extension members left out)."""
    rows = run(conn, _CATALOG, {"schemas": list(schemas)}).fetchall()
    return [_thing(*row) for row in rows]


def existing(conn: Connection, snapshot: SchemaSnapshot) -> set[int]:
    """Oids of every object in the snapshot's schemas now (to tell afterwards what a step created)."""
    return {t.oid for t in catalog(conn, _schemas(snapshot))}


def record_created(conn: Connection, snapshot: SchemaSnapshot, before: set[int]) -> None:
    """Record as provisioner's the objects created since ``before`` (views, materialized views,
    functions made after the rows): a later run may replace them, as it replaces its tables."""
    _record(conn, [t for t in catalog(conn, _schemas(snapshot)) if t.oid not in before])


def owned_oids(conn: Connection) -> set[tuple[str, int]]:
    """(kind, oid) of the objects provisioner created in this database that still exist."""
    if not _exists(conn, OWNED_TABLE):
        return set()
    records = run(conn, sql.SQL("SELECT kind, oid::bigint, schema_name FROM {}").format(_bookkeeping(OWNED_TABLE))).fetchall()
    live = {(t.kind, t.oid) for t in catalog(conn, {r[2] for r in records})}
    return {(kind, int(oid)) for kind, oid, _ in records if (kind, int(oid)) in live}


def owned(conn: Connection) -> list[Thing]:
    """The live objects provisioner created here."""
    if not _exists(conn, OWNED_TABLE):
        return []
    schemas = {r[0] for r in run(conn, sql.SQL("SELECT DISTINCT schema_name FROM {}").format(_bookkeeping(OWNED_TABLE))).fetchall()}
    mine = owned_oids(conn)
    return [t for t in catalog(conn, schemas) if (t.kind, t.oid) in mine]


def _record(conn: Connection, things: list[Thing]) -> None:
    table = _bookkeeping(OWNED_TABLE)
    live = owned_oids(conn)
    run(conn, sql.SQL("DELETE FROM {} WHERE NOT ((kind, oid::bigint) IN (SELECT * FROM unnest(%s::text[], %s::bigint[])))").format(table),
        ([k for k, _ in live], [o for _, o in live]))
    driver = conn.connection.driver_connection
    with driver.cursor() as cur:
        cur.executemany(
            sql.SQL("INSERT INTO {} (kind, oid, schema_name, name, what) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING").format(table),
            [(t.kind, t.oid, t.schema, t.name, t.what) for t in things],
        )


def planned_names(snapshot: SchemaSnapshot) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """(relations, types, functions) the snapshot's DDL creates, as (schema, name)."""
    relations: list[tuple[str, str]] = []
    types = [(e.schema, e.name) for e in snapshot.enums] + [(d.schema, d.name) for d in snapshot.domains]
    for table in snapshot.tables:
        relations.append((table.schema, table.name))
        types.append((table.schema, table.name))  # a table's row type
        relations += [(p.schema, p.name) for p in table.partitions]
        relations += [(table.schema, i.name) for i in table.indexes]
        relations += [(table.schema, c.name) for c in table.constraints if c.kind in ("unique", "exclude")]
        if table.primary_key:
            relations.append((table.schema, table.primary_key_name or f"{table.name}_pkey"))
    functions = [(f.schema, f.name) for f in snapshot.functions]
    return relations, types, functions


_PLANNED = """
SELECT 'relation', c.oid::bigint, n.nspname, c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest(%(rs)s::text[], %(rn)s::text[]))
    OR c.oid = ANY(%(seqs)s::regclass[])
UNION ALL
SELECT 'type', t.oid::bigint, n.nspname, t.typname, t.typtype::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE (n.nspname, t.typname) IN (SELECT * FROM unnest(%(ts)s::text[], %(tn)s::text[])) AND t.typrelid = 0 AND t.typtype <> 'b'
UNION ALL
SELECT 'function', p.oid::bigint, n.nspname, p.proname, p.prokind::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE (n.nspname, p.proname) IN (SELECT * FROM unnest(%(fs)s::text[], %(fn)s::text[]))
"""


def planned_clashes(conn: Connection, snapshot: SchemaSnapshot) -> list[Thing]:
    """Objects already in the target under a name the snapshot's DDL creates (ours or not)."""
    relations, types, functions = planned_names(snapshot)
    sequences = [c.sequence for t in snapshot.tables for c in t.columns if c.sequence and not c.identity]
    existing = [s for s in sequences if run(conn, "SELECT to_regclass(%s) IS NOT NULL", (s,)).fetchone()[0]]
    params: dict[str, Any] = {
        "rs": [s for s, _ in relations], "rn": [n for _, n in relations], "seqs": existing,
        "ts": [s for s, _ in types], "tn": [n for _, n in types],
        "fs": [s for s, _ in functions], "fn": [n for _, n in functions],
    }
    return [_thing(*row) for row in run(conn, _PLANNED, params).fetchall()]


def _foreign_references(conn: Connection, mine: set[tuple[str, int]]) -> list[str]:
    """Foreign keys of tables provisioner did not create that reference one of its tables."""
    tables = [oid for kind, oid in mine if kind == "relation"]
    found = run(conn, """
        SELECT k.conname, cn.nspname, c.relname, rn.nspname, r.relname FROM pg_constraint k
        JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
        JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
        WHERE k.contype = 'f' AND k.confrelid = ANY(%s::oid[]) AND NOT (k.conrelid = ANY(%s::oid[]))
        ORDER BY 2, 3, 1""", (tables, tables)).fetchall()
    return [f"foreign key {name} of table {s}.{t} references provisioner's table {rs}.{rt}" for name, s, t, rs, rt in found]


def _complete(conn: Connection, snapshot: SchemaSnapshot, owned_now: set[tuple[str, int]]) -> bool:
    """Every table of the snapshot is still there and provisioner's."""
    tables = [(t.schema, t.name) for t in snapshot.tables]
    rows = run(conn, "SELECT c.oid::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                     "WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
               ([s for s, _ in tables], [n for _, n in tables])).fetchall()
    return len(rows) == len(tables) and all(("relation", int(r[0])) in owned_now for r in rows)


# -- dropping ---------------------------------------------------------------------------------


def _drop_owned(conn: Connection, mine: set[tuple[str, int]], *, cascade: bool) -> None:
    """Drop what provisioner created here (a new revision replaces it); a dependent object of
    the user's (a foreign key, a view) stops it with that object named, unless ``cascade``."""
    if not mine:
        return
    things = owned(conn)
    try:
        _drop(conn, things, cascade)
    except psycopg.errors.DependentObjectsStillExist as exc:
        detail = "; ".join((exc.diag.message_detail or "").splitlines()[:_MAX_NAMED])
        raise UnsafeTargetError(
            f"objects provisioner did not create depend on its tables ({detail}); it never alters them: "
            "drop or change them, choose another --target, or pass --replace to drop them too"
        ) from None


def _drop_clashes(conn: Connection, clashes: list[Thing]) -> tuple[str, ...]:
    _drop(conn, clashes, cascade=True)
    return tuple(t.label for t in clashes)


def _drop(conn: Connection, things: list[Thing], cascade: bool) -> None:
    tail = sql.SQL(" CASCADE" if cascade else "")
    groups = (  # views first: one of provisioner's views on one of its tables is dropped with it, not in its way
        ("DROP MATERIALIZED VIEW IF EXISTS {}{}", [t for t in things if t.kind == "relation" and t.what == "materialized view"]),
        ("DROP VIEW IF EXISTS {}{}", [t for t in things if t.kind == "relation" and t.what == "view"]),
        ("DROP TABLE IF EXISTS {}{}", [t for t in things if t.kind == "relation" and t.what in ("table", "partitioned table")]),
        ("DROP FOREIGN TABLE IF EXISTS {}{}", [t for t in things if t.kind == "relation" and t.what == "foreign table"]),
        ("DROP SEQUENCE IF EXISTS {}{}", [t for t in things if t.kind == "relation" and t.what == "sequence"]),
        ("DROP INDEX IF EXISTS {}{}", [t for t in things if t.kind == "relation" and t.what == "index"]),
        ("DROP TYPE IF EXISTS {}{}", [t for t in things if t.kind == "type" or (t.kind == "relation" and t.what == "type")]),
    )
    for statement, group in groups:
        live = _still_there(conn, group)
        if live:
            names = sql.SQL(", ").join(sql.Identifier(t.schema, t.name) for t in live)
            run(conn, sql.SQL(statement).format(names, tail))
    routines = [t for t in things if t.kind == "function"]
    for routine in _still_there(conn, sorted(routines, key=lambda t: t.what != "aggregate")):  # aggregates before their functions
        signature = run(conn, "SELECT pg_get_function_identity_arguments(%s::oid)", (routine.oid,)).fetchone()[0]
        # the argument list is PostgreSQL's own rendering of the routine's signature (every name quoted by it)
        verb = "DROP AGGREGATE IF EXISTS {}({}){}" if routine.what == "aggregate" else "DROP ROUTINE IF EXISTS {}({}){}"
        run(conn, sql.SQL(verb).format(sql.Identifier(routine.schema, routine.name), sql.SQL(signature), tail))


def _still_there(conn: Connection, things: list[Thing]) -> list[Thing]:
    """Those of ``things`` that still exist (a dropped table takes its indexes and sequences along)."""
    if not things:
        return []
    found: set[tuple[str, int]] = set()
    for kind, catalog_table in (("relation", "pg_class"), ("type", "pg_type"), ("function", "pg_proc")):
        oids = [t.oid for t in things if t.kind == kind]
        if oids:
            query = sql.SQL("SELECT oid::bigint FROM {} WHERE oid = ANY(%s::oid[])").format(sql.Identifier("pg_catalog", catalog_table))
            found |= {(kind, int(r[0])) for r in run(conn, query, (oids,)).fetchall()}
    return [t for t in things if (t.kind, t.oid) in found]


def foreign_tables(conn: Connection) -> list[Thing]:
    """Tables of this database that provisioner did not create (its bookkeeping tables aside)."""
    schemas = [r[0] for r in run(conn, "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
                                       "AND nspname <> 'information_schema'").fetchall()]
    mine = owned_oids(conn)
    return [
        t for t in catalog(conn, schemas)
        if t.kind == "relation" and t.what in ("table", "partitioned table", "view", "materialized view", "foreign table")
        and (t.kind, t.oid) not in mine and not (t.schema == BOOKKEEPING_SCHEMA and t.name in (VERSION_TABLE, OWNED_TABLE))
    ]


def _write(folder: Path, revision: str, down: str | None, statements: list[str], message: str, schema_hash: str) -> None:
    body = "[\n" + "".join(f"    {s!r},\n" for s in statements) + "]"
    (folder / f"{revision}.py").write_text(
        _TEMPLATE.format(message=message, revision=revision, down=down, statements=body, schema_hash=schema_hash),
        encoding="utf-8",
    )
