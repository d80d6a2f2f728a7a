"""How a command ends: exit codes, one masked line (or one JSON object) per error, Ctrl-C.

Exit codes hold whatever the flags: **0** ok, **1** a privacy or quality gate failed,
**2** bad input, configuration or connection, **130** interrupted (Ctrl-C / SIGINT).
``--debug`` adds the traceback (passwords masked) above the same line and keeps
the code. With ``--json`` an error is ``{"error": "...", "exit_code": n}`` on stdout.

On Ctrl-C the command stops at once: pool workers are ended (they ignore SIGINT
themselves, see :mod:`provisioner.model.executor`), the open load transaction is
rolled back by the ``with`` blocks it was running in (a connection that closes
mid-transaction is rolled back by PostgreSQL too), files are only ever renamed
into place complete (:mod:`provisioner.files`), and the process exits 130.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import traceback
from collections.abc import Mapping
from typing import Any, NoReturn

import click

from provisioner.cli import jsonout
from provisioner.errors import GateFailed, ProvisionerError
from provisioner.pg import urls

INTERRUPTED = 130
_EXIT_GRACE_SECONDS = 1.0  # a clean exit that takes longer (a thread stuck in C) is cut short


def fail(exc: BaseException, *, debug: bool, as_json: bool) -> NoReturn:
    """Report ``exc`` the one way and exit with its code (2 for anything unexpected)."""
    expected = isinstance(exc, ProvisionerError)
    code = exc.exit_code if isinstance(exc, ProvisionerError) else 2
    message = urls.mask(str(exc)) if expected else f"{type(exc).__name__}: {urls.first_line(exc)}"
    message = " ".join(message.split("\n")) if expected else message
    if debug:
        click.echo(urls.mask("".join(traceback.format_exception(exc))).rstrip(), err=True)
    if as_json:
        extra: dict[str, Any] = {}
        if isinstance(exc, GateFailed) and isinstance(exc.report, Mapping):
            extra["report"] = exc.report
        emit_json({"error": message, "exit_code": code, **extra})
    else:
        hint = "" if expected or debug else " (re-run with --debug for details)"
        click.echo(f"error: {message}{hint}", err=True)
    sys.exit(code)


def interrupted(*, as_json: bool) -> NoReturn:
    """Ctrl-C: end pool workers, say what state things are in, exit 130 within a second or two."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
    stop_children()
    message = "interrupted (Ctrl-C): stopped; nothing was committed to the target and no partial file was left"
    if as_json:
        emit_json({"error": message, "exit_code": INTERRUPTED})
    else:
        click.echo(f"error: {message}", err=True)
    _exit_soon(INTERRUPTED)
    sys.exit(INTERRUPTED)


def stop_children() -> None:
    """End the worker processes this process started (a training or sampling pool)."""
    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    for child in children:
        child.join(timeout=0.3)
        if child.is_alive():
            child.kill()


def _exit_soon(code: int) -> None:
    """When this is the real process (not a test runner), make sure it ends even if a pool's
    shutdown hook would wait for a worker: a daemon timer cuts the interpreter's exit short."""
    if not getattr(sys, "_provisioner_cli", False):
        return

    def cut() -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)

    timer = threading.Timer(_EXIT_GRACE_SECONDS, cut)
    timer.daemon = True
    timer.start()


def emit_json(payload: Mapping[str, Any]) -> None:
    click.echo(urls.mask(jsonout.dumps(payload)))
