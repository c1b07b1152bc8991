"""A program's insights as a PDF report for the sponsor, in the active language: the same
figures as the dashboard (numbers as the language writes them, "34,5" in Danish), withheld
ones shown as withheld with the reason.

The text is set in DejaVu Sans, embedded from `fonts/` (cut down by `scripts/report-fonts`
to Latin, punctuation and arrows, so "→", dashes and quotes print as themselves). A
character the font lacks (an emoji in a decline reason) is replaced, so no text from a
program's name or a reason can make the report fail."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from pathlib import Path

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import FontFace

from gensidig.common.numbers import format_number
from gensidig.insights.queries import Dashboard, Row, Series, Table
from gensidig.insights.templatetags.insights import figure

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"
FACES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
# fpdf2 cuts the font down to the glyphs used on every render, and fontTools reports each step.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)
HEADINGS = FontFace(emphasis="BOLD", fill_color=(230, 236, 240))


@cache
def characters() -> frozenset[int]:
    """The code points every face of the report's font draws."""
    found = [set(TTFont(FONTS / name, lazy=True).getBestCmap()) for name in FACES.values()]
    return frozenset(set.intersection(*found))


def printable(text: object) -> str:
    """`text` in characters the report's font has: as it is where it can, letters with
    marks the font lacks without the mark, anything else (emoji) as '?'."""
    have = characters()
    out = []
    for char in str(text):
        if ord(char) not in have:
            plain = unicodedata.normalize("NFKD", char)
            char = "".join(c for c in plain if ord(c) in have and not unicodedata.combining(c))
            char = char or "?"
        out.append(char)
    return "".join(out)


def shown(row: Row) -> str:
    return printable(figure(row.value)) if row.shown else printable(_("withheld"))


class Report(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        for style, name in FACES.items():
            self.add_font(FAMILY, style, str(FONTS / name))
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=18)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(110)
        self.cell(0, 5, printable(f"{self.footer_text} · {self.page_no()}"), align="C")
        self.set_text_color(0)


