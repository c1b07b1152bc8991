"""The pulse library: a few short questions in both languages, asked at set points of a
program. Pure data and arithmetic, so the score can be tested without a database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


@dataclass(frozen=True)
class Question:
    key: str
    text: _StrPromise
    low: int
    high: int


QUESTIONS = [
    Question("learning", _("How much have you learned from your partner so far? (1-5)"), 1, 5),
    Question("relationship", _("How well do you and your partner work together? (1-5)"), 1, 5),
    Question("usefulness", _("How useful is what you learn for your work? (1-5)"), 1, 5),
    Question(
        "recommend",
        _("How likely is it that you would recommend the program to a colleague? (0-10)"),
        0,
        10,
    ),
]
BY_KEY = {question.key: question for question in QUESTIONS}

POINTS = {
    "month": _("after the first month"),
    "midpoint": _("at the midpoint"),
    "end": _("at the end"),
}


# A pulse takes answers for two weeks after it first went out (the reminder comes after
# four days), then closes: the `pulse.closed` event.
PULSE_OPEN_DAYS = 14


def point_date(point: str, *, starts_on: date, ends_on: date) -> date:
    """When a pulse goes out: 30 days in, halfway, and a week before the end."""
    if point == "month":
        return starts_on + timedelta(days=30)
    if point == "midpoint":
        return starts_on + (ends_on - starts_on) / 2
    return ends_on - timedelta(days=7)


def net_promoter_score(*, promoters: int, detractors: int, answers: int) -> int | None:
    """The share of promoters (9-10) minus the share of detractors (0-6), in whole points
    from -100 to 100, rounded half away from zero; None without answers."""
    if answers == 0:
        return None
    scaled = 200 * (promoters - detractors)
    whole, rest = divmod(abs(scaled), 2 * answers)
    if rest >= answers:
        whole += 1
    return whole if scaled >= 0 else -whole
