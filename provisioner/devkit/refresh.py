"""``provisioner refresh``: rebuild a local database from a bundle in seconds.

The first refresh samples and loads the bundle into a *template database*
(``<target>_provisioner_template``), labelled with a key made of the bundle's
checksum, the seed, the scale and the per-table row settings. Every refresh
then is ``DROP DATABASE target; CREATE DATABASE target TEMPLATE template``,
a file-level copy inside PostgreSQL. A different bundle, seed or scale
changes the key and rebuilds the template.

The pytest plugin uses the same functions to hand each test a fresh clone.

Speed: the clone itself (``STRATEGY WAL_LOG``, PostgreSQL 15+) takes a fraction
of a second for a database of a few megabytes, but ``DROP DATABASE`` forces a
checkpoint, so on a server busy with other writes a refresh can wait seconds
for it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from provisioner.config import Config
from provisioner.errors import ConfigError, ConnectError
from provisioner.model import bundle as bundle_io
from provisioner.pg import script as sqlscript
from provisioner.pg import urls

LABEL_PREFIX = "provisioner-template:"
MAX_NAME = 63  # PostgreSQL's identifier limit


@dataclass(frozen=True)
class RefreshResult:
    target: str  # display URL, password masked
    template: str
    rebuilt_template: bool
    seconds: float


def template_name(target_db: str) -> str:
    suffix = "_provisioner_template"
    return target_db[: MAX_NAME - len(suffix)] + suffix


def template_key(bundle_path: str | Path, config: Config) -> str:
    """What the template's rows depend on: bundle checksum, seed, scale, table row settings."""
    header, _ = bundle_io.read_header(bundle_path)
    tables = {k: [t.rows, t.scale] for k, t in sorted(config.tables.items())}
    parts = {"digest": header.get("digest"), "seed": config.seed, "scale": config.scale, "tables": tables}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


def admin_url_for(target: str, admin_url: str | None = None) -> str:
    """The maintenance database on the target's server, unless one is given."""
    return admin_url or sqlscript.database_url(target, "postgres")


def names(target: str, admin_url: str | None = None) -> tuple[str, str, str]:
    """(admin URL, template database, target database) for a refresh of ``target``."""
    target_db = urls.parse(target, "target").database
    if not target_db:
        raise ConfigError(f"the target URL {urls.display(target)} names no database; add /dbname")
    return admin_url_for(target, admin_url), template_name(target_db), target_db


def label(admin_url: str, name: str) -> str | None:
    """The template's label (its key), or None when the database does not exist."""
    with _admin(admin_url) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
    return row[0] if row else None


def finish(admin_url: str, template: str, key: str) -> None:
    """Label a freshly loaded template with its key and flush it, so the first clone does not wait."""
    with _admin(admin_url) as conn:
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(template), sql.Literal(LABEL_PREFIX + key)))
    _checkpoint(admin_url)


def clone(admin_url: str, template: str, name: str) -> str:
    """DROP DATABASE ``name`` (if any), CREATE DATABASE ``name`` TEMPLATE ``template``; its URL."""
    if name == template:
        raise ConfigError(f"the target database {name!r} is the template itself; choose another target")
    sqlscript.drop_database(admin_url, name)
    with _admin(admin_url) as conn:
        _end_sessions(conn, template)
        statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        try:
            conn.execute(statement)
        except psycopg.Error as exc:
            raise ConnectError(f"cannot create database {name!r} from template {template!r}: {urls.first_line(exc)}") from None
    return sqlscript.database_url(admin_url, name)


def _checkpoint(admin_url: str) -> None:
    """Flush the freshly loaded template now, so the first clone does not wait for it (best effort)."""
    with _admin(admin_url) as conn:
        try:
            conn.execute("CHECKPOINT")
        except psycopg.Error:
            pass  # needs superuser or pg_checkpoint; only a speed-up


def _end_sessions(conn: psycopg.Connection[Any], name: str) -> None:
    conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,))


def _admin(admin_url: str) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(autocommit=True, connect_timeout=10, **sqlscript.connect_kwargs(admin_url))
    except psycopg.Error as exc:
        raise ConnectError(f"cannot connect to the admin database {urls.display(admin_url)}: {urls.first_line(exc)}; "
                           "pass --admin-url with a role that may create databases") from None


