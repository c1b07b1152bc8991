"""Background tasks of the meetings app: emails that carry a calendar invite, and the daily
nudges."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.utils import timezone


@task()
def send_calendar_email(
    *, to: list[str], subject: str, body: str, calendar: str, method: str
) -> int:
    """Like `common.tasks.send_email`, with the meeting as a text/calendar attachment whose
    METHOD Outlook and Google read to add, update or remove the event. A failure is
    reported by the shared task_finished handler."""
    message = EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to
    )
    message.attach("meeting.ics", calendar, f"text/calendar; method={method}; charset=utf-8")
    return message.send()


@task()
def send_nudges_task(*, now: str = "") -> dict[str, int]:
    """The daily run (`gensidig nudge`): pairs whose program has ended end, then the
    reminders and nudges go out."""
    from datetime import datetime

    from gensidig.meetings.actions import end_pairs_at_program_end, send_nudges

    moment = datetime.fromisoformat(now) if now else timezone.now()
    ended = end_pairs_at_program_end(now=moment)
    return {**send_nudges(now=moment), "ended": ended}
