"""The ``--report`` JSON: one shape for every command that loads or checks, streamed or not."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from provisioner import files
from provisioner.load.loader import LoadResult
from provisioner.model.bundle import ModelBundle


def build_report(
    model: ModelBundle, rows: Mapping[str, int], notes: tuple[str, ...], verdict: Mapping[str, Any] | None,
    loaded: LoadResult | None, seconds: Mapping[str, float], seed: int, fidelity: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``verdict`` is a PrivacyReport's ``to_dict()``, from this run or from training time."""
    privacy_tables = verdict.get("tables", {}) if verdict else {}
    tables = {
        key: {
            "rows": int(rows.get(key, 0)),
            "source_rows": tm.source_rows,
            "method": tm.method,
            "reason": tm.reason,
            "train_rows": tm.train_rows,
            "epochs_trained": tm.synthesizer.epochs if tm.synthesizer is not None else None,
            "pii_columns": list(tm.pii_columns),
            "privacy": privacy_tables.get(key, {"status": "from bundle"}),
        }
        for key, tm in model.tables.items()
    }
    gate = {"passed": verdict.get("passed"), "failures": list(verdict.get("failures", []))} if verdict else {"passed": None, "failures": []}
    return {
        "gate": gate,
        "tables": tables,
        "seconds": dict(seconds),
        "notes": list(notes),
        "seed": seed,
        "schema_hash": model.schema_hash,
        "loaded": loaded is not None,
        "streamed": list(loaded.streamed) if loaded else [],
        "migration": loaded.migration.__dict__ if loaded else None,
        **({"fidelity": dict(fidelity)} if fidelity is not None else {}),  # report/fidelity.py, where source rows were at hand
    }


def write_json(path: str | Path | None, report: Mapping[str, Any]) -> None:
    if path:
        files.write_text(path, json.dumps(report, indent=2, default=str) + "\n")  # complete or not at all


EXEMPT = ("exempt", "no_columns")  # privacy statuses of tables the gate has no metric for


def render_text(report: Mapping[str, Any], verb: str = "loaded") -> str:
    """The one-screen summary ``provision``, ``load`` and ``check`` end with: rows, method and privacy per table
    (why a table is exempt, in short), then the verdict with how many tables passed and how many were exempt."""
    tables = report.get("tables", {})
    width = max((len(k) for k in tables), default=5)
    lines = [f"  {'table':<{width}}  {'rows':>9}  {'method':<16} privacy"]
    gate = report.get("gate", {}).get("passed")
    for key, entry in tables.items():
        cell = _privacy_cell(entry.get("privacy") or {}) if gate is not None else "not checked"
        lines.append(f"  {key:<{width}}  {entry['rows']:>9,}  {entry['method']:<16} {cell}")
    total = sum(int(e["rows"]) for e in tables.values())
    lines.append(f"{verb} {total:,} rows in {len(tables)} tables; {_verdict(gate, tables)}")
    streamed = report.get("streamed") or []
    if streamed:
        lines.append(f"streamed shard by shard: {', '.join(streamed)}")
    lines += [f"note: {n}" for n in report.get("notes", []) if _LOSSY.search(n)]  # never only in --report
    return "\n".join(lines)


_LOSSY = re.compile(r"not re-created|written NULL|rows removed")  # what the target lacks that the source has


def _verdict(gate: bool | None, tables: Mapping[str, Any]) -> str:
    """``privacy gate passed for 4 tables, exempt 7 (why: above)``: never "passed for 11" when 7 had no metric."""
    if gate is None:
        return "privacy gate not run for this bundle (run `provisioner check`)"
    statuses = [(e.get("privacy") or {}) for e in tables.values()]
    exempt = sum(1 for p in statuses if p.get("status") in EXEMPT)
    failed = sum(1 for p in statuses if p.get("status") not in EXEMPT and p.get("passed") is False)
    checked = len(statuses) - exempt
    text = f"privacy gate FAILED for {failed} of {checked} tables" if not gate else f"privacy gate passed for {checked} tables"
    return text + (f", exempt {exempt} (why: above)" if exempt else "")


def short_reason(reason: str, limit: int = 48) -> str:
    """The head of an exemption's reason: up to its first parenthesis or colon."""
    head = reason.split(" (")[0].split(": ")[0].strip()
    return head if len(head) <= limit else head[: limit - 3] + "..."


def _privacy_cell(privacy: Mapping[str, Any]) -> str:
    status = privacy.get("status", "from bundle")
    if status in EXEMPT:
        return "exempt: " + short_reason(str(privacy.get("reason", "")))
    if status == "from bundle":
        return "checked when the bundle was made"
    return "passed" if privacy.get("passed") else "FAILED"


def render_plan(plan: Mapping[str, Any]) -> str:
    """``provision --dry-run``: what each table would get, and what the target would undergo; nothing was written."""
    tables = plan.get("tables", {})
    width = max((len(k) for k in tables), default=5)
    lines = [f"  {'table':<{width}}  {'rows':>9}  {'method':<16} PII (Faker) / generated text"]
    for key, entry in tables.items():
        generated = ", ".join(entry["pii_columns"] + [f"{c} (text)" for c in entry["generated_text"]])
        lines.append(f"  {key:<{width}}  {entry['rows']:>9,}  {entry['method']:<16} {generated}")
    lines += list(plan.get("target", []))
    if plan.get("streamed"):
        lines.append(f"streamed shard by shard: {', '.join(plan['streamed'])}")
    lines += [f"note: {n}" for n in plan.get("notes", [])]
    lines.append(f"dry run: {sum(int(e['rows']) for e in tables.values()):,} rows planned in {len(tables)} tables; nothing was fitted or written")
    return "\n".join(lines)
