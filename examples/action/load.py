"""The step behind action.yml: load the target from the bundle, write the step's outputs.

Reads its inputs from PROVISIONER_ACTION_* environment variables (set by action.yml, never pasted
into a shell script) and appends ``rows=`` and ``gate=`` to ``$GITHUB_OUTPUT``. Exit codes are the
CLI's: 0 loaded, 1 the bundle failed its privacy gate, 2 bad input or connection (one line).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> int:
    from provisioner import api
    from provisioner.config import load_config
    from provisioner.errors import ProvisionerError
    from provisioner.pg import urls

    env = os.environ
    bundle, target = env["PROVISIONER_ACTION_BUNDLE"], env["PROVISIONER_ACTION_TARGET"]
    try:
        config = load_config().with_overrides(target=target, seed=int(env.get("PROVISIONER_ACTION_SEED") or 0),
                                              scale=float(env.get("PROVISIONER_ACTION_SCALE") or 1))
        result = api.load_bundle(bundle, config, report_path=env.get("PROVISIONER_ACTION_REPORT") or None,
                                 html_path=env.get("PROVISIONER_ACTION_REPORT_HTML") or None, key=api.bundle_key(),
                                 cache_dir=env.get("PROVISIONER_ACTION_CACHE_DIR") or None)
    except ProvisionerError as exc:
        print(f"error: {urls.mask(str(exc))}", file=sys.stderr)
        return exc.exit_code
    rows = sum(result.synthetic_rows.values())
    gate = "none" if result.privacy is None else str(bool(result.privacy.get("passed"))).lower()
    out = env.get("GITHUB_OUTPUT")
    if out:
        with Path(out).open("a", encoding="utf-8") as handle:
            handle.write(f"rows={rows}\ngate={gate}\n")
    print(f"loaded {rows} rows into {urls.display(target)} (privacy gate: {gate})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
