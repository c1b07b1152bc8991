"""A pair's health from the program's cadence: a pure function of dates and `now`, so it
can be tested across every transition with a controllable clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class HealthState(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    DUE = "due", _("Due")
    OVERDUE = "overdue", _("Overdue")
    STALLED = "stalled", _("Stalled")
    ENDED = "ended", _("Ended")


# The order the admin sees pairs in: the ones that need help first.
ORDER = [
    HealthState.STALLED,
    HealthState.OVERDUE,
    HealthState.DUE,
    HealthState.ON_TRACK,
    HealthState.ENDED,
]


@dataclass(frozen=True)
class Health:
    state: HealthState
    reason: str

    @property
    def rank(self) -> int:
        return ORDER.index(self.state)


def pair_health(
    *,
    now: datetime,
    cadence_weeks: int,
    started_at: datetime,
    last_met_at: datetime | None,
    next_meeting_at: datetime | None,
    ended_at: datetime | None = None,
) -> Health:
    """On track while a meeting is booked or the last one (or the start) is less than three
    quarters of a cadence ago; due from then until a full cadence has passed; overdue after
    that; stalled after two cadences without a meeting."""
    if ended_at is not None and ended_at <= now:
        return Health(HealthState.ENDED, str(_("The pair has ended.")))
    if next_meeting_at is not None and next_meeting_at > now:
        day = formats.date_format(timezone.localtime(next_meeting_at), "DATE_FORMAT")
        return Health(
            HealthState.ON_TRACK, str(_("The next meeting is booked for %(day)s.")) % {"day": day}
        )
    cadence = timedelta(weeks=max(cadence_weeks, 1))
    since = last_met_at or started_at
    days = max((now - since).days, 0)
    if days == 0:
        reason = str(
            _("The pair began today, and no meeting is booked.")
            if last_met_at is None
            else _("The last meeting was today, and none is booked.")
        )
    elif last_met_at is None:
        reason = ngettext(
            "No meeting yet, %(days)d day since the pair began, and none booked.",
            "No meeting yet, %(days)d days since the pair began, and none booked.",
            days,
        ) % {"days": days}
    else:
        reason = ngettext(
            "The last meeting was %(days)d day ago, and none is booked.",
            "The last meeting was %(days)d days ago, and none is booked.",
            days,
        ) % {"days": days}
    elapsed = now - since
    if elapsed >= 2 * cadence:
        return Health(HealthState.STALLED, reason)
    if elapsed >= cadence:
        return Health(HealthState.OVERDUE, reason)
    if elapsed >= cadence * 3 / 4:
        return Health(HealthState.DUE, reason)
    return Health(HealthState.ON_TRACK, reason)
