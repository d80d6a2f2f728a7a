"""Issue 11, item 9: a source role subject to row-level security gets a warning naming the table.

A real non-superuser role with SELECT only, on a table with RLS enabled and a policy that shows
it a sixth of the rows: ``train`` and ``provision`` warn that the model sees a filtered table
(the provision report's notes say so too); the owner (a superuser here) gets no warning.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .safety_kit import execute, invoke, json_out
from .shop import fast_config, make_shop

RLS_SQL = """
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY few_orders ON orders FOR SELECT USING (customer_id <= 50);
"""


def test_row_level_security_is_named(fresh_db: Callable[..., str], readonly_role: Callable[..., str], tmp_path: Path) -> None:
    source, target = fresh_db("rls_src"), fresh_db("rls_dst")
    make_shop(source, tmp_path)
    execute(source, RLS_SQL)
    reader = readonly_role(source)
    config = fast_config(tmp_path)
    filtered = invoke("train", "--source", reader, "--bundle", tmp_path / "r.bundle", "--config", config)
    assert filtered.exit_code == 0, filtered.stderr
    warnings = [ln for ln in filtered.stderr.splitlines() if "warning: row-level security" in ln]
    assert len(warnings) == 1 and "public.orders" in warnings[0] and "filtered table" in warnings[0]
    owner = invoke("train", "--source", source, "--bundle", tmp_path / "o.bundle", "--config", config)
    assert owner.exit_code == 0 and "row-level security" not in owner.stderr
    provisioned = invoke("provision", "--source", reader, "--target", target, "--config", config, "--json")
    assert provisioned.exit_code in (0, 1), provisioned.output
    notes = json_out(provisioned.stdout)["report"]["notes"]  # the report, whether the gate passed or not
    assert any("public.orders" in n and "filtered" in n for n in notes)
    assert "row-level security filters public.orders" in provisioned.stderr
