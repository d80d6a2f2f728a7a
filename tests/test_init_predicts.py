"""``init`` predicts what ``train`` does: both run train's own decisions, so every table's method
(or, where train measures, the pair it chooses from) and its rows agree with the bundle."""

from __future__ import annotations

import re
from pathlib import Path

from provisioner import api
from provisioner.config import load_config
from tests.test_provision_chinook import run_cli

LINE = re.compile(r"^  (?:# )?(?P<table>\w+): \{model: (?P<method>\w+)\}\s+# (?:auto: (?P<said>[^;]+); )?"
                  r"rows: (?P<source>\d+) source, (?P<trained>\d+|none) trained")


def predictions(text: str) -> dict[str, tuple[tuple[str, ...], int, int | None]]:
    """table -> (methods it may end with, source rows, rows trained on) as the starter YAML says."""
    out = {}
    for line in text.splitlines():
        found = LINE.match(line)
        if found:
            said = (found["said"] or found["method"]).split(" (")[0]
            trained = None if found["trained"] == "none" else int(found["trained"])
            out[found["table"]] = (tuple(said.split(" or ")), int(found["source"]), trained)
    return out


def test_init_predicts_the_methods_and_rows_train_records(chinook_url: str, tmp_path: Path) -> None:
    settings = tmp_path / "fast.yaml"
    settings.write_text("seed: 5\ntrain:\n  epochs: 2\n  gan_min_rows: 2000\n")  # track and invoice_line get CTGAN, measured
    out = tmp_path / "provisioner.yaml"
    init = run_cli("init", "--source", chinook_url, "--config", str(settings), "--out", str(out), "--quiet")
    assert init.exit_code == 0, init.stderr
    text = out.read_text()
    predicted = predictions(text)
    assert "# track: {model: ctgan}  # auto: ctgan or gaussian_copula (chosen by measurement);" in text
    config = load_config(settings).with_overrides(source=chinook_url)
    bundle = api.train_bundle(config, tmp_path / "chinook.bundle").bundle
    assert set(predicted) == set(bundle.tables)
    for key, model in bundle.tables.items():
        methods, source_rows, trained = predicted[key]
        assert model.method in methods, (key, model.method, methods)
        assert len(methods) == 1 or key in ("track", "invoice_line"), key
        assert source_rows == model.source_rows, key
        assert trained == (model.train_rows if model.synthesizer is not None else None), key
