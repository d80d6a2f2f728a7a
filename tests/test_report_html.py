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
from provisioner.report import svg

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
    real_bars = page.count(f'fill="{svg.REAL}"><title>real ')
    assert real_bars > 20  # real distributions from the histograms the bundle learnt, not synthetic bars alone


@pytest.mark.skipif(not Path(CHROMIUM).exists() or not shutil.which(CHROMIUM), reason="needs chromium: apt-get install -y chromium")
def test_renders_in_headless_chromium(shop) -> None:  # type: ignore[no-untyped-def]
    tmp, html = shop["tmp"], shop["html"]
    dom = chromium(html, tmp, "--dump-dom").stdout
    assert dom.count("<svg") >= 12  # histograms, CDFs, heatmaps, degrees, PCA, distances
    assert dom.count("<rect") > 200
    shot = tmp / "report.png"
    chromium(html, tmp, f"--screenshot={shot}", "--window-size=1400,3000")
    assert png_distinct_rows(shot) > 200, "the screenshot is (nearly) blank"


def test_every_chart_has_a_legend_and_nothing_is_clipped() -> None:
    """Titles and labels fit inside each chart (estimated at the font's widest average), and every series is named."""
    import math
    from xml.etree import ElementTree

    from provisioner.report import svg

    long_title = "children per employee row (reports_to) -> employee(employee_id) through a very long foreign key name"
    labels = [f"2003-11-{d:02d} a long category label {d}" for d in range(1, 25)]
    series = [("real", [1 / 24] * 24, svg.REAL), ("synthetic", [1 / 24] * 24, svg.SYNTHETIC)]
    for chart in (svg.bars(labels, series, long_title), svg.cdf(labels, series, long_title)):
        root = ElementTree.fromstring(chart)
        width, height = float(root.get("width")), float(root.get("height"))
        ns = "{http://www.w3.org/2000/svg}"
        texts = root.findall(f"{ns}text")
        assert {"real", "synthetic"} <= {t.text for t in texts}  # the legend
        for text in texts:
            shown = (text.text or "") + "".join(c.tail or "" for c in text)
            size = 12 if text.get("class") == "title" else 9
            if text.get("transform"):  # rotated x labels: translate(x,y) rotate(35)
                x, y = map(float, re.findall(r"translate\(([\d.]+),([\d.]+)\)", text.get("transform"))[0])
                length = 0.62 * size * len(shown)
                assert x + length * math.cos(math.radians(35)) <= width + 1, shown
                assert y + length * math.sin(math.radians(35)) <= height + 1, shown
            else:
                assert float(text.get("x")) + 0.62 * size * len(shown) <= width + 1, shown


def test_metrics_are_explained_in_plain_words() -> None:
    from provisioner.report.html import explain

    noisy = {"name": "identifiability", "value": 0.061, "threshold": 0.05, "passed": True}
    assert "noise" in explain(noisy) and explain(noisy).startswith("Passes")
    failed = {"name": "exact_copies", "value": 0.3, "threshold": 0.005, "passed": False}
    assert explain(failed).startswith("Fails") and "copy" in explain(failed)


def test_generated_text_is_flagged_and_small_tables_say_why_real_rows_are_missing(shop) -> None:  # type: ignore[no-untyped-def]
    page = shop["html"].read_text()
    assert "generated text (never learnt)" in page
    assert "what it means" in page
