"""The step behind action.yml's rows cache: the key ``actions/cache`` saves the folder under.

It is the very key ``provisioner load --cache-dir`` files the rows under (provisioner/load/rowcache.py:
the bundle's checksum, seed, scale and row settings, this provisioner's code, Python and library
versions, the year birth dates count from), so a new release of a dependency or of provisioner
makes a new cache entry instead of restoring one whose file would be a miss for ever. Reads the
PROVISIONER_ACTION_* variables as load.py does and appends ``key=`` to ``$GITHUB_OUTPUT``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> int:
    from provisioner.config import load_config
    from provisioner.errors import ProvisionerError
    from provisioner.load import rowcache
    from provisioner.model import bundle as bundle_io

    env = os.environ
    try:
        config = load_config().with_overrides(seed=int(env.get("PROVISIONER_ACTION_SEED") or 0),
                                              scale=float(env.get("PROVISIONER_ACTION_SCALE") or 1))
        digest = str(bundle_io.read_header(env["PROVISIONER_ACTION_BUNDLE"])[0].get("digest"))
    except ProvisionerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    key = f"provisioner-rows-{rowcache.entry_key(digest, config)}"
    out = env.get("GITHUB_OUTPUT")
    if out:
        with Path(out).open("a", encoding="utf-8") as handle:
            handle.write(f"key={key}\n")
    print(key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