def render(board: Dashboard, *, now: datetime | None = None, compress: bool = True) -> bytes:
    """The report as PDF bytes, in the active language."""
    now = now or timezone.now()
    program = board.program
    day = formats.date_format(timezone.localtime(now), "DATE_FORMAT")
    pdf = Report(footer_text=f"{program.name} · {day}")
    pdf.set_compression(compress)
    pdf.set_title(printable(_("Insights: %(program)s") % {"program": program.name}))
    pdf.set_creator("Gensidig")
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 20)
    pdf.multi_cell(0, 9, printable(_("Insights report")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "B", 14)
    pdf.multi_cell(0, 7, printable(program.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=10)
    organisation = program.organisation.name
    pdf.multi_cell(
        0,
        5,
        printable(_("%(organisation)s, %(day)s") % {"organisation": organisation, "day": day}),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    paragraph(pdf, rule(board))

    heading(pdf, _("Key figures"))
    balance = board.figures["balance"]
    cadence = board.figures["cadence"]
    effect = board.figures["effect"].value
    key_rows = [
        (
            balance.label,
            formats.number_format(balance.value, 2) if balance.shown else _("withheld"),
        ),
        (
            cadence.label,
            _("%(held)s of %(expected)s expected (%(share)s %%)")
            % {key: format_number(value) for key, value in cadence.value.items()}
            if cadence.shown
            else _("withheld"),
        ),
        (
            board.figures["effect"].label,
            _("%(hours)s hours saved a month, at %(cost)s DKK a month")
            % {"hours": format_number(effect["hours"]), "cost": format_number(effect["cost"])},
        ),
    ]
    two_columns(pdf, [(printable(label), printable(value)) for label, value in key_rows])
    withheld_note(pdf, board, not (balance.shown and cadence.shown))

    for table in board.tables:
        section(pdf, board, table)
        if table.key == "health" and board.series is not None:
            series_section(pdf, board, board.series)

    if len(board.comparison) > 1:
        heading(pdf, _("The organisation's programs side by side"))
        rows = [
            (
                printable(_("Program")),
                printable(_("Pairs")),
                printable(_("Two-way balance")),
                printable(_("Would recommend (NPS)")),
            )
        ]
        for item in board.comparison:
            withheld = printable(_("withheld"))
            rows.append(
                (
                    printable(item.name),
                    str(item.pairs) if item.shown else withheld,
                    (formats.number_format(item.balance, 2) if item.balance is not None else "-")
                    if item.shown
                    else withheld,
                    str(item.nps)
                    if item.shown and item.nps_shown and item.nps is not None
                    else withheld,
                )
            )
        grid(pdf, rows, widths=(70, 25, 35, 44))

    heading(pdf, _("About withheld figures"))
    paragraph(pdf, rule(board))
    paragraph(
        pdf,
        _(
            "A figure is withheld when fewer than %(k)s people stand behind it, and so is any "
            "figure that, added to or subtracted from figures shown in this report, in the "
            "same table or in another, would let someone work out a withheld one. A withheld "
            "figure may itself be large: it is withheld to protect a small one."
        )
        % {"k": board.threshold},
    )
    paragraph(
        pdf,
        _(
            "Only aggregates are reported: no answer, reflection or meeting of a person or a "
            "pair can be read from this report."
        ),
    )
    return bytes(pdf.output())


def rule(board: Dashboard) -> str:
    return _(
        "Only figures for groups: a figure over fewer than %(k)s people is withheld, and so is "
        "any figure that would let someone work out a withheld one by subtracting."
    ) % {"k": board.threshold}


def heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    if pdf.will_page_break(30):
        pdf.add_page()
    pdf.set_font(FAMILY, "B", 13)
    pdf.multi_cell(0, 7, printable(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=10)


def paragraph(pdf: FPDF, text: str) -> None:
    pdf.set_font(FAMILY, size=10)
    pdf.multi_cell(0, 5, printable(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def two_columns(pdf: FPDF, rows: list[tuple[str, str]]) -> None:
    grid(pdf, [(printable(_("What")), printable(_("Figure"))), *rows], widths=(110, 64))


def grid(pdf: FPDF, rows: Sequence[Sequence[str]], *, widths: tuple[int, ...]) -> None:
    pdf.set_font(FAMILY, size=9)
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        align="LEFT",
        headings_style=HEADINGS,
        line_height=5,
        first_row_as_headings=True,
    ) as table:
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(1)


def withheld_note(pdf: FPDF, board: Dashboard, withheld: bool) -> None:
    if withheld:
        pdf.set_font(FAMILY, "I", 9)
        pdf.multi_cell(
            0,
            4.5,
            printable(
                _(
                    "Some figures are withheld: they stand for fewer than %(k)s people, or they "
                    "could be worked out from the figures shown."
                )
                % {"k": board.threshold}
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_font(FAMILY, size=10)


def section(pdf: FPDF, board: Dashboard, table: Table) -> None:
    heading(pdf, table.title)
    figure_heading = _("Figure")
    if table.unit:
        figure_heading = f"{figure_heading} ({table.unit})"
    rows = [(printable(row.label), shown(row)) for row in table.rows]
    if table.total is not None:
        rows.append((printable(table.total.label), shown(table.total)))
    if not rows:
        paragraph(pdf, _("Nothing yet."))
        return
    grid(pdf, [(printable(_("What")), printable(figure_heading)), *rows], widths=(110, 64))
    withheld_note(pdf, board, table.withheld)


def series_section(pdf: FPDF, board: Dashboard, series: Series) -> None:
    heading(pdf, series.title)
    if not series.points:
        paragraph(pdf, _("Nothing yet."))
        return
    header = (printable(_("When")), *(printable(c) for c in series.columns), printable(_("Pairs")))
    rows = [header]
    for point in series.points:
        cells = [shown(row) for row in point.rows]
        total = shown(point.total) if point.total is not None else ""
        rows.append((printable(point.title), *cells, total))
    grid(pdf, rows, widths=(26, 20, 20, 20, 20, 20, 26, 22))
    withheld_note(pdf, board, series.withheld)
