"""``tables.<t>.columns``: the column settings users of TDK, Tonic and Greenmask expect, and ``model: skip``.

``{faker: provider, **args}`` fills a column with that Faker provider (never learnt),
``{value: constant}`` gives every row the constant, ``{keep: true}`` learns a free-text
column from its real values instead of generating text. The settings are recorded in the
bundle, so ``load`` from the bundle applies them, the same way for the same seed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.config import ColumnConfig, load_config
from provisioner.errors import ConfigError
from provisioner.model import bundle as bundles

from . import dbcheck

SETTINGS = """seed: 3
tables:
  customer:
    columns:
      email: {faker: email}
      company: {value: null}
      fax: {value: "+1 (555) 010-0000"}
  track:
    columns:
      milliseconds: {faker: pyint, min_value: 1000, max_value: 2000}
      composer: {keep: true}
  playlist_track:
    model: skip
"""


def test_column_settings_load(tmp_path: Path) -> None:
    cfg = tmp_path / "provisioner.yaml"
    cfg.write_text(SETTINGS)
    config = load_config(cfg, environ={})
    columns = config.table("track").columns
    assert columns["milliseconds"] == ColumnConfig(faker="pyint", args={"min_value": 1000, "max_value": 2000}, option="faker")
    assert columns["composer"] == ColumnConfig(keep=True, option="keep")
    assert config.table("customer").columns["company"] == ColumnConfig(value=None, option="value")
    assert config.where("tables.track.columns.composer") == f"{cfg}:11"


def _values(url: str, query: str) -> list[object]:
    return [r[0] for r in dbcheck._rows(url, query)]


def test_faker_value_keep_and_skip_are_applied_from_the_bundle(chinook_url: str, fresh_db: Callable[..., str], tmp_path: Path) -> None:
    cfg, bundle = tmp_path / "provisioner.yaml", tmp_path / "chinook.bundle"
    cfg.write_text(SETTINGS)
    trained = CliRunner().invoke(main, ["train", "--source", chinook_url, "--bundle", str(bundle), "--config", str(cfg), "--quiet"])
    assert trained.exit_code == 0, trained.output
    model = bundles.load(bundle)
    fills = {f.column: f for f in model.tables["customer"].fills}
    assert (fills["email"].source, fills["email"].category) == ("faker", "email")
    assert (fills["fax"].source, fills["fax"].value) == ("value", "+1 (555) 010-0000")
    assert model.tables["track"].roles["composer"] == "model" and model.tables["track"].roles["milliseconds"] == "pii"
    assert model.tables["playlist_track"].method == "skip"
    targets = [fresh_db("cols_a"), fresh_db("cols_b")]
    for target in targets:  # the configured columns need no config at load time: the bundle holds them
        loaded = CliRunner().invoke(main, ["load", "--bundle", str(bundle), "--target", target, "--seed", "5", "--quiet"])
        assert loaded.exit_code == 0, loaded.output
    target = targets[0]
    emails = _values(target, "SELECT email FROM customer ORDER BY customer_id")
    real_emails = set(_values(chinook_url, "SELECT email FROM customer"))
    assert emails and all(re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", str(e)) for e in emails) and not set(emails) & real_emails
    assert emails == _values(targets[1], "SELECT email FROM customer ORDER BY customer_id")  # deterministic from the seed
    assert set(_values(target, "SELECT company FROM customer")) == {None}
    assert set(_values(target, "SELECT fax FROM customer")) == {"+1 (555) 010-0000"}
    millis = _values(target, "SELECT milliseconds FROM track")
    assert millis and all(1000 <= int(m) <= 2000 for m in millis)  # type: ignore[call-overload]
    composers = set(_values(target, "SELECT composer FROM track WHERE composer IS NOT NULL"))
    assert composers and composers <= set(_values(chinook_url, "SELECT composer FROM track"))  # real values, learnt
    assert dbcheck.scalar(target, "SELECT count(*) FROM playlist_track") == 0  # skip: the table is created empty
    assert dbcheck.scalar(target, "SELECT count(*) FROM playlist") > 0


@pytest.mark.parametrize(("text", "line", "needle"), [
    ("tables:\n  customer:\n    columns:\n      email: {faker: email, value: x}\n", 4, "exactly one of faker, value or keep, not both faker and value"),
    ("tables:\n  customer:\n    columns:\n      email: {fake: email}\n", 4, "not none of them"),
    ("tables:\n  customer:\n    columns:\n      email: {value: x, min_value: 1}\n", 4, "unknown option 'min_value'"),
    ("tables:\n  customer:\n    columns:\n      email: {keep: false}\n", 4, "keep must be true"),
    ("tables:\n  customer:\n    columns:\n      email: email\n", 4, "must be a mapping with one of faker, value or keep"),
    ("tables:\n  customer:\n    columns: [email]\n", 3, "must map column names"),
    ("tables:\n  customer:\n    columns:\n      email:\n        faker: 3\n", 5, "must name a Faker provider"),
])
def test_bad_column_settings_are_refused_at_load(tmp_path: Path, text: str, line: int, needle: str) -> None:
    cfg = tmp_path / "provisioner.yaml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(cfg, environ={})
    assert f"{cfg}:{line}:" in str(err.value) and needle in str(err.value), str(err.value)


@pytest.mark.parametrize(("columns", "line", "needle"), [
    ("emial: {faker: email}", 5, "table customer has no column 'emial' (did you mean 'email'?)"),
    ("email: {faker: emale}", 5, "'emale' is not a Faker provider (did you mean 'email'?)"),
    ("email: {faker: pyint, min_value: 9, max_value: 1}", 5, "faker pyint does not take these arguments"),
    ("email: {faker: email, colour: red}", 5, "faker email does not take these arguments (colour='red')"),
    ("email: {keep: true}", 5, "detected as PII (email"),
    ("first_name: {value: null}", 5, "value null, but customer.first_name is NOT NULL"),
    ("customer_id: {value: 1}", 5, "customer.customer_id is a key column"),
])
def test_column_settings_that_do_not_fit_the_source_exit_2(chinook_url: str, tmp_path: Path, columns: str, line: int, needle: str) -> None:
    cfg = tmp_path / "provisioner.yaml"
    cfg.write_text(f"seed: 1\ntables:\n  customer:\n    columns:\n      {columns}\n")
    result = CliRunner().invoke(main, ["train", "--config", str(cfg), "--source", chinook_url, "--bundle", str(tmp_path / "b"), "--quiet"])
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and f"{cfg}:{line}:" in lines[0] and needle in lines[0], result.stderr
    assert not (tmp_path / "b").exists()


def test_keep_on_detected_pii_is_allowed_once_pii_remove_lists_it(chinook_url: str, tmp_path: Path) -> None:
    cfg, bundle = tmp_path / "provisioner.yaml", tmp_path / "b"
    cfg.write_text("tables:\n  customer:\n    columns:\n      country: {keep: true}\n      city: {keep: true}\n")
    refused = CliRunner().invoke(main, ["train", "--config", str(cfg), "--source", chinook_url, "--bundle", str(bundle), "--quiet"])
    assert refused.exit_code == 2 and f"{cfg}:5:" in refused.stderr and "list customer.city in pii.remove" in refused.stderr
    cfg.write_text(cfg.read_text() + "pii:\n  remove: [customer.city]\n")
    result = CliRunner().invoke(main, ["train", "--config", str(cfg), "--source", chinook_url, "--bundle", str(bundle), "--quiet"])
    assert result.exit_code == 0, result.output
    roles = bundles.load(bundle).tables["customer"].roles
    assert roles["city"] == "model" and roles["country"] == "model"
