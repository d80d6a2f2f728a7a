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
import time
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
from provisioner.progress import Progress, silent

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


def refresh(
    bundle_path: str | Path, config: Config, *, admin_url: str | None = None, force: bool = False,
    progress: Progress = silent, key: bytes | None = None,
) -> RefreshResult:
    """Make ``config.target`` a fresh copy of the bundle's synthetic database."""
    if not config.target:
        raise ConfigError("no target database given; pass --target URL or set target in the config file")
    started = time.perf_counter()
    target_db = urls.parse(config.target, "target").database
    if not target_db:
        raise ConfigError(f"the target URL {urls.display(config.target)} names no database; add /dbname")
    admin = admin_url_for(config.target, admin_url)
    template = template_name(target_db)
    rebuilt = ensure_template(bundle_path, config, admin, template, force=force, progress=progress, key=key)
    progress.stage("clone", f"{template} -> {target_db}")
    cloning = time.perf_counter()
    clone(admin, template, target_db)
    progress.done("clone", time.perf_counter() - cloning)
    return RefreshResult(urls.display(config.target), template, rebuilt, time.perf_counter() - started)


def ensure_template(
    bundle_path: str | Path, config: Config, admin_url: str, template: str, *, force: bool = False,
    progress: Progress = silent, key: bytes | None = None,
) -> bool:
    """Build the template unless it exists with the same key. True when it was (re)built."""
    wanted = template_key(bundle_path, config)
    if not force and _label(admin_url, template) == LABEL_PREFIX + wanted:
        progress.info(f"template {template} is up to date (key {wanted[:12]})")
        return False
    progress.info(f"building template {template} (key {wanted[:12]})")
    from provisioner.api import load_bundle

    url = sqlscript.create_database(admin_url, template, replace=True)
    try:
        load_bundle(bundle_path, config.with_overrides(target=url), progress=progress, key=key)
    except BaseException:
        sqlscript.drop_database(admin_url, template)
        raise
    _set_label(admin_url, template, LABEL_PREFIX + wanted)
    _checkpoint(admin_url)
    return True


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
            raise ConnectError(f"cannot create database {name!r} from template {template!r}: {_first(exc)}") from None
    return sqlscript.database_url(admin_url, name)


def _label(admin_url: str, name: str) -> str | None:
    with _admin(admin_url) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
    return row[0] if row else None


def _set_label(admin_url: str, name: str, label: str) -> None:
    with _admin(admin_url) as conn:
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(label)))


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
        raise ConnectError(f"cannot connect to the admin database {urls.display(admin_url)}: {_first(exc)}; "
                           "pass --admin-url with a role that may create databases") from None


def _first(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return urls.mask(lines[0] if lines else type(exc).__name__)
