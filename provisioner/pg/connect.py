"""Connections: a read-only source, a writable target, and clear connect errors."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from psycopg import sql
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError

from provisioner.errors import ConnectError, UnsafeTargetError
from provisioner.pg import urls
from provisioner.pg.urls import first_line


def source_engine(url: str | URL) -> Engine:
    """An engine whose every session is READ ONLY: the source is production."""
    parsed = urls.parse(url, "source") if isinstance(url, str) else url
    engine = create_engine(
        parsed,
        connect_args={"options": "-c default_transaction_read_only=on", "application_name": "provisioner-source"},
        pool_pre_ping=True,
    )
    check_connection(engine, "source")
    return engine


def target_engine(url: str | URL) -> Engine:
    parsed = urls.parse(url, "target") if isinstance(url, str) else url
    engine = create_engine(parsed, connect_args={"application_name": "provisioner-target"})
    check_connection(engine, "target")
    return engine


def check_connection(engine: Engine, role: str) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError) as exc:
        raise ConnectError(f"cannot connect to the {role} {urls.display(engine.url)}: {_reason(exc)}") from None


def _reason(exc: DBAPIError) -> str:
    return first_line(exc).replace("connection failed: ", "").strip()


def run(conn: Connection, statement: str | sql.Composable, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Any:
    """Execute on the connection's psycopg driver, inside its current transaction.

    Statements built with :mod:`psycopg.sql` keep every name quoted, and without
    ``params`` the text is sent as it is: a ``%`` or a ``:name`` inside a quoted
    identifier or literal is never taken for a placeholder (SQLAlchemy's ``text()`` would).
    """
    return conn.connection.driver_connection.execute(statement, params)


@contextmanager
def connect(engine: Engine) -> Iterator:
    """A connection whose errors become one clear ConnectError line."""
    try:
        with engine.connect() as conn:
            yield conn
    except OperationalError as exc:
        raise ConnectError(f"lost the connection to {urls.display(engine.url)}: {_reason(exc)}") from None


_SYSTEM_SQL = "SELECT system_identifier::text FROM pg_control_system()"
_ADDRESS_SQL = "SELECT current_database(), COALESCE(host(inet_server_addr()), 'local'), COALESCE(inet_server_port(), 0)"
_IDENTITY_PREFIX = "provisioner-database-identity/1"


def _hashed(*parts: object) -> str:
    return hashlib.sha256("\x00".join(map(str, (_IDENTITY_PREFIX, *parts))).encode()).hexdigest()[:32]


def identity(engine: Engine) -> dict[str, str]:
    """Who a database is, hashed (never in clear): ``system`` from the server's ``system_identifier``
    and the database name, and ``address`` (server address, port, database) as a fallback for
    servers that hide ``pg_control_system()``."""
    out: dict[str, str] = {}
    with engine.connect() as conn:
        database, host, port = conn.execute(text(_ADDRESS_SQL)).one()
        out["address"] = _hashed("address", host, port, database)
        try:
            with conn.begin_nested():
                system = conn.execute(text(_SYSTEM_SQL)).scalar()
            out["system"] = _hashed("system", system, database)
        except DBAPIError:
            pass  # a managed server may hide it: the address identifies the database instead
    return out


def same_identity(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    """Two identities name the same database: by system identifier when both know it, else by address."""
    if a.get("system") and b.get("system"):
        return a["system"] == b["system"]
    return bool(a.get("address")) and a.get("address") == b.get("address")


def refuse_same_database(source: Engine, target_url: URL) -> None:
    """Refuse a target that is the source, judged by URL and by the live servers."""
    if urls.same_database_by_url(source.url, target_url):
        raise UnsafeTargetError(
            f"the target {urls.display(target_url)} is the source database; "
            "provisioner never writes to the source: pass another --target"
        )
    probe = create_engine(target_url, connect_args={"application_name": "provisioner-target"})
    try:
        same = same_identity(identity(source), identity(probe))
    except (OperationalError, DBAPIError):
        return  # an unreachable target is reported when it is opened for the load
    finally:
        probe.dispose()
    if same:
        raise UnsafeTargetError(
            f"the target {urls.display(target_url)} is the source database (same server and database); "
            "provisioner never writes to the source: pass another --target"
        )


def refuse_bundle_source(source: Mapping[str, str] | None, target: Engine, what: str) -> None:
    """Refuse ``target`` when it is the database the bundle was trained on (``source``: its identity)."""
    if not source:
        return
    if same_identity(source, identity(target)):
        raise UnsafeTargetError(
            f"the {what} {urls.display(target.url)} is the database this bundle was trained on; "
            "provisioner never writes to the source: pass another --target"
        )


_RLS_SQL = """
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest(%s::text[], %s::text[])) AND row_security_active(c.oid)
 ORDER BY 1, 2
"""


def row_security_filtered(engine: Engine, tables: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (schema, table) pairs whose rows this role sees filtered by row-level security: RLS
    enabled with policies (or none: then no row) and the role neither owner, superuser nor BYPASSRLS."""
    if not tables:
        return []
    with engine.connect() as conn:
        rows = run(conn, _RLS_SQL, ([s for s, _ in tables], [t for _, t in tables])).fetchall()
    return [(str(s), str(t)) for s, t in rows]
