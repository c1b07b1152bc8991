"""Pulses: asked at set points, reminded once, answered in a couple of minutes, reported
only in aggregate with the net promoter score computed exactly."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from gensidig.insights import actions, queries
from gensidig.insights.models import PulseAnswer, PulseInvite
from gensidig.insights.pulses import net_promoter_score, point_date
from tests.insights.conftest import build_pairs


def test_net_promoter_score_known_answers() -> None:
    # 4 promoters, 3 passives, 3 detractors of 10: 40 % - 30 % = 10.
    assert net_promoter_score(promoters=4, detractors=3, answers=10) == 10
    # 2 promoters, 1 detractor of 3: 66.67 - 33.33 = 33.33 -> 33.
    assert net_promoter_score(promoters=2, detractors=1, answers=3) == 33
    # 1 of 8 more detractors than promoters: -12.5 rounds away from zero to -13.
    assert net_promoter_score(promoters=0, detractors=1, answers=8) == -13
    assert net_promoter_score(promoters=0, detractors=0, answers=0) is None


def test_point_date_month_midpoint_end() -> None:
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    assert point_date("month", starts_on=start, ends_on=end) == date(2026, 1, 31)
    assert point_date("midpoint", starts_on=start, ends_on=end) == date(2026, 7, 2)
    assert point_date("end", starts_on=start, ends_on=end) == date(2026, 12, 24)


@pytest.mark.django_db
def test_dashboard_pulses_nps_on_known_answers(program: Any) -> None:
    pairs = build_pairs(program, 5)
    people = [e for pair in pairs for e in (pair.a, pair.b)]
    # Ten people: 10, 9, 9, 10 promote; 7, 8 are passive; 0, 3, 6, 5 detract: NPS 0.
    for enrolment, value in zip(people, [10, 9, 9, 10, 7, 8, 0, 3, 6, 5], strict=True):
        actions.answer_pulse(
            enrolment=enrolment, point="month", answers={"recommend": value, "learning": 4}
        )
    # Three answers at the midpoint: too few to show.
    for enrolment in people[:3]:
        actions.answer_pulse(enrolment=enrolment, point="midpoint", answers={"recommend": 10})
    with translation.override("en"):
        table = queries.dashboard(program).table("pulses")
    shown = {row.label: (row.value if row.shown else "withheld") for row in table.rows}
    assert shown["Would recommend (NPS), after the first month"] == 0
    assert shown["Would recommend (NPS), at the midpoint"] == "withheld"
    assert [v for k, v in shown.items() if k.startswith("How much have you learned")] == [4.0]


@pytest.mark.django_db
def test_send_pulses_once_then_one_reminder(program: Any) -> None:
    today = timezone.localdate()
    program.starts_on = today - timedelta(days=31)
    program.ends_on = today + timedelta(days=200)
    program.save()
    build_pairs(program, 2)
    mail.outbox.clear()
    assert actions.send_pulses() == {"sent": 4, "reminded": 0}
    assert len(mail.outbox) == 4
    assert "/pulse/month/" in mail.outbox[0].body
    assert actions.send_pulses() == {"sent": 0, "reminded": 0}
    later = timezone.now() + timedelta(days=5)
    invite = PulseInvite.objects.first()
    assert invite is not None
    actions.answer_pulse(enrolment=invite.enrolment, point="month", answers={"learning": 5})
    assert actions.send_pulses(now=later) == {"sent": 0, "reminded": 3}


@pytest.mark.django_db
def test_pulse_page_participant_answers_and_outsider_in_program_gets_404(
    login: Any, program: Any, admin: Any
) -> None:
    pair = build_pairs(program, 1)[0]
    assert pair.a.member is not None
    client = login(pair.a.member)
    url = reverse(
        "insights:pulse",
        kwargs={"org": program.organisation.slug, "program_id": program.pk, "point": "month"},
    )
    assert client.get(url).status_code == 200
    answers = {"learning": "4", "relationship": "5", "usefulness": "3", "recommend": "9"}
    assert client.post(url, answers).status_code == 302
    assert sorted(PulseAnswer.objects.values_list("question", "value")) == [
        ("learning", 4),
        ("recommend", 9),
        ("relationship", 5),
        ("usefulness", 3),
    ]
    assert login(admin).get(url).status_code == 404


@pytest.mark.django_db
def test_export_data_contains_own_pulse_answers_only(login: Any, program: Any) -> None:
    pair = build_pairs(program, 1)[0]
    actions.answer_pulse(enrolment=pair.a, point="month", answers={"recommend": 9})
    actions.answer_pulse(enrolment=pair.b, point="month", answers={"recommend": 3})
    assert pair.a.member is not None
    data = login(pair.a.member).get(reverse("accounts:export_data")).json()
    assert [(a["question"], a["answer"]) for a in data["pulse_answers"]] == [("recommend", 9)]


@pytest.mark.django_db
def test_dashboard_comparison_programs_side_by_side_small_ones_withheld(
    login: Any, admin: Any, program: Any
) -> None:
    from tests.factories import ProgramFactory

    pairs = build_pairs(program, 3)
    for enrolment, value in zip(
        [e for pair in pairs for e in (pair.a, pair.b)], [10, 10, 9, 8, 2, 7], strict=True
    ):
        actions.answer_pulse(enrolment=enrolment, point="end", answers={"recommend": value})
    small = ProgramFactory(organisation=program.organisation, state="closed", name="Lille")
    build_pairs(small, 1, start=10)
    ProgramFactory(organisation=program.organisation, state="draft", name="Kladde")
    rows = {row.name: row for row in queries.comparison(program)}
    assert set(rows) == {program.name, "Lille"}
    mine = rows[program.name]
    # 3 promoters, 1 detractor of 6: 50 - 16.67 = 33.33 -> 33; young 2, experienced 2 + 2.
    assert (mine.pairs, mine.balance, mine.nps, mine.shown, mine.nps_shown) == (
        3,
        0.5,
        33,
        True,
        True,
    )
    assert rows["Lille"].shown is False
    url = reverse(
        "insights:dashboard",
        kwargs={"org": program.organisation.slug, "program_id": program.pk},
    )
    assert "Lille" in login(admin).get(url).content.decode()


@pytest.mark.django_db
def test_pulse_closes_two_weeks_after_it_went_out_once_and_takes_no_more_answers(
    program: Any,
) -> None:
    from gensidig.insights.models import PulseClosing

    today = timezone.localdate()
    program.starts_on = today - timedelta(days=31)
    program.ends_on = today + timedelta(days=200)
    program.save()
    pairs = build_pairs(program, 2)
    assert actions.send_pulses()["sent"] == 4
    actions.answer_pulse(enrolment=pairs[0].a, point="month", answers={"learning": 5})
    assert actions.close_pulses(now=timezone.now() + timedelta(days=13)) == 0
    later = timezone.now() + timedelta(days=14, minutes=1)
    assert actions.close_pulses(now=later) == 1
    assert actions.close_pulses(now=later) == 0
    closing = PulseClosing.objects.get()
    assert (closing.program_id, closing.point, closing.invited, closing.answered) == (
        program.pk,
        "month",
        4,
        1,
    )
    with pytest.raises(actions.PulseClosedError):
        actions.answer_pulse(enrolment=pairs[1].a, point="month", answers={"learning": 3})
    # A closed pulse is neither sent to late joiners nor reminded.
    build_pairs(program, 1, start=5)
    mail.outbox.clear()
    assert actions.send_pulses(now=later) == {"sent": 0, "reminded": 0}
    assert mail.outbox == []


@pytest.mark.django_db
def test_closed_pulse_page_says_so_and_saves_nothing(login: Any, program: Any) -> None:
    from gensidig.insights.models import PulseClosing

    pair = build_pairs(program, 1)[0]
    PulseClosing.objects.create(program=program, point="month")
    assert pair.a.member is not None
    url = reverse(
        "insights:pulse",
        kwargs={"org": program.organisation.slug, "program_id": program.pk, "point": "month"},
    )
    client = login(pair.a.member)
    response = client.post(url, {"learning": "4"}, follow=True, HTTP_ACCEPT_LANGUAGE="da")
    assert "Denne pulsmåling er lukket" in response.content.decode()
    assert not PulseAnswer.objects.exists()
