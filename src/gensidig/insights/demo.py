"""The demo's running program, for its insights: a kick-off meeting in the first fortnight
for the pairs that met at all, so pair health over time tells a believable story (a strong
start, a dip in the middle weeks when meetings slipped, most back on track by now); and
pulse answers after its first month, mostly warm, with a few lukewarm and a couple of
critical voices. Each is done once."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from gensidig.insights import actions
from gensidig.insights.models import PulseAnswer
from gensidig.matching.models import Pair
from gensidig.meetings.demo import at_ten, hold
from gensidig.meetings.models import Meeting
from gensidig.programs.models import Program

KICK_OFF_DAYS_IN = (6, 8, 9, 11)  # days after the pair began, in turn


def build_kickoffs(program: Program, *, now: datetime | None = None) -> int:
    """A first meeting in the first fortnight for every active pair that has met since, but
    not in its first three weeks; later runs find the kick-off and leave it."""
    now = now or timezone.now()
    pairs = list(
        Pair.objects.filter(program=program, ended_at=None)
        .select_related("program", "proposal", "a__member__user", "b__member__user")
        .order_by("pk")
    )
    added = 0
    for index, pair in enumerate(pairs):
        meetings = Meeting.objects.filter(pair=pair, status=Meeting.Status.CONFIRMED)
        if (
            not meetings.exists()
            or meetings.filter(starts_at__lt=pair.created_at + timedelta(days=22)).exists()
        ):
            continue
        days_in = KICK_OFF_DAYS_IN[index % len(KICK_OFF_DAYS_IN)]
        days_ago = (now - pair.created_at).days - days_in
        hold(pair, at_ten(now, days_ago), 0, now)
        added += 1
    return added


# (learning, relationship, usefulness, recommend), taken in turn by the paired participants.
ANSWERS = [
    (4, 5, 4, 10),
    (5, 5, 4, 9),
    (4, 4, 3, 9),
    (3, 4, 4, 8),
    (4, 5, 5, 10),
    (2, 3, 2, 6),
    (4, 4, 4, 9),
    (3, 3, 3, 7),
    (5, 4, 5, 10),
    (3, 2, 3, 5),
]


def build_pulses(program: Program, *, now: datetime | None = None) -> int:
    """Answer the first month's pulse for every paired participant; later runs leave it."""
    now = now or timezone.now()
    if PulseAnswer.objects.filter(program=program).exists():
        return 0
    enrolments = sorted(actions.paired_enrolments(program), key=lambda e: e.pk)
    for index, enrolment in enumerate(enrolments):
        learning, relationship, usefulness, recommend = ANSWERS[index % len(ANSWERS)]
        actions.answer_pulse(
            enrolment=enrolment,
            point="month",
            answers={
                "learning": learning,
                "relationship": relationship,
                "usefulness": usefulness,
                "recommend": recommend,
            },
            now=now - timedelta(days=40 - index % 7),
        )
    return len(enrolments)
