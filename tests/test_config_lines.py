"""Config mistakes exit 2 with one line naming the file and line of the mistake."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from provisioner.cli import main

CASES = {
    "wrong_key": ("seed: 1\ntrain:\n  epochs: 1\n  epoch: 2\n", 4, "train.epoch"),
    "wrong_type": ("seed: 1\nscale: lots\n", 2, "scale must be"),
    "unknown_table": ("train:\n  epochs: 1\ntables:\n  genre: {model: copy}\n  invoce: {rows: 5}\n", 5, "'invoce'"),
    "unknown_column": ("train:\n  epochs: 1\npii:\n  add:\n    - customer.email\n    - track.nme\n", 6, "'nme'"),
    "unknown_column_table": ("pii:\n  remove: [customr.email]\n", 2, "'customr'"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_config_error_names_the_line(case: str, chinook_url: str, tmp_path: Path) -> None:
    text, line, needle = CASES[case]
    cfg = tmp_path / "provisioner.yaml"
    cfg.write_text(text)
    result = CliRunner().invoke(main, ["train", "--config", str(cfg), "--source", chinook_url, "--bundle", str(tmp_path / "b"), "--quiet"])
    assert result.exit_code == 2, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert f"provisioner.yaml:{line}:" in lines[0], lines[0]
    assert needle in lines[0]
    assert not (tmp_path / "b").exists()


def test_unknown_names_suggest_the_closest(chinook_url: str, tmp_path: Path) -> None:
    cfg = tmp_path / "provisioner.yaml"
    cfg.write_text("pii:\n  add: [track.nme]\n")
    result = CliRunner().invoke(main, ["train", "--config", str(cfg), "--source", chinook_url, "--bundle", str(tmp_path / "b"), "--quiet"])
    assert "did you mean 'name'" in result.stderr
