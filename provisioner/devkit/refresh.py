"""``provisioner refresh``: rebuild a local database from a bundle in seconds.

The first refresh samples and loads the bundle into a *template database*
(``<target>_provisioner_template``), labelled with a key made of the bundle's
checksum, the seed, the scale and the per-table row settings. Every refresh
then is ``DROP DATABASE target; CREATE DATABASE target TEMPLATE template``,
a file-level copy inside PostgreSQL. A different bundle, seed or scale
changes the key and rebuilds the template.

The pytest plugin uses the same functions to hand each test a fresh clone.

Safety: a refresh never drops the database the bundle was trained on (its hashed
identity travels in the bundle), nor a database holding tables provisioner did not
create (``--replace`` overrides), and never ends other sessions connected to the
target silently: it refuses unless ``--force`` (and then names them). Refreshes and
template builds of one name are serialised by advisory locks on the admin database;
the waiter says it is waiting.

Speed: the clone itself (``STRATEGY WAL_LOG``, PostgreSQL 15+) takes a fraction
of a second for a database of a few megabytes, but ``DROP DATABASE`` forces a
checkpoint, so on a server busy with other writes a refresh can wait seconds
for it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from provisioner.config import Config
from provisioner.errors import ConfigError, ConnectError, UnsafeTargetError
from provisioner.load import migrate
from provisioner.model import bundle as bundle_io
from provisioner.pg import connect as db
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


def clone(admin_url: str, template: str, name: str, *, force: bool = True, progress: Progress = silent) -> str:
    """DROP DATABASE ``name`` (if any), CREATE DATABASE ``name`` TEMPLATE ``template``; its URL.
    Without ``force`` a session still connected to ``name`` makes the drop fail instead of being ended."""
    if name == template:
        raise ConfigError(f"the target database {name!r} is the template itself; choose another target")
    sqlscript.drop_database(admin_url, name, force=force)
    with _admin(admin_url) as conn:
        ended = _end_sessions(conn, template)
        if ended:
            progress.info(f"ended {ended} session(s) connected to the template database {template} (provisioner's own)")
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


def _end_sessions(conn: psycopg.Connection[Any], name: str) -> int:
    rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                        (name,)).fetchall()
    return len(rows)


def sessions(admin_url: str, name: str) -> list[str]:
    """Other sessions connected to database ``name``: "user (application) pid n"."""
    with _admin(admin_url) as conn:
        rows = conn.execute(
            "SELECT usename, application_name, pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() ORDER BY pid",
            (name,),
        ).fetchall()
    return [f"{user or '?'}" + (f" ({app})" if app else "") + f" pid {pid}" for user, app, pid in rows]


def end_or_refuse_sessions(admin_url: str, name: str, *, force: bool, progress: Progress = silent) -> None:
    """A refresh drops ``name``: other sessions connected to it are refused, or with ``force`` ended and named."""
    others = sessions(admin_url, name)
    if not others:
        return
    listed = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
    if not force:
        raise UnsafeTargetError(
            f"{len(others)} other session(s) are connected to {name} ({listed}); refresh drops and re-creates it: "
            "close them, or pass --force to end them"
        )
    with _admin(admin_url) as conn:
        ended = _end_sessions(conn, name)
    progress.info(f"--force: ended {ended} session(s) connected to {name}: {listed}")


def check_target(
    admin_url: str, target_url: str, name: str, source: Mapping[str, str], *, replace: bool, progress: Progress = silent,
) -> None:
    """Refuse to drop the target database when it is the bundle's source, or (without ``replace``)
    when it holds tables provisioner did not create."""
    if not sqlscript.database_exists(admin_url, name):
        return
    engine = db.target_engine(sqlscript.database_url(target_url, name))
    try:
        db.refuse_bundle_source(source, engine, "target")
        with engine.connect() as conn:
            foreign = migrate.foreign_tables(conn)
    finally:
        engine.dispose()
    if not foreign:
        return
    named = ", ".join(t.label for t in foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
    if not replace:
        raise UnsafeTargetError(
            f"refresh drops and re-creates the target database {name}, and it holds {named}, which provisioner did not "
            "create; it never drops what it did not create: choose another --target, or pass --replace to drop it anyway"
        )
    progress.info(f"--replace: dropping {name} with {named}")


def check_template(admin_url: str, template: str, source: Mapping[str, str], *, replace: bool) -> None:
    """A database already named like the template is dropped to rebuild it: never when it is the
    bundle's source, and (without ``replace``) only when it carries provisioner's template label."""
    if not sqlscript.database_exists(admin_url, template):
        return
    engine = db.target_engine(sqlscript.database_url(admin_url, template))
    try:
        db.refuse_bundle_source(source, engine, "template database")
    finally:
        engine.dispose()
    if not replace and not (label(admin_url, template) or "").startswith(LABEL_PREFIX):
        raise UnsafeTargetError(f"database {template} exists and is not a provisioner template; provisioner never drops "
                                "what it did not create: rename it, or pass --replace to drop it")


def mark_building(admin_url: str, template: str) -> None:
    """Label a template being built, so a crashed build is still known as provisioner's."""
    with _admin(admin_url) as conn:
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(template), sql.Literal(LABEL_PREFIX + "building")))


@contextmanager
def hold(admin_url: str, what: str, progress: Progress = silent) -> Iterator[None]:
    """Serialise work on ``what`` (a refresh of a target, a template build) across processes:
    a session-level advisory lock on the admin database, released when the block ends."""
    key = int.from_bytes(hashlib.sha256(f"provisioner:{what}".encode()).digest()[:8], "big", signed=True)
    with _admin(admin_url) as conn:
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:  # type: ignore[index]
            progress.info(f"waiting: another provisioner run holds {what}; this one starts when it finishes")
            conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def _admin(admin_url: str) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(autocommit=True, connect_timeout=10, **sqlscript.connect_kwargs(admin_url))
    except psycopg.Error as exc:
        raise ConnectError(f"cannot connect to the admin database {urls.display(admin_url)}: {urls.first_line(exc)}; "
                           "pass --admin-url with a role that may create databases") from None


