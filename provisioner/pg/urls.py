"""Database URLs and DSNs: parsing every form psql takes, and masking every password in text.

Accepted: ``postgresql://`` / ``postgres://`` URLs (an unencoded ``@`` or ``/`` in the
password is taken as part of it: the host follows the *last* ``@``), parameters in
the query (``?password=``, ``?service=``, ``?sslmode=``) and libpq keyword DSNs
(``host=db port=5432 dbname=shop user=ro password='s e c'``). A URL without a
password leaves libpq to find one as psql does: ``PGPASSWORD``, ``~/.pgpass``,
``PGSERVICE`` / ``?service=`` (every parameter reaches libpq through psycopg).

:func:`mask` hides passwords in any text: URL userinfo, ``password=`` pairs (query
strings, keyword DSNs, ``'password': '...'`` reprs), and every password this
process has parsed, in clear or percent-encoded, wherever it appears.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote, quote_plus, unquote

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from provisioner.errors import ConfigError

_URL_USERINFO = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)(?P<pw>\S*)(?P<tail>@[^@\s]*)")
_PASSWORD_PAIR = re.compile(
    r"""(?P<head>\b(?:ssl)?pass(?:word|wd)['"]?\s*[:=]\s*)(?P<pw>'(?:[^'\\]|\\.)*(?:'|$)|"(?:[^"\\]|\\.)*(?:"|$)|[^\s&'",;)}]+)""",
    re.IGNORECASE,
)
_LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1", "[::1]"}
_SECRET_ENV = ("PGPASSWORD",)
_MIN_SECRET = 3  # shorter registered secrets are masked by the patterns only
_secrets: set[str] = set()


def remember(secret: str | None) -> None:
    """Mask ``secret`` (and its percent-encoded forms) in every later :func:`mask`."""
    if secret and len(secret) >= _MIN_SECRET:
        _secrets.update({secret, quote(secret, safe=""), quote_plus(secret), quote(secret)})


def mask(text: object) -> str:
    """``text`` with every password replaced by ``***``."""
    out = _URL_USERINFO.sub(lambda m: f"{m['head']}***{m['tail']}", str(text))
    out = _PASSWORD_PAIR.sub(lambda m: f"{m['head']}***", out)
    for name in _SECRET_ENV:
        remember(os.environ.get(name))
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in out:
            out = out.replace(secret, "***")
    return out


def parse(url: str, role: str = "database") -> URL:
    """A PostgreSQL URL or keyword DSN as a SQLAlchemy URL on the psycopg 3 driver."""
    text = str(url).strip()
    if "://" not in text and "=" in text:
        return _from_dsn(text, role)
    try:
        parsed = make_url(_encode_userinfo(text))
    except (ArgumentError, ValueError):
        raise ConfigError(
            f"the {role} URL {mask(text)!r} is not a database URL; "
            "use postgresql://user:password@host:5432/dbname or host=... dbname=... user=..."
        ) from None
    if parsed.drivername.split("+")[0] not in ("postgresql", "postgres"):
        raise ConfigError(f"the {role} URL {mask(text)!r} is not PostgreSQL; provisioner supports postgresql:// URLs only")
    remember(parsed.password if isinstance(parsed.password, str) else None)
    for key, value in parsed.query.items():
        if key in ("password", "sslpassword"):
            for item in value if isinstance(value, tuple) else (value,):
                remember(item)
    return parsed.set(drivername="postgresql+psycopg")


def _encode_userinfo(text: str) -> str:
    """Percent-encode the userinfo of a URL whose password holds ``@``, ``/``, ``?`` or ``#``:
    the host follows the last ``@`` (a query's ``@``, as in ``?application_name=a@b``, is skipped)."""
    scheme, sep, rest = text.partition("://")
    if not sep or "@" not in rest:
        return text
    at = rest.rfind("@")
    query = rest.find("?")
    if 0 <= query < at and "=" in rest[query:at]:
        at = rest.rfind("@", 0, query)
        if at < 0:
            return text
    userinfo, host = rest[:at], rest[at + 1:]
    user, colon, password = userinfo.partition(":")
    encoded = quote(unquote(user), safe="") + (colon + quote(unquote(password), safe="") if colon else "")
    return f"{scheme}://{encoded}@{host}"


def _from_dsn(text: str, role: str) -> URL:
    from psycopg import conninfo

    try:
        params = conninfo.conninfo_to_dict(text)
    except Exception:  # noqa: BLE001 - psycopg's ProgrammingError carries the text; say it without it
        raise ConfigError(f"the {role} DSN {mask(text)!r} does not parse; write host=... dbname=... user=... "
                          "(quote values with spaces: password='a b')") from None
    for key in ("password", "sslpassword"):
        remember(str(params.get(key) or ""))
    port = str(params.pop("port", "") or "")
    single_port = port.isdigit()
    query = {k: str(v) for k, v in params.items() if k not in ("user", "password", "host", "dbname")}
    if port and not single_port:
        query["port"] = port
    return URL.create(
        "postgresql+psycopg",
        username=params.get("user"), password=params.get("password"), host=params.get("host"),
        port=int(port) if single_port else None, database=params.get("dbname"), query=query,
    )


def display(url: URL | str) -> str:
    """Render a URL (or DSN) for people, every password hidden."""
    if isinstance(url, URL):
        return mask(url.render_as_string(hide_password=True))
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
