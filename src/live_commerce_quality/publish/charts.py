"""Charts of the report as inline SVG written here: no script library, no request leaves the
page, and the same ratings give the same bytes.

Each function returns the markup of one `<svg>` element, sized by its viewBox so that it
scales to the page and prints sharp."""

from __future__ import annotations

import itertools
from html import escape

FONT = 12
GREY = "#888"


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" '
        f'width="{width:g}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = FONT, fill: str = "#222") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}">{escape(text)}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str = "") -> str:
    title = f"<title>{escape(tip)}</title>" if tip else ""
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" fill="{fill}">{title}</rect>'


def legend(items: list[tuple[str, str]], width: float = 760) -> str:
    """A row of colour keys: (label, colour)."""
    body, x, y = [], 4.0, 14.0
    for text, colour in items:
        step = 26 + 7.5 * sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
        if x + step > width:
            x, y = 4.0, y + 20
        body += [_rect(x, y - 10, 12, 12, colour), _text(x + 16, y, text, size=11)]
        x += step
    return _svg(width, y + 8, body, "图例 legend")


def stacked_bars(rows: list[tuple[str, dict[str, int]]], order: list[str], colours: dict[str, str], title: str) -> str:
    """One horizontal 100 % bar per row (e.g. a platform), split by grade, counts written in."""
    label_w, bar_w, bar_h, gap, count_w = 190.0, 500.0, 22.0, 8.0, 70.0
    width = label_w + bar_w + count_w
    body, y = [], 4.0
    for label, counts in rows:
        total = sum(counts.get(g, 0) for g in order)
        body.append(_text(label_w - 8, y + bar_h * 0.7, label, anchor="end"))
        x = label_w
        for g in order:
            n = counts.get(g, 0)
            if not n:
                continue
            w = bar_w * n / total
            body.append(_rect(x, y, w, bar_h, colours[g], f"{label} {g}: {n}"))
            if w >= 18:
                body.append(_text(x + w / 2, y + bar_h * 0.7, str(n), anchor="middle", size=11))
            x += w
        body.append(_text(label_w + bar_w + 6, y + bar_h * 0.7, f"n = {total}", size=11, fill=GREY))
        y += bar_h + gap
    return _svg(width, y, body, title)


def histogram(
    scores: list[float], thresholds: list[tuple[str, float]], colours: dict[str, str], title: str, bin_width: int = 5
) -> str:
    """Subjects per score bin of 0–100, each bar in the colour of the grade its bin earns, the
    grade thresholds (from the methodology) drawn as dashed lines."""
    bins = [0] * (100 // bin_width)
    for s in scores:
        bins[min(int(s // bin_width), len(bins) - 1)] += 1
    left, plot_w, plot_h, top = 34.0, 340.0, 150.0, 16.0
    width, height = left + plot_w + 8, top + plot_h + 34
    peak = max(bins) or 1
    bw = plot_w / len(bins)

    def grade_of(low: float) -> str:
        for g, minimum in thresholds:
            if low >= minimum:
                return g
        return thresholds[-1][0]

    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#444"/>']
    for i, n in enumerate(bins):
        h = plot_h * n / peak
        low = i * bin_width
        tip = f"{low}–{low + bin_width}: {n}"
        body.append(_rect(left + i * bw + 1, top + plot_h - h, bw - 2, h, colours[grade_of(low)], tip))
    for n, (g, minimum) in enumerate(thresholds):
        if 0 < minimum < 100:
            x = left + plot_w * minimum / 100
            body.append(
                f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{top + plot_h}" stroke="#555" '
                'stroke-dasharray="3,3"/>'
            )
            body.append(_text(x + 3, top + 4 + 11 * (n % 2), f"{g} ≥ {minimum:g}", size=10, fill="#555"))
    for tick in range(0, 101, 20):
        body.append(_text(left + plot_w * tick / 100, top + plot_h + 14, str(tick), anchor="middle", size=10))
    body.append(_text(left - 4, top + 8, str(peak), anchor="end", size=10))
    body.append(_text(left - 4, top + plot_h, "0", anchor="end", size=10))
    body.append(_text(left + plot_w / 2, height - 4, "总分 total score", anchor="middle", size=11))
    return _svg(width, height, body, title)


def diverging_bars(items: list[tuple[str, float]], title: str, up: str = "#1a9850", down: str = "#d73027") -> str:
    """Score changes as bars left (down) or right (up) of zero, largest first."""
    label_w, half, bar_h, gap = 230.0, 230.0, 16.0, 4.0
    width = label_w + 2 * half + 60
    scale = max((abs(c) for _, c in items), default=1.0) or 1.0
    zero = label_w + half
    body, y = [], 4.0
    for label, change in items:
        w = half * abs(change) / scale
        x = zero if change >= 0 else zero - w
        body.append(_text(label_w - 6, y + bar_h * 0.8, label, anchor="end", size=11))
        body.append(_rect(x, y, w, bar_h, up if change >= 0 else down, f"{label}: {change:+.2f}"))
        tx = zero + w + 4 if change >= 0 else zero - w - 4
        body.append(_text(tx, y + bar_h * 0.8, f"{change:+.2f}", anchor="start" if change >= 0 else "end", size=10))
        y += bar_h + gap
    body.append(f'<line x1="{zero}" y1="0" x2="{zero}" y2="{y}" stroke="#444"/>')
    return _svg(width, y + 2, body, title)


def heat(score: float | None) -> str:
    """Background colour of a mean score 0–100 on a red–yellow–green scale."""
    if score is None:
        return "#f3f3f3"
    stops = [(0, (215, 48, 39)), (50, (254, 224, 139)), (100, (26, 152, 80))]
    s = max(0.0, min(100.0, score))
    for (a, ca), (b, cb) in itertools.pairwise(stops):
        if s <= b:
            t = (s - a) / (b - a)
            rgb = [round(x + (y - x) * t) for x, y in zip(ca, cb, strict=True)]
            # pale it so that the number stays readable
            rgb = [round(v + (255 - v) * 0.35) for v in rgb]
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#1a9850"
