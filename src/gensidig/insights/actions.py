"""Writes of the insights app: pulses sent, reminded and answered."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from gensidig.common.email import register_email_kind, send_templated_email
from gensidig.common.events import emit
from gensidig.insights.models import PulseAnswer, PulseClosing, PulseInvite
from gensidig.insights.pulses import BY_KEY, POINTS, PULSE_OPEN_DAYS, point_date
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
        closed = set(PulseClosing.objects.filter(program=program).values_list("point", flat=True))
        for point in POINTS:
            if point_date(point, starts_on=program.starts_on, ends_on=program.ends_on) > today:
                continue
            if point in closed:
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
        due = (
            PulseInvite.objects.filter(
                program=program,
                answered_at=None,
                reminded_at=None,
                sent_at__lte=now - REMIND_AFTER,
            )
            .exclude(point__in=closed)
            .select_related("enrolment__member__user", "enrolment__program__organisation")
        )
        for invite in due:
            invite.reminded_at = now
            invite.save(update_fields=["reminded_at"])
            reminded += email_pulse(invite.enrolment, invite.point, reminder=True)
    return {"sent": sent, "reminded": reminded}


def is_closed(*, program_id: int, point: str) -> bool:
    return PulseClosing.objects.filter(program_id=program_id, point=point).exists()


@transaction.atomic
def close_pulses(*, now: datetime | None = None) -> int:
    """The daily run: a pulse that went out PULSE_OPEN_DAYS ago or more stops taking answers
    and is reported once (`pulse.closed`, with how many were asked and answered)."""
    now = now or timezone.now()
    opened = (
        PulseInvite.objects.values("program", "point")
        .annotate(first=Min("sent_at"), invited=Count("pk"), answered=Count("answered_at"))
        .filter(first__lte=now - timedelta(days=PULSE_OPEN_DAYS))
        .order_by("program", "point")
    )
    done = set(PulseClosing.objects.values_list("program", "point"))
    programs = {
        program.pk: program
        for program in Program.objects.filter(
            pk__in={row["program"] for row in opened if (row["program"], row["point"]) not in done}
        )
    }
    closed = 0
    for row in opened:
        program = programs.get(row["program"])
        if program is None or (program.pk, row["point"]) in done:
            continue
        PulseClosing.objects.create(
            program=program,
            point=row["point"],
            closed_at=now,
            invited=row["invited"],
            answered=row["answered"],
        )
        emit(
            "pulse.closed",
            organisation_id=program.organisation_id,
            program_id=program.pk,
            point=row["point"],
            invited=row["invited"],
            answered=row["answered"],
            closed_at=now,
        )
        closed += 1
    return closed


class PulseClosedError(ValidationError):
    """The pulse no longer takes answers."""


@transaction.atomic
def answer_pulse(
    *, enrolment: Enrolment, point: str, answers: dict[str, int], now: datetime | None = None
) -> None:
    """Save a participant's answers at one point; answering again replaces them."""
    now = now or timezone.now()
    if point not in POINTS:
        raise ValidationError(_("There is no such pulse."))
    if is_closed(program_id=enrolment.program_id, point=point):
        raise PulseClosedError(_("This pulse has closed: it no longer takes answers."))
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
