"""A dependency-free SVG line chart of ingest throughput against the number of pages."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

_W, _H = 720, 420
_L, _R, _T, _B = 70, 200, 40, 60  # margins: the legend sits on the right

SERIES = (
    ("floor_pages_per_s", "floor: extract + decode + QR", "#7f7f7f", "6 3"),
    ("floor_draft_pages_per_s", "floor, half-size decode", "#bcbcbc", "2 3"),
    ("off_pages_per_s", "pipeline, OCR off", "#1f77b4", ""),
    ("on_pages_per_s", "pipeline, OCR on", "#d62728", ""),
)


def _ticks(top: float) -> list[float]:
    """About five round ticks from 0 to at least ``top``."""
    raw = top / 5 or 1.0
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [i * step for i in range(math.ceil(top / step) + 1)]


def _frame(
    result: dict[str, Any],
    x_ticks: list[float],
    y_ticks: list[float],
    px: Callable[[float], float],
    py: Callable[[float], float],
) -> list[str]:
    """The chart's title, grid, ticks and axes (the opening of the SVG)."""
    pw, ph = _W - _L - _R, _H - _T - _B
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" font-family="sans-serif" font-size="12">',
        f'<rect width="{_W}" height="{_H}" fill="white"/>',
        f'<text x="{_L}" y="22" font-size="14" font-weight="bold">Ingest throughput '
        f"({escape(str(result.get('config', '')))} run, "
        f"{result.get('machine', {}).get('nproc', '?')} cores)</text>",
    ]
    for t in y_ticks:
        out.append(
            f'<line x1="{_L}" x2="{_L + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#eee"/>'
        )
        out.append(f'<text x="{_L - 8}" y="{py(t) + 4:.1f}" text-anchor="end">{t:g}</text>')
    for t in x_ticks:
        out.append(f'<text x="{px(t):.1f}" y="{_T + ph + 18}" text-anchor="middle">{t:g}</text>')
    out.append(
        f'<line x1="{_L}" x2="{_L}" y1="{_T}" y2="{_T + ph}" stroke="black"/>'
        f'<line x1="{_L}" x2="{_L + pw}" y1="{_T + ph}" y2="{_T + ph}" stroke="black"/>'
    )
    out.append(
        f'<text x="{_L + pw / 2}" y="{_H - 18}" text-anchor="middle">pages in the batch</text>'
    )
    out.append(
        f'<text transform="translate(18 {_T + ph / 2}) rotate(-90)" '
        f'text-anchor="middle">pages per second</text>'
    )
    return out


def throughput_svg(result: dict[str, Any]) -> str:
    """Pages per second against pages in the batch, one line per way of reading a scan;
    end-to-end runs on the real services are drawn as labelled points."""
    rows = result["ingest"]["by_size"]
    runs = [r for r in result.get("e2e", {}).get("runs", []) if r.get("pages_per_s")]
    by_workers: dict[int, list[float]] = {}
    for r in runs:
        by_workers.setdefault(r["workers"], []).append(r["pages_per_s"])
    # One point per worker count: the median of its runs.
    e2e = [
        {"workers": w, "pages": runs[0]["pages"], "pages_per_s": statistics.median(v)}
        for w, v in sorted(by_workers.items())
    ]
    xs = [r["pages"] for r in rows] + [r["pages"] for r in e2e]
    ys = [r[k] for r in rows for k, *_ in SERIES if r.get(k)]
    ys += [r["pages_per_s"] for r in e2e]
    x_ticks, y_ticks = _ticks(max(xs)), _ticks(max(ys))
    x_max, y_max = x_ticks[-1], y_ticks[-1]
    pw, ph = _W - _L - _R, _H - _T - _B

    def px(x: float) -> float:
        return _L + pw * x / x_max

    def py(y: float) -> float:
        return _T + ph * (1 - y / y_max)

    out = _frame(result, x_ticks, y_ticks, px, py)
    legend_y = _T + 10
    for key, label, colour, dash in SERIES:
        pts = [(r["pages"], r[key]) for r in rows if r.get(key)]
        if not pts:
            continue
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>'
        )
        out.extend(
            f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>' for x, y in pts
        )
        lx = _L + pw + 15
        out.append(
            f'<line x1="{lx}" x2="{lx + 24}" y1="{legend_y}" y2="{legend_y}" stroke="{colour}" '
            f'stroke-width="2"{dash_attr}/>'
        )
        out.append(f'<text x="{lx + 30}" y="{legend_y + 4}">{escape(label)}</text>')
        legend_y += 20
    for k, r in enumerate(e2e):
        x, y = px(r["pages"]), py(r["pages_per_s"])
        out.append(f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="#2ca02c"/>')
        # Runs at the same page count sit close together: stack their labels upwards.
        dy = -8 - 14 * k
        out.append(
            f'<text x="{x + 8:.1f}" y="{y + dy:.1f}">'
            f"services, {r['workers']} worker{'s' if r['workers'] > 1 else ''}</text>"
        )
    if e2e:
        lx = _L + pw + 15
        out.append(
            f'<rect x="{lx + 8}" y="{legend_y - 4}" width="8" height="8" fill="#2ca02c"/>'
            f'<text x="{lx + 30}" y="{legend_y + 4}">PostgreSQL + Redis +</text>'
            f'<text x="{lx + 30}" y="{legend_y + 18}">workers, OCR + checking</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"
