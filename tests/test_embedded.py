"""The embedded PostgreSQL, SQL-script loading, database creation and demo preparation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from provisioner.devkit import demo
from provisioner.devkit.embedded import EmbeddedServer, start_embedded
from provisioner.errors import ConfigError, ConnectError, LoadError
from provisioner.pg import connect as db
from provisioner.pg import script as sqlscript
from provisioner.pg import urls
from provisioner.progress import Progress

DATA = Path(__file__).resolve().parents[1] / "provisioner" / "data"
CHINOOK_COUNTS = {"album": 347, "track": 3503, "invoice_line": 2240, "playlist_track": 8715}


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    server = start_embedded(tmp_path_factory.mktemp("embedded") / "embedded-pg")  # where api.demo(workdir=...) looks
    yield server
    server.stop()


class Recorder(Progress):
    def __init__(self) -> None:
        self.events: list[str] = []

    def stage(self, name: str, detail: str = "") -> None:
        self.events.append(f"stage:{name}")

    def info(self, message: str) -> None:
        self.events.append(f"info:{message}")


def test_embedded_url_is_a_socket_url_that_survives_parse(embedded: EmbeddedServer) -> None:
    url = embedded.url("somedb")
    assert url == f"postgresql://postgres@/somedb?host={embedded.socket_dir}"
    parsed = urls.parse(url)
    assert parsed.drivername == "postgresql+psycopg"
    assert parsed.database == "somedb" and parsed.query["host"] == str(embedded.socket_dir)
    engine = db.source_engine(embedded.admin_url)
    with engine.connect() as conn:
        assert conn.execute(text("SHOW transaction_read_only")).scalar() == "on"
    engine.dispose()


def test_embedded_loads_shipped_chinook(embedded: EmbeddedServer) -> None:
    url = sqlscript.create_database(embedded.admin_url, "chinook_embedded", replace=True)
    sqlscript.load_sql_script(url, DATA / "chinook.sql")
    counts = sqlscript.table_row_counts(url)
    assert set(counts) == demo.CHINOOK_TABLES
    assert {name: counts[name] for name in CHINOOK_COUNTS} == CHINOOK_COUNTS
    assert demo.chinook_complete(url)


def test_restart_after_stop_reuses_the_data(tmp_path: Path) -> None:
    server = start_embedded(tmp_path / "pg")
    sqlscript.create_database(server.admin_url, "kept")
    server.stop()
    assert not (tmp_path / "pg" / "postmaster.pid").exists()
    again = start_embedded(tmp_path / "pg")
    try:
        assert sqlscript.database_exists(again.admin_url, "kept")
    finally:
        again.stop()


def test_prepare_source_loads_once_then_reuses(embedded: EmbeddedServer) -> None:
    first, second = Recorder(), Recorder()
    url = demo.prepare_source(embedded, first)
    assert "stage:sample" in first.events
    assert demo.prepare_source(embedded, second) == url
    assert "stage:sample" not in second.events and any("reusing" in e for e in second.events)


def test_summary_lines_show_psql_commands_and_rows(embedded: EmbeddedServer) -> None:
    lines = demo.summary_lines(embedded, {"track": 3503, "album": 347})
    assert lines[0].endswith(f'psql "{embedded.url(demo.SOURCE_DB)}"')
    assert any(demo.STAGING_DB in line and "psql" in line for line in lines)
    assert any(line.split() == ["album", "347"] for line in lines)
    assert any(line.split() == ["total", "3,850"] for line in lines)
    config = demo.demo_config("postgresql://a@/s", "postgresql://a@/t")
    assert config.seed == 0 and config.train.epochs == demo.DEMO_EPOCHS


def test_demo_provisions_chinook_on_the_embedded_server(embedded: EmbeddedServer) -> None:
    """The real demo: the shipped Chinook as the source, a synthetic staging database beside it, the seed honoured."""
    from provisioner import api

    result = api.demo(Recorder(), workdir=embedded.datadir.parent, seed=4)
    assert result.source_url == embedded.url(demo.SOURCE_DB) and result.target_url == embedded.url(demo.STAGING_DB)
    staged = {k: v for k, v in sqlscript.table_row_counts(result.target_url).items() if k in demo.CHINOOK_TABLES}
    assert staged == dict(result.rows) and set(staged) == demo.CHINOOK_TABLES
    assert staged["genre"] == 25 and staged["invoice_line"] > 1000  # lookups copied, the rest sampled
    assert any(f"{sum(staged.values()):,}" in line for line in result.summary)
    again = api.demo(Recorder(), workdir=embedded.datadir.parent, seed=4)
    assert dict(again.rows) == staged  # same seed, same rows


def test_original_chinook_dump_loads_with_header_stripped(chinook_url: str) -> None:
    counts = sqlscript.table_row_counts(chinook_url)
    assert len(counts) == 11 and counts["playlist_track"] == 8715


def test_northwind_loads_into_fresh_db(fresh_db: Callable[..., str], northwind_url: str) -> None:
    script = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "northwind.sql"
    url = fresh_db("nw")
    sqlscript.load_sql_script(url, script)
    counts = sqlscript.table_row_counts(url)
    assert len(counts) == 14 and counts["orders"] == 830 and counts["customer_demographics"] == 0
    assert sqlscript.table_row_counts(northwind_url) == counts


def test_create_database_refuses_existing_unless_replace(fresh_db: Callable[..., str], pg_admin_url: str) -> None:
    url = fresh_db("dup")
    name = urls.parse(url).database
    with pytest.raises(ConfigError, match="already exists"):
        sqlscript.create_database(pg_admin_url, name)
    with psycopg.connect(**sqlscript.connect_kwargs(url)) as held:  # an open session does not block replace
        held.execute("CREATE TABLE t (x int)")
        held.commit()
        assert sqlscript.create_database(pg_admin_url, name, replace=True) == url
    assert sqlscript.table_row_counts(url) == {}


def test_failed_script_loads_nothing(fresh_db: Callable[..., str], tmp_path: Path) -> None:
    url = fresh_db("bad")
    script = tmp_path / "bad.sql"
    script.write_text("\\set ON_ERROR_STOP 1\nCREATE TABLE ok (x int);\nINSERT INTO missing VALUES (1);\n")
    with pytest.raises(LoadError, match="bad.sql.*missing"):
        sqlscript.load_sql_script(url, script)
    assert sqlscript.table_row_counts(url) == {}


def test_connect_error_hides_password() -> None:
    with pytest.raises(ConnectError) as info:
        sqlscript.database_exists("postgresql://u:s3cret@127.0.0.1:1/postgres", "x")
    assert "s3cret" not in str(info.value) and "***" in str(info.value)


def test_readonly_role_can_only_select(chinook_url: str, readonly_role: Callable[..., str]) -> None:
    url = readonly_role(chinook_url)
    with psycopg.connect(**sqlscript.connect_kwargs(url), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM album").fetchone() == (347,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE nope (x int)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM genre")


def test_clean_script_and_shipped_files() -> None:
    raw = "DROP DATABASE IF EXISTS x;\nCREATE DATABASE\n  x;\n\\c x;\nSELECT 1;\n"
    assert sqlscript.clean_script(raw).split() == ["SELECT", "1;"]
    shipped = (DATA / "chinook.sql").read_text(encoding="utf-8")
    assert sqlscript.clean_script(shipped) == shipped
    assert (DATA / "chinook.LICENSE.md").read_text(encoding="utf-8").startswith("Chinook Database")
    assert "chinook.LICENSE.md" in (DATA / "NOTICE.md").read_text(encoding="utf-8")
