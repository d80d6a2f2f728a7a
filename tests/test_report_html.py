"""``--report-html``: a self-contained page, rendered in real headless Chromium.

Needs ``/usr/bin/chromium`` (``apt-get install -y chromium``); skipped without it.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from provisioner.cli import main

from .shop import fast_config, make_shop

CHROMIUM = "/usr/bin/chromium"


def chromium(html: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp / 'chromium-profile'}",
        *extra, html.as_uri(),
    ]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=True)


def png_distinct_rows(png: Path) -> int:
    """How many different (filtered) scan lines a PNG has: a blank page has a handful."""
    data = png.read_bytes()
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, _, depth, color = struct.unpack(">IIBB", body[:10])
            channels = {2: 3, 6: 4, 0: 1, 4: 2}[color]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + width * channels * depth // 8
    return len({raw[i:i + stride] for i in range(0, len(raw), stride)})


@pytest.fixture(scope="module")
def shop(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from provisioner.pg import script as sqlscript

    from .conftest import unique_name

    tmp = tmp_path_factory.mktemp("shop")
    names = [unique_name("shop_src"), unique_name("shop_stage")]
    source, target = (sqlscript.create_database(pg_admin_url, n) for n in names)
    make_shop(source, tmp)
    html = tmp / "report.html"
    result = CliRunner().invoke(main, [
        "provision", "--source", source, "--target", target, "--config", str(fast_config(tmp)), "--quiet",
        "--report-html", str(html), "--bundle", str(tmp / "shop.bundle"),
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    yield {"tmp": tmp, "html": html, "target": target, "source": source}
    for name in names:
        sqlscript.drop_database(pg_admin_url, name)


def test_page_is_self_contained_and_has_no_pii(shop) -> None:  # type: ignore[no-untyped-def]
    page = shop["html"].read_text()
    assert "privacy gate passed" in page
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page), "the page must not fetch anything"
    assert "<script" not in page
    assert "zorblax" not in page.lower() and "example-secret" not in page  # source PII never shown
    for heading in ("Learnt columns", "Correlations", "Children per parent", "PCA density", "Distances to the closest training row",
                    "Fidelity"):
        assert heading in page, heading
    for metric in ("exact_copies", "dcr_share", "nndr", "identifiability"):
        assert f"<td>{metric}</td>" in page


def test_load_report_html_from_bundle(shop, fresh_db: Callable[..., str]) -> None:  # type: ignore[no-untyped-def]
    html = shop["tmp"] / "load.html"
    result = CliRunner().invoke(main, ["load", "--bundle", str(shop["tmp"] / "shop.bundle"), "--target", fresh_db("html_load"),
                                       "--quiet", "--report-html", str(html)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    page = html.read_text()
    assert "No source rows were available" in page and "Children per parent" in page


@pytest.mark.skipif(not Path(CHROMIUM).exists() or not shutil.which(CHROMIUM), reason="needs chromium: apt-get install -y chromium")
def test_renders_in_headless_chromium(shop) -> None:  # type: ignore[no-untyped-def]
    tmp, html = shop["tmp"], shop["html"]
    dom = chromium(html, tmp, "--dump-dom").stdout
    assert dom.count("<svg") >= 12  # histograms, CDFs, heatmaps, degrees, PCA, distances
    assert dom.count("<rect") > 200
    shot = tmp / "report.png"
    chromium(html, tmp, f"--screenshot={shot}", "--window-size=1400,3000")
    assert png_distinct_rows(shot) > 200, "the screenshot is (nearly) blank"
