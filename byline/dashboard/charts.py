"""Small server-rendered SVG charts: a line chart (one or two series) and a bar chart, both with axes,
labels, a title and a description, and the data table that says the same in words.

The SVG is built here from numbers and already-escaped labels (`format_html`), never from user HTML.
Colours come from the page's CSS (classes), so the caring version and the colour schemes apply to
charts as to text; the series differ by line style and marker shape too, never by colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 76, 16, 16, 40
MAX_X_LABELS = 6
SERIES_CLASSES = ("chart-series-a", "chart-series-b")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    formatted: Sequence[str] | None = None  # how each value reads in the table; str(value) if None


@dataclass(frozen=True)
class Chart:
    """What a template needs: the SVG, and the table rows (label, formatted values...)."""

    chart_id: str
    title: str
    description: str
    svg: SafeString
    labels: list[str]
    series: list[Series]

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        columns = [s.formatted or [_plain(v) for v in s.values] for s in self.series]
        return [(label, [column[i] for column in columns]) for i, label in enumerate(self.labels)]


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _n(value: float) -> str:
    return f"{value:.1f}"


def nice_ceiling(value: float) -> float:
    """The axis maximum: a round number at or above `value` (1, 2, 2.5, 5 times a power of ten)."""
    if value <= 0:
        return 1
    power = 1.0
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _x_positions(count: int, *, slots: bool = False) -> list[float]:
    """Where each label sits: spread edge to edge for lines, in the middle of equal slots for bars."""
    span = WIDTH - LEFT - RIGHT
    if count == 1 or slots:
        return [LEFT + span * (i + 0.5) / count for i in range(count)]
    return [LEFT + span * i / (count - 1) for i in range(count)]


def _label_indexes(count: int) -> list[tuple[int, bool]]:
    """Which x labels to print, counted back from the last day, and whether each is a minor one
    (every other label, hidden in the caring version, where the text is bigger)."""
    step = max(1, -(-count // MAX_X_LABELS))
    chosen = list(range(count - 1, -1, -step))[::-1]
    return [(index, (len(chosen) - 1 - n) % 2 == 1) for n, index in enumerate(chosen)]


def _y(value: float, top_value: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top_value)


def _axes(labels: list[str], top_value: float, xs: list[float], y_format) -> SafeString:
    base = HEIGHT - BOTTOM
    parts = [format_html('<line class="chart-axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor"/>',
                         LEFT, base, WIDTH - RIGHT, base),
             format_html('<line class="chart-axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor"/>',
                         LEFT, TOP, LEFT, base)]
    for fraction in (0, 0.5, 1):
        value = top_value * fraction
        y = _y(value, top_value)
        if fraction:
            parts.append(format_html('<line class="chart-grid" x1="{}" y1="{}" x2="{}" y2="{}" '
                                     'stroke="currentColor" stroke-dasharray="2 4"/>',
                                     LEFT, _n(y), WIDTH - RIGHT, _n(y)))
        parts.append(format_html('<text class="chart-label" x="{}" y="{}" text-anchor="end" '
                                 'dominant-baseline="middle">{}</text>', LEFT - 6, _n(y), y_format(value)))
    for index, minor in _label_indexes(len(labels)):
        anchor = "end" if index == len(labels) - 1 and xs[index] > WIDTH - RIGHT - 30 else "middle"
        parts.append(format_html('<text class="chart-label{}" x="{}" y="{}" text-anchor="{}">{}</text>',
                                 " chart-label-minor" if minor else "", _n(xs[index]), base + 24, anchor,
                                 labels[index]))
    return mark_safe("".join(parts))


def _frame(chart_id: str, title: str, description: str, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc" '
        'aria-details="{}-table" focusable="false"><title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '{}</svg>',
        WIDTH, HEIGHT, chart_id, chart_id, chart_id, chart_id, title, chart_id, description, body)


def line_chart(*, chart_id: str, title: str, description: str, labels: list[str], series: list[Series],
               y_format=_plain) -> Chart:
    """Up to two series over the same labels; the second is dashed with square markers."""
    top_value = nice_ceiling(max((max(s.values, default=0) for s in series), default=0))
    xs = _x_positions(len(labels))
    body = [_axes(labels, top_value, xs, y_format)]
    for number, one in enumerate(series[:2]):
        points = " ".join(f"{x:.1f},{_y(v, top_value):.1f}" for x, v in zip(xs, one.values, strict=True))
        dash = ' stroke-dasharray="8 5"' if number else ""
        body.append(format_html('<polyline class="chart-line {}" points="{}" fill="none" stroke-width="3"{}/>',
                                SERIES_CLASSES[number], points, mark_safe(dash)))
        if len(labels) <= 31:
            for x, v in zip(xs, one.values, strict=True):
                y = _y(v, top_value)
                if number:
                    body.append(format_html('<rect class="chart-mark {}" x="{}" y="{}" width="7" height="7"/>',
                                            SERIES_CLASSES[number], _n(x - 3.5), _n(y - 3.5)))
                else:
                    body.append(format_html('<circle class="chart-mark {}" cx="{}" cy="{}" r="4"/>',
                                            SERIES_CLASSES[number], _n(x), _n(y)))
    svg = _frame(chart_id, title, description, mark_safe("".join(body)))
    return Chart(chart_id, title, description, svg, labels, list(series))


def bar_chart(*, chart_id: str, title: str, description: str, labels: list[str], series: Series,
              y_format=_plain) -> Chart:
    top_value = nice_ceiling(max(series.values, default=0))
    xs = _x_positions(len(labels), slots=True)
    width = max(2.0, (WIDTH - LEFT - RIGHT) / max(len(labels), 1) * 0.7)
    bars = format_html_join("", '<rect class="chart-bar chart-series-a" x="{}" y="{}" width="{}" '
                            'height="{}"/>',
                            ((_n(x - width / 2), _n(_y(max(v, 0), top_value)), _n(width),
                              _n(HEIGHT - BOTTOM - _y(max(v, 0), top_value)))
                             for x, v in zip(xs, series.values, strict=True)))
    svg = _frame(chart_id, title, description, mark_safe(_axes(labels, top_value, xs, y_format) + bars))
    return Chart(chart_id, title, description, svg, labels, [series])
