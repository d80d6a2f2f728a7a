"""Issue 11, item 7: no value can end a COPY block or turn into NULL.

A copied table holds values with a line ``\\.``, ``\\N``, backslashes, tabs, CR/LF, ``;`` and
SQL after a newline. ``sample --format sql`` writes the script; the real ``psql -v
ON_ERROR_STOP=1 -1 -f`` loads it into a fresh database (this machine has psql 15; the script
uses only COPY ... FROM stdin text format, plain DDL and setval, which psql 13-18 share), and
every value comes back exactly. ``load`` (COPY through psycopg) gets the same values.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from psycopg.types.json import Jsonb

from provisioner.pg import script as sqlscript

from .safety_kit import execute, invoke, rows

NASTY = [
    "\\.",
    "first line\n\\.\nDROP TABLE payload; SELECT 'pwned';",
    "\\.\n",
    "\\N",
    "\\\\N",
    "N",
    "",
    " ",
    "back\\slash\\\\double\\",
    "tab\there\tand\tthere",
    "carriage\rreturn",
    "crlf\r\n\\.\r\nstill data",
    "semi; DROP TABLE payload; --",
    "'single' \"double\" $$dollar$$",
    "E'\\x41' \\x41 \\101",
    "unicode ü ß \u2028 \u00a0 end",
    "\n",
    "\\",
    "trailing backslash \\",
]


def _setup(url: str) -> None:
    values = ", ".join(f"({i + 1}, %s, %s, %s)" for i in range(len(NASTY)))
    execute(url, "CREATE TABLE payload (id integer PRIMARY KEY, body text, tags text[], doc jsonb, blob bytea)")
    params: list[object] = []
    for value in NASTY:
        params += [value, [value, "plain"], {"k": value}]
    with psycopg.connect(**sqlscript.connect_kwargs(url), autocommit=True) as conn:
        conn.execute(
            f"INSERT INTO payload (id, body, tags, doc) VALUES {values}",
            [Jsonb(p) if isinstance(p, dict) else p for p in params],
        )
        conn.execute("INSERT INTO payload (id, body, tags, doc, blob) VALUES (100, NULL, NULL, NULL, '\\x5c2e0a00ff'::bytea)")


_READ = "SELECT id, body, body IS NULL, tags, doc, blob FROM payload ORDER BY id"


def test_sql_script_loads_every_value_exactly_with_psql(fresh_db: Callable[..., str], tmp_path: Path) -> None:
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql is not installed")
    source, loaded, target = fresh_db("copy_src"), fresh_db("copy_psql"), fresh_db("copy_load")
    _setup(source)
    config = tmp_path / "copy.yaml"
    config.write_text("seed: 1\ntables:\n  payload: {model: copy}\n")
    bundle = tmp_path / "p.bundle"
    assert invoke("train", "--source", source, "--bundle", bundle, "--config", config, "--quiet").exit_code == 0
    result = invoke("sample", "--bundle", bundle, "--format", "sql", "--out", tmp_path / "dump", "--quiet")
    assert result.exit_code == 0, result.stderr
    script = tmp_path / "dump" / "synthetic.sql"
    run = subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", str(script), loaded],
                         check=False, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "pwned" not in run.stdout + run.stderr  # no line after a value ran as SQL
    want = rows(source, _READ)
    assert rows(loaded, _READ) == want
    assert len(want) == len(NASTY) + 1
    assert invoke("load", "--bundle", bundle, "--target", target, "--quiet").exit_code == 0  # COPY through psycopg
    assert rows(target, _READ) == want
