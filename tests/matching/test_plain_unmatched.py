"""The matching page as HR reads it: people released by a hand-made pair show as unmatched
at once, publishing warns while anyone is in limbo, and reasons speak about the person
(issue 15)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from gensidig.matching import actions
from gensidig.matching.models import Proposal
from tests.factories import EnrolmentFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def rounds_url(program: Any) -> str:
    return reverse(
        "matching:rounds", kwargs={"org": program.organisation.slug, "program_id": program.pk}
    )


def test_pairing_by_hand_shows_released_partners_as_unmatched_and_warns_before_publishing(
    login: Any, admin: Any, cohort: Any
) -> None:
    program = cohort["program"]
    matching_round = actions.start_round(program=program, by=admin)
    pairs = {
        (p.a.member.user.name, p.b.member.user.name)
        for p in Proposal.objects.filter(program=program, status="draft")
    }
    assert pairs == {("Ida Ung", "Poul Erfaren"), ("Freja Ung", "Erik Erfaren")}
    actions.pair_by_hand(
        program=program, a=cohort["freja"], b=cohort["poul"], reason="Same city", by=admin
    )
    html = login(admin).get(rounds_url(program), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 people have no partner and no proposal since the round ran" in html
    assert (
        "The partner proposed for Ida Ung was paired by hand with someone else. "
        "Run the round again or pair Ida Ung by hand."
    ) in html
    assert "The partner proposed for Erik Erfaren was paired by hand" in html
    assert '<span class="stat-value">2</span><span class="stat-label">left unmatched' in html
    response = login(admin).post(
        reverse(
            "matching:publish",
            kwargs={
                "org": program.organisation.slug,
                "program_id": program.pk,
                "round_id": matching_round.pk,
            },
        ),
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "Still without a partner and without a proposal: " in response.content.decode()


def test_unmatched_person_without_topics_is_told_they_chose_none(
    login: Any, admin: Any, cohort: Any
) -> None:
    program = cohort["program"]
    EnrolmentFactory(
        program=program,
        member=MemberFactory(
            organisation=program.organisation,
            user=UserFactory(email="tom@example.org", name="Tom Tom"),
        ),
        side="young",
        generation="1995-2009",
    )
    actions.start_round(program=program, by=admin)
    page = login(admin).get(rounds_url(program))
    html = page.content.decode()
    assert "Tom Tom har ikke valgt nogen emner" in html
    assert "Regel" not in html and ": 1" not in html


def test_round_figures_are_in_hr_words_with_the_certificate_behind_details(
    login: Any, admin: Any, cohort: Any
) -> None:
    program = cohort["program"]
    actions.start_round(program=program, by=admin)
    html = login(admin).get(rounds_url(program), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "objective" not in html
    assert "certified" not in html
    assert "<summary>Details for the curious: how good is this round?</summary>" in html
    assert "says how much the two can learn from each other" in html
