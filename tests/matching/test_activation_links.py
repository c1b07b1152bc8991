"""Emails about a proposal to someone who has never signed in carry an activation link
that goes on to the proposal (issue 15)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core import mail
from django.urls import reverse

from gensidig.accounts.models import User
from gensidig.matching import actions as matching_actions
from gensidig.matching.models import Round

pytestmark = pytest.mark.django_db
ORG = {"org": "fjordlys-test"}


def link_in(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/invitation/[^\s]+/)", body)
    assert match, body
    return match.group(1)


def test_proposal_email_to_never_signed_in_partner_activates_then_opens_the_proposal(
    client: Any, admin: Any, cohort: Any
) -> None:
    poul = cohort["poul"].member
    User.objects.filter(pk=poul.user_id).update(password=UNUSABLE_PASSWORD_PREFIX + "x")
    program = cohort["program"]
    matching_round = matching_actions.start_round(program=program, by=admin)
    matching_actions.publish_round(matching_round=Round.objects.get(pk=matching_round.pk))
    to_poul = next(m for m in mail.outbox if m.to == ["poul@example.org"])
    to_ida = next(m for m in mail.outbox if m.to == ["ung@example.org"])
    assert "/invitation/" not in to_ida.body
    path = link_in(to_poul.body)
    response = client.post(
        path,
        {"name": "Poul", "language": "da", "password1": "a-long-pw-1", "password2": "a-long-pw-1"},
    )
    my_match = reverse("matching:my_match", kwargs={**ORG, "program_id": program.pk})
    assert response.url == my_match
    assert client.get(my_match).status_code == 200
