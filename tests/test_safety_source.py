"""Issue 11, item 3: provisioner knows the source everywhere, and one target takes one run at a time.

* The bundle records the source's identity (``system_identifier`` plus database, hashed; never
  in clear); ``load`` and ``refresh`` refuse that database (exit 2) even under another URL.
* ``refresh`` refuses a target other sessions are connected to (named) unless ``--force``,
  which ends them and says so; it refuses a target holding tables provisioner did not create
  unless ``--replace``.
* Runs on one target are serialised by an advisory lock: a waiter says it is waiting; two
  concurrent loads and two concurrent refreshes all succeed (never a duplicate-key error).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from provisioner import api
from provisioner.config import load_config
from provisioner.devkit.refresh import hold, template_name
from provisioner.load.migrate import LOCK_KEY
from provisioner.model import bundle as bundle_io
from provisioner.pg import connect as db
from provisioner.pg import script as sqlscript

from . import dbcheck
from .conftest import unique_name
from .safety_kit import execute, invoke, one_error_line, popen, rows
from .shop import fast_config, make_shop


@pytest.fixture(scope="module")
def shop(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("src")
    name = unique_name("srcid")
    url = sqlscript.create_database(pg_admin_url, name)
    try:
        make_shop(url, tmp)
        api.train_bundle(load_config(fast_config(tmp)).with_overrides(source=url), tmp / "shop.bundle")
        yield url, tmp / "shop.bundle"
    finally:
        sqlscript.drop_database(pg_admin_url, name)


def _alias(url: str) -> str:
    """The same database under another URL (localhost for 127.0.0.1)."""
    parsed = make_url(url)
    return parsed.set(host="localhost" if parsed.host != "localhost" else "127.0.0.1").render_as_string(hide_password=False)


def test_the_bundle_knows_its_source_hashed(shop: tuple[str, Path]) -> None:
    source, bundle = shop
    recorded = bundle_io.source_identity(bundle)
    engine = db.source_engine(source)
    try:
        system = rows(source, "SELECT system_identifier::text FROM pg_control_system()")[0][0]
        assert recorded == db.identity(engine)
    finally:
        engine.dispose()
    assert set(recorded) == {"system", "address"} and all(len(v) == 32 for v in recorded.values())
    raw = bundle.read_bytes()
    assert system.encode() not in raw  # hashed, never in clear


def test_load_and_refresh_refuse_the_source(shop: tuple[str, Path], pg_admin_url: str) -> None:
    source, bundle = shop
    before = dbcheck.digests(source)
    for command in ("load", "refresh"):
        result = invoke(command, "--bundle", bundle, "--target", _alias(source), "--admin-url", pg_admin_url) if command == "refresh" \
            else invoke(command, "--bundle", bundle, "--target", _alias(source))
        assert result.exit_code == 2, (command, result.stderr)
        assert "trained on" in one_error_line(result.stderr)
    assert dbcheck.digests(source) == before
    assert sqlscript.database_exists(pg_admin_url, make_url(source).database)


def test_refresh_refuses_sessions_unless_force(shop: tuple[str, Path], pg_admin_url: str) -> None:
    _, bundle = shop
    name = unique_name("refsess")
    target = sqlscript.database_url(pg_admin_url, name)
    try:
        assert invoke("refresh", "--bundle", bundle, "--target", target, "--quiet").exit_code == 0
        other = psycopg.connect(**sqlscript.connect_kwargs(target), application_name="someone-else", autocommit=True)
        try:
            refused = invoke("refresh", "--bundle", bundle, "--target", target)
            assert refused.exit_code == 2
            line = one_error_line(refused.stderr)
            assert "someone-else" in line and "--force" in line
            assert other.execute("SELECT 1").fetchone() == (1,)  # not ended
            forced = invoke("refresh", "--bundle", bundle, "--target", target, "--force")
            assert forced.exit_code == 0, forced.stderr
            assert "ended 1 session" in forced.stderr and "someone-else" in forced.stderr
        finally:
            other.close()
    finally:
        for db_name in (name, template_name(name)):
            sqlscript.drop_database(pg_admin_url, db_name)


def test_refresh_refuses_a_database_of_the_users(shop: tuple[str, Path], pg_admin_url: str) -> None:
    _, bundle = shop
    name = unique_name("refown")
    target = sqlscript.create_database(pg_admin_url, name)
    try:
        execute(target, "CREATE TABLE precious (x int); INSERT INTO precious VALUES (1);")
        refused = invoke("refresh", "--bundle", bundle, "--target", target)
        assert refused.exit_code == 2
        assert "precious" in one_error_line(refused.stderr)
        assert rows(target, "SELECT x FROM precious") == [(1,)]
        replaced = invoke("refresh", "--bundle", bundle, "--target", target, "--replace", "--quiet")
        assert replaced.exit_code == 0, replaced.stderr
        assert rows(target, "SELECT count(*) FROM customer")[0][0] > 0
    finally:
        for db_name in (name, template_name(name)):
            sqlscript.drop_database(pg_admin_url, db_name)


def test_refresh_never_drops_a_source_named_like_its_template(pg_admin_url: str, tmp_path: Path) -> None:
    base = unique_name("tplsrc")
    source = sqlscript.create_database(pg_admin_url, template_name(base))  # the source has the template's name
    try:
        make_shop(source, tmp_path)
        bundle = tmp_path / "s.bundle"
        api.train_bundle(load_config(fast_config(tmp_path)).with_overrides(source=source), bundle)
        before = dbcheck.digests(source)
        for extra in ((), ("--replace",), ("--rebuild-template", "--replace")):
            result = invoke("refresh", "--bundle", bundle, "--target", sqlscript.database_url(pg_admin_url, base), *extra)
            assert result.exit_code == 2, result.stderr
            assert "template" in one_error_line(result.stderr)
        assert dbcheck.digests(source) == before
    finally:
        for db_name in (base, template_name(base)):
            sqlscript.drop_database(pg_admin_url, db_name)


class _Reader:
    """Collect a process's stderr lines as they come."""

    def __init__(self, proc) -> None:  # type: ignore[no-untyped-def]
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc) -> None:  # type: ignore[no-untyped-def]
        for line in proc.stderr:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float) -> bool:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(text in ln for ln in self.lines):
                return True
            time.sleep(0.1)
        return False


