"""pytest plugin: a fresh synthetic database for every test, cloned from a template.

Registered through the ``pytest11`` entry point, so installing provisioner is
enough. Configure it in ``pytest.ini`` / ``pyproject.toml`` (or on the command line)::

    [pytest]
    provisioner_bundle = shop.bundle          # from `provisioner train`
    provisioner_admin_url = postgresql://postgres@localhost:5432/postgres
    provisioner_seed = 0                      # optional

Once per session the bundle is sampled and loaded into a template database
named after the bundle's checksum, seed and scale; it is kept between sessions,
so only the first session pays for it. Each test that asks for
``provisioned_db`` gets the URL of its own ``CREATE DATABASE ... TEMPLATE``
clone, dropped after the test. Nothing here imports SDV until a fixture is used.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
_counter = itertools.count(1)
_LINES = pytest.StashKey[list[str]]()


@dataclass(frozen=True)
class Template:
    admin_url: str
    name: str
    rebuilt: bool
    seconds: float


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("provisioner", "synthetic databases from a provisioner bundle")
    group.addoption("--provisioner-bundle", help="Model bundle for the provisioned_db fixture.")
    group.addoption("--provisioner-admin-url", help="Database URL allowed to CREATE/DROP DATABASE.")
    parser.addini("provisioner_bundle", "Model bundle for the provisioned_db fixture (relative to the rootdir).")
    parser.addini("provisioner_admin_url", f"Database URL allowed to CREATE/DROP DATABASE (default {DEFAULT_ADMIN_URL}).")
    parser.addini("provisioner_seed", "Seed for sampling the template (default 0).", default="0")


def _setting(config: pytest.Config, name: str) -> str | None:
    value = config.getoption(f"--{name.replace('_', '-')}") or config.getini(name)
    return str(value) if value else None


def template_db_name(key: str) -> str:
    return f"provisioner_tpl_{key[:16]}"


@pytest.fixture(scope="session")
def provisioner_template(pytestconfig: pytest.Config) -> Template:
    """The session's template database, built from the bundle unless an identical one exists."""
    from provisioner.api import ensure_template
    from provisioner.config import Config
    from provisioner.devkit.refresh import template_key
    from provisioner.errors import ProvisionerError

    bundle = _setting(pytestconfig, "provisioner_bundle")
    if not bundle:
        pytest.fail("provisioned_db needs a bundle: set provisioner_bundle in pytest.ini or pass --provisioner-bundle", pytrace=False)
    path = Path(bundle) if Path(bundle).is_absolute() else Path(pytestconfig.rootpath) / bundle
    admin = _setting(pytestconfig, "provisioner_admin_url") or os.environ.get("PROVISIONER_ADMIN_URL") or DEFAULT_ADMIN_URL
    config = Config(seed=int(pytestconfig.getini("provisioner_seed") or 0))
    started = time.perf_counter()
    try:
        name = template_db_name(template_key(path, config))
        key = os.environ.get("PROVISIONER_BUNDLE_KEY")
        rebuilt = ensure_template(path, config, admin, name, key=key.encode() if key else None)
    except ProvisionerError as exc:
        pytest.fail(f"provisioner: {exc}", pytrace=False)
    template = Template(admin, name, rebuilt, time.perf_counter() - started)
    pytestconfig.stash[_LINES] = [f"provisioner: template {name} {'built' if rebuilt else 'reused'} in {template.seconds:.1f}s"]
    return template


@pytest.fixture
def provisioned_db(provisioner_template: Template) -> Iterator[str]:
    """URL of a fresh synthetic database for this test only (a clone of the template)."""
    from provisioner.devkit.refresh import clone
    from provisioner.pg import script as sqlscript

    name = f"{provisioner_template.name[:40]}_{os.getpid()}_{next(_counter)}"
    url = clone(provisioner_template.admin_url, provisioner_template.name, name)
    try:
        yield url
    finally:
        sqlscript.drop_database(provisioner_template.admin_url, name)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    for line in config.stash.get(_LINES, []):
        terminalreporter.write_line(line)
