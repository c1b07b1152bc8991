"""A program's insights as a PDF report for the sponsor, in the active language: the same
figures as the dashboard, withheld ones shown as withheld with the reason.

The PDF core font (Helvetica) covers Latin-1, which has Danish æ, ø and å; any other
character (an arrow, a dash, curly quotes, an emoji) is replaced by a plain one, so no text
from a program's name or a decline reason can make the report fail."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from gensidig.insights.queries import Dashboard, Row, Series, Table
from gensidig.insights.templatetags.insights import figure

# By code point, as the characters themselves look like the plain ones they stand for.
REPLACEMENTS = {
    "\u2192": "->",  # rightwards arrow
    "\u2190": "<-",  # leftwards arrow
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2212": "-",  # minus sign
    "\u2018": "'",  # quotation marks
    "\u2019": "'",
    "\u201a": ",",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2026": "...",  # ellipsis
    "\u2022": "-",  # bullet
    "\u2265": ">=",
    "\u2264": "<=",
    "\u20ac": "EUR",
    "\u00a0": " ",  # no-break spaces
    "\u202f": " ",
}
HEADINGS = FontFace(emphasis="BOLD", fill_color=(230, 236, 240))


def latin1(text: object) -> str:
    """`text` in characters the PDF core fonts have: Latin-1 as it is, a few common others
    by their plain equivalent, letters with marks outside Latin-1 without the mark, and
    anything else as '?'."""
    out = []
    for char in str(text):
        char = REPLACEMENTS.get(char, char)
        try:
            char.encode("latin-1")
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode()
            char = "".join(c for c in plain if not unicodedata.combining(c)) or "?"
        out.append(char)
    return "".join(out)


def shown(row: Row) -> str:
    return latin1(figure(row.value)) if row.shown else latin1(_("withheld"))


class Report(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=18)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.set_text_color(110)
        self.cell(0, 5, latin1(f"{self.footer_text} · {self.page_no()}"), align="C")
        self.set_text_color(0)


def render(board: Dashboard, *, now: datetime | None = None, compress: bool = True) -> bytes:
    """The report as PDF bytes, in the active language."""
    now = now or timezone.now()
    program = board.program
    day = formats.date_format(timezone.localtime(now), "DATE_FORMAT")
    pdf = Report(footer_text=f"{program.name} · {day}")
    pdf.set_compression(compress)
    pdf.set_title(latin1(_("Insights: %(program)s") % {"program": program.name}))
    pdf.set_creator("Gensidig")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 20)
    pdf.multi_cell(0, 9, latin1(_("Insights report")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 7, latin1(program.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    organisation = program.organisation.name
    pdf.multi_cell(
        0,
        5,
        latin1(_("%(organisation)s, %(day)s") % {"organisation": organisation, "day": day}),
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
            _("%(held)s of %(expected)s expected (%(share)s %%)") % cadence.value
            if cadence.shown
            else _("withheld"),
        ),
        (
            board.figures["effect"].label,
            _("%(hours)s hours saved a month, at %(cost)s DKK a month") % effect,
        ),
    ]
    two_columns(pdf, [(latin1(label), latin1(value)) for label, value in key_rows])
    withheld_note(pdf, board, not (balance.shown and cadence.shown))

    for table in board.tables:
        section(pdf, board, table)
        if table.key == "health" and board.series is not None:
            series_section(pdf, board, board.series)

    if len(board.comparison) > 1:
        heading(pdf, _("The organisation's programs side by side"))
        rows = [
            (
                latin1(_("Program")),
                latin1(_("Pairs")),
                latin1(_("Two-way balance")),
                latin1(_("Would recommend (NPS)")),
            )
        ]
        for item in board.comparison:
            withheld = latin1(_("withheld"))
            rows.append(
                (
                    latin1(item.name),
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
    pdf.set_font("Helvetica", "B", 13)
    pdf.multi_cell(0, 7, latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)


def paragraph(pdf: FPDF, text: str) -> None:
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 5, latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def two_columns(pdf: FPDF, rows: list[tuple[str, str]]) -> None:
    grid(pdf, [(latin1(_("What")), latin1(_("Figure"))), *rows], widths=(110, 64))


def grid(pdf: FPDF, rows: Sequence[Sequence[str]], *, widths: tuple[int, ...]) -> None:
    pdf.set_font("Helvetica", size=9)
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
        pdf.set_font("Helvetica", "I", 9)
        pdf.multi_cell(
            0,
            4.5,
            latin1(
                _(
                    "Some figures are withheld: they stand for fewer than %(k)s people, or they "
                    "could be worked out from the figures shown."
                )
                % {"k": board.threshold}
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_font("Helvetica", size=10)


def section(pdf: FPDF, board: Dashboard, table: Table) -> None:
    heading(pdf, table.title)
    figure_heading = _("Figure")
    if table.unit:
        figure_heading = f"{figure_heading} ({table.unit})"
    rows = [(latin1(row.label), shown(row)) for row in table.rows]
    if table.total is not None:
        rows.append((latin1(table.total.label), shown(table.total)))
    if not rows:
        paragraph(pdf, _("Nothing yet."))
        return
    grid(pdf, [(latin1(_("What")), latin1(figure_heading)), *rows], widths=(110, 64))
    withheld_note(pdf, board, table.withheld)


def series_section(pdf: FPDF, board: Dashboard, series: Series) -> None:
    heading(pdf, series.title)
    if not series.points:
        paragraph(pdf, _("Nothing yet."))
        return
    header = (latin1(_("When")), *(latin1(c) for c in series.columns), latin1(_("Pairs")))
    rows = [header]
    for point in series.points:
        cells = [shown(row) for row in point.rows]
        total = shown(point.total) if point.total is not None else ""
        rows.append((latin1(point.title), *cells, total))
    grid(pdf, rows, widths=(26, 20, 20, 20, 20, 20, 26, 22))
    withheld_note(pdf, board, series.withheld)
