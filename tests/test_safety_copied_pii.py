"""Issue 11, item 8: a table copied verbatim never carries detected PII.

``tables.person.model: copy`` on a table of names, e-mails and phones (values repeated across
rows): the target holds none of the real values, the same real value always became the same
fake (and different ones different fakes), the bundle holds no real value, the audit passes;
``pii.remove`` keeps its column verbatim and the report says so. The same seed masks the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from provisioner.model import bundle as bundle_io

from .safety_kit import execute, invoke, json_out, rows

PEOPLE_SQL = """
SELECT setseed(0.3);
CREATE TABLE person (
    person_id integer PRIMARY KEY,
    full_name text NOT NULL,
    email text NOT NULL,
    phone text,
    company text NOT NULL,
    tier text NOT NULL
);
INSERT INTO person
SELECT g, 'Quorvath Ellindra ' || (g % 40), 'quorvath.' || (g % 40) || '@realmail-secret.org',
       CASE WHEN g % 7 = 0 THEN NULL ELSE '+44 20 7946 ' || lpad((g % 40)::text, 4, '0') END,
       'Blemford Holdings ' || (g % 5), (ARRAY['gold', 'silver', 'bronze'])[1 + g % 3]
FROM generate_series(1, 120) g;
CREATE TABLE visit (visit_id serial PRIMARY KEY, person_id integer NOT NULL REFERENCES person, minutes integer NOT NULL);
INSERT INTO visit (person_id, minutes) SELECT 1 + (g % 120), 5 + (random() * 90)::int FROM generate_series(1, 700) g;
"""
CONFIG = """seed: 4
train:
  epochs: 1
  gan_min_rows: 100000
privacy:  # this test is about the copied table; visit.minutes alone is a coarse table for the gate
  nndr_violation_share_max: 1.0
  identifiability_gap_max: 1.0
  dcr_share_max: 1.0
  copy_rate_gap_max: 1.0
pii:
  remove: [person.company]
tables:
  person: {model: copy}
"""


def _people(url: str) -> dict[int, tuple[str, str, str | None, str]]:
    return {r[0]: r[1:] for r in rows(url, "SELECT person_id, full_name, email, phone, company FROM person ORDER BY 1")}


def test_copied_table_pii_is_masked_consistently(fresh_db: Callable[..., str], tmp_path: Path) -> None:
    source, target = fresh_db("cpii_src"), fresh_db("cpii_dst")
    execute(source, PEOPLE_SQL)
    config = tmp_path / "c.yaml"
    config.write_text(CONFIG)
    bundle = tmp_path / "p.bundle"
    result = invoke("provision", "--source", source, "--target", target, "--config", config, "--bundle", bundle,
                    "--report", tmp_path / "r.json", "--json")
    assert result.exit_code == 0, result.stdout
    real, fake = _people(source), _people(target)
    assert set(real) == set(fake)
    for column in range(3):  # full_name, email, phone
        real_values = {v[column] for v in real.values()} - {None}
        assert not real_values & {v[column] for v in fake.values()}, column
        mapped: dict[str, set[str]] = defaultdict(set)
        for key, values in real.items():
            if values[column] is None:
                assert fake[key][column] is None
            else:
                mapped[values[column]].add(fake[key][column])
        assert all(len(fakes) == 1 for fakes in mapped.values()), column  # the same value, the same fake
        assert len({next(iter(f)) for f in mapped.values()}) == len(mapped), column  # different values, different fakes
    assert all(real[k][3] == fake[k][3] for k in real)  # pii.remove keeps company verbatim
    reason = json_out(result.stdout)["report"]["tables"]["person"]["reason"]
    assert "PII masked" in reason and "kept verbatim by pii.remove: company" in reason
    raw = bundle.read_bytes()
    for values in real.values():
        for value in values[:3]:
            assert value is None or value.encode() not in raw
    audit = invoke("audit", "--source", source, "--target", target, "--bundle", bundle, "--json")
    assert audit.exit_code == 0, audit.stdout
    assert "person.email" in json_out(audit.stdout)["audit"]["columns"]  # the copied table's PII was searched
    again = tmp_path / "again.bundle"
    assert invoke("train", "--source", source, "--bundle", again, "--config", config, "--quiet").exit_code == 0
    first, second = bundle_io.load(bundle).tables["person"].rows, bundle_io.load(again).tables["person"].rows
    assert first is not None and second is not None and first.equals(second)  # same seed, same masking
