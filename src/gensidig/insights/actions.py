"""Writes of the insights app: pulses sent, reminded and answered."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from gensidig.common.email import register_email_kind, send_templated_email
from gensidig.insights.models import PulseAnswer, PulseInvite
from gensidig.insights.pulses import BY_KEY, POINTS, point_date
from gensidig.matching.models import Pair
from gensidig.programs.models import Enrolment, EnrolmentStatus, Program

PULSE = register_email_kind("pulse", _("short surveys about your program"))
REMIND_AFTER = timedelta(days=4)


def pulse_link(enrolment: Enrolment, point: str) -> str:
    return reverse(
        "insights:pulse",
        kwargs={
            "org": enrolment.program.organisation.slug,
            "program_id": enrolment.program_id,
            "point": point,
        },
    )


def email_pulse(enrolment: Enrolment, point: str, *, reminder: bool) -> bool:
    assert enrolment.member is not None
    user = enrolment.member.user
    with translation.override(user.language):
        when = str(POINTS[point])
    return send_templated_email(
        to=user.email,
        template="insights/email/pulse",
        context={
            "name": user.get_short_name(),
            "program": enrolment.program.name,
            "when": when,
            "reminder": reminder,
            "link": pulse_link(enrolment, point),
        },
        language=user.language,
        kind=PULSE,
        user=user,
    )


def paired_enrolments(program: Program) -> list[Enrolment]:
    paired = Pair.objects.filter(program=program, ended_at=None)
    return list(
        Enrolment.objects.filter(
            program=program, status=EnrolmentStatus.ENROLLED, member__isnull=False
        )
        .filter(Q(pairs_as_a__in=paired) | Q(pairs_as_b__in=paired))
        .distinct()
        .select_related("member__user", "program__organisation")
    )


@transaction.atomic
def send_pulses(*, now: datetime | None = None) -> dict[str, int]:
    """The daily run: each running program's pulse goes to its paired participants on its
    day (once), and one reminder goes to those who have not answered after four days."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = reminded = 0
    for program in Program.objects.filter(state="running").select_related("organisation"):
        for point in POINTS:
            if point_date(point, starts_on=program.starts_on, ends_on=program.ends_on) > today:
                continue
            asked = set(
                PulseInvite.objects.filter(program=program, point=point).values_list(
                    "enrolment_id", flat=True
                )
            )
            for enrolment in paired_enrolments(program):
                if enrolment.pk in asked:
                    continue
                PulseInvite.objects.create(
                    program=program, enrolment=enrolment, point=point, sent_at=now
                )
                sent += email_pulse(enrolment, point, reminder=False)
        due = PulseInvite.objects.filter(
            program=program,
            answered_at=None,
            reminded_at=None,
            sent_at__lte=now - REMIND_AFTER,
        ).select_related("enrolment__member__user", "enrolment__program__organisation")
        for invite in due:
            invite.reminded_at = now
            invite.save(update_fields=["reminded_at"])
            reminded += email_pulse(invite.enrolment, invite.point, reminder=True)
    return {"sent": sent, "reminded": reminded}


@transaction.atomic
def answer_pulse(
    *, enrolment: Enrolment, point: str, answers: dict[str, int], now: datetime | None = None
) -> None:
    """Save a participant's answers at one point; answering again replaces them."""
    now = now or timezone.now()
    if point not in POINTS:
        raise ValidationError(_("There is no such pulse."))
    for key, value in answers.items():
        question = BY_KEY.get(key)
        if question is None or not question.low <= value <= question.high:
            raise ValidationError(_("An answer is out of range."))
        PulseAnswer.objects.update_or_create(
            enrolment=enrolment,
            point=point,
            question=key,
            defaults={"program_id": enrolment.program_id, "value": value, "created_at": now},
        )
    PulseInvite.objects.update_or_create(
        enrolment=enrolment,
        point=point,
        defaults={"program_id": enrolment.program_id, "answered_at": now},
        create_defaults={
            "program_id": enrolment.program_id,
            "answered_at": now,
            "sent_at": now,
        },
    )
