"""``load --cache-dir``: the rows a load sent are kept, and the next load of the same bundle, seed and
sizes COPYs them instead of sampling (provisioner/load/rowcache.py).

A cache file is data that may be damaged, edited or stale: every such file is a miss that says why,
the load samples as usual, and the target ends exactly as a load without a cache leaves it."""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provisioner import api
from provisioner.cli import main
from provisioner.config import Config, TrainConfig
from provisioner.load import rowcache
from provisioner.pg import script as sqlscript

from . import dbcheck
from .conftest import unique_name

# A NOT NULL foreign-key cycle (a table loaded after the others), PII, a CHECK, a composite key, and a
# table that `--stream` streams (log).
SCHEMA = """
SELECT setseed(0.3);
CREATE TABLE dept (id int PRIMARY KEY, name text NOT NULL, budget numeric(10,2) NOT NULL CHECK (budget > 0), head_id int NOT NULL);
CREATE TABLE staff (id int PRIMARY KEY, dept_id int NOT NULL REFERENCES dept(id), full_name text NOT NULL,
                    email text NOT NULL UNIQUE, hired date NOT NULL, salary numeric(10,2) NOT NULL);
CREATE TABLE shift (staff_id int NOT NULL REFERENCES staff(id), day int NOT NULL, hours numeric(4,1) NOT NULL,
                    PRIMARY KEY (staff_id, day));
INSERT INTO dept SELECT g, 'Dept ' || g, round((10000 + random() * 90000)::numeric, 2), 1 + (g - 1) * 20 FROM generate_series(1, 12) g;
INSERT INTO staff SELECT g, 1 + (g - 1) / 20, 'Quorin Blastwell ' || g, 'quorin' || g || '@secret-corp.example',
       date '2015-01-01' + (random() * 3000)::int, round((30000 + random() * 50000)::numeric, 2) FROM generate_series(1, 240) g;
ALTER TABLE dept ADD FOREIGN KEY (head_id) REFERENCES staff(id);
INSERT INTO shift SELECT s, d, round((4 + random() * 6)::numeric, 1) FROM generate_series(1, 240) s, generate_series(1, 5) d
 WHERE random() < 0.7;
CREATE TABLE log (id int PRIMARY KEY, staff_id int NOT NULL REFERENCES staff(id), at timestamp NOT NULL, kind text NOT NULL);
INSERT INTO log SELECT g, 1 + (g * 7) % 240, timestamp '2024-01-01' + g * interval '37 minutes',
       (ARRAY['in', 'out', 'break'])[1 + g % 3] FROM generate_series(1, 600) g;
"""


