"""Progress a person sees while the slow steps run: CTGAN's epochs with an ETA, from this process,
from a process pool's workers and from Ray tasks; per-table lines on a log; nothing on stdout under --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provisioner import api
from provisioner.config import Config, TrainConfig
from provisioner.pg import script as sqlscript
from provisioner.progress import Epoch, Progress
from tests.test_provision_chinook import run_cli

EPOCHS = 3
TABLES = ("meter", "reading")


class Recorder(Progress):
    """Keeps what the core reported."""

    def __init__(self) -> None:
        self.epochs: list[Epoch] = []
        self.lines: list[str] = []

    def epoch(self, tick: Epoch) -> None:
        self.epochs.append(tick)

    def info(self, message: str) -> None:
        self.lines.append(message)


@pytest.fixture(scope="module")
def small_db(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    script = tmp_path_factory.mktemp("sql") / "small.sql"
    rows = ",".join(f"({i}, {i % 7 * 1.5 + i / 100:.2f}, '{'abc'[i % 3]}')" for i in range(1, 301))
    script.write_text(
        "".join(f"CREATE TABLE {t} (id int PRIMARY KEY, amount numeric(8,2), kind text);\n"
                f"INSERT INTO {t} VALUES {rows};\nANALYZE {t};\n" for t in TABLES)
    )
    from tests.conftest import unique_name

    name = unique_name("progress")
    url = sqlscript.create_database(pg_admin_url, name)
    sqlscript.load_sql_script(url, script)
    yield url
    sqlscript.drop_database(pg_admin_url, name)


@pytest.mark.parametrize("executor", ["serial", "local", "ray"])
def test_ctgan_epochs_arrive_with_an_eta(small_db: str, executor: str, tmp_path: Path) -> None:
    config = Config(source=small_db, train=TrainConfig(model="ctgan", epochs=EPOCHS, executor=executor))
    progress = Recorder()
    if executor == "ray":  # a local Ray of two CPUs, its tasks posting through a Ray queue
        ray = pytest.importorskip("ray")
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            result = api.train_bundle(config, tmp_path / "small.bundle", progress)
        finally:
            ray.shutdown()
    else:
        result = api.train_bundle(config, tmp_path / "small.bundle", progress)
    assert {k: m.method for k, m in result.bundle.tables.items()} == dict.fromkeys(TABLES, "ctgan")
    for table in TABLES:
        ticks = [t for t in progress.epochs if t.table == table]
        assert [t.done for t in ticks] == list(range(1, EPOCHS + 1))
        assert all(t.epochs == EPOCHS and t.method == "ctgan" and t.eta >= 0 for t in ticks)
        assert ticks[-1].eta == 0
        assert f"{table}: CTGAN epoch 1/{EPOCHS}, ETA " in ticks[0].describe()
        assert f"{table}: fitting ctgan" in progress.lines
        assert any(line.startswith(f"{table}: ctgan fitted in ") for line in progress.lines)


def test_cli_logs_epochs_on_stderr_only(small_db: str, tmp_path: Path) -> None:
    config = tmp_path / "ctgan.yaml"
    config.write_text(f"train:\n  model: ctgan\n  epochs: {EPOCHS}\n  executor: serial\n")
    shown = run_cli("train", "--source", small_db, "--bundle", str(tmp_path / "a.bundle"), "--config", str(config))
    assert shown.exit_code == 0, shown.stderr
    assert f"train  meter: CTGAN epoch 1/{EPOCHS}, ETA " in shown.stderr
    assert f"train  reading: CTGAN epoch {EPOCHS}/{EPOCHS}, ETA 0 s" in shown.stderr
    assert "read source 1/2 tables: meter" in shown.stderr
    assert "CTGAN epoch" not in shown.stdout
    as_json = run_cli("train", "--source", small_db, "--bundle", str(tmp_path / "b.bundle"), "--config", str(config), "--json")
    assert as_json.exit_code == 0, as_json.stderr
    assert json.loads(as_json.stdout)["ok"] is True  # stdout holds the one object; progress went to stderr
    quiet = run_cli("train", "--source", small_db, "--bundle", str(tmp_path / "c.bundle"), "--config", str(config), "--quiet")
    assert quiet.exit_code == 0
    assert quiet.stdout == "" and "epoch" not in quiet.stderr




def test_log_lines_are_rate_limited_per_table(capsys: pytest.CaptureFixture[str]) -> None:
    """A log gets the first and last epoch of a fast fit, not one line per epoch; per-table steps likewise."""
    from provisioner.cli.term import LineProgress

    progress = LineProgress()
    for done in range(1, 101):
        progress.epoch(Epoch("track", "ctgan", done, 100, done * 0.001))
    assert list(progress.iter(["album", "track"], "sample", unit="table")) == ["album", "track"]
    lines = capsys.readouterr().err.splitlines()
    assert [line.split("] ", 1)[1] for line in lines] == [
        "train  track: CTGAN epoch 1/100, ETA 0 s", "train  track: CTGAN epoch 100/100, ETA 0 s", "sample 1/2 tables: album",
    ]
