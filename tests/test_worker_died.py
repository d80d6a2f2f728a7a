"""A pool worker killed from outside (the kernel's OOM killer, a signal) ends the run with one clear line."""

from __future__ import annotations

import os
import signal

import pytest

from provisioner.errors import WorkerDied
from provisioner.model.executor import LocalExecutor


def _die(_: int) -> int:
    os.kill(os.getpid(), signal.SIGKILL)  # what the OOM killer does to a worker
    return 0


def test_a_killed_worker_names_the_cause_and_the_fix() -> None:
    executor = LocalExecutor(workers=2)
    try:
        with pytest.raises(WorkerDied) as raised:
            executor.map(_die, [1, 2])
    finally:
        executor.close()
    message = str(raised.value)
    assert "killed" in message and "train.executor: serial" in message and "\n" not in message
    assert raised.value.exit_code == 2
