"""Pool workers die with the process that started them: a real parent is killed with SIGKILL
while its workers are busy, and the workers must be gone within seconds (none keeps training)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from provisioner.model.executor import PARENT_POLL_SECONDS

REPO = Path(__file__).resolve().parents[1]

PARENT = '''
import os, sys, time
from provisioner.model.executor import LocalExecutor


def busy(path):
    with open(path + ".tmp", "w") as out:
        out.write(str(os.getpid()))
    os.replace(path + ".tmp", path)
    end = time.time() + 300
    while time.time() < end:  # a long fit: keeps the CPU busy
        sum(range(10000))
    return 0


if __name__ == "__main__":
    pool = LocalExecutor(workers=2)
    pool.map(busy, [os.path.join(sys.argv[1], f"worker{i}") for i in range(2)])
'''


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")  # a zombie has stopped; only its exit status is left


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads process states from /proc")
def test_pool_workers_stop_when_the_parent_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    parent = subprocess.Popen([sys.executable, str(script), str(tmp_path)], env=env)
    try:
        deadline = time.time() + 120
        files = [tmp_path / "worker0", tmp_path / "worker1"]
        while not all(f.exists() for f in files):
            assert parent.poll() is None, "the parent ended before its workers started"
            assert time.time() < deadline, "the workers never started"
            time.sleep(0.2)
        workers = [int(f.read_text()) for f in files]
        assert all(_alive(pid) for pid in workers)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        stop_by = time.time() + 20 * PARENT_POLL_SECONDS + 5
        while any(_alive(pid) for pid in workers) and time.time() < stop_by:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in workers), "a pool worker kept running after its parent was killed"
    finally:
        if parent.poll() is None:
            parent.kill()
        for f in tmp_path.glob("worker?"):
            pid = int(f.read_text())
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
