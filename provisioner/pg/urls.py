"""Database URL helpers: password masking and source/target identity."""

from __future__ import annotations

import re

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from provisioner.errors import ConfigError

_PASSWORD_IN_URL = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)(?P<tail>@)")
_LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1", "[::1]"}


def mask(text: str) -> str:
    """Replace the password of every URL inside ``text`` with ``***``."""
    return _PASSWORD_IN_URL.sub(lambda m: f"{m['head']}***{m['tail']}", str(text))


def parse(url: str, role: str = "database") -> URL:
    """Parse a PostgreSQL URL and force the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"the {role} URL {mask(url)!r} is not a database URL; "
            "use postgresql://user:password@host:5432/dbname"
        ) from None
    if not parsed.drivername.startswith("postgresql"):
        raise ConfigError(f"the {role} URL {mask(url)!r} is not PostgreSQL; provisioner supports postgresql:// URLs only")
    return parsed.set(drivername="postgresql+psycopg")


def display(url: URL | str) -> str:
    """Render a URL for people, password hidden."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return mask(url)


def same_database_by_url(a: URL, b: URL) -> bool:
    """True when two URLs obviously name the same database on the same server."""
    host_a = (a.host or "").lower()
    host_b = (b.host or "").lower()
    same_host = host_a == host_b or (host_a in _LOCAL_HOSTS and host_b in _LOCAL_HOSTS)
    return same_host and (a.port or 5432) == (b.port or 5432) and a.database == b.database


def first_line(exc: BaseException) -> str:
    """The first non-empty line of an error (a driver's original error when wrapped), passwords masked."""
    orig = getattr(exc, "orig", None) or exc
    lines = [ln.strip() for ln in str(orig).splitlines() if ln.strip()]
    return mask(lines[0] if lines else type(orig).__name__)
