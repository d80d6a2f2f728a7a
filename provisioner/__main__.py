"""``python -m provisioner``."""

from __future__ import annotations

import sys

from provisioner.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
