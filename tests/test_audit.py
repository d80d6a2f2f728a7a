"""Leak scans: provision Chinook and Northwind, then no source PII or free text in the target or bundle."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result
from psycopg import sql

from provisioner import api
from provisioner.cli import main
from provisioner.config import Config
from provisioner.model.bundle import load as load_bundle
from provisioner.pg import script as sqlscript
from provisioner.privacy import audit


def run_cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def provision_and_audit(source: str, target: str, work: Path) -> dict[str, object]:
    config = work / "c.yaml"
    config.write_text("seed: 7\ntrain:\n  epochs: 1\n")
    bundle, report, audit_report = work / "b.bundle", work / "report.json", work / "audit.json"
    provisioned = run_cli("provision", "--source", source, "--target", target, "--config", str(config),
                          "--bundle", str(bundle), "--report", str(report))
    assert provisioned.exit_code == 0, provisioned.stderr
    audited = run_cli("audit", "--source", source, "--target", target, "--bundle", str(bundle), "--report", str(audit_report))
    return {"provisioned": provisioned, "audited": audited, "bundle": bundle, "report": report, "audit": audit_report}


def source_values(source: str, bundle: Path) -> list[str]:
    """The needles, read independently of the scan: PII and long text values of the source."""
    tables = audit.columns_of_bundle(load_bundle(bundle))
    values: list[str] = []
    with psycopg.connect(**sqlscript.connect_kwargs(source)) as conn:
        for cols in tables.values():
            for column, category in cols.searched.items():
                name = sql.Identifier(column)
                rows = conn.execute(sql.SQL("SELECT DISTINCT {}::text FROM {} WHERE {} IS NOT NULL").format(name, cols.ident, name))
                values += [r[0] for r in rows if category != "text" or len(r[0]) > audit.MIN_TEXT_LENGTH]
    return values


@pytest.mark.parametrize("dataset", ["chinook_url", "northwind_url"])
def test_provisioned_target_and_bundle_hold_no_source_values(dataset: str, request: pytest.FixtureRequest,
                                                             fresh_db: Callable[..., str], tmp_path: Path) -> None:
    source = request.getfixturevalue(dataset)
    out = provision_and_audit(source, fresh_db("audit"), tmp_path)
    audited = out["audited"]
    result = json.loads(Path(out["audit"]).read_text())
    assert audited.exit_code == 0, audited.stderr + audited.stdout
    assert result["passed"] and result["target"]["leaks"] == [] and result["bundle"]["leaks"] == []
    assert result["needles"] > 100 and any(c.endswith(("city", "address")) for c in result["columns"])
    for hit in result["target"]["collisions"] + result["bundle"]["collisions"]:
        assert hit["collision"] and len(hit["fingerprint"]) == 12


def test_logs_and_reports_never_hold_source_values(chinook_url: str, fresh_db: Callable[..., str], tmp_path: Path) -> None:
    target = fresh_db("audit_logs")
    out = provision_and_audit(chinook_url, target, tmp_path)
    texts = [out["provisioned"].stdout, out["provisioned"].stderr, out["audited"].stdout, out["audited"].stderr,
             Path(out["report"]).read_text(), Path(out["audit"]).read_text()]
    values = [v for v in source_values(chinook_url, Path(out["bundle"])) if len(v) > audit.MIN_TEXT_LENGTH]
    assert len(values) > 100
    blob = "\n".join(texts)
    assert [v for v in values if v in blob] == []
    # a planted leak is found, named by column and fingerprint only, and fails with exit 1
    email = next(v for v in values if "@" in v)
    with psycopg.connect(**sqlscript.connect_kwargs(target)) as conn:
        conn.execute("UPDATE customer SET company = %s WHERE customer_id = (SELECT min(customer_id) FROM customer)", (email,))
    leaked = run_cli("audit", "--source", chinook_url, "--target", target, "--report", str(tmp_path / "leak.json"))
    assert leaked.exit_code == 1
    report = json.loads((tmp_path / "leak.json").read_text())
    assert {"found_in": "customer.company", "match": "exact", "fingerprint": audit.fingerprint(email)} in [
        {k: v for k, v in leak.items() if k != "source"} for leak in report["target"]["leaks"]]
    assert all(leak["source"].endswith(".email") for leak in report["target"]["leaks"])
    assert email not in leaked.stdout + leaked.stderr + (tmp_path / "leak.json").read_text()


def test_audit_needs_a_target(chinook_url: str) -> None:
    result = run_cli("audit", "--source", chinook_url)
    assert result.exit_code == 2 and "--target" in result.stderr
    with pytest.raises(Exception):
        api.audit_target(Config(source=chinook_url))
