"""Create or upgrade the staging schema through Alembic.

One revision per schema: its id is the first 12 hex digits of the snapshot's
structure hash. A target already at that revision gets no DDL at all. A target
at an older provisioner revision is upgraded by a revision that drops the
tables provisioner manages and creates the new schema (staging data is
replaced on every load anyway).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, text

from provisioner.schema.ddl import create_statements, drop_statements
from provisioner.schema.snapshot import SchemaSnapshot

ENV_DIR = Path(__file__).resolve().parents[1] / "migrations"

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


def revision_id(snapshot: SchemaSnapshot) -> str:
    return snapshot.structure_hash[:12]


def current_revision(conn: Connection) -> str | None:
    exists = conn.execute(text("SELECT to_regclass('public.alembic_version') IS NOT NULL")).scalar_one()
    if not exists:
        return None
    return conn.execute(text("SELECT version_num FROM public.alembic_version LIMIT 1")).scalar()


def upgrade(conn: Connection, snapshot: SchemaSnapshot, versions_dir: str | Path | None = None) -> MigrationResult:
    """Bring the target (inside the caller's transaction) to the snapshot's revision."""
    revision = revision_id(snapshot)
    previous = current_revision(conn)
    folder = Path(versions_dir) if versions_dir else Path(tempfile.mkdtemp(prefix="provisioner-versions-"))
    folder.mkdir(parents=True, exist_ok=True)
    if previous == revision:
        return MigrationResult(revision, previous, False, 0, str(folder))
    statements = create_statements(snapshot)
    if previous is not None:
        _write(folder, previous, None, [], "placeholder for the earlier provisioner schema", "unknown")
        statements = _drops(conn, snapshot) + statements
    _write(folder, revision, previous, statements, "provisioner staging schema", snapshot.structure_hash)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(ENV_DIR))
    cfg.set_main_option("version_locations", str(folder))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)
    return MigrationResult(revision, previous, True, len(statements), str(folder))


def _write(folder: Path, revision: str, down: str | None, statements: list[str], message: str, schema_hash: str) -> None:
    body = "[\n" + "".join(f"    {s!r},\n" for s in statements) + "]"
    (folder / f"{revision}.py").write_text(
        _TEMPLATE.format(message=message, revision=revision, down=down, statements=body, schema_hash=schema_hash),
        encoding="utf-8",
    )


def _drops(conn: Connection, snapshot: SchemaSnapshot) -> list[str]:
    schemas = list(snapshot.schemas)
    tables = conn.execute(
        text("SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY(:s) AND tablename <> 'alembic_version'"),
        {"s": schemas},
    ).all()
    types = conn.execute(
        text("SELECT n.nspname, t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
             "WHERE n.nspname = ANY(:s) AND t.typtype IN ('e', 'd')"),
        {"s": schemas},
    ).all()
    return drop_statements(tuple(schemas), [tuple(r) for r in tables], [tuple(r) for r in types])  # type: ignore[misc]
