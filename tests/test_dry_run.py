"""provision --dry-run: the whole plan, read-only: nothing fitted, nothing written to the target."""

from __future__ import annotations

import json
from collections.abc import Callable

import psycopg
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.pg import script as sqlscript

from . import dbcheck


def _dry(source: str, target: str, *extra: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["provision", "--source", source, "--target", target, "--dry-run", *extra])
    return result.exit_code, result.stdout, result.stderr


def test_dry_run_prints_the_plan_and_writes_nothing(chinook_url: str, fresh_db: Callable[..., str]) -> None:
    target = fresh_db("dry")
    before = dbcheck.fingerprint(chinook_url)
    code, out, err = _dry(chinook_url, target, "--quiet", "--json", "--scale", "2")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["dry_run"] is True and plan["written"] is False
    assert plan["tables"]["genre"]["method"] == "copy" and plan["tables"]["genre"]["rows"] == 25  # lookups keep their size
    assert plan["tables"]["artist"]["rows"] == 2 * 275
    assert "email" in plan["tables"]["customer"]["pii_columns"]
    assert plan["target"] == ["target: create 11 tables (revision " + plan["target"][0].split("revision ")[1]]
    assert dbcheck.tables(target) == [] and sqlscript.table_row_counts(target) == {}  # not even bookkeeping tables
    assert dbcheck.fingerprint(chinook_url) == before


def test_dry_run_names_what_would_be_refused(chinook_url: str, fresh_db: Callable[..., str]) -> None:
    target = fresh_db("dry_clash")
    with psycopg.connect(**sqlscript.connect_kwargs(target), autocommit=True) as conn:
        conn.execute("CREATE TABLE invoice (x int)")  # the user's own table, with a name provisioner needs
    code, out, err = _dry(chinook_url, target)
    assert code == 0, err
    assert "refused without --replace" in out and "invoice" in out
    assert "nothing was fitted or written" in out.splitlines()[-1]
    assert dbcheck.tables(target) == ["invoice"]
