"""Asking before destroying, for the pair's and the calendar's actions: cancelling a meeting
(it emails both) and replacing the calendar feed address. Without `confirm=yes` nothing
happens and the page says what would; the same page answers a GET (no JavaScript needed)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from gensidig.meetings import actions
from gensidig.meetings.models import CalendarFeed, Meeting
from tests.meetings.test_meetings import book

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _same_language_after() -> Any:
    before = translation.get_language()
    yield
    translation.activate(before)


def cancel_url(duo: dict[str, Any], meeting: Meeting) -> str:
    return reverse(
        "meetings:meeting_step",
        kwargs={
            "org": "fjordlys-test",
            "pair_id": duo["pair"].pk,
            "meeting_id": meeting.pk,
            "verb": "cancel",
        },
    )


def confirmed_meeting(duo: dict[str, Any]) -> Meeting:
    meeting = book(duo)
    actions.confirm_meeting(meeting=meeting, by=duo["ida"])
    mail.outbox.clear()
    return meeting


@pytest.mark.parametrize("method", ["get", "post"])
def test_cancel_meeting_without_confirm_asks_and_changes_nothing(
    login: Any, duo: dict[str, Any], method: str
) -> None:
    meeting = confirmed_meeting(duo)
    client = login(duo["ida"].member)
    response = getattr(client, method)(cancel_url(duo, meeting), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="confirm-question"' in page
    assert "Erik Erfaren and you each get an email" in page
    assert '<input type="hidden" name="confirm" value="yes">' in page
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CONFIRMED
    assert mail.outbox == []


def test_cancel_meeting_question_is_danish(login: Any, duo: dict[str, Any]) -> None:
    meeting = confirmed_meeting(duo)
    page = login(duo["ida"].member).get(cancel_url(duo, meeting), HTTP_ACCEPT_LANGUAGE="da")
    assert "Ja, aflys mødet" in page.content.decode()


def test_cancel_meeting_with_confirm_cancels_and_emails_both(
    login: Any, duo: dict[str, Any]
) -> None:
    meeting = confirmed_meeting(duo)
    response = login(duo["ida"].member).post(cancel_url(duo, meeting), {"confirm": "yes"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    assert sorted(m.to[0] for m in mail.outbox) == ["erfaren@example.org", "ung@example.org"]


def test_cancel_meeting_outsider_and_other_pair_get_404(
    login: Any, duo: dict[str, Any], outsider: Any
) -> None:
    meeting = confirmed_meeting(duo)
    url = cancel_url(duo, meeting)
    assert login(outsider).post(url, {"confirm": "yes"}).status_code == 404
    assert login(duo["freja"]).get(url).status_code == 404
    assert login(duo["freja"]).post(url, {"confirm": "yes"}).status_code == 404
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CONFIRMED


def test_confirm_meeting_by_get_is_not_allowed(login: Any, duo: dict[str, Any]) -> None:
    meeting = book(duo)
    url = cancel_url(duo, meeting).replace("/cancel/", "/confirm/")
    assert login(duo["ida"].member).get(url).status_code == 405
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PROPOSED


def test_calendar_reset_without_confirm_keeps_the_address(login: Any, duo: dict[str, Any]) -> None:
    member = duo["ida"].member
    token = actions.ensure_feed(member=member).token
    client = login(member)
    url = reverse("meetings:calendar_reset", kwargs={"org": "fjordlys-test"})
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 200
        assert "Replace your calendar address?" in response.content.decode() or (
            "Erstat din kalenderadresse?" in response.content.decode()
        )
    assert CalendarFeed.objects.get(member=member).token == token
    client.post(url, {"confirm": "yes"})
    assert CalendarFeed.objects.get(member=member).token != token


def test_pages_mark_destroying_forms_for_the_dialog(login: Any, duo: dict[str, Any]) -> None:
    meeting = confirmed_meeting(duo)
    client = login(duo["ida"].member)
    pair_page = client.get(
        reverse("meetings:pair", kwargs={"org": "fjordlys-test", "pair_id": duo["pair"].pk})
    ).content.decode()
    assert f'action="{cancel_url(duo, meeting)}" data-confirm>' in pair_page
    calendar = client.get(reverse("meetings:calendar", kwargs={"org": "fjordlys-test"}))
    assert "data-confirm>" in calendar.content.decode()
    assert "gensidig/js/confirm.js" in calendar.content.decode()
