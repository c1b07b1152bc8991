"""Free text and other programs on the dashboard: a decline reason is quoted only when
enough people gave it, and a sponsor compares only the programs they may open."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from gensidig.matching.models import Proposal
from tests.factories import EnrolmentFactory, ProgramFactory
from tests.insights.conftest import build_pairs


def decline(program: Any, pair: Any, reason: str, times: int) -> None:
    for _i in range(times):
        Proposal.objects.create(
            round=pair.proposal.round,
            program=program,
            a=EnrolmentFactory(program=program),
            b=EnrolmentFactory(program=program, side="experienced"),
            status=Proposal.Status.DECLINED,
            decline_reason=reason,
        )


def page(client: Any, member: Any, program: Any) -> str:
    url = reverse(
        "insights:dashboard", kwargs={"org": member.organisation.slug, "program_id": program.pk}
    )
    response = client.get(url, headers={"accept-language": "en"})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_dashboard_single_decline_reason_is_not_quoted(
    login: Any, admin: Any, program: Any
) -> None:
    pairs = build_pairs(program, 6)
    decline(program, pairs[0], "Min chef Bente er for streng", 1)
    decline(program, pairs[0], "For travlt i kvartalet", 3)
    html = page(login(admin), admin, program)
    assert "Min chef Bente" not in html
    assert "For travlt i kvartalet" in html
    assert "Reasons given by too few people to quote" in html


@pytest.mark.django_db
def test_dashboard_decline_reasons_of_a_small_group_are_withheld_together(
    login: Any, admin: Any, program: Any
) -> None:
    pairs = build_pairs(program, 6)
    decline(program, pairs[0], "Kender hinanden privat", 1)
    html = page(login(admin), admin, program)
    assert "Kender hinanden" not in html
    export = login(admin).get(
        reverse(
            "insights:export", kwargs={"org": admin.organisation.slug, "program_id": program.pk}
        ),
        {"table": "declines"},
        headers={"accept-language": "en"},
    )
    body = export.content.decode("utf-8-sig")
    assert "Kender hinanden" not in body
    assert "Reasons given by too few people to quote;withheld" in body


@pytest.mark.django_db
def test_dashboard_sponsor_compares_only_programs_they_may_open(
    login: Any, admin: Any, experienced: Any, program: Any, organisation: Any
) -> None:
    program.sponsor = experienced
    program.name = "Sponsoreret forløb"
    program.save()
    build_pairs(program, 6)
    other = ProgramFactory(organisation=organisation, state="running", name="Andet forløb")
    build_pairs(other, 6, start=10)
    sponsor_view = page(login(experienced), experienced, program)
    assert "Sponsoreret forløb" in sponsor_view
    assert "Andet forløb" not in sponsor_view
    # An administrator may open both dashboards, so both are compared.
    admin_view = page(login(admin), admin, program)
    assert "Andet forløb" in admin_view
