"""Line numbers: an integer beside a foreign key in a composite primary key that the source numbers 1..k within
each parent (an order's lines) is numbered so again, in one go and shard by shard; before, it was one counter
over the whole table (an order's lines numbered 3457, 3458, ...)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.model.relations.relational import key_shape, line_numbers
from provisioner.schema.snapshot import Column

from . import dbcheck

SCRIPT = """
CREATE TABLE purchase (id integer PRIMARY KEY, placed date NOT NULL);
CREATE TABLE purchase_line (
    purchase_id integer NOT NULL REFERENCES purchase(id), line_no smallint NOT NULL, qty integer NOT NULL,
    PRIMARY KEY (purchase_id, line_no));
INSERT INTO purchase SELECT g, date '2024-01-01' + (g % 300) FROM generate_series(1, 400) g;
INSERT INTO purchase_line SELECT p, l, 1 + (p * l) % 7 FROM generate_series(1, 400) p, generate_series(1, 1 + p % 5) l;
"""
BROKEN = ("SELECT count(*) FROM (SELECT purchase_id, min(line_no) lo, max(line_no) hi, count(*) n FROM purchase_line "
          "GROUP BY purchase_id) g WHERE lo <> 1 OR hi <> n")


def test_numbers_restart_per_parent_and_go_on_across_shards() -> None:
    picks = np.array([0, 0, 1, 1, 1, 2, 2, 3])
    whole = line_numbers(picks, 0, len(picks))
    assert whole.tolist() == [0, 1, 0, 1, 2, 0, 1, 0]
    assert np.concatenate([line_numbers(picks, 0, 3), line_numbers(picks, 3, 3), line_numbers(picks, 6, 2)]).tolist() == whole.tolist()


def test_a_numbering_is_learnt_only_when_every_parent_holds_it() -> None:
    col = Column("line_no", "integer", "integer")
    parents = pd.DataFrame({"p": np.repeat(np.arange(20), 3)})
    lines = pd.Series(np.tile([1, 2, 3], 20))
    assert key_shape(col, lines, parents).per_parent and key_shape(col, lines, parents).start == 1
    gapped = lines.copy()
    gapped[5] = 7  # one parent numbered 1, 2, 7
    assert not key_shape(col, gapped, parents).per_parent
    assert not key_shape(col, pd.Series(np.arange(60)), parents).per_parent  # one counter over the table


def test_provisioned_lines_are_numbered_per_parent(fresh_db: Callable[..., str]) -> None:
    source, target, streamed = fresh_db("ln_src"), fresh_db("ln_stage"), fresh_db("ln_stream")
    _run(source, SCRIPT)
    assert dbcheck.scalar(source, BROKEN) == 0
    for url, extra in ((target, []), (streamed, ["--stream"])):
        result = CliRunner().invoke(main, ["provision", "--source", source, "--target", url, "--seed", "3", "--quiet", *extra])
        assert result.exit_code == 0, result.output
        assert dbcheck.scalar(url, "SELECT count(*) FROM purchase_line") > 500
        assert dbcheck.scalar(url, BROKEN) == 0, extra


def _run(url: str, script: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(script)
