"""Every command of the tutorials runs, as written, from fresh databases.

The ```bash blocks of each tutorial are run line by line in bash (``\\`` continuations joined).
Only what a reader would change is changed: database URLs point at the test server (the source
``shop`` is a copy of Chinook), database names get this session's suffix, and `createdb` talks to
the test server through the PG* environment. A command that fails fails the test with its output.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from provisioner.pg import script as sqlscript

from .conftest import DATASETS, REPO, unique_name

DOCS = REPO / "docs"
SOURCE_DB = "shop"
URL = re.compile(r"postgresql://[^\s\"'`]+")


def bash_lines(markdown: str) -> list[str]:
    """Commands of the ```bash blocks, continuations joined, comments and blanks dropped."""
    lines: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", markdown, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


class Server:
    """Maps the tutorial's databases onto the test server, with this session's suffix."""

    def __init__(self, admin_url: str, source_url: str) -> None:
        self.admin, self.source, self.suffix = admin_url, source_url, unique_name("tut")
        self.created: set[str] = set()

    def name(self, database: str) -> str:
        return f"{database}_{self.suffix}"

    def url(self, match: re.Match[str]) -> str:
        database = make_url(match.group(0)).database or "postgres"
        if database == SOURCE_DB:
            return self.source
        if database == "postgres":
            return self.admin
        self.created.add(self.name(database))
        return sqlscript.database_url(self.admin, self.name(database))

    def rewrite(self, line: str) -> str:
        line = URL.sub(self.url, line)
        if created := re.match(r"createdb\s+(\w+)", line):
            self.created.add(self.name(created.group(1)))
            line = line.replace(created.group(0), f"createdb {self.name(created.group(1))}")
        return line

    def environ(self) -> dict[str, str]:
        parsed = make_url(self.admin)
        env = {**os.environ, "PROD_DATABASE_URL": self.source, "PYTHONPATH": str(REPO), "PROVISIONER_BUNDLE_KEY": ""}
        env["PGHOST"] = str(parsed.query.get("host") or parsed.host or "127.0.0.1")
        env["PGPORT"] = str(parsed.port or parsed.query.get("port") or 5432)
        env["PGUSER"] = parsed.username or "postgres"
        env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
        return env

    def drop_all(self) -> None:
        with psycopg.connect(**sqlscript.connect_kwargs(self.admin), autocommit=True) as conn:
            names = [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (f"%{self.suffix}%",))]
        for name in names:
            sqlscript.drop_database(self.admin, name)


@pytest.fixture
def server(pg_admin_url: str) -> Iterator[Server]:
    source = sqlscript.create_database(pg_admin_url, unique_name("tut_shop"))
    script = DATASETS / "chinook.sql"
    sqlscript.load_sql_script(source, script if script.exists() else REPO / "provisioner" / "data" / "chinook.sql")
    tutorial = Server(pg_admin_url, source)
    yield tutorial
    tutorial.drop_all()
    sqlscript.drop_database(pg_admin_url, make_url(source).database or "")


def run_tutorial(name: str, server: Server, work: Path) -> list[str]:
    commands = bash_lines((DOCS / name).read_text())
    assert commands, f"{name} has no bash commands"
    for command in commands:
        line = server.rewrite(command)
        if line.startswith("pytest"):
            shutil.copy(REPO / "examples" / "pytest-fixture" / "test_app.py", work / "test_app.py")
            line = line.replace("pytest", f"{sys.executable} -m pytest -p no:cacheprovider -q", 1)
        run = subprocess.run(["bash", "-c", line], cwd=work, env=server.environ(), capture_output=True, text=True, timeout=900)
        assert run.returncode == 0, f"{name}: `{command}` exited {run.returncode}\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}"
    return commands


def _needs_createdb() -> None:
    if shutil.which("createdb") is None:
        pytest.skip("the tutorials use createdb (the PostgreSQL client): apt-get install postgresql-client")


def test_developer_tutorial(server: Server, tmp_path: Path) -> None:
    _needs_createdb()
    commands = run_tutorial("tutorial-developers.md", server, tmp_path)
    assert any(c.startswith("provisioner refresh") for c in commands)
    assert (tmp_path / "provisioner.yaml").exists() and (tmp_path / "shop.bundle").exists() and (tmp_path / "report.html").exists()


def test_qa_tutorial(server: Server, tmp_path: Path) -> None:
    _needs_createdb()
    subprocess.run([sys.executable, "-m", "provisioner.cli", "train", "--source", server.source, "--bundle", "shop.bundle", "--quiet"],
                   cwd=tmp_path, env=server.environ(), check=True, timeout=900)
    run_tutorial("tutorial-qa.md", server, tmp_path)
    assert (tmp_path / "dump" / "synthetic.sql").exists() and any((tmp_path / "data").glob("*.csv"))


def test_ci_tutorial(server: Server, tmp_path: Path) -> None:
    _needs_createdb()
    subprocess.run([sys.executable, "-m", "provisioner.cli", "train", "--source", server.source, "--bundle", "shop.bundle", "--quiet"],
                   cwd=tmp_path, env=server.environ(), check=True, timeout=900)
    (tmp_path / "provisioner.yaml").write_text("seed: 0\n")
    run_tutorial("tutorial-ci.md", server, tmp_path)
    assert '"passed": true' in (tmp_path / "load.json").read_text()  # the verdict `check` stored reaches the load report


def test_bash_lines_join_continuations() -> None:
    text = "x\n```bash\nprovisioner load --a 1 \\\n    --b 2   # note\n# only a comment\n```\n```text\nnot run\n```\n"
    assert bash_lines(text) == ["provisioner load --a 1      --b 2"]
