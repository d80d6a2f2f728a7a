"""Inline SVG charts for the HTML report: grouped bars, step CDFs, heatmaps.

Plain strings, no JavaScript and nothing fetched from the network, so the
report opens offline and prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

REAL = "#4c78a8"
SYNTHETIC = "#f58518"
INK = "#333"
GRID = "#e5e5e5"


def legend(series: Sequence[tuple[str, str]]) -> str:
    items = "".join(f'<span class="key"><i style="background:{c}"></i>{escape(n)}</span>' for n, c in series)
    return f'<div class="legend">{items}</div>'


LEFT, RIGHT, TOP, BOTTOM = 44, 56, 40, 64  # room for the y labels, the last rotated x label, title + legend, x labels


def bars(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float] | None, str]], title: str,
         width: int = 440, height: int = 230) -> str:
    """Grouped bars of shares (0..1), one group per label, with the series' legend under the title."""
    shown = [(n, v, c) for n, v, c in series if v is not None]
    left, top = LEFT, TOP
    plot_w, plot_h = width - left - RIGHT, height - BOTTOM - top
    peak = max([max(v) for _, v, _ in shown if len(v)] + [1e-9])
    group = plot_w / max(len(labels), 1)
    bar_w = max(group * 0.8 / max(len(shown), 1), 1.0)
    parts = [_frame(width, height, title, [(n, c) for n, _, c in shown]), _y_axis(left, top, plot_w, plot_h, peak)]
    for s, (name, values, color) in enumerate(shown):
        for i, value in enumerate(values):
            h = plot_h * value / peak
            x = left + i * group + group * 0.1 + s * bar_w
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}">'
                         f'<title>{escape(name)} {escape(labels[i])}: {value:.1%}</title></rect>')
    parts.append(_x_labels(labels, left, top + plot_h, group))
    return "".join(parts) + "</svg>"


def cdf(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float] | None, str]], title: str,
        width: int = 440, height: int = 230) -> str:
    """Cumulative shares as step lines over the same bins, with the series' legend under the title."""
    left, top = LEFT, TOP
    plot_w, plot_h = width - left - RIGHT, height - BOTTOM - top
    step = plot_w / max(len(labels), 1)
    shown = [(n, c) for n, v, c in series if v is not None]
    parts = [_frame(width, height, title, shown), _y_axis(left, top, plot_w, plot_h, 1.0)]
    for name, values, color in series:
        if values is None:
            continue
        total, points = 0.0, [f"{left},{top + plot_h}"]
        for i, value in enumerate(values):
            y0 = top + plot_h * (1 - total)
            total += value
            y1 = top + plot_h * (1 - min(total, 1.0))
            points += [f"{left + i * step:.1f},{y0:.1f}", f"{left + i * step:.1f},{y1:.1f}", f"{left + (i + 1) * step:.1f},{y1:.1f}"]
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(points)}"><title>{escape(name)}</title></polyline>')
    parts.append(_x_labels(labels, left, top + plot_h, step))
    return "".join(parts) + "</svg>"


def heatmap(matrix: Sequence[Sequence[float]], labels: Sequence[str], title: str, signed: bool = True, size: int = 300) -> str:
    """A square matrix; signed: -1 blue .. 0 white .. +1 red, else white .. blue by share."""
    n = max(len(matrix), 1)
    margin = 96 if labels else 10
    cell = (size - margin - 10) / n
    peak = max([max(row) for row in matrix if row] + [1e-9])
    key = "-1 blue · 0 white · +1 red" if signed else "white: no rows · dark: most rows"
    parts = [_frame(size, int(30 + n * cell + 18), title),
             f'<rect x="{margin}" y="22" width="{n * cell:.1f}" height="{n * cell:.1f}" fill="#fff" stroke="{GRID}"/>',
             f'<text x="{margin}" y="{int(30 + n * cell + 12)}" class="xlab">{escape(key)}</text>']
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            color = _diverging(value) if signed else _sequential(value / peak)
            label = f"{labels[i]} × {labels[j]}: {value:.2f}" if labels else f"{value:.2%}"
            parts.append(f'<rect x="{margin + j * cell:.1f}" y="{22 + i * cell:.1f}" width="{cell:.1f}" height="{cell:.1f}" '
                         f'fill="{color}"><title>{escape(label)}</title></rect>')
            if labels and n <= 8:
                parts.append(f'<text x="{margin + (j + .5) * cell:.1f}" y="{22 + (i + .55) * cell:.1f}" class="cell">{value:.2f}</text>')
    for i, label in enumerate(labels):
        parts.append(f'<text x="{margin - 4}" y="{22 + (i + .6) * cell:.1f}" class="ylab">{escape(_short(label, 14))}</text>')
    return "".join(parts) + "</svg>"


def _frame(width: int, height: int, title: str, keys: Sequence[tuple[str, str]] = ()) -> str:
    """The svg element, its title (shortened to fit, whole in the tooltip) and a legend of ``keys``."""
    limit = max(int((width - 8) / (0.62 * 12)), 12)  # 12 px bold: about 0.62 em a character
    legend_items, x = [], 4.0
    for name, color in keys:
        legend_items.append(f'<rect x="{x:.0f}" y="21" width="10" height="10" rx="2" fill="{color}"/>'
                            f'<text x="{x + 14:.0f}" y="30" class="xlab">{escape(name)}</text>')
        x += 24 + 6 * len(name)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
            f'<title>{escape(title)}</title><text x="4" y="14" class="title">{escape(_short(title, limit))}</text>'
            + "".join(legend_items))


def _y_axis(left: int, top: int, plot_w: int, plot_h: int, peak: float) -> str:
    parts = []
    for frac in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - frac)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" class="ylab">{peak * frac:.0%}</text>')
    return "".join(parts)


def _x_labels(labels: Sequence[str], left: int, base: float, step: float) -> str:
    every = max(1, len(labels) // 8)
    parts = []
    for i, label in enumerate(labels):
        if i % every:
            continue
        x = left + i * step + step / 2
        parts.append(f'<text transform="translate({x:.1f},{base + 10:.1f}) rotate(35)" class="xlab">'
                     f'<title>{escape(label)}</title>{escape(_short(label, 11))}</text>')
    return "".join(parts)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _diverging(value: float) -> str:
    v = max(-1.0, min(1.0, value))
    if v >= 0:
        return _mix((255, 255, 255), (202, 0, 32), v)
    return _mix((255, 255, 255), (5, 113, 176), -v)


def _sequential(value: float) -> str:
    return _mix((255, 255, 255), (8, 48, 107), max(0.0, min(1.0, value)) ** 0.6)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> str:
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b))
