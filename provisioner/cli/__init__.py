"""The command line front end: ``provisioner <command>``; each command calls one :mod:`provisioner.api` function."""

from __future__ import annotations

from provisioner.cli.main import main

__all__ = ["main"]
