"""Connections: a read-only source, a writable target, and clear connect errors."""

from __future__ import annotations

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


_IDENTITY_SQL = text(
    "SELECT current_database(), (SELECT oid FROM pg_database WHERE datname = current_database()),"
    " pg_postmaster_start_time()::text, current_setting('port')"
)


def refuse_same_database(source: Engine, target_url: URL) -> None:
    """Refuse a target that is the source, judged by URL and by the live servers."""
    if urls.same_database_by_url(source.url, target_url):
        raise UnsafeTargetError(
            f"the target {urls.display(target_url)} is the source database; "
            "provisioner never writes to the source: pass another --target"
        )
    probe = create_engine(target_url, connect_args={"application_name": "provisioner-target"})
    try:
        with source.connect() as s, probe.connect() as t:
            same = s.execute(_IDENTITY_SQL).one() == t.execute(_IDENTITY_SQL).one()
    except (OperationalError, DBAPIError):
        return  # an unreachable target is reported when it is opened for the load
    finally:
        probe.dispose()
    if same:
        raise UnsafeTargetError(
            f"the target {urls.display(target_url)} is the source database (same server and database); "
            "provisioner never writes to the source: pass another --target"
        )
