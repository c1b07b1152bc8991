"""Background tasks of the meetings app: the daily nudges."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone


@task()
def send_nudges_task(*, now: str = "") -> dict[str, int]:
    """The daily run (`gensidig nudge`): pairs whose program has ended end, then the
    reminders and nudges go out."""
    from datetime import datetime

    from gensidig.meetings.actions import end_pairs_at_program_end, send_nudges

    moment = datetime.fromisoformat(now) if now else timezone.now()
    ended = end_pairs_at_program_end(now=moment)
    return {**send_nudges(now=moment), "ended": ended}
