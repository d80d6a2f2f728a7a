"""Plain SQL scripts and whole databases, without the psql binary.

Loads psql-style dumps (such as the shipped Chinook sample) through psycopg 3,
and creates or drops databases from an administrative connection.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL

from provisioner.errors import ConfigError, ConnectError, LoadError, UnsafeTargetError
from provisioner.pg import urls

_DATABASE_COMMAND = re.compile(r"(?:DROP|CREATE)\s+DATABASE\b", re.IGNORECASE)
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")
_SPECIAL = re.compile(r"[-/'\"$\\;]")


def clean_script(text: str, *, strip_database_commands: bool = True) -> str:
    """Remove psql meta-commands (``\\c``, ``\\set`` ...) and, by default, DROP/CREATE DATABASE.

    The script is scanned with SQL lexical rules (comments, quoted strings and
    identifiers, dollar quoting), so text inside them is never mistaken for a
    command. Only meta-commands that start a line are recognised.
    """
    kept: list[str] = []
    for kind, chunk, first in _chunks(text):
        if kind == "meta":
            kept.append("\n")
        elif strip_database_commands and _DATABASE_COMMAND.match(chunk, first):
            kept.append("\n")
        else:
            kept.append(chunk)
    return "".join(kept)


def _chunks(text: str) -> list[tuple[str, str, int]]:
    """Split ``text`` into ("sql", statement, first-token offset) and ("meta", line, 0) pieces."""
    pieces: list[tuple[str, str, int]] = []
    start, first, i, n = 0, -1, 0, len(text)
    while i < n:
        skip = _skip_non_code(text, i)
        if skip != i:
            if text[i] in "'\"$" and first < 0:
                first = i - start
            i = skip
            continue
        char = text[i]
        if char == "\\" and first < 0 and _at_line_start(text, i):
            end = text.find("\n", i)
            end = n if end < 0 else end + 1
            pieces.append(("sql", text[start:i], 0))
            pieces.append(("meta", text[i:end], 0))
            start, i = end, end
            continue
        if first < 0 and not char.isspace():
            first = i - start
        if first >= 0 and char not in "-/'\"$\\;":
            found = _SPECIAL.search(text, i + 1)
            i = found.start() if found else n
            continue
        i += 1
        if char == ";":
            pieces.append(("sql", text[start:i], max(first, 0)))
            start, first = i, -1
    pieces.append(("sql", text[start:], max(first, 0)))
    return pieces


def _skip_non_code(text: str, i: int) -> int:
    """Index after the comment, string or quoted identifier starting at ``i``; ``i`` if none does."""
    if text.startswith("--", i):
        end = text.find("\n", i)
        return len(text) if end < 0 else end
    if text.startswith("/*", i):
        return _skip_block_comment(text, i)
    char = text[i]
    if char == "'":
        escapes = i > 0 and text[i - 1] in "eE" and not (i > 1 and (text[i - 2].isalnum() or text[i - 2] == "_"))
        return _skip_quoted(text, i, "'", escapes)
    if char == '"':
        return _skip_quoted(text, i, '"', False)
    if char == "$" and not (i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")):
        tag = _DOLLAR_TAG.match(text, i)
        if tag:
            end = text.find(tag.group(), tag.end())
            return len(text) if end < 0 else end + len(tag.group())
    return i


def _skip_block_comment(text: str, i: int) -> int:
    depth, i = 1, i + 2  # PostgreSQL block comments nest
    while i < len(text) and depth:
        if text.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif text.startswith("*/", i):
            depth, i = depth - 1, i + 2
        else:
            i += 1
    return i


def _skip_quoted(text: str, i: int, quote: str, escapes: bool) -> int:
    i += 1
    while True:
        end = text.find(quote, i)
        if end < 0:
            return len(text)
        if escapes and _escaped(text, i, end):
            i = end + 1
        elif text.startswith(quote * 2, end):
            i = end + 2
        else:
            return end + 1


def _escaped(text: str, start: int, end: int) -> bool:
    """True when the quote at ``end`` follows an odd run of backslashes (E'' strings)."""
    run = end
    while run > start and text[run - 1] == "\\":
        run -= 1
    return (end - run) % 2 == 1


def _at_line_start(text: str, i: int) -> bool:
    line_start = text.rfind("\n", 0, i) + 1
    return text[line_start:i].strip() == ""


def load_sql_script(url: str, path: Path | str, *, strip_database_commands: bool = True) -> None:
    """Run a plain SQL script against the database ``url`` in one transaction.

    The script is sent as one multi-statement query (simple protocol), so it
    must not use ``COPY ... FROM stdin``. Meta-commands starting with a
    backslash are skipped; so are DROP/CREATE DATABASE statements unless
    ``strip_database_commands`` is false.
    """
    script = Path(path)
    try:
        text = script.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read SQL script {script}: {exc.strerror}") from None
    body = clean_script(text, strip_database_commands=strip_database_commands)
    with _connect(url, "database") as conn:
        try:
            with conn.transaction():
                conn.execute(body)
        except psycopg.Error as exc:
            raise LoadError(
                f"loading {script.name} into {urls.display(url)} failed: {urls.first_line(exc)}; nothing was loaded"
            ) from None


def database_exists(admin_url: str, name: str) -> bool:
    """True when the server behind ``admin_url`` has a database called ``name``."""
    with _connect(admin_url, "admin database", autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return row is not None


def table_row_counts(url: str, schema: str = "public") -> dict[str, int]:
    """Exact row count of every ordinary table in ``schema`` (small databases only)."""
    with _connect(url, "database") as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (schema,)
            )
        ]
        counts: dict[str, int] = {}
        for name in names:
            query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, name))
            counts[name] = int(conn.execute(query).fetchone()[0])  # type: ignore[index]
    return counts


def create_database(admin_url: str, name: str, *, replace: bool = False) -> str:
    """Create database ``name`` and return its URL (same server and credentials).

    An existing database of that name is dropped first when ``replace`` is
    true; otherwise it is an error.
    """
    if database_exists(admin_url, name):
        if not replace:
            raise ConfigError(
                f"database {name!r} already exists on {urls.display(admin_url)}; drop it or choose another name"
            )
        drop_database(admin_url, name)
    with _connect(admin_url, "admin database", autocommit=True) as conn:
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        _run_admin(conn, statement, f"create database {name!r} on {urls.display(admin_url)}")
    return database_url(admin_url, name)


def drop_database(admin_url: str, name: str, *, force: bool = True) -> None:
    """Drop database ``name`` if it exists; with ``force`` (databases provisioner made for itself:
    test databases, templates) other sessions connected to it are ended first, without it they
    make the drop fail with a clear error."""
    with _connect(admin_url, "admin database", autocommit=True) as conn:
        if conn.info.dbname == name:
            raise ConfigError(f"cannot drop database {name!r} through a connection to itself; use another admin URL")
        if force:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        with_force = sql.SQL(" WITH (FORCE)") if force and conn.info.server_version >= 130000 else sql.SQL("")
        statement = sql.SQL("DROP DATABASE IF EXISTS {}{}").format(sql.Identifier(name), with_force)
        try:
            conn.execute(statement)
        except psycopg.errors.ObjectInUse:
            raise UnsafeTargetError(f"database {name!r} is in use by another session (it connected just now); "
                                    "close it and retry, or pass --force to end it") from None
        except psycopg.Error as exc:
            raise ConnectError(f"cannot drop database {name!r} on {urls.display(admin_url)}: {urls.first_line(exc)}") from None


def database_url(url: str, name: str) -> str:
    """``url`` with its database replaced by ``name``, password kept (never print it unmasked)."""
    original = urls.parse(url)
    driver = _original_driver(url)
    return original.set(drivername=driver, database=name).render_as_string(hide_password=False)


def connect_kwargs(url: str | URL) -> dict[str, Any]:
    """psycopg keyword arguments for a SQLAlchemy-style PostgreSQL URL (socket ``?host=`` kept)."""
    parsed = urls.parse(url) if isinstance(url, str) else url
    kwargs: dict[str, Any] = {
        "host": parsed.host,
        "port": parsed.port,
        "user": parsed.username,
        "password": parsed.password,
        "dbname": parsed.database,
    }
    for key, value in parsed.query.items():
        kwargs[key] = value[-1] if isinstance(value, tuple) else value
    return {k: v for k, v in kwargs.items() if v not in (None, "")}


def _connect(url: str, role: str, *, autocommit: bool = False) -> psycopg.Connection[Any]:
    kwargs = connect_kwargs(url)
    kwargs.setdefault("connect_timeout", 10)
    try:
        return psycopg.connect(autocommit=autocommit, **kwargs)
    except psycopg.Error as exc:
        raise ConnectError(f"cannot connect to the {role} {urls.display(url)}: {urls.first_line(exc)}") from None


def _run_admin(conn: psycopg.Connection[Any], statement: sql.Composable, what: str) -> None:
    try:
        conn.execute(statement)
    except psycopg.Error as exc:
        raise ConnectError(f"cannot {what}: {urls.first_line(exc)}") from None


def _original_driver(url: str) -> str:
    scheme = url.split("://", 1)[0]
    return scheme if scheme.startswith("postgresql") else "postgresql"
