"""Background tasks of the meetings app: the daily nudges."""

from __future__ import annotations

from django.dispatch import Signal
from django.tasks import task
from django.utils import timezone

# Sent at the end of the daily run with `now`, so apps above this one (insights records
# its health snapshots) join the daily run without the meetings app knowing them.
daily_run_done = Signal()


@task()
def send_nudges_task(*, now: str = "") -> dict[str, int]:
    """The daily run (`gensidig nudge`): pairs whose program has ended end, then the
    reminders and nudges go out."""
    from datetime import datetime

    from gensidig.meetings.actions import end_pairs_at_program_end, send_nudges

    moment = datetime.fromisoformat(now) if now else timezone.now()
    ended = end_pairs_at_program_end(now=moment)
    sent = send_nudges(now=moment)
    daily_run_done.send(sender=send_nudges_task, now=moment)
    return {**sent, "ended": ended}
