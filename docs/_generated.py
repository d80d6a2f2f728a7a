"""Write a generated doc, or with ``--check`` exit 1 when the file on disk is stale (the tests run that)."""

from __future__ import annotations

import sys
from pathlib import Path


def write_or_check(out: Path, text: str, script: str) -> int:
    if "--check" in sys.argv[1:]:
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            print(f"{out.parent.name}/{out.name} is stale: run python docs/{script}", file=sys.stderr)
            return 1
        return 0
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out.parent.name}/{out.name}")
    return 0