def test_a_load_waits_for_another_and_says_so(shop: tuple[str, Path], fresh_db) -> None:  # type: ignore[no-untyped-def]
    _, bundle = shop
    target = fresh_db("lockwait")
    holder = psycopg.connect(**sqlscript.connect_kwargs(target), autocommit=True)
    try:
        holder.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))  # another run holds the target
        proc = popen("load", "--bundle", bundle, "--target", target)
        reader = _Reader(proc)
        assert reader.wait_for("waiting", 60), "".join(reader.lines)
        time.sleep(0.5)
        assert proc.poll() is None  # still waiting
        holder.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
        assert proc.wait(60) == 0, "".join(reader.lines)
    finally:
        holder.close()
    assert rows(target, "SELECT count(*) FROM customer")[0][0] > 0


def test_concurrent_loads_and_refreshes_all_succeed(shop: tuple[str, Path], fresh_db, pg_admin_url: str) -> None:  # type: ignore[no-untyped-def]
    _, bundle = shop
    target = fresh_db("conc")
    name = unique_name("concref")
    refresh_target = sqlscript.database_url(pg_admin_url, name)
    try:
        with hold(pg_admin_url, f"refresh of {name}"):  # as if a third refresh were running: both must wait, then run
            procs = [popen("refresh", "--bundle", bundle, "--target", refresh_target) for _ in range(2)]
            readers = [_Reader(p) for p in procs]
            assert all(r.wait_for("waiting", 120) for r in readers), ["".join(r.lines) for r in readers]
            loads = [popen("load", "--bundle", bundle, "--target", target, "--seed", str(i)) for i in range(2)]
        for proc, reader in zip(procs, readers):
            assert proc.wait(300) == 0, "".join(reader.lines)
            assert not any("duplicate key" in ln for ln in reader.lines)
        for proc in loads:
            _, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err
            assert "duplicate key" not in err
        assert rows(refresh_target, "SELECT count(*) FROM customer")[0][0] > 0
    finally:
        for db_name in (name, template_name(name)):
            sqlscript.drop_database(pg_admin_url, db_name)
