"""``provisioner demo``: a synthetic staging copy of Chinook, with nothing to install.

Starts the embedded PostgreSQL, loads the shipped Chinook sample as the
"production" source, and provisions a synthetic staging database from it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from provisioner.config import Config, TrainConfig
from provisioner.devkit.embedded import EmbeddedServer, default_datadir, start_embedded
from provisioner.pg import script as sqlscript
from provisioner.pg import urls
from provisioner.progress import Progress, silent

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

SOURCE_DB = "chinook_demo_source"
STAGING_DB = "chinook_demo_staging"
CHINOOK_TABLES = frozenset(
    {
        "album",
        "artist",
        "customer",
        "employee",
        "genre",
        "invoice",
        "invoice_line",
        "media_type",
        "playlist",
        "playlist_track",
        "track",
    }
)
DEMO_EPOCHS = 30
DEMO_ROW_CAP = 3000


@dataclass(frozen=True)
class DemoResult:
    source_url: str
    target_url: str
    summary: tuple[str, ...]
    rows: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


def prepare(progress: Progress = silent, workdir: Path | None = None, *, keep_running: bool = True) -> tuple[EmbeddedServer, str, str]:
    """Start the embedded server, make sure the Chinook source is loaded, create an empty staging database.

    ``workdir`` holds the server's data (``<workdir>/embedded-pg``); by default
    ``~/.cache/provisioner``, reused so that a second run skips initdb and the
    Chinook load. With ``keep_running`` (default) the server stays up after the
    process exits so the databases can be inspected with psql.
    """
    datadir = (workdir / "embedded-pg") if workdir is not None else default_datadir()
    with _stage(progress, "embedded", f"starting the embedded PostgreSQL in {datadir}"):
        server = start_embedded(datadir, keep_running=keep_running)
    source_url = prepare_source(server, progress)
    sqlscript.create_database(server.admin_url, STAGING_DB, replace=True)
    return server, source_url, server.url(STAGING_DB)


def demo_config(source_url: str, target_url: str, seed: int = 0) -> Config:
    return Config(source=source_url, target=target_url, seed=seed, train=TrainConfig(epochs=DEMO_EPOCHS, row_cap=DEMO_ROW_CAP))


def result(server: EmbeddedServer, source_url: str, target_url: str, rows: Mapping[str, int], *, keep_running: bool = True) -> DemoResult:
    summary = summary_lines(server, rows, keep_running=keep_running)
    return DemoResult(source_url, target_url, tuple(summary), MappingProxyType(dict(rows)))


def prepare_source(server: EmbeddedServer, progress: Progress = silent) -> str:
    """Make sure ``chinook_demo_source`` holds the full Chinook sample; return its URL."""
    url = server.url(SOURCE_DB)
    if sqlscript.database_exists(server.admin_url, SOURCE_DB) and chinook_complete(url):
        progress.info(f"reusing the Chinook source database {SOURCE_DB}")
        return url
    with _stage(progress, "sample", f"loading the Chinook sample into {SOURCE_DB}"):
        sqlscript.create_database(server.admin_url, SOURCE_DB, replace=True)
        with resources.as_file(chinook_script()) as script:
            sqlscript.load_sql_script(url, script)
    return url


def chinook_script() -> Traversable:
    """The Chinook SQL script shipped inside the package (``provisioner/data``)."""
    return resources.files("provisioner").joinpath("data").joinpath("chinook.sql")


def chinook_complete(url: str) -> bool:
    """True when all 11 Chinook tables exist and hold rows."""
    counts = sqlscript.table_row_counts(url)
    return CHINOOK_TABLES <= counts.keys() and all(counts[name] > 0 for name in CHINOOK_TABLES)


def summary_lines(server: EmbeddedServer, rows: Mapping[str, int], *, keep_running: bool = True) -> list[str]:
    """How to connect to both databases, then the synthetic rows per table."""
    lines = [
        f"source (real Chinook):  psql \"{urls.display(server.url(SOURCE_DB))}\"",
        f"staging (synthetic):    psql \"{urls.display(server.url(STAGING_DB))}\"",
        f"server: embedded PostgreSQL, unix socket in {server.socket_dir}, user postgres, no password",
    ]
    if keep_running:
        lines.append(f"stop it with: python -m provisioner.devkit.embedded stop {server.datadir}")
    lines.append(f"rows loaded into {STAGING_DB}:")
    width = max((len(name) for name in rows), default=0)
    lines.extend(f"  {name:<{width}}  {count:>7,}" for name, count in sorted(rows.items()))
    lines.append(f"  {'total':<{width}}  {sum(rows.values()):>7,}")
    return lines


@contextmanager
def _stage(progress: Progress, name: str, detail: str) -> Iterator[None]:
    progress.stage(name, detail)
    started = time.perf_counter()
    yield
    progress.done(name, time.perf_counter() - started)
