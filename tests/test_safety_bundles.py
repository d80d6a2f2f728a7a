"""Issue 11, item 4: loading a bundle never executes code from the file; the key decides.

Every malicious bundle here runs code that writes a marker file if anything unpickles or
evaluates it: pickles behind a forged SHA-256 header in the old formats (1 and 2) and in the
current one, an ``.npz`` whose arrays are pickled objects, and JSON documents naming classes
provisioner does not register (``subprocess.Popen``, ``os.system``) or a column model that is
not in the registry. ``sample``, ``load`` and ``check`` refuse each with exit code 2 and one
line, without a key, with PROVISIONER_BUNDLE_KEY set (the unsigned file is refused) and with
the file correctly signed by that key (a holder of the key still cannot run code). The marker
never appears; unpickling one of the payloads by hand does write it (the detector works).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.model import bundle as bundle_io

KEY = "a-team-secret-key"


class _Exec:
    """Pickles as ``exec(code)``: unpickling it runs ``code``."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, (self.code,))


class _System:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (self.command,))


def _file(magic: bytes, payload: bytes, signed_with: str | None = None, **extra: object) -> bytes:
    """A bundle file with a header that matches its payload: forged SHA-256, or a real HMAC made with the key."""
    if signed_with:
        header = {"format": 3, "digest_algorithm": "hmac-sha256", "digest": hmac.new(signed_with.encode(), payload, hashlib.sha256).hexdigest()}
    else:
        header = {"format": 3, "digest_algorithm": "sha256", "digest": hashlib.sha256(payload).hexdigest()}
    header.update(extra)
    return magic + json.dumps(header).encode() + b"\n" + payload


def _npz(document: object, **arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    text = np.frombuffer(json.dumps(document).encode(), dtype=np.uint8)
    np.savez(buffer, **{bundle_io.DOCUMENT: text}, **arrays)
    return buffer.getvalue()


def _payloads(marker: Path) -> dict[str, tuple[bytes, bytes]]:
    """name -> (magic, payload); each writes ``marker`` if it is ever run."""
    code = f"open({str(marker)!r}, 'w').write('code from a bundle ran')"
    exec_pickle = pickle.dumps(_Exec(code))
    system_pickle = pickle.dumps(_System(f"touch {marker}"))
    object_array = np.array([_Exec(code)], dtype=object)
    popen = {"$c": "ModelBundle", "f": {"snapshot": {"$c": "Popen", "f": {"args": ["touch", str(marker)]}}}}
    system = {"$c": "system", "f": {"command": f"touch {marker}"}}
    fitted = {"$fitted": {"$o": {"method": "os.system", "model": {"$o": {"command": f"touch {marker}"}}, "determined": {"$o": {}}}}}
    return {
        "pickle-format-1": (b"PROVISIONER-BUNDLE/1\n", exec_pickle),
        "pickle-format-2": (b"PROVISIONER-BUNDLE/2\n", system_pickle),
        "pickle-format-3": (bundle_io.MAGIC, exec_pickle),
        "npz-object-array": (bundle_io.MAGIC, _npz({"$a": "a0"}, a0=object_array)),
        "npz-pickled-document": (bundle_io.MAGIC, _raw_npz(object_array)),
        "json-unregistered-class": (bundle_io.MAGIC, _npz(popen)),
        "json-os-system": (bundle_io.MAGIC, _npz(system)),
        "json-unknown-column-model": (bundle_io.MAGIC, _npz(fitted)),
    }


def _raw_npz(document: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **{bundle_io.DOCUMENT: document})
    return buffer.getvalue()


def _commands(path: Path, tmp: Path, db: str) -> list[list[str]]:
    return [
        ["sample", "--bundle", str(path), "--out", str(tmp / "out")],
        ["load", "--bundle", str(path), "--target", db],
        ["check", "--bundle", str(path), "--source", db],
    ]


@pytest.mark.parametrize("mode", ["no key", "key set, file unsigned", "key set, file signed with it"])
def test_malicious_bundles_never_run_code(mode: str, tmp_path: Path, fresh_db: Callable[..., str]) -> None:
    marker = tmp_path / "MARKER"
    db = fresh_db("bundle_target")
    env = {} if mode == "no key" else {"PROVISIONER_BUNDLE_KEY": KEY}
    runner = CliRunner(env=env)
    for name, (magic, payload) in _payloads(marker).items():
        path = tmp_path / f"{name}.bundle"
        path.write_bytes(_file(magic, payload, signed_with=KEY if mode.endswith("signed with it") else None))
        for args in _commands(path, tmp_path, db):
            result = runner.invoke(main, args)
            lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
            assert result.exit_code == 2, (name, args[0], result.stderr)
            assert len(lines) == 1 and lines[0].startswith("error: ") and "bundle" in lines[0], (name, args[0], result.stderr)
            assert "Traceback" not in result.stderr
            assert not marker.exists(), (name, args[0], "code from the bundle ran")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    pickle.loads(pickle.dumps(_Exec(f"open({str(marker)!r}, 'w').write('x')")))  # the detector works
    assert marker.exists()


def test_the_key_decides_not_the_header(tmp_path: Path) -> None:
    """A genuine bundle signed with another key, or a header naming another algorithm, is refused under the key."""
    payload = _npz({"$o": {}})
    other = tmp_path / "other-key.bundle"
    other.write_bytes(_file(bundle_io.MAGIC, payload, signed_with="some other key"))
    claims_sha = tmp_path / "claims-sha.bundle"
    claims_sha.write_bytes(_file(bundle_io.MAGIC, payload))
    runner = CliRunner(env={"PROVISIONER_BUNDLE_KEY": KEY})
    for path, words in ((other, "signature does not match"), (claims_sha, "not signed")):
        result = runner.invoke(main, ["sample", "--bundle", str(path), "--out", str(tmp_path / "o")])
        assert result.exit_code == 2 and words in result.stderr, result.stderr
