"""The program dashboard: aggregates only, for administrators and the program's sponsor."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET

from gensidig.accounts.models import Member
from gensidig.common.exports import excel_csv
from gensidig.common.permissions import ANY_ROLE, org_view
from gensidig.insights import actions, queries, report
from gensidig.insights.forms import PulseForm
from gensidig.insights.pulses import POINTS
from gensidig.programs.models import Enrolment, EnrolmentStatus, Program


def program_for(member: Member, program_id: int) -> Program:
    program = get_object_or_404(
        Program.objects.select_related("organisation", "sponsor"),
        pk=program_id,
        organisation=member.organisation,
    )
    if not queries.may_see(member, program):
        raise PermissionDenied
    return program


@org_view(roles=ANY_ROLE)
@require_GET
def dashboard(request: HttpRequest, member: Member, program_id: int) -> HttpResponse:
    program = program_for(member, program_id)
    board = queries.dashboard(program, viewer=member)
    return render(request, "insights/dashboard.html", {"member": member, "board": board})


@org_view(roles=ANY_ROLE)
@require_GET
def export(request: HttpRequest, member: Member, program_id: int) -> HttpResponse:
    """One table of the dashboard as CSV for Excel (semicolons, UTF-8 with BOM); withheld
    figures stay withheld."""
    program = program_for(member, program_id)
    board = queries.dashboard(program, viewer=member)
    key = request.GET.get("table", "")
    if board.series is not None and key == board.series.key:
        return series_csv(board.series)
    table = next((t for t in board.tables if t.key == key), None)
    if table is None:
        raise Http404
    rows = [*table.rows, *([table.total] if table.total else [])]
    # A figure in parts (before, after, change) gets a column per part; numbers stay numbers
    # so that excel_csv writes them in the export's language.
    parts = next((list(row.value) for row in rows if isinstance(row.value, dict)), None)
    if parts:
        return excel_csv(
            filename=f"{key}.csv",
            header=[_("What"), *(str(PARTS.get(part, part)) for part in parts)],
            rows=(
                (
                    row.label,
                    *(
                        (row.value.get(part, "") if isinstance(row.value, dict) else "")
                        if row.shown
                        else _("withheld")
                        for part in parts
                    ),
                )
                for row in rows
            ),
        )
    figure = _("Figure")
    return excel_csv(
        filename=f"{key}.csv",
        header=[_("What"), f"{figure} ({table.unit})" if table.unit else figure],
        rows=((row.label, row.value if row.shown else _("withheld")) for row in rows),
    )


PARTS = {
    "before": pgettext_lazy("self-assessment", "Before"),
    "after": pgettext_lazy("self-assessment", "After"),
    "change": pgettext_lazy("self-assessment", "Change"),
}


# For a file name: slugify drops these letters, which would leave "lring" of "læring".
DANISH_LETTERS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def series_csv(series: queries.Series) -> HttpResponse:
    def cell(row: queries.Row | None) -> object:
        return "" if row is None else row.value if row.shown else _("withheld")

    return excel_csv(
        filename=f"{series.key}.csv",
        header=[_("When"), *series.columns, _("Pairs")],
        rows=(
            [point.title, *(cell(row) for row in point.rows), cell(point.total)]
            for point in series.points
        ),
    )


@org_view(roles=ANY_ROLE)
@require_GET
def report_pdf(request: HttpRequest, member: Member, program_id: int) -> HttpResponse:
    """The dashboard as a PDF report for the sponsor, in the language of the page."""
    program = program_for(member, program_id)
    body = report.render(queries.dashboard(program, viewer=member))
    response = HttpResponse(body, content_type="application/pdf")
    name = slugify(program.name.translate(DANISH_LETTERS)) or "program"
    response["Content-Disposition"] = f'attachment; filename="{name}-insights.pdf"'
    return response


@org_view(roles=ANY_ROLE)
def pulse(request: HttpRequest, member: Member, program_id: int, point: str) -> HttpResponse:
    """A participant answers the program's pulse at one point, in a couple of minutes."""
    enrolment = (
        Enrolment.objects.filter(
            program_id=program_id,
            program__organisation=member.organisation,
            member=member,
            status=EnrolmentStatus.ENROLLED,
        )
        .select_related("program")
        .first()
    )
    if enrolment is None or point not in POINTS:
        raise Http404
    if actions.is_closed(program_id=enrolment.program_id, point=point):
        messages.info(request, _("This pulse has closed: it no longer takes answers."))
        return redirect("programs:detail", org=member.organisation.slug, program_id=program_id)
    form = PulseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.answer_pulse(enrolment=enrolment, point=point, answers=form.cleaned_data)
        messages.success(
            request, _("Thank you. Your answers are only shown together with others'.")
        )
        return redirect("programs:detail", org=member.organisation.slug, program_id=program_id)
    return render(
        request,
        "insights/pulse.html",
        {"member": member, "program": enrolment.program, "when": POINTS[point], "form": form},
    )
