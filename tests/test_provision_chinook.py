"""End to end on Chinook: real PostgreSQL, real SDV, real Faker (small epochs for speed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provisioner.cli import main

from . import dbcheck

ROOT_TABLES = ("artist", "employee", "genre", "media_type", "playlist")


def run_cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def fast_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cfg") / "provisioner.yaml"
    path.write_text("seed: 7\ntrain:\n  epochs: 2\n")
    return path


@pytest.fixture(scope="module")
def provisioned(chinook_url: str, pg_admin_url: str, fast_config: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from provisioner.pg import script as sqlscript
    from tests.conftest import unique_name

    work = tmp_path_factory.mktemp("chinook")
    before = dbcheck.fingerprint(chinook_url)
    targets = []
    results = []
    for _ in range(2):
        target = sqlscript.create_database(pg_admin_url, unique_name("stage"))
        targets.append(target)
        results.append(run_cli(
            "provision", "--source", chinook_url, "--target", target, "--config", str(fast_config),
            "--report", str(work / "report.json"), "--bundle", str(work / "chinook.bundle"), "--quiet",
        ))
    yield {"targets": targets, "results": results, "work": work, "source_before": before}
    for target in targets:
        sqlscript.drop_database(pg_admin_url, target.rsplit("/", 1)[1])


def test_exit_zero_and_every_table_filled(provisioned, chinook_url: str) -> None:  # type: ignore[no-untyped-def]
    assert [r.exit_code for r in provisioned["results"]] == [0, 0], provisioned["results"][0].stderr
    source, target = dbcheck.counts(chinook_url), dbcheck.counts(provisioned["targets"][0])
    assert set(target) == set(source)
    for table, rows in source.items():
        assert (target[table] > 0) == (rows > 0), table
    for table in ROOT_TABLES:
        assert target[table] == source[table], table


def test_constraints_same_and_valid(provisioned, chinook_url: str) -> None:  # type: ignore[no-untyped-def]
    target = provisioned["targets"][0]
    assert dbcheck.constraints(target) == dbcheck.constraints(chinook_url)
    assert dbcheck.not_nulls(target) == dbcheck.not_nulls(chinook_url)
    assert dbcheck.all_constraints_valid(target) == []
    assert dbcheck.revision(target) is not None  # managed by Alembic


def test_no_source_pii_in_target(provisioned, chinook_url: str) -> None:  # type: ignore[no-untyped-def]
    pii = set()
    for table in ("customer", "employee"):
        for column in ("email", "phone", "fax", "address"):
            pii |= {v for v in dbcheck._rows(chinook_url, f'SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL')}
        pii |= set(dbcheck._rows(chinook_url, f"SELECT first_name || ' ' || last_name FROM {table}"))
    pii |= set(dbcheck._rows(chinook_url, "SELECT DISTINCT billing_address FROM invoice"))
    source_pii = {v[0] for v in pii}
    target_text = dbcheck.text_values(provisioned["targets"][0])
    assert source_pii & target_text == set()
    full_names = {n for n in source_pii if " " in n and "@" not in n}
    blob = "\n".join(target_text)
    assert [n for n in full_names if n in blob and len(n) > 8] == []


def test_same_seed_gives_identical_tables(provisioned) -> None:  # type: ignore[no-untyped-def]
    first, second = provisioned["targets"]
    assert dbcheck.digests(first) == dbcheck.digests(second)


def test_source_unchanged(provisioned, chinook_url: str) -> None:  # type: ignore[no-untyped-def]
    assert dbcheck.fingerprint(chinook_url) == provisioned["source_before"]


def test_report_has_gate_and_tables(provisioned) -> None:  # type: ignore[no-untyped-def]
    import json

    report = json.loads((provisioned["work"] / "report.json").read_text())
    assert report["gate"] == {"passed": True, "failures": []}
    assert report["tables"]["invoice"]["rows"] > 0
    metrics = {m["name"] for m in report["tables"]["track"]["privacy"]["metrics"]}
    assert {"nndr", "identifiability", "exact_copies"} <= metrics
    fidelity = report["fidelity"]["tables"]["track"]  # the classifier test and TSTR, with the source at hand
    assert 0.0 <= fidelity["detection"]["auc"] <= 1.0 and fidelity["detection"]["giveaways"]
    assert fidelity["utility"]["target"] and fidelity["utility"]["tstr"] is not None


def test_reload_up_to_date_target_runs_no_ddl(provisioned) -> None:  # type: ignore[no-untyped-def]
    target = provisioned["targets"][0]
    oids, revision = dbcheck.table_oids(target), dbcheck.revision(target)
    result = run_cli("load", "--bundle", str(provisioned["work"] / "chinook.bundle"), "--target", target, "--seed", "7", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert dbcheck.table_oids(target) == oids  # no table was dropped or created
    assert dbcheck.revision(target) == revision
    assert dbcheck.all_constraints_valid(target) == []


def test_select_only_source_role(chinook_url: str, readonly_role: Callable[..., str], fresh_db: Callable[..., str], fast_config: Path) -> None:
    ro_url = readonly_role(chinook_url)
    target = fresh_db("ro_stage")
    before = dbcheck.fingerprint(chinook_url)
    result = run_cli("provision", "--source", ro_url, "--target", target, "--config", str(fast_config), "--quiet")
    assert result.exit_code == 0, result.stderr
    assert dbcheck.counts(target)["genre"] == 25
    assert dbcheck.fingerprint(chinook_url) == before


def test_failed_gate_writes_nothing(chinook_url: str, fresh_db: Callable[..., str], tmp_path: Path) -> None:
    config = tmp_path / "strict.yaml"
    config.write_text("train:\n  epochs: 1\nprivacy:\n  identifiability_gap_max: -2\n")
    target = fresh_db("gate")
    result = run_cli("provision", "--source", chinook_url, "--target", target, "--config", str(config), "--quiet",
                     "--report", str(tmp_path / "r.json"))
    assert result.exit_code == 1
    assert "identifiability" in result.stderr and "invoice" in result.stderr
    assert dbcheck.scalar(target, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") == 0


def test_same_seed_identical_across_processes(chinook_url: str, fresh_db: Callable[..., str], fast_config: Path) -> None:
    """Two separate CLI processes with different string-hash seeds give the same rows
    (Faker builds some word lists from sets, whose order follows the hash seed)."""
    import os
    import subprocess
    import sys

    targets = []
    for hash_seed in ("1", "2"):
        target = fresh_db("proc")
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-m", "provisioner.cli", "provision", "--source", chinook_url, "--target", target,
             "--config", str(fast_config), "--quiet"], env=env, capture_output=True, text=True, timeout=600,
        )
        assert done.returncode == 0, done.stderr
        targets.append(target)
    assert dbcheck.digests(targets[0]) == dbcheck.digests(targets[1])


def test_load_ends_with_a_one_screen_summary(provisioned, fresh_db: Callable[..., str]) -> None:  # type: ignore[no-untyped-def]
    """Rows, method and privacy per table, the verdict, and what was exempt."""
    result = run_cli("load", "--bundle", str(provisioned["work"] / "chinook.bundle"), "--target", fresh_db("summary"))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    for table in ("invoice", "invoice_line", "genre", "playlist_track"):
        row = next(line for line in lines if line.split()[:1] == [table])
        assert row.split()[2] in ("gaussian_copula", "copy", "keys", "ctgan")
    assert "privacy gate passed for " in lines[-1] and ", exempt " in lines[-1]
    genre = next(line for line in lines if line.split()[:1] == ["genre"])
    assert "exempt: lookup table copied verbatim" in genre


def test_check_ends_with_the_summary_and_counts_exempt_tables_apart(provisioned, chinook_url: str) -> None:  # type: ignore[no-untyped-def]
    """`check` says "passed for 4 tables, exempt 7", never "passed for 11", and why each is exempt."""
    bundle = str(provisioned["work"] / "chinook.bundle")
    result = run_cli("check", "--source", chinook_url, "--bundle", bundle, "--no-store")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    rows = {line.split()[0]: line for line in lines[1:-1]}
    assert set(rows) == set(dbcheck.counts(chinook_url))
    exempt = [key for key, line in rows.items() if " exempt: " in line]
    passed = [key for key, line in rows.items() if line.rstrip().endswith(" passed")]
    assert "genre" in exempt and "track" in passed and len(exempt) + len(passed) == len(rows)
    assert lines[-1].startswith("checked ") and f"privacy gate passed for {len(passed)} tables, exempt {len(exempt)}" in lines[-1]
    assert "exempt: lookup table copied verbatim" in rows["genre"]
