"""Charts drawn on the server as SVG: no script, no inline style; classes carry the colours."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from gensidig.common.numbers import format_number, format_signed
from gensidig.insights.queries import Series, Table

register = template.Library()

BAR_HEIGHT = 22
LABEL_WIDTH = 230
BAR_WIDTH = 300


@register.simple_tag
def bar_chart(table: Table) -> SafeString:
    """Horizontal bars for a table's shown counts; the table below is the accessible view, so
    the picture is hidden from screen readers."""
    rows = [row for row in table.rows if isinstance(row.value, int)]
    if not rows:
        return SafeString("")
    biggest = max((row.value for row in rows if row.shown), default=0) or 1
    height = BAR_HEIGHT * len(rows) + 4
    width = LABEL_WIDTH + BAR_WIDTH + 60
    bars = []
    # Built as plain text (a page has hundreds of shapes): numbers as they are, every text
    # escaped.
    for i, row in enumerate(rows):
        y = i * BAR_HEIGHT + 2
        label = f'<text class="chart-label" x="0" y="{y + 15}">{escape(row.label[:34])}</text>'
        if row.shown:
            length = round(BAR_WIDTH * row.value / biggest)
            bars.append(
                f'{label}<rect class="chart-bar chart-bar-{i % 5}" x="{LABEL_WIDTH}" y="{y + 3}" '
                f'width="{length}" height="{BAR_HEIGHT - 6}"/>'
                f'<text class="chart-value" x="{LABEL_WIDTH + length + 6}" y="{y + 15}">'
                f"{escape(row.value)}</text>"
            )
        else:
            bars.append(
                f'{label}<text class="chart-withheld" x="{LABEL_WIDTH}" y="{y + 15}">'
                f"{escape(_('withheld'))}</text>"
            )
    return SafeString(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">'
        f"{''.join(bars)}</svg>"
    )


SERIES_HEIGHT = 160
SERIES_BAR = 18
SERIES_GAP = 8
SERIES_LEFT = 36
LEGEND_ROW = 20


@register.simple_tag
def series_chart(series: Series) -> SafeString:
    """Stacked columns, one per point in time, a colour per state; the part of a column
    whose figures are withheld is grey (the total is shown, so that part is no secret). The
    table below is the accessible view."""
    if not series.points:
        return SafeString("")
    biggest = max((p.split.value for p in series.points if p.split and p.split.shown), default=0)
    scale = SERIES_HEIGHT / (biggest or 1)
    parts = []
    for i, point in enumerate(series.points):
        x = SERIES_LEFT + i * (SERIES_BAR + SERIES_GAP)
        y = SERIES_HEIGHT + 4
        if point.split is None or not point.split.shown:
            continue
        withheld = point.split.value
        for j, row in enumerate(point.rows):
            if not row.shown:
                continue
            withheld -= row.value
            height = row.value * scale
            y -= height
            # Plain text (a year of points is hundreds of shapes), every text escaped.
            parts.append(
                SafeString(
                    f'<rect class="chart-state-{j}" x="{x}" y="{y:.1f}" width="{SERIES_BAR}" '
                    f'height="{height:.1f}"><title>{escape(point.title)}: {escape(row.label)} '
                    f"{escape(row.value)}</title></rect>"
                )
            )
        if withheld > 0:
            height = withheld * scale
            parts.append(
                SafeString(
                    f'<rect class="chart-state-withheld" x="{x}" y="{y - height:.1f}" '
                    f'width="{SERIES_BAR}" height="{height:.1f}"/>'
                )
            )
    first, last = series.points[0], series.points[-1]
    width = SERIES_LEFT + len(series.points) * (SERIES_BAR + SERIES_GAP) + 60
    axis_y = SERIES_HEIGHT + 20
    parts.append(
        format_html(
            '<text class="chart-label" x="0" y="{}">{}</text>'
            '<text class="chart-label" x="0" y="{}">0</text>'
            '<text class="chart-label" x="{}" y="{}">{}</text>'
            '<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>',
            16,
            biggest,
            SERIES_HEIGHT + 4,
            SERIES_LEFT,
            axis_y,
            first.title,
            SERIES_LEFT + len(series.points) * (SERIES_BAR + SERIES_GAP) - SERIES_GAP,
            axis_y,
            last.title,
        )
    )
    legend: list[tuple[object, str]] = [*enumerate(series.columns), ("withheld", _("withheld"))]
    for n, (state, label) in enumerate(legend):
        y = axis_y + 10 + n * LEGEND_ROW
        parts.append(
            format_html(
                '<rect class="chart-state-{}" x="{}" y="{}" width="12" height="12"/>'
                '<text class="chart-label" x="{}" y="{}">{}</text>',
                state,
                SERIES_LEFT,
                y,
                SERIES_LEFT + 18,
                y + 11,
                label,
            )
        )
    height = axis_y + 10 + len(legend) * LEGEND_ROW
    width = max(width, 320)
    return format_html(
        '<svg class="chart chart-series" viewBox="0 0 {} {}" width="{}" height="{}" '
        'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">{}</svg>',
        width,
        height,
        width,
        height,
        format_html_join("", "{}", ((part,) for part in parts)),
    )


@register.simple_tag
def figure(value: Any) -> str:
    """A table's figure as text in the active language ("2,5" in Danish)."""
    if isinstance(value, dict):
        if "change" in value:
            return _("%(before)s before, %(after)s after (%(change)s)") % {
                "before": format_number(value["before"]),
                "after": format_number(value["after"]),
                "change": format_signed(value["change"]),
            }
        return ", ".join(f"{key}: {format_number(item)}" for key, item in value.items())
    return format_number(value)