@pytest.fixture(scope="module")
def bundle(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("rowcache")
    name = unique_name("rowcache_src")
    source = sqlscript.create_database(pg_admin_url, name)
    try:
        (tmp / "s.sql").write_text(SCHEMA)
        sqlscript.load_sql_script(source, tmp / "s.sql")
        api.train_bundle(Config(source=source, seed=1, train=TrainConfig(epochs=1)), tmp / "b.bundle")
        yield tmp / "b.bundle"
    finally:
        sqlscript.drop_database(pg_admin_url, name)


@pytest.fixture
def target(pg_admin_url: str) -> Iterator[str]:
    name = unique_name("rowcache_t")
    url = sqlscript.create_database(pg_admin_url, name)
    yield url
    sqlscript.drop_database(pg_admin_url, name)


def _load(bundle: Path, target: str, cache: Path | None, *extra: str, env: dict[str, str] | None = None) -> Result:
    args = ["load", "--bundle", str(bundle), "--target", target, "--seed", "4", "--replace", *extra]
    result = CliRunner().invoke(main, args + (["--cache-dir", str(cache)] if cache else []), env=env or {"PROVISIONER_BUNDLE_KEY": ""})
    assert result.exit_code == 0, result.output
    return result


def _reload(bundle: Path, target: str, cache: Path | None, *extra: str, env: dict[str, str] | None = None) -> tuple[Result, dict[str, str]]:
    """Load into ``target`` (emptied first by the load itself) and return its rows' digests."""
    return _load(bundle, target, cache, *extra, env=env), dbcheck.digests(target)


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.rows"))


def _rewrite(path: Path, edit: object) -> None:
    """Re-write a cache file after ``edit(header, payload) -> payload``, with every checksum made right again
    (what someone who can write the folder can do; an unsigned bundle's cache is as trusted as the bundle)."""
    raw = path.read_bytes()[len(rowcache.MAGIC):]
    head, _, payload = raw.partition(b"\n")
    header = json.loads(head)
    payload = edit(header, payload)  # type: ignore[operator]
    at = 0
    for part in header["parts"] if isinstance(header["parts"], list) else []:
        length = max(part["length"], 0)
        part["sha256"], at = hashlib.sha256(payload[at:at + length]).hexdigest(), at + length
    header["digest"] = rowcache._digest(header, payload, None)
    path.write_bytes(rowcache.MAGIC + json.dumps(header).encode() + b"\n" + payload)


def test_second_load_copies_the_kept_rows_and_they_are_the_sampled_ones(bundle: Path, target: str, tmp_path: Path) -> None:
    plain = _reload(bundle, target, None)[1]
    first, kept = _reload(bundle, target, tmp_path / "cache")
    assert "rows kept in the cache" in first.output and kept == plain
    (entry,) = _entries(tmp_path / "cache")
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    second, again = _reload(bundle, target, tmp_path / "cache", "--report", str(tmp_path / "r.json"),
                            "--report-html", str(tmp_path / "r.html"))
    assert "the rows come from the cache" in second.output and "rows kept" not in second.output
    assert any(n.startswith("rows copied from the cache") for n in json.loads((tmp_path / "r.json").read_text())["notes"])
    assert again == plain and dbcheck.counts(target)["shift"] > 0
    assert (tmp_path / "r.html").read_text().count("<svg") >= 3  # charted from the rows read back from the target
    assert dbcheck.scalar(target, "SELECT count(*) FROM dept d LEFT JOIN staff s ON s.id = d.head_id WHERE s.id IS NULL") == 0


def test_another_seed_or_scale_is_another_entry(bundle: Path, target: str, tmp_path: Path) -> None:
    _load(bundle, target, tmp_path)
    _load(bundle, target, tmp_path, "--scale", "2")
    changed = _load(bundle, target, tmp_path, "--seed", "5")
    assert "from the cache" not in changed.output and len(_entries(tmp_path)) == 3


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "header", "traversal", "other-tables", "columns"])
def test_a_damaged_or_edited_file_is_a_miss_and_is_written_afresh(bundle: Path, target: str, tmp_path: Path, damage: str) -> None:
    plain = _reload(bundle, target, tmp_path)[1]
    (entry,) = _entries(tmp_path)
    raw = entry.read_bytes()
    if damage == "flip":
        entry.write_bytes(raw[:-10] + bytes([raw[-10] ^ 1]) + raw[-9:])
    elif damage == "truncate":
        entry.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        entry.write_bytes(b"\x00\xff" * 100)
    elif damage == "header":
        _rewrite(entry, lambda header, payload: (header.update(parts="nope"), payload)[1])
    elif damage == "traversal":
        _rewrite(entry, lambda header, payload: (header["parts"][0].update(table="../../etc/passwd", length=-5), payload)[1])
    elif damage == "other-tables":
        _rewrite(entry, lambda header, payload: (header["parts"].pop(), payload)[1])
    else:  # a column the table does not store (COPY would name it)
        _rewrite(entry, lambda header, payload: (header["parts"][0]["columns"].append('x"); DROP TABLE staff; --'), payload)[1])
    result, rows = _reload(bundle, target, tmp_path)
    assert "not used" in result.output and "rows kept in the cache" in result.output, result.output
    assert rows == plain
    assert "from the cache" in _load(bundle, target, tmp_path).output  # written afresh, and good


