"""--help, diff, load and refresh never import torch or SDV: they start fast, and a bundle samples without them."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from provisioner import api
from provisioner.config import Config, TableConfig, TrainConfig

from .conftest import REPO

HEAVY = ("torch", "sdv", "ctgan", "sdmetrics", "rdt", "copulas")


def _run(code: str) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter; it leaves its result in ``out``; returns it with the heavy modules loaded."""
    probe = code + f"\nimport json, sys\nout['heavy'] = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\nprint(json.dumps(out))"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_help_imports_nothing_heavy() -> None:
    out = _run("from click.testing import CliRunner\nfrom provisioner.cli import main\n"
               "r = CliRunner().invoke(main, ['--help'])\nout = {'code': r.exit_code}\n"
               "import sys\nout['pandas'] = 'pandas' in sys.modules")
    assert out == {"code": 0, "pandas": False, "heavy": []}


@pytest.fixture(scope="module")
def ctgan_bundle(chinook_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Chinook with its invoice table as CTGAN (1 epoch): sampling must still need no torch."""
    path = tmp_path_factory.mktemp("lazy") / "chinook.bundle"
    config = Config(source=chinook_url, seed=1, train=TrainConfig(epochs=1), tables={"invoice": TableConfig(model="ctgan")})
    api.train_bundle(config, path)
    return path


def test_diff_load_and_refresh_need_neither_torch_nor_sdv(
    ctgan_bundle: Path, chinook_url: str, fresh_db: Callable[..., str], pg_admin_url: str,
) -> None:
    target, refreshed = fresh_db("lazy_load"), fresh_db("lazy_refresh")
    out = _run(
        "from provisioner import api\nfrom provisioner.config import Config\n"
        f"d = api.diff_bundle({str(ctgan_bundle)!r}, Config(source={chinook_url!r}))\n"
        f"r = api.load_bundle({str(ctgan_bundle)!r}, Config(target={target!r}))\n"
        f"f = api.refresh({str(ctgan_bundle)!r}, Config(target={refreshed!r}), admin_url={pg_admin_url!r})\n"
        "out = {'identical': d.identical, 'invoice': r.synthetic_rows['invoice'], 'method': r.report['tables']['invoice']['method']}"
    )
    from provisioner.devkit.refresh import template_name
    from provisioner.pg import script, urls

    script.drop_database(pg_admin_url, template_name(urls.parse(refreshed).database or ""))
    assert out["identical"] is True and out["invoice"] > 0 and out["method"] == "ctgan"
    assert out["heavy"] == []
