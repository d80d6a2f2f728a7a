"""One exception hierarchy for the whole tool.

Every error carries an ``exit_code``: 1 when a privacy or quality gate failed
(nothing was written), 2 for bad input, configuration or connections.
Messages name the table or column and say what to do next.
"""

from __future__ import annotations


class ProvisionerError(Exception):
    """Base class of every error provisioner raises on purpose."""

    exit_code: int = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(ProvisionerError):
    """The configuration file or a CLI option is invalid."""


class ConnectError(ProvisionerError):
    """A database could not be reached or refused the credentials."""


class UnsafeTargetError(ProvisionerError):
    """The target is the source database, or otherwise unsafe to write to."""


class SchemaError(ProvisionerError):
    """The schema holds something provisioner cannot handle."""


class EmptySourceError(ProvisionerError):
    """A table that must be learnt from holds no rows."""


class BundleError(ProvisionerError):
    """A model bundle is missing, corrupt, tampered with or mismatched."""


class LoadError(ProvisionerError):
    """Loading into the target failed; the target was rolled back. ``after_rows``: it failed once rows were
    being sent (a COPY, or the keys, indexes and checks over them), not while the schema was made."""

    def __init__(self, message: str, after_rows: bool = False) -> None:
        super().__init__(message)
        self.after_rows = after_rows


class WorkerDied(ProvisionerError):
    """A worker process was killed from outside (out of memory, a signal); nothing was written."""


class GateFailed(ProvisionerError):
    """A privacy or quality gate failed; nothing was written."""

    exit_code = 1

    def __init__(self, message: str, report: object | None = None) -> None:
        super().__init__(message)
        self.report = report
