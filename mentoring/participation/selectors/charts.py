"""Small SVG charts rendered on the server for the tutors' dashboard.

Rendered here rather than in the browser so the dashboard works without JavaScript, prints, and
needs no charting bundle. Every label passes through ``html.escape``; callers may mark the
result safe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from mentoring.models import ParticipationStatus

# Colours chosen to stay distinguishable for the common colour-vision deficiencies
# (Okabe-Ito palette); the legend and the table beside the chart carry the same numbers.
STATUS_COLOURS = {
    "contributor": "#009E73",
    "reader": "#E69F00",
    "resource_only": "#56B4E9",
    "inactive": "#999999",
}
# The legend's labels come from the one list of statuses.
STATUS_LABELS = {status.value: status.label for status in ParticipationStatus}
READS_COLOUR = "#E69F00"
POSTS_COLOUR = "#009E73"


@dataclass(frozen=True)
class WeekPoint:
    """Reads and posts in the week starting ``week``."""

    week: date
    reads: int
    posts: int


def _pct(part: int, whole: int) -> str:
    return f"{(100 * part / whole):.0f}%" if whole else "0%"


def status_breakdown_svg(counts: Mapping[str, int], *, width: int = 480) -> str:
    """One horizontal bar per status, scaled to the cohort, with count and share as text."""
    total = sum(counts.get(status, 0) for status in STATUS_LABELS)
    row_height, label_width, gap = 28, 130, 8
    bar_space = width - label_width - 90
    height = len(STATUS_LABELS) * (row_height + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-breakdown" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        # dashboard.js redraws the bars from the status counts with the same geometry.
        f'data-bar-space="{bar_space}" data-label-width="{label_width}" '
        f'aria-labelledby="breakdown-title">',
        f'<title id="breakdown-title">Members by participation status ({total} members)</title>',
    ]
    for index, (status, label) in enumerate(STATUS_LABELS.items()):
        value = counts.get(status, 0)
        y = gap + index * (row_height + gap)
        bar = round(bar_space * value / total) if total else 0
        parts.append(
            f'<g data-status="{escape(status)}">'
            f'<text x="0" y="{y + row_height * 0.7:.1f}" font-size="14">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{bar}" height="{row_height}" '
            f'fill="{STATUS_COLOURS[status]}"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{label_width + bar + 6}" y="{y + row_height * 0.7:.1f}" font-size="14" '
            f'class="chart-value">{value} ({_pct(value, total)})</text>'
            "</g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _short(value: int) -> str:
    """Axis labels that fit: 2,000 → 2k, 1,500,000 → 1.5M."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if value >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + suffix
    return str(value)


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10ⁿ at or above ``value``: round axis labels."""
    if value <= 0:
        return 1
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def weekly_trend_svg(points: Sequence[WeekPoint], *, width: int = 560, height: int = 240) -> str:
    """Reads and posts per week as two lines on one axis, so the gap between them shows."""
    left, right, top, bottom = 56, 28, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_ceiling(max([p.reads for p in points] + [p.posts for p in points] + [0]))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-trend" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="trend-title">',
        f'<title id="trend-title">Members’ reads of threads and posts written per week, '
        f"last {len(points)} weeks</title>",
        # Axes and three gridlines.
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#444"/>',
    ]
    for fraction in (0.5, 1.0):
        y = top + plot_h - plot_h * fraction
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="12" text-anchor="end">'
            f"{_short(round(peak * fraction))}</text>"
        )
    parts.append(
        f'<text x="{left - 6}" y="{top + plot_h + 4}" font-size="12" text-anchor="end">0</text>'
    )
    if not points:
        parts.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" font-size="14" '
            'text-anchor="middle">No activity yet</text></svg>'
        )
        return "".join(parts)

    step = plot_w / max(len(points) - 1, 1)

    def xy(index: int, value: int) -> str:
        x = left + (index * step if len(points) > 1 else plot_w / 2)
        return f"{x:.1f},{top + plot_h - plot_h * value / peak:.1f}"

    for name, colour, attr in (
        ("reads", READS_COLOUR, "reads"),
        ("posts", POSTS_COLOUR, "posts"),
    ):
        coords = " ".join(xy(i, getattr(p, attr)) for i, p in enumerate(points))
        parts.append(
            f'<polyline class="series-{name}" points="{coords}" fill="none" '
            f'stroke="{colour}" stroke-width="2.5"/>'
        )
        for i, p in enumerate(points):
            cx, cy = xy(i, getattr(p, attr)).split(",")
            parts.append(
                f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}">'
                f"<title>Week of {p.week:%d %b}: {getattr(p, attr)} {name}</title></circle>"
            )
    # Label at most ~8 weeks so the axis stays legible.
    every = max(1, -(-len(points) // 8))
    for i, p in enumerate(points):
        if i % every == 0 or i == len(points) - 1:
            x = xy(i, 0).split(",")[0]
            parts.append(
                f'<text x="{x}" y="{top + plot_h + 16}" font-size="11" text-anchor="middle">'
                f"{p.week:%d %b}</text>"
            )
    legend_y = height - 8
    parts.append(
        f'<rect x="{left}" y="{legend_y - 9}" width="12" height="4" fill="{READS_COLOUR}"/>'
        f'<text x="{left + 16}" y="{legend_y}" font-size="12">Reads</text>'
        f'<rect x="{left + 70}" y="{legend_y - 9}" width="12" height="4" '
        f'fill="{POSTS_COLOUR}"/>'
        f'<text x="{left + 86}" y="{legend_y}" font-size="12">Posts</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