def test_rows_the_target_refuses_roll_back_and_are_sampled_afresh(bundle: Path, target: str, tmp_path: Path) -> None:
    plain = _reload(bundle, target, tmp_path)[1]
    (entry,) = _entries(tmp_path)

    def repeat_first_row(header: dict, payload: bytes) -> bytes:  # a duplicate primary key in the first table sent
        part = next(p for p in header["parts"] if p["rows"])
        at = sum(p["length"] for p in header["parts"][: header["parts"].index(part)])
        row = payload[at: payload.index(b"\n", at) + 1]
        part["length"], part["rows"] = part["length"] + len(row), part["rows"] + 1
        return payload[:at] + row + payload[at:]

    _rewrite(entry, repeat_first_row)
    result, rows = _reload(bundle, target, tmp_path)
    assert "the cached rows did not load" in result.output and "sampling afresh" in result.output
    assert rows == plain


def test_a_signed_bundle_needs_a_signed_cache(bundle: Path, target: str, tmp_path: Path) -> None:
    signed = tmp_path / "signed.bundle"
    env = {"PROVISIONER_BUNDLE_KEY": "k" * 32}
    from provisioner.model import bundle as bundle_io

    bundle_io.save(bundle_io.load(bundle), signed, b"k" * 32)
    plain = _reload(signed, target, tmp_path / "c", env=env)[1]
    (entry,) = _entries(tmp_path / "c")
    assert json.loads(entry.read_bytes()[len(rowcache.MAGIC):].partition(b"\n")[0])["signed"] is True
    _rewrite(entry, lambda header, payload: payload)  # re-checksummed without the key: refused
    result, rows = _reload(signed, target, tmp_path / "c", env=env)
    assert "not used" in result.output and rows == plain
    assert "from the cache" in _load(signed, target, tmp_path / "c", env={"PROVISIONER_BUNDLE_KEY": "k" * 32}).output


def test_a_streamed_load_is_not_kept_and_an_unwritable_folder_is_not_fatal(bundle: Path, target: str, tmp_path: Path) -> None:
    assert "the rows cache is not used" in _load(bundle, target, tmp_path / "s", "--stream").output
    assert not (tmp_path / "s").exists() or not _entries(tmp_path / "s")
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    refused = CliRunner().invoke(main, ["load", "--bundle", str(bundle), "--target", target, "--cache-dir", str(blocked)])
    assert refused.exit_code == 2 and "is a file" in refused.output
    result = _load(bundle, target, blocked / "sub")  # a folder that cannot be made
    assert "was not written" in result.output and dbcheck.counts(target)["staff"] > 0


def _crafted(bundle: Path, folder: Path, edit: object = None) -> tuple[rowcache.RowCache, str, object, dict]:
    """A well-formed, correctly checksummed file of empty tables for ``bundle`` (what anyone who can write an
    unsigned bundle's cache folder can make), after ``edit(header)``; and what a lookup needs."""
    from provisioner.model import bundle as bundle_io

    model = bundle_io.load(bundle)
    entry = rowcache.entry_key(str(bundle_io.read_header(bundle)[0]["digest"]), Config(seed=4))
    parts = [{"table": k, "columns": [], "rows": 0, "length": 0, "sha256": hashlib.sha256(b"").hexdigest()}
             for k in model.order.tables]
    header = {"format": rowcache.FORMAT, "entry": entry, "signed": False, "parts": parts, "rows": {}, "notes": []}
    if edit is not None:
        edit(header)  # type: ignore[operator]
    header["digest"] = rowcache._digest(header, b"", None)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{entry}.rows").write_bytes(rowcache.MAGIC + json.dumps(header).encode() + b"\n")
    stored = {t.key: frozenset(c.name for c in t.stored_columns) for t in model.snapshot.tables}
    return rowcache.RowCache(folder), entry, model.order, stored


