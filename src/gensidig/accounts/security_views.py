"""The security log page: owners only, filtered and paged in the database, exportable as CSV."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gensidig.accounts.forms import SecurityLogFilterForm
from gensidig.accounts.models import Member, Role, SecurityEvent
from gensidig.accounts.queries import people_by_id, security_event_kinds, security_events
from gensidig.accounts.security import log_security_event
from gensidig.common.exports import excel_csv
from gensidig.common.paging import page_of, query_without_page, wants_partial
from gensidig.common.permissions import org_view

OWNERS = {Role.OWNER}
PER_PAGE = 50


def filter_form(request: HttpRequest, member: Member) -> SecurityLogFilterForm:
    return SecurityLogFilterForm(
        request.GET or None, kinds=security_event_kinds(member.organisation)
    )


def details_text(event: SecurityEvent) -> str:
    """The entry's small facts as `key: value` pairs, in a stable order."""
    return ", ".join(f"{key}: {value}" for key, value in sorted(event.details.items()))


@org_view(roles=OWNERS)
@require_GET
def security_log(request: HttpRequest, member: Member) -> HttpResponse:
    """Who signed in, failed to, reset a password, was invited, changed role, was removed,
    exported or erased, in this organisation: newest first, 50 a page."""
    form = filter_form(request, member)
    events = security_events(member.organisation, **form.filters())
    page = page_of(request, events, per_page=PER_PAGE)
    rows = list(page.object_list)
    people = people_by_id(
        member.organisation, [pk for event in rows for pk in (event.actor_id, event.subject_id)]
    )
    context: dict[str, Any] = {
        "member": member,
        "form": form,
        "page": page,
        "entries": [
            {
                "event": event,
                "actor": people.get(event.actor_id or 0),
                "subject": people.get(event.subject_id or 0),
                "details": details_text(event),
            }
            for event in rows
        ],
        "query": query_without_page(request),
        "filtered": bool(form.filters()),
    }
    if wants_partial(request, "security-log"):
        return render(request, "accounts/security_log.html#security-log", context)
    return render(request, "accounts/security_log.html", context)


@org_view(roles=OWNERS)
@require_GET
def security_log_export(request: HttpRequest, member: Member) -> HttpResponse:
    """The filtered log as CSV for Excel (no cell runs as a formula). The export is itself
    an entry of the log."""
    form = filter_form(request, member)
    events = security_events(member.organisation, **form.filters())
    people = people_by_id(member.organisation, None)

    def name(pk: int | None) -> str:
        person = people.get(pk or 0)
        return f"{person.name} <{person.email}>" if person else ("" if pk is None else f"#{pk}")

    zone = timezone.get_current_timezone()
    response = excel_csv(
        filename="security-log.csv",
        header=[
            _("When"),
            _("Event"),
            _("Done by"),
            _("Concerning"),
            _("IP address"),
            _("Details"),
        ],
        rows=(
            (
                date_format(event.at.astimezone(zone), "Y-m-d H:i:s"),
                event.get_kind_display(),
                name(event.actor_id),
                name(event.subject_id),
                event.ip or "",
                details_text(event),
            )
            for event in events.iterator(chunk_size=2000)
        ),
    )
    count = events.count()
    log_security_event(
        kind=SecurityEvent.Kind.EXPORTED,
        organisation=member.organisation,
        request=request,
        details={"export": "security-log", "rows": count},
    )
    return response
