"""Retention: what is kept only for a while, purged by one daily job.

`purge_expired(now=...)` runs every purger the apps registered (in their
`personal_data.py`, next to what they declare in the personal-data registry) and returns how
many rows each removed or blanked. `gensidig purge` runs it (the daily scheduler calls that
command); `purge_expired_task` runs it from the task queue.

What is purged (see each app's personal_data.py for the code):
- finished task rows after 7 days, failed ones after 30;
- finished or failed imports (with any file left) after 7 days;
- invitations 30 days after they expired;
- security-log entries after GENSIDIG_SECURITY_LOG_DAYS;
- sessions once they have expired (idle or past their maximum age);
- members an administrator removed, after GENSIDIG_REMOVED_MEMBER_DAYS (forgotten like an
  erasure: their partners keep their own data, the program's figures stay);
- in closed programs, once `Program.retention_months` have passed since the program ended,
  the text of reflections (with private notes), goals and closing answers (numbers stay).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from gensidig.common.personal_data import discover

PURGERS: dict[str, Callable[[datetime], int]] = {}


def register_purge(name: str, purge: Callable[[datetime], int]) -> None:
    """`purge(now)` removes or blanks what has expired at `now`; returns how many rows."""
    PURGERS[name] = purge


def purge_expired(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    discover()
    done = {}
    for name, purge in PURGERS.items():
        with transaction.atomic():
            done[name] = purge(now)
    return done


@task()
def purge_expired_task() -> dict[str, int]:
    return purge_expired()
