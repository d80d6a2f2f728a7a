"""Bad input gives exit 2 and one clear line with no password in it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from provisioner.cli import main


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stderr


def one_clean_line(stderr: str, secret: str = "s3cret") -> None:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert secret not in stderr
    assert "Traceback" not in stderr


def test_unreachable_source(fresh_db: Callable[..., str]) -> None:
    code, err = invoke("provision", "--source", "postgresql://u:s3cret@127.0.0.1:1/nope", "--target", fresh_db())
    assert code == 2
    one_clean_line(err)
    assert "***" in err and "source" in err


def test_wrong_credentials(chinook_url: str, fresh_db: Callable[..., str]) -> None:
    bad = make_url(chinook_url).set(username="nobody_here", password="s3cret").render_as_string(hide_password=False)
    code, err = invoke("provision", "--source", bad, "--target", fresh_db())
    assert code == 2
    one_clean_line(err)


@pytest.mark.parametrize("alias", ["same", "localhost"])
def test_target_equal_to_source_is_refused(chinook_url: str, alias: str) -> None:
    source = make_url(chinook_url).set(password="s3cret")
    target = source if alias == "same" else source.set(host="localhost")
    code, err = invoke("provision", "--source", source.render_as_string(hide_password=False),
                       "--target", target.render_as_string(hide_password=False))
    assert code == 2
    one_clean_line(err)
    assert "is the source" in err


def test_broken_config(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "c.yaml"
    cfg.write_text("seed: 1\nprivacy:\n  nndr_share: 0.2\n")
    code, err = invoke("provision", "--config", str(cfg), "--source", "postgresql://x@127.0.0.1:1/x", "--target", "postgresql://x@127.0.0.1:1/y")
    assert code == 2
    one_clean_line(err)
    assert "c.yaml:3" in err and "privacy.nndr_share" in err


def test_not_a_database_url() -> None:
    code, err = invoke("provision", "--source", "mysql://u:s3cret@h/db", "--target", "postgresql://x@h/y")
    assert code == 2
    one_clean_line(err)


def test_every_command_has_help_with_an_example() -> None:
    for name, command in main.commands.items():
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0
        assert command.help and "Example" in result.output, name
