"""SVG charts the server draws, so that a phone shows them with no script.

A chart is decoration for sighted readers: the page always carries a table with the same
numbers, and the SVG names itself (`role="img"`, a title and a description) for screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

# Geometry in SVG user units; the SVG scales to its container (width 100%), phones first.
WIDTH = 340
LABEL_HEIGHT = 18  # a criterion's label line
BAR_HEIGHT = 16
ROW_GAP = 14
LEGEND_HEIGHT = 28
VALUE_WIDTH = 92  # room right of the bars for "15.50 / 20.00"
BAR_WIDTH = WIDTH - VALUE_WIDTH


@dataclass(frozen=True)
class CriterionBar:
    """One criterion: the competitor's points, its maximum, the skill's median (None: none)."""

    code: str
    label: str
    points: Decimal
    maximum: Decimal
    median: Decimal | None
    points_text: str
    maximum_text: str


def _fraction(value: Decimal, maximum: Decimal) -> float:
    if maximum <= 0:
        return 0.0
    return max(0.0, min(1.0, float(value / maximum)))


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def criteria_chart(bars: list[CriterionBar], *, chart_id: str, title: str, description: str,
                   points_legend: str, median_legend: str) -> Markup:
    """Horizontal bars, one per criterion: the points against the maximum (the track), and the
    median as a dashed mark across the bar (a shape, not a colour, tells it apart)."""
    parts: list[str] = []
    y = LEGEND_HEIGHT
    for bar in bars:
        parts.append(f'<text class="chart-label" x="0" y="{y + 13}">{escape(bar.label)}</text>')
        y += LABEL_HEIGHT
        filled = BAR_WIDTH * _fraction(bar.points, bar.maximum)
        parts.append(f'<rect class="chart-track" x="0" y="{y}" width="{BAR_WIDTH}" '
                     f'height="{BAR_HEIGHT}" rx="3"/>')
        parts.append(f'<rect class="chart-points" x="0" y="{y}" width="{_number(filled)}" '
                     f'height="{BAR_HEIGHT}" rx="3"/>')
        if bar.median is not None:
            x = _number(BAR_WIDTH * _fraction(bar.median, bar.maximum))
            parts.append(f'<line class="chart-median" x1="{x}" x2="{x}" y1="{y - 4}" '
                         f'y2="{y + BAR_HEIGHT + 4}"/>')
        parts.append(f'<text class="chart-value" x="{WIDTH}" y="{y + 13}" text-anchor="end">'
                     f'{escape(bar.points_text)} / {escape(bar.maximum_text)}</text>')
        y += BAR_HEIGHT + ROW_GAP
    height = y
    legend = (
        f'<rect class="chart-points" x="0" y="4" width="16" height="12" rx="2"/>'
        f'<text class="chart-legend" x="22" y="15">{escape(points_legend)}</text>'
        f'<line class="chart-median" x1="{WIDTH // 2 + 8}" x2="{WIDTH // 2 + 8}" y1="2" '
        f'y2="18"/>'
        f'<text class="chart-legend" x="{WIDTH // 2 + 16}" y="15">{escape(median_legend)}</text>'
    )
    svg = (
        f'<svg class="criteria-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f'<g aria-hidden="true">{legend}{"".join(parts)}</g>'
        f'</svg>'
    )
    return Markup(svg)  # noqa: S704 -- every text above went through escape()
