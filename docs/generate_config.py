"""Write docs/config.md from the config dataclasses' field docs, or check that it is up to date.

    python docs/generate_config.py          # rewrite docs/config.md
    python docs/generate_config.py --check  # exit 1 when docs/config.md is stale
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _generated import write_or_check  # noqa: E402  (docs/ is the script's folder on sys.path)

from provisioner.config import settings  # noqa: E402

OUT = ROOT / "docs" / "config.md"
INTERNAL = {"file", "lines", "pii_add", "pii_remove", "pii_providers", "option", "args"}  # set when read, or documented in a section

EXAMPLE = """\
source: env:PROD_DATABASE_URL        # read-only role; env:NAME reads the URL from the environment
target: postgresql://localhost:5432/shop_staging
schemas: [public]
seed: 0
scale: 1.0
max_rows: 1000000
train:
  model: auto
  epochs: 100
  row_cap: 20000
  holdout: 0.2
  time_budget: 10m
privacy:
  dcr_share_max: 0.55
  quasi_identifiers:
    customer: [country, city]
pii:
  add:
    - track.composer                 # treat as PII (the category is guessed)
    - {employee.title: job}          # and fill it with this Faker provider
  remove: [customer.city]            # detected, but not PII here
relationships:                       # foreign keys the database does not declare
  - {child: invoice.customer_id, parent: customer.customer_id}
  - child: invoice_line.(invoice_id)
    parent: public.invoice.(invoice_id)
tables:
  genre: {model: copy}               # the real rows (PII masked)
  playlist_track: {model: skip}      # created empty
  invoice:
    scale: 2.0
    target: total
  customer:
    columns:
      email: {faker: email}                                # any Faker provider
      phone: {faker: numerify, text: "+1 ###-###-####"}     # with its arguments
      company: {value: null}                               # a constant
      country: {keep: true}                                # real values, learnt
      city: {keep: true}                                   # detected as PII: pii.remove lists it
"""

SECTIONS = """\
## `pii:`

PII columns are detected by name and by value (provisioner/model/pii.py), filled by Faker and never learnt.

| key | meaning |
|---|---|
| `pii.add` | Columns to treat as PII too: `table.column` (the category is guessed) or `{table.column: provider}` (a PII category such as `full_name`, or any Faker provider such as `job`). |
| `pii.remove` | Detected columns that are not PII (`table.column`): they are learnt like any column. `keep: true` on a detected column needs it listed here. |

## `relationships:`

Foreign keys the database does not declare (an ORM app, a partial copy): each is modelled like a
declared one (children per parent, conditioning on the parent, load order, privacy roles) and never
created in the target. `provisioner init` proposes them from the values, with the evidence.

```yaml
relationships:
  - {child: invoice.customer_id, parent: customer.customer_id}
  - {child: "sales.order_line.(order_id, line_no)", parent: "sales.order_item.(order_id, line_no)"}   # composite: quote it in braces
```

`foreign_keys: [invoice.customer_id -> customer.customer_id]` is the older spelling and still read.

## `tables.<table>.columns.<column>:`

Exactly one of `faker`, `value` or `keep` per column, checked when the file is read and against the
source (unknown column, unknown provider, wrong arguments, `value: null` on a NOT NULL column, a
key column: exit 2 with the file and line). The settings are stored in the bundle, so `sample` and
`load` apply them without the config; values are the same for the same seed.
"""


def _default(f: dataclasses.Field) -> str:  # type: ignore[type-arg]
    if f.default is not dataclasses.MISSING:
        value: Any = f.default
    elif f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
        if dataclasses.is_dataclass(value):
            return "(section)"
    else:
        return ""
    if isinstance(value, tuple):
        value = list(value)
    if value is None:
        return "none"
    if value == "":
        return '`""`'
    return f"`{value!r}`".replace("'", "") if not isinstance(value, bool) else f"`{str(value).lower()}`"


def _table(cls: type, prefix: str) -> list[str]:
    lines = [(cls.__doc__ or "").strip().replace("``", "`"), "", "| key | type | default | meaning |", "|---|---|---|---|"]
    for f in dataclasses.fields(cls):
        if f.name in INTERNAL:
            continue
        doc = f.metadata.get("doc")
        if not doc:
            raise SystemExit(f"{cls.__name__}.{f.name} has no doc: add field metadata {{'doc': ...}} in provisioner/config/settings.py")
        kind = str(f.type).replace("|", "or")
        lines.append(f"| `{prefix}{f.name}` | {kind} | {_default(f)} | {doc} |")
    return lines + [""]


def render() -> str:
    parts = [
        "# Configuration reference\n",
        "Generated from the config dataclasses (`provisioner/config/settings.py`) by `python docs/generate_config.py`;",
        "do not edit by hand. Layers: defaults < this file (`--config`) < `PROVISIONER_*` environment < flags.",
        "A mistake exits 2 with one line naming the file, the line and the fix.\n",
        "## A complete example\n", "```yaml", EXAMPLE.rstrip(), "```\n",
        "## Top level\n", *_table(settings.Config, ""),
        "## `train:`\n", *_table(settings.TrainConfig, "train."),
        "## `privacy:`\n", *_table(settings.PrivacyConfig, "privacy."),
        "## `tables.<table>:`\n", *_table(settings.TableConfig, ""),
        SECTIONS, *_table(settings.ColumnConfig, ""),
        "## One entry of `relationships:`\n", *_table(settings.Relationship, ""),
    ]
    return "\n".join(parts).rstrip() + "\n"


def main_entry() -> int:
    return write_or_check(OUT, render(), "generate_config.py")


if __name__ == "__main__":
    sys.exit(main_entry())
