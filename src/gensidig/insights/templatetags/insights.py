"""Charts drawn on the server as SVG: no script, no inline style; classes carry the colours."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from gensidig.insights.queries import Table

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
    for i, row in enumerate(rows):
        y = i * BAR_HEIGHT + 2
        if row.shown:
            length = round(BAR_WIDTH * row.value / biggest)
            bars.append(
                format_html(
                    '<text class="chart-label" x="0" y="{}">{}</text>'
                    '<rect class="chart-bar chart-bar-{}" x="{}" y="{}" width="{}" height="{}"/>'
                    '<text class="chart-value" x="{}" y="{}">{}</text>',
                    y + 15,
                    row.label[:34],
                    i % 5,
                    LABEL_WIDTH,
                    y + 3,
                    length,
                    BAR_HEIGHT - 6,
                    LABEL_WIDTH + length + 6,
                    y + 15,
                    row.value,
                )
            )
        else:
            bars.append(
                format_html(
                    '<text class="chart-label" x="0" y="{}">{}</text>'
                    '<text class="chart-withheld" x="{}" y="{}">{}</text>',
                    y + 15,
                    row.label[:34],
                    LABEL_WIDTH,
                    y + 15,
                    _("withheld"),
                )
            )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" width="{}" height="{}" aria-hidden="true" '
        'focusable="false" xmlns="http://www.w3.org/2000/svg">{}</svg>',
        width,
        height,
        width,
        height,
        format_html_join("", "{}", ((bar,) for bar in bars)),
    )


@register.simple_tag
def figure(value: Any) -> str:
    if isinstance(value, dict):
        if "change" in value:
            return _("%(before)s before, %(after)s after (%(change)+.1f)") % value
        return ", ".join(f"{key}: {item}" for key, item in value.items())
    return "" if value is None else str(value)
