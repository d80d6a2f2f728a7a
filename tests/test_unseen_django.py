"""A Django-style app (tests/sql/unseen_django.sql): auth tables with declared foreign keys, an app whose
tables declare none (integer ``*_id`` columns only), a generic relation, many-to-many link tables with a
surrogate id and UNIQUE (a_id, b_id), jsonb settings, soft deletes.

Regression: ``provisioner init`` proposed no relationship for Django's table names (``<app>_<model>``:
``blog_post`` for ``post_id``, ``auth_user`` for ``user_id``), so every undeclared key stayed external
and pointed at no synthetic row. Provisioned here with the relationships init writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.model import proposals
from provisioner.pg import script as sqlscript

from . import dbcheck
from .conftest import FORMULA_ROWS_PRIVACY, provisioned_script, unique_name

SCRIPT = Path(__file__).parent / "sql" / "unseen_django.sql"
PRIVACY = FORMULA_ROWS_PRIVACY
EXPECTED = {
    ("activity_like.user_id", "auth_user.id"), ("activity_like.content_type_id", "django_content_type.id"),
    ("blog_comment.post_id", "blog_post.id"), ("blog_comment.user_id", "auth_user.id"),
    ("blog_post_tags.post_id", "blog_post.id"), ("blog_post_tags.tag_id", "blog_tag.id"), ("blog_profile.user_id", "auth_user.id"),
}
ORPHANS = {  # child table, column, parent table: none may point nowhere
    ("blog_post_tags", "post_id", "blog_post"), ("blog_post_tags", "tag_id", "blog_tag"), ("blog_comment", "post_id", "blog_post"),
    ("blog_comment", "user_id", "auth_user"), ("blog_profile", "user_id", "auth_user"), ("activity_like", "user_id", "auth_user"),
}


def _proposed(pg_admin_url: str, work: Path) -> str:
    source = sqlscript.create_database(pg_admin_url, unique_name("dj_init"))
    try:
        sqlscript.load_sql_script(source, SCRIPT)
        result = CliRunner().invoke(main, ["init", "--source", source, "--out", str(work / "init.yaml"), "--quiet"])
        assert result.exit_code == 0, result.output
    finally:
        sqlscript.drop_database(pg_admin_url, source.rsplit("/", 1)[1])
    lines = (work / "init.yaml").read_text().splitlines()
    start = lines.index("relationships:")
    block = [lines[start]] + [ln for ln in lines[start + 1:] if ln.startswith("  - ")][: len(EXPECTED)]
    return "\n".join(block) + "\n"


@pytest.fixture(scope="module")
def django(pg_admin_url: str, server_extensions: frozenset[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("django")
    relationships = _proposed(pg_admin_url, work)
    with provisioned_script(pg_admin_url, server_extensions, work, SCRIPT, "dj", PRIVACY + relationships, ["--seed", "0", "--epochs", "1"]) as data:
        data["relationships"] = relationships
        yield data


def test_init_proposes_tables_named_app_label_and_model(django: dict[str, Any]) -> None:
    text = django["relationships"]
    proposed = {(c, p) for c, p in (ln.split("child: ")[1].split("}")[0].split(", parent: ") for ln in text.splitlines()[1:])}
    assert proposed == EXPECTED


def test_prefixed_names_are_a_fallback_only() -> None:
    assert proposals._prefixed("blog_post", "post") and proposals._prefixed("django_content_type", "content_type")
    assert proposals._prefixed("blog_post_tags", "tag")  # a candidate too: the parent holding the values, then the other table wins
    assert not proposals._prefixed("post", "post") and not proposals._prefixed("_post", "post")
    assert not proposals._prefixed("signpost", "post")


def test_exit_zero_schema_round_trips_and_keys_point_at_rows(django: dict[str, Any]) -> None:
    assert django["result"].exit_code == 0, django["result"].output
    source, target = django["source"], django["target"]
    assert dbcheck.tables(target) == dbcheck.tables(source)
    assert dbcheck.constraints(target) == dbcheck.constraints(source)
    assert dbcheck.all_constraints_valid(target) == []
    counts, real = dbcheck.counts(target), dbcheck.counts(source)
    assert all(counts[t] > 0 for t in counts), counts
    assert all(abs(counts[t] - real[t]) <= 0.2 * real[t] for t in real), (counts, real)
    for child, column, parent in ORPHANS:
        query = f"SELECT count(*) FROM {child} WHERE {column} NOT IN (SELECT id FROM {parent})"  # names from the constant above
        assert dbcheck.scalar(target, query) == 0, (child, column)


def test_soft_deletes_and_timestamps_keep_their_shape(django: dict[str, Any]) -> None:
    assert dbcheck.both(django, "SELECT count(*) FROM blog_post WHERE updated_at < created_at") == (0, 0)
    real, synthetic = dbcheck.both(django, "SELECT avg((deleted_at IS NULL)::int)::float FROM blog_comment")
    assert abs(real - synthetic) < 0.05


def test_password_hashes_keep_their_format_and_no_real_one(django: dict[str, Any]) -> None:
    """Token-like text keeps its format (model/tokens.py): Django's 'pbkdf2_sha256$600000$<salt>$<hash>'
    was filled with English words ('Combination'), which any code that parses the hash rejects."""
    fmt = r"^pbkdf2_sha256\$600000\$[0-9a-f]{22}\$[A-Za-z0-9+/]{43}=$"
    assert dbcheck.both(django, f"SELECT count(*) FROM auth_user WHERE password !~ '{fmt}'") == (0, 0)
    assert dbcheck.scalar(django["target"], "SELECT count(DISTINCT password) = count(*) FROM auth_user") is True
    real = {r[0] for r in dbcheck._rows(django["source"], "SELECT password FROM auth_user")}
    assert not real & {r[0] for r in dbcheck._rows(django["target"], "SELECT password FROM auth_user")}
