"""iCalendar (.ics) for meetings, made with the `icalendar` library: invites (REQUEST),
cancellations (CANCEL) and each member's feed (PUBLISH)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from gensidig.meetings.models import Meeting

PRODID = "-//Gensidig//Meetings//EN"


def address(email: str, name: str, *, role: str | None = None) -> vCalAddress:
    value = vCalAddress(f"mailto:{email}")
    value.params["cn"] = vText(name)
    if role:
        value.params["role"] = vText(role)
        value.params["partstat"] = vText("ACCEPTED")
    return value


def meeting_event(meeting: Meeting, *, summary: str, now: datetime) -> Event:
    event = Event()
    event.add("uid", f"{meeting.uid}@gensidig")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", meeting.ends_at.astimezone(UTC))
    event.add("summary", summary)
    where = meeting.video_url or meeting.place
    if where:
        event.add("location", where)
    if meeting.video_url:
        event.add("url", meeting.video_url)
    cancelled = meeting.status == Meeting.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # Outlook and Google want an organizer and the attendees on an invite.
    name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    event.add("organizer", address(email, name or "Gensidig"))
    for enrolment in (meeting.pair.a, meeting.pair.b):
        if enrolment.member is not None:
            event.add(
                "attendee",
                address(
                    enrolment.member.user.email, enrolment.display_name, role="REQ-PARTICIPANT"
                ),
            )
    return event


def summary_of(meeting: Meeting) -> str:
    return f"Gensidig: {meeting.pair.a.display_name} + {meeting.pair.b.display_name}"


def calendar(
    meetings: Iterable[Meeting], *, method: str, now: datetime | None = None, name: str = ""
) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    moment = now or timezone.now()
    for meeting in meetings:
        cal.add_component(meeting_event(meeting, summary=summary_of(meeting), now=moment))
    return cal.to_ical()


def invite(meeting: Meeting) -> bytes:
    """The invite or update for one meeting; a cancelled meeting gives METHOD:CANCEL."""
    method = "CANCEL" if meeting.status == Meeting.Status.CANCELLED else "REQUEST"
    return calendar([meeting], method=method)
