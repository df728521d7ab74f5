"""The report's charts as inline SVG, written by hand.

Hand-written SVG rather than matplotlib's: a day-by-day bar chart is a few
dozen rectangles, a ring a few dozen circles and lines, so each chart is a
kilobyte or two instead of tens (matplotlib writes every glyph as a path), it
takes the page's fonts and colours from its CSS, and each bar and node carries
a ``<title>`` the browser shows on hover. Nothing is fetched: the SVG is in the page.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

import numpy as np
import pandas as pd

LINK_KINDS = {"handset": "shared handset", "holder": "same ID holder", "victims": "shared victims",
              "place": "calls from the same cells"}


def daily_calls(daily: pd.DataFrame, start: date, days: int, *, width: int = 620, height: int = 150) -> str:
    """Calls out and in per day (``daily``: day, calls_out, calls_in) over ``days`` days from ``start``."""
    counts = daily.set_index("day")[["calls_out", "calls_in"]] if len(daily) else pd.DataFrame(columns=["calls_out", "calls_in"])
    left, bottom, top = 34, 20, 8
    plot_w, plot_h = width - left - 24, height - bottom - top
    peak = max(1, int(counts.to_numpy().max()) if len(counts) else 1)
    slot = plot_w / days
    bar = max(1.0, slot / 2 - 1)
    parts = [f'<svg class="chart daily" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-label="calls out and in per day">',
             f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}"/>',
             f'<text class="tick" x="{left - 4}" y="{top + 8}" text-anchor="end">{peak:,}</text>',
             f'<text class="tick" x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>']
    for i in range(days):
        day = start + timedelta(days=i)
        out, inn = (int(v) for v in counts.loc[day]) if day in counts.index else (0, 0)
        x = left + i * slot
        for j, (value, kind) in enumerate(((out, "out"), (inn, "in"))):
            h = plot_h * value / peak
            parts.append(f'<rect class="{kind}" x="{x + j * (bar + 1):.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" '
                         f'height="{h:.1f}"><title>{day:%a %d %b}: {out:,} out, {inn:,} in</title></rect>')
    for i in (0, days // 2, days - 1):
        day = start + timedelta(days=i)
        parts.append(f'<text class="tick" x="{left + (i + 0.5) * slot:.1f}" y="{height - 5}" text-anchor="middle">{day:%d %b}</text>')
    parts.append("</svg>")
    return "".join(parts)


def layout(n: int, pairs: list[tuple[int, int]], *, iterations: int = 200, seed: int = 0) -> np.ndarray:
    """Positions in the unit square for ``n`` nodes (Fruchterman-Reingold springs, seeded: the same ring, the same picture)."""
    if n == 1:
        return np.array([[0.5, 0.5]])
    angle = 2 * np.pi * np.arange(n) / n
    pos = np.c_[np.cos(angle), np.sin(angle)] + np.random.default_rng(seed).normal(0, 0.01, (n, 2))
    k = 1.0 / np.sqrt(n)
    edges = np.array(pairs, dtype=int).reshape(-1, 2)
    step = 0.1
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=2), 1e-3)
        move = (delta / dist[..., None] * (k * k / dist)[..., None]).sum(axis=1)  # every pair repels
        if len(edges):
            d = pos[edges[:, 0]] - pos[edges[:, 1]]
            length = np.maximum(np.linalg.norm(d, axis=1), 1e-3)
            pull = d / length[:, None] * (length * length / k)[:, None]  # linked nodes attract
            np.add.at(move, edges[:, 0], -pull)
            np.add.at(move, edges[:, 1], pull)
        size = np.maximum(np.linalg.norm(move, axis=1), 1e-9)
        pos += move / size[:, None] * np.minimum(size, step)[:, None]
        step *= 0.98
    pos -= pos.min(axis=0)
    return pos / np.maximum(pos.max(axis=0), 1e-9)


def ring_graph(members: list[str], links: list[dict], flagged: set[str], *, size: int | None = None) -> str:
    """A ring's members as nodes (flagged ones marked) and its links as lines coloured by kind; larger rings larger."""
    size = size or min(720, 300 + 10 * len(members))
    index = {m: i for i, m in enumerate(members)}
    pairs = [(index[link["a"]], index[link["b"]]) for link in links]
    margin = 28
    xy = margin + layout(len(members), pairs) * (size - 2 * margin)
    parts = [f'<svg class="chart ring" viewBox="0 0 {size} {size}" width="{size}" height="{size}" role="img" '
             f'aria-label="ring of {len(members)} numbers">']
    for link, (a, b) in zip(links, pairs):
        kind = link["kind"]
        parts.append(f'<line class="link {escape(kind)}" x1="{xy[a, 0]:.1f}" y1="{xy[a, 1]:.1f}" x2="{xy[b, 0]:.1f}" '
                     f'y2="{xy[b, 1]:.1f}"><title>{escape(link["a"])} - {escape(link["b"])}: '
                     f'{LINK_KINDS.get(kind, escape(kind))}</title></line>')
    for m, i in index.items():
        cls = "node flagged" if m in flagged else "node"
        parts.append(f'<g class="{cls}"><circle cx="{xy[i, 0]:.1f}" cy="{xy[i, 1]:.1f}" r="7"><title>{escape(m)}'
                     f'{" (flagged)" if m in flagged else ""}</title></circle>'
                     f'<text x="{xy[i, 0]:.1f}" y="{xy[i, 1] - 10:.1f}" text-anchor="middle">{escape(m[-4:])}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
