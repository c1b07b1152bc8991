"""The demo's running program gets pulse answers after its first month, once: mostly
warm, with a few lukewarm and a couple of critical voices, so the dashboard tells a story."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from gensidig.insights import actions
from gensidig.insights.models import PulseAnswer
from gensidig.programs.models import Program

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
