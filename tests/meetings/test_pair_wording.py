"""A pair's page in words that hold: never "together since" a date before the program
starts, and a conversation guide that reads naturally with any topic name (issue 15)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from gensidig.matching.models import Pair
from gensidig.meetings.queries import conversation_guide

pytestmark = pytest.mark.django_db


def test_pair_made_before_the_program_starts_is_together_from_the_start(
    login: Any, duo: dict[str, Any]
) -> None:
    pair = duo["pair"]
    program = pair.program
    program.starts_on = date(2099, 3, 1)
    program.save()
    pair = Pair.objects.get(pk=pair.pk)
    assert pair.together_from == date(2099, 3, 1)
    page = login(pair.a.member).get(
        reverse("meetings:pair", kwargs={"org": "fjordlys-test", "pair_id": pair.pk}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = page.content.decode()
    assert "Together since" not in html
    assert "<dt>Together from</dt><dd>March 1, 2099</dd>" in html


def test_conversation_guide_opens_with_the_topic_name(duo: dict[str, Any]) -> None:
    pair = duo["pair"]
    sections = conversation_guide(pair, pair.a, 0)
    lines = [line for section in sections for line in section["prompts"]]
    assert lines
    for line in lines:
        assert line.startswith(("TikTok: ", "Firmaets historie: ", "Company history: ")), line
