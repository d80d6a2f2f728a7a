"""The ``--report`` JSON: one shape for every command that loads or checks, streamed or not."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
