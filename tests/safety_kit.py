"""Helpers for the safety tests (tests/test_safety_*.py): the CLI in a real process, SQL on a
database, a small trained bundle, and a PostgreSQL cluster of our own with password auth."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner, Result
from sqlalchemy.engine import make_url

from provisioner.cli import main
from provisioner.pg import script as sqlscript

from .conftest import REPO


def invoke(*args: str) -> Result:
    """The CLI in this process (fast)."""
    return CliRunner().invoke(main, [str(a) for a in args])


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 600, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in a process of its own, as a user runs it."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, "-m", "provisioner.cli", *map(str, args)], check=False, capture_output=True, text=True,
                          env=full_env, timeout=timeout, cwd=cwd)


def popen(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "provisioner.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=full_env, start_new_session=True)  # its own group, as in a terminal


def rows(url: str, query: Any, params: Any = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(**sqlscript.connect_kwargs(url), autocommit=True) as conn:
        cur = conn.execute(query, params)
        return list(cur.fetchall()) if cur.description else []


def execute(url: str, script: str) -> None:
    with psycopg.connect(**sqlscript.connect_kwargs(url), autocommit=True) as conn:
        conn.execute(script)


def one_error_line(stderr: str, *secrets: str) -> str:
    """The single ``error: ...`` line of a failed command (no traceback, nothing secret)."""
    lines = [ln for ln in stderr.splitlines() if ln.startswith("error: ")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr, stderr
    for secret in secrets:
        assert secret not in stderr, stderr
    return lines[0]


def json_out(stdout: str) -> dict[str, Any]:
    return json.loads(stdout)


def user_tables(url: str) -> dict[str, int]:
    """Every table of the public schema with its row count, bookkeeping included."""
    names = [r[0] for r in rows(url, "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')")]
    out = {}
    for name in names:
        out[name] = rows(url, psycopg.sql.SQL("SELECT count(*) FROM {}").format(psycopg.sql.Identifier("public", name)))[0][0]
    return out


# -- a PostgreSQL cluster with password authentication ----------------------------------------


@dataclass(frozen=True)
class PasswordServer:
    host: str
    port: int
    user: str
    password: str
    datadir: Path

    def url(self, database: str = "postgres", password: str | None = None) -> str:
        return make_url(f"postgresql://{self.user}@{self.host}:{self.port}/{database}").set(
            password=self.password if password is None else password).render_as_string(hide_password=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@pytest.fixture(scope="session")
def password_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PasswordServer]:
    """Our own PostgreSQL on a free port, scram-sha-256 for every TCP login (stopped afterwards)."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not initdb or not pg_ctl or (os.geteuid() == 0 and not shutil.which("runuser")):
        pytest.skip("needs initdb and pg_ctl (and runuser as root) for a password-auth cluster")
    base = Path(tempfile.mkdtemp(prefix="provisioner-pwserver-"))  # under /tmp: the postgres user must reach it
    datadir, pwfile = base / "data", base / "pw"
    password = "Sup3r:S3cret@pa/ss%40w?rd#1"
    pwfile.write_text(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(pwfile, "postgres")
        os.chmod(base, 0o700)
    port = _free_port()
    subprocess.run(_as_postgres([initdb, "-D", str(datadir), "-U", "postgres", "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8"]),
                   check=True, capture_output=True)
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(_as_postgres([pg_ctl, "-D", str(datadir), "-o", options, "-l", str(base / "log"), "-w", "start"]), check=True,
                   capture_output=True)
    try:
        server = PasswordServer("127.0.0.1", port, "postgres", password, datadir)
        deadline = time.time() + 20
        while True:
            try:
                psycopg.connect(host=server.host, port=port, user="postgres", password=password, dbname="postgres").close()
                break
            except psycopg.OperationalError:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
        yield server
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(datadir), "-m", "immediate", "stop"]), check=False, capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
