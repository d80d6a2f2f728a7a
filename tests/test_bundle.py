"""Bundles: checksums and HMAC keys, schema mismatches, and the training-time verdict in load reports."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provisioner import api
from provisioner.cli import main
from provisioner.config import Config, TrainConfig
from provisioner.errors import BundleError
from provisioner.model import bundle
from provisioner.privacy import gate
from provisioner.synth.sample import sample

KEY = "correct horse battery staple"


def run_cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False, env=env or {"PROVISIONER_BUNDLE_KEY": ""})


@pytest.fixture(scope="module")
def checked(chinook_url: str, tmp_path_factory: pytest.TempPathFactory) -> bundle.ModelBundle:
    config = Config(source=chinook_url, seed=7, train=TrainConfig(epochs=1))
    trained = api.train_bundle(config)
    verdict = gate.run(trained.bundle, trained.real, sample(trained.bundle, config), config.privacy).report
    return trained.bundle.with_privacy(verdict.to_dict())


@pytest.fixture
def saved(checked: bundle.ModelBundle, tmp_path: Path) -> Path:
    return bundle.save(checked, tmp_path / "chinook.bundle")


def test_a_flipped_byte_is_refused_before_decoding(saved: Path, fresh_db: Callable[..., str]) -> None:
    raw = bytearray(saved.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    saved.write_bytes(bytes(raw))
    with pytest.raises(BundleError, match="failed its checksum"):
        bundle.load(saved)
    result = run_cli("load", "--bundle", str(saved), "--target", fresh_db("tamper"), "--quiet")
    assert result.exit_code == 2
    assert "failed its checksum" in result.stderr and "refusing to load it" in result.stderr


def test_hmac_key_is_required_and_checked(checked: bundle.ModelBundle, tmp_path: Path, fresh_db: Callable[..., str]) -> None:
    path = bundle.save(checked, tmp_path / "signed.bundle", key=KEY.encode())
    assert json.loads(path.read_bytes()[len(bundle.MAGIC):].split(b"\n", 1)[0])["digest_algorithm"] == "hmac-sha256"
    with pytest.raises(BundleError, match="PROVISIONER_BUNDLE_KEY"):
        bundle.load(path)
    with pytest.raises(BundleError, match="failed its checksum"):
        bundle.load(path, key=b"wrong key")
    assert bundle.load(path, key=KEY.encode()).schema_hash == checked.schema_hash
    target = fresh_db("hmac")
    unsigned = run_cli("load", "--bundle", str(path), "--target", target, "--dry-run", "--quiet")
    assert unsigned.exit_code == 2 and "PROVISIONER_BUNDLE_KEY" in unsigned.stderr
    wrong = run_cli("load", "--bundle", str(path), "--target", target, "--dry-run", "--quiet", env={"PROVISIONER_BUNDLE_KEY": "nope"})
    assert wrong.exit_code == 2 and "failed its checksum" in wrong.stderr
    right = run_cli("load", "--bundle", str(path), "--target", target, "--dry-run", "--quiet", env={"PROVISIONER_BUNDLE_KEY": KEY})
    assert right.exit_code == 0, right.stderr


def test_a_different_schema_is_refused_with_a_clear_message(saved: Path, northwind_url: str) -> None:
    with pytest.raises(BundleError, match="trained on a different schema"):
        bundle.load(saved, expect_schema="0" * 64)
    result = run_cli("check", "--bundle", str(saved), "--source", northwind_url, "--quiet")
    assert result.exit_code == 2
    assert "different schema" in result.stderr and "provisioner train" in result.stderr


def test_load_keeps_the_training_time_verdict(saved: Path, checked: bundle.ModelBundle, fresh_db: Callable[..., str],
                                              tmp_path: Path) -> None:
    report_path = tmp_path / "load.json"
    result = run_cli("load", "--bundle", str(saved), "--target", fresh_db("verdict"), "--report", str(report_path), "--quiet")
    assert result.exit_code == 0, result.stderr
    report = json.loads(report_path.read_text())
    assert checked.privacy is not None and checked.privacy["passed"] is True
    assert report["gate"] == {"passed": True, "failures": []}
    assert report["tables"]["invoice"]["privacy"] == json.loads(json.dumps(checked.privacy["tables"]["invoice"]))
    assert {m["name"] for m in report["tables"]["invoice"]["privacy"]["metrics"]} >= {"exact_copies", "identifiability"}


def test_a_bundle_that_failed_its_gate_is_not_loaded(checked: bundle.ModelBundle, tmp_path: Path, fresh_db: Callable[..., str]) -> None:
    failed = dict(checked.privacy or {}, passed=False, failures=["table invoice: identifiability gap 0.300 > threshold 0.050"])
    path = bundle.save(checked.with_privacy(failed), tmp_path / "failed.bundle")
    result = run_cli("load", "--bundle", str(path), "--target", fresh_db("failed"), "--quiet")
    assert result.exit_code == 1 and "failed the privacy gate" in result.stderr
