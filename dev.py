#!/usr/bin/env python3
"""Developer entry point that needs nothing but Python and pip.

    python3 dev.py demo     install provisioner (CPU torch pinned), then run `provisioner demo`
    python3 dev.py test     install provisioner with test extras, check the import layers, run the whole test suite
    python3 dev.py bench    install, then run every bench/ script

Extra arguments are passed on (e.g. `python3 dev.py test -k chinook`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def install(extras: str = "test") -> None:
    pip = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--root-user-action=ignore",
           "-c", str(ROOT / "constraints.txt")]
    # torch first, pinned: any other torch request pulls gigabytes of CUDA wheels.
    subprocess.run([*pip, "torch==2.13.0"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[{extras}]"], check=True)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "test"
    rest = argv[1:]
    if os.environ.get("PROVISIONER_SKIP_INSTALL") != "1":
        install("test,bench" if command == "bench" else "test")
    if command == "demo":
        return subprocess.call([sys.executable, "-m", "provisioner.cli", "demo", *rest])
    if command == "test":
        lint = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"]
        if subprocess.call(lint, cwd=ROOT, stdout=subprocess.DEVNULL) != 0:
            print("import layers broken: run lint-imports for the details (docs/architecture.md)", file=sys.stderr)
            return 1
        return subprocess.call([sys.executable, "-m", "pytest", "-q", *rest], cwd=ROOT)
    if command == "bench":
        scripts = sorted(p for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_"))
        return max((subprocess.call([sys.executable, str(s), *rest], cwd=ROOT) for s in scripts), default=0)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
