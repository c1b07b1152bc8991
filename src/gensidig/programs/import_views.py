from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from gensidig.accounts.imports import RowProblem
from gensidig.accounts.models import Member
from gensidig.accounts.views import handle_import
from gensidig.common.permissions import MANAGERS, org_view
from gensidig.programs import imports
from gensidig.programs.models import Program, Topic


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def import_participants(request: HttpRequest, member: Member, program_id: int) -> HttpResponse:
    """Import people straight into a program, with their side and topics; all or nothing."""
    program = get_object_or_404(Program, pk=program_id, organisation=member.organisation)

    def check_and_save(rows: list[dict[str, str]]) -> tuple[list[RowProblem], object]:
        checked = imports.check_file(rows, program=program)
        if not checked.ok:
            return checked.problems, None
        return [], imports.save_file(program=program, checked=checked, by=member)

    return handle_import(
        request,
        member,
        check_and_save=check_and_save,
        program=program,
        extra_context={
            "example": imports.import_example(program, get_language() or "da"),
            "topics": Topic.objects.filter(
                organisation=program.organisation, retired=False, merged_into=None
            ).order_by("name_da"),
        },
        done_url=reverse(
            "programs:enrolments",
            kwargs={"org": member.organisation.slug, "program_id": program.pk},
        ),
    )
