"""Double submits create one object: a form's one-time token (common/once.py) makes a
second send of the same form do nothing and lead where the first did."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from gensidig.common.models import SubmittedForm
from gensidig.discoveries.models import Comment, Discovery
from gensidig.meetings.models import Meeting

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'<input type="hidden" name="once" value="([^"]+)">')


def token_on(page: Any) -> str:
    found = TOKEN.findall(page.content.decode())
    assert len(found) == 1
    return found[0]


def test_propose_meeting_twice_creates_one_meeting_and_one_invite(
    login: Any, duo: dict[str, Any]
) -> None:
    client = login(duo["erik"].member)
    url = reverse("meetings:propose", kwargs={"org": "fjordlys-test", "pair_id": duo["pair"].pk})
    form = {
        "once": token_on(client.get(url)),
        "starts_at": (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT10:00"),
        "minutes": "60",
        "place": "Kantinen",
        "video_url": "",
    }
    first = client.post(url, form)
    second = client.post(url, form)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Meeting.objects.filter(pair=duo["pair"]).count() == 1
    assert len(mail.outbox) == 1


def test_propose_meeting_refused_then_corrected_with_same_token_is_saved(
    login: Any, duo: dict[str, Any]
) -> None:
    client = login(duo["erik"].member)
    url = reverse("meetings:propose", kwargs={"org": "fjordlys-test", "pair_id": duo["pair"].pk})
    form = {"once": token_on(client.get(url)), "minutes": "60", "place": "Kantinen"}
    past = (timezone.localtime() - timedelta(days=2)).strftime("%Y-%m-%dT10:00")
    refused = client.post(url, {**form, "starts_at": past})
    assert refused.status_code == 400
    assert token_on(refused) == form["once"]
    ahead = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT10:00")
    assert client.post(url, {**form, "starts_at": ahead}).status_code == 302
    assert Meeting.objects.filter(pair=duo["pair"]).count() == 1


def test_each_showing_of_a_form_gets_a_new_token(login: Any, duo: dict[str, Any]) -> None:
    client = login(duo["erik"].member)
    url = reverse("meetings:propose", kwargs={"org": "fjordlys-test", "pair_id": duo["pair"].pk})
    assert token_on(client.get(url)) != token_on(client.get(url))


def test_discovery_and_comment_sent_twice_create_one_each(
    login: Any, organisation: Any, duo: dict[str, Any]
) -> None:
    client = login(duo["ida"].member)
    new = reverse("discoveries:new", kwargs={"org": organisation.slug})
    form = {
        "once": token_on(client.get(new)),
        "title": "Notion-skabeloner",
        "kind": "tool",
        "smarter_work": "Mødenoter på ét sted.",
        "link": "",
    }
    first = client.post(new, form)
    second = client.post(new, form)
    assert Discovery.objects.count() == 1
    discovery = Discovery.objects.get()
    assert (
        first["Location"]
        == second["Location"]
        == reverse(
            "discoveries:detail", kwargs={"org": organisation.slug, "discovery_id": discovery.pk}
        )
    )
    detail = client.get(first["Location"])
    comment_url = reverse(
        "discoveries:comment", kwargs={"org": organisation.slug, "discovery_id": discovery.pk}
    )
    comment = {"once": token_on(detail), "text": "God idé!"}
    client.post(comment_url, comment)
    client.post(comment_url, comment)
    assert Comment.objects.filter(discovery=discovery).count() == 1
    # Without a token (an old page, a script) nothing is deduplicated.
    client.post(comment_url, {"text": "Igen"})
    assert Comment.objects.filter(discovery=discovery).count() == 2


def test_discovery_sent_twice_after_similar_warning_creates_one(
    login: Any, organisation: Any, duo: dict[str, Any]
) -> None:
    Discovery.objects.create(
        organisation=organisation, title="Notion-skabeloner", kind="tool", smarter_work="x"
    )
    client = login(duo["ida"].member)
    new = reverse("discoveries:new", kwargs={"org": organisation.slug})
    form = {"once": "t" * 32, "title": "Notion-skabeloner", "kind": "tool", "smarter_work": "y"}
    warned = client.post(new, form)
    assert warned.status_code == 200
    assert token_on(warned) == "t" * 32
    client.post(new, {**form, "confirm_new": "on"})
    client.post(new, {**form, "confirm_new": "on"})
    assert Discovery.objects.count() == 2


def test_old_tokens_are_dropped_after_a_day(
    login: Any, organisation: Any, duo: dict[str, Any]
) -> None:
    SubmittedForm.objects.create(token="old", at=timezone.now() - timedelta(days=2))
    SubmittedForm.objects.create(token="recent", at=timezone.now() - timedelta(hours=2))
    client = login(duo["ida"].member)
    new = reverse("discoveries:new", kwargs={"org": organisation.slug})
    client.post(new, {"once": "x" * 30, "title": "Miro", "kind": "tool", "smarter_work": "y"})
    assert set(SubmittedForm.objects.values_list("token", flat=True)) == {"recent", "x" * 30}
