"""``--json``: one machine-readable object per command on stdout (progress stays on stderr)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provisioner.model.train import TrainResult

from provisioner.pg import urls


def provision_json(result: Any, target: str | None, command: str) -> dict[str, Any]:
    """``result`` is an api.ProvisionResult (from provision or load)."""
    return {
        "command": command,
        "ok": True,
        "target": urls.display(target) if target else None,
        "rows": dict(result.synthetic_rows),
        "total_rows": int(sum(result.synthetic_rows.values())),
        "loaded": result.load is not None,
        "seconds": dict(result.seconds),
        "report": dict(result.report),
    }


def train_json(result: TrainResult, bundle_path: str | Path) -> dict[str, Any]:
    return {
        "command": "train",
        "ok": True,
        "bundle": str(bundle_path),
        "schema_hash": result.bundle.schema_hash,
        "seconds": round(result.seconds, 3),
        "tables": {
            key: {"method": m.method, "reason": m.reason, "source_rows": m.source_rows, "pii_columns": list(m.pii_columns)}
            for key, m in result.bundle.tables.items()
        },
    }


def dumps(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, indent=2, default=str)