def test_a_crafted_header_is_a_miss_never_a_crash(bundle: Path, tmp_path: Path) -> None:
    cache, entry, order, stored = _crafted(bundle, tmp_path)
    assert cache.lookup(entry, order, stored) is not None  # the well-formed file is used
    for edit in (lambda h: h["parts"][0].update(length=float("inf")),  # json's Infinity: int() overflows
                 lambda h: h["parts"][0].update(rows=float("nan")),
                 lambda h: h["parts"].append(dict(h["parts"][0]))):  # a table twice would be COPYed twice
        cache, entry, order, stored = _crafted(bundle, tmp_path, edit)
        assert cache.lookup(entry, order, stored) is None
    (tmp_path / f"{entry}.rows").write_bytes(rowcache.MAGIC + b"[" * 200_000 + b"\n")  # nested past the recursion limit
    assert cache.lookup(entry, order, stored) is None


def test_only_the_plain_file_itself_is_read(bundle: Path, tmp_path: Path) -> None:
    import os
    import threading

    cache, entry, order, stored = _crafted(bundle, tmp_path / "elsewhere")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / f"{entry}.rows").symlink_to(tmp_path / "elsewhere" / f"{entry}.rows")  # a good file, out of the folder
    assert rowcache.RowCache(tmp_path / "c").lookup(entry, order, stored) is None
    fifo = tmp_path / "f" / f"{entry}.rows"
    fifo.parent.mkdir()
    os.mkfifo(fifo)  # (a link to /dev/zero would read forever the same way)
    found: list[object] = []
    reader = threading.Thread(target=lambda: found.append(rowcache.RowCache(fifo.parent).lookup(entry, order, stored)), daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # let the blocked reader go before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert not reader.is_alive() and found == [None]


def test_the_python_version_is_in_the_code_fingerprint() -> None:
    import platform

    assert rowcache.versions()["python"] == platform.python_version()


def test_a_bundle_read_from_a_pipe_is_read_once(bundle: Path, target: str, tmp_path: Path) -> None:
    """``--bundle /dev/stdin`` or ``<(curl ...)``: the cache's key is the checksum of the bytes loaded, not
    of a second read of the path (which finds the pipe empty, or another bundle renamed over the file)."""
    import os
    import threading

    fifo = tmp_path / "bundle.pipe"
    os.mkfifo(fifo)

    def feed() -> None:
        fifo.write_bytes(bundle.read_bytes())
        fifo.write_bytes(b"")  # a second reader finds the pipe empty

    threading.Thread(target=feed, daemon=True).start()
    try:
        result = api.load_bundle(fifo, Config(target=target, seed=4), cache_dir=tmp_path / "c", replace=True)
    finally:
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))  # let the feeder's second write go
    assert result.load is not None and any("rows kept in the cache" in n for n in result.load.notes)
    assert "from the cache" in _load(bundle, target, tmp_path / "c").output  # the key is the bundle's


def test_the_year_birth_dates_count_from_is_in_the_key() -> None:
    """Sampled birth dates move with the year (synth/fake.py): a file of last year's rows is stale."""
    from provisioner.synth import fake

    assert rowcache.entry_parts("d", Config())["clock"] == fake.birth_anchor().isoformat()



def test_a_target_refused_before_any_row_is_not_sampled_again(
    bundle: Path, target: str, tmp_path: Path, fresh_db: Callable[..., str], readonly_role: Callable[..., str],
) -> None:
    _load(bundle, target, tmp_path)  # the cache is written
    denied = readonly_role(fresh_db("rowcache_ro"))  # may not CREATE: the schema step fails, whatever the rows
    result = CliRunner().invoke(main, ["load", "--bundle", str(bundle), "--target", denied, "--seed", "4", "--cache-dir", str(tmp_path)],
                                env={"PROVISIONER_BUNDLE_KEY": ""})
    assert result.exit_code == 2 and "load failed at schema" in result.output, result.output
    assert "the rows come from the cache" in result.output and "sampling afresh" not in result.output
