"""Issue 11, item 5: passwords are masked in every form; PGPASSWORD, .pgpass and PGSERVICE work as in psql.

Against a PostgreSQL of our own with password authentication (scram-sha-256): a URL with an
unencoded ``@`` and ``/`` in its password, ``?password=``, a keyword DSN with a quoted password,
a percent-encoded password, and no password at all with PGPASSWORD, a .pgpass file or a
service file. Nothing secret reaches stdout, stderr (progress, errors, ``--debug``
tracebacks), ``--json``, the JSON and HTML reports or the bundle.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.pg import script as sqlscript
from provisioner.pg import urls

from .safety_kit import PasswordServer, cli, execute, invoke, json_out, password_server  # noqa: F401 - the fixture
from .shop import SHOP_SQL

FAST = "seed: 3\ntrain:\n  epochs: 1\n  gan_min_rows: 100000\n"
AT_PASSWORD = "at@in/pass:word@2"  # unencoded @, / and : in a URL
QUERY_PASSWORD = "qp-S3cret-value"


@pytest.mark.parametrize(("text", "secret"), [
    ("postgresql://u:p@ss/w:rd@db.example:5432/shop", "p@ss/w:rd"),
    ("could not connect to postgresql://u:hunter2@host/db: timeout", "hunter2"),
    ("postgresql://u@host/db?sslmode=require&password=qs3cret&application_name=x", "qs3cret"),
    ("host=db port=5432 dbname=shop user=ro password=dsnS3cret", "dsnS3cret"),
    ("host=db password='with space\\'s' dbname=shop", "with space"),
    ("postgresql://u:p%40ss%2Fword@host/db", "p%40ss%2Fword"),
    ("{'user': 'ro', 'password': 'reprS3cret'}", "reprS3cret"),
    ("sslpassword=keyS3cret sslmode=verify-full", "keyS3cret"),
])
def test_mask_hides_every_form(text: str, secret: str) -> None:
    masked = urls.mask(text)
    assert secret not in masked and "***" in masked


def test_a_parsed_password_is_masked_wherever_it_appears() -> None:
    parsed = urls.parse("postgresql://u:Unusual%2FPass@host/db")
    assert parsed.password == "Unusual/Pass" and parsed.host == "host"
    assert "Unusual" not in urls.mask("the server said: bad password Unusual/Pass (Unusual%2FPass)")
    at = urls.parse("postgresql://u:a@b/c@real-host:5433/db")
    assert (at.password, at.host, at.port, at.database) == ("a@b/c", "real-host", 5433, "db")
    dsn = urls.parse("host=h port=6543 dbname=d user=u password='x y' sslmode=require")
    assert (dsn.host, dsn.port, dsn.database, dsn.password, dict(dsn.query)) == ("h", 6543, "d", "x y", {"sslmode": "require"})


@pytest.fixture(scope="module")
def databases(password_server: PasswordServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:  # noqa: F811
    tmp = tmp_path_factory.mktemp("pw")
    admin = password_server.url()
    source = sqlscript.create_database(admin, "pw_source", replace=True)
    script = tmp / "shop.sql"
    script.write_text(SHOP_SQL)
    sqlscript.load_sql_script(source, script)
    execute(admin, f"CREATE ROLE atuser LOGIN SUPERUSER PASSWORD '{AT_PASSWORD}'; "
                   f"CREATE ROLE qpuser LOGIN SUPERUSER PASSWORD '{QUERY_PASSWORD}'")
    yield {"admin": admin}
    execute(admin, "DROP ROLE IF EXISTS atuser; DROP ROLE IF EXISTS qpuser")


def _secrets(server: PasswordServer) -> list[str]:
    parts = [server.password, quote(server.password, safe=""), AT_PASSWORD, "in/pass:word", QUERY_PASSWORD]
    return parts + ["S3cret@pa/ss"]


def _clean(server: PasswordServer, *texts: str) -> None:
    for text in texts:
        for secret in _secrets(server):
            assert secret not in text, secret


def test_every_url_form_works_and_nothing_secret_is_written(password_server: PasswordServer, databases: dict[str, str],  # noqa: F811
                                                            tmp_path: Path) -> None:
    server = password_server
    (tmp_path / "fast.yaml").write_text(FAST)
    target_db = sqlscript.create_database(databases["admin"], "pw_target", replace=True)
    assert target_db
    at_url = f"postgresql://atuser:{AT_PASSWORD}@{server.host}:{server.port}/pw_source"  # unencoded @ and /
    dsn = f"host={server.host} port={server.port} dbname=pw_target user=postgres password='{server.password}'"
    outputs = []
    result = cli("provision", "--source", at_url, "--target", dsn, "--config", tmp_path / "fast.yaml", "--json",
                 "--report", tmp_path / "r.json", "--report-html", tmp_path / "r.html", "--bundle", tmp_path / "b.bundle")
    assert result.returncode == 0, urls.mask(result.stderr)
    assert json_out(result.stdout)["ok"] is True
    outputs += [result.stdout, result.stderr]
    query_url = f"postgresql://qpuser@{server.host}:{server.port}/pw_source?password={QUERY_PASSWORD}"
    encoded = f"postgresql://postgres:{quote(server.password, safe='')}@{server.host}:{server.port}/pw_source"
    for source in (query_url, encoded):
        result = cli("train", "--source", source, "--bundle", tmp_path / "t.bundle", "--config", tmp_path / "fast.yaml", "--json")
        assert result.returncode == 0, urls.mask(result.stderr)
        outputs += [result.stdout, result.stderr]
    files = [tmp_path / name for name in ("r.json", "r.html")]
    _clean(server, *outputs, *(f.read_text() for f in files))
    for bundle in ("b.bundle", "t.bundle"):
        raw = (tmp_path / bundle).read_bytes()
        for secret in _secrets(server):
            assert secret.encode() not in raw


def test_pgpassword_pgpass_and_service_work_as_in_psql(password_server: PasswordServer, databases: dict[str, str],  # noqa: F811
                                                      tmp_path: Path) -> None:
    server = password_server
    (tmp_path / "fast.yaml").write_text(FAST)
    plain = f"postgresql://postgres@{server.host}:{server.port}/pw_source"
    pgpass = tmp_path / "pgpass"
    escaped = server.password.replace("\\", "\\\\").replace(":", "\\:")
    pgpass.write_text(f"{server.host}:{server.port}:*:postgres:{escaped}\n")
    pgpass.chmod(0o600)
    services = tmp_path / "pg_service.conf"
    services.write_text(f"[shop_src]\nhost={server.host}\nport={server.port}\ndbname=pw_source\nuser=postgres\n")
    cases = [
        ({"PGPASSWORD": server.password}, plain),
        ({"PGPASSFILE": str(pgpass)}, plain),
        ({"PGPASSFILE": str(pgpass), "PGSERVICEFILE": str(services)}, "service=shop_src"),
        ({"PGPASSFILE": str(pgpass), "PGSERVICEFILE": str(services)}, "postgresql:///?service=shop_src"),
        ({"PGPASSFILE": str(pgpass), "PGSERVICEFILE": str(services), "PGSERVICE": "shop_src"}, "postgresql://"),
    ]
    for env, source in cases:
        result = CliRunner(env=env).invoke(main, ["train", "--source", source, "--bundle", str(tmp_path / "s.bundle"),
                                                  "--config", str(tmp_path / "fast.yaml")])
        assert result.exit_code == 0, (env, source, urls.mask(result.stderr))
        _clean(server, result.stdout, result.stderr)
    denied = CliRunner(env={"PGPASSFILE": str(tmp_path / "none")}).invoke(main, ["train", "--source", plain, "--bundle", str(tmp_path / "x.bundle")])
    assert denied.exit_code == 2 and "source" in denied.stderr


def test_wrong_passwords_fail_masked_in_text_json_and_debug(password_server: PasswordServer, databases: dict[str, str],  # noqa: F811
                                                            tmp_path: Path) -> None:
    server = password_server
    wrong = "Wr0ng@pa/ss:word@9"
    sources = [
        f"postgresql://postgres:{wrong}@{server.host}:{server.port}/pw_source",
        f"host={server.host} port={server.port} dbname=pw_source user=postgres password='{wrong}'",
        f"postgresql://postgres@{server.host}:{server.port}/pw_source?password={quote(wrong, safe='')}",
    ]
    for source in sources:
        for extra in ((), ("--json",), ("--debug",)):
            result = invoke("train", "--source", source, "--bundle", tmp_path / "w.bundle", *extra)
            assert result.exit_code == 2, result.stderr[-500:]
            for text in (result.stdout, result.stderr):
                assert wrong not in text and quote(wrong, safe="") not in text and "pa/ss:word" not in text
            if extra == ("--json",):
                payload = json_out(result.stdout)
                assert payload["exit_code"] == 2 and "source" in payload["error"]
            if extra == ("--debug",):
                assert "Traceback" in result.stderr and result.stderr.rstrip().splitlines()[-1].startswith("error: ")
