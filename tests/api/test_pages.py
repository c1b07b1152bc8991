"""The owners' and administrators' pages for tokens and webhooks."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from gensidig.accounts.models import SecurityEvent, hash_token
from gensidig.api.models import ApiToken, WebhookSubscription

pytestmark = pytest.mark.django_db


def test_token_is_shown_once_and_stored_hashed(login: Any, admin: Any) -> None:
    client = login(admin)
    url = reverse("api_pages:tokens", kwargs={"org": admin.organisation.slug})
    response = client.post(url, {"name": "Power BI", "scopes": ["read"]})
    token = ApiToken.objects.get()
    raw = response.context["created"]
    assert raw.startswith(f"gsd_{token.prefix}_")
    assert token.token_hash == hash_token(raw)
    assert raw in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert raw not in client.get(url).content.decode()
    assert token.scopes == ["read"]
    assert token.created_by == admin


def test_token_with_an_expiry_in_the_past_names_the_field(login: Any, admin: Any) -> None:
    client = login(admin)
    url = reverse("api_pages:tokens", kwargs={"org": admin.organisation.slug})
    response = client.post(url, {"name": "X", "scopes": ["read"], "expires_on": "2020-01-01"})
    assert "expires_on" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_revoke_token_logs_it(login: Any, admin: Any, make_token: Any) -> None:
    make_token(admin)
    token = ApiToken.objects.get()
    client = login(admin)
    url = reverse(
        "api_pages:token_revoke", kwargs={"org": admin.organisation.slug, "token_id": token.pk}
    )
    question = client.post(url, HTTP_ACCEPT_LANGUAGE="da")
    assert "Tilbagekald tokenet" in question.content.decode()
    assert ApiToken.objects.get().revoked_at is None
    client.post(url, {"confirm": "yes"})
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = SecurityEvent.objects.get(kind="api-token-revoked")
    assert event.details == {"token_id": token.pk}
    assert event.actor_id == admin.user_id


def test_participant_cannot_open_token_or_webhook_pages(login: Any, young: Any) -> None:
    client = login(young)
    for name in ("api_pages:tokens", "api_pages:webhooks"):
        assert client.get(reverse(name, kwargs={"org": young.organisation.slug})).status_code == 403


def test_webhook_subscription_refuses_plain_http(login: Any, admin: Any) -> None:
    client = login(admin)
    url = reverse("api_pages:webhooks", kwargs={"org": admin.organisation.slug})
    response = client.post(
        url, {"url": "http://hooks.example.org/x", "events": ["pair.formed"], "format": "json"}
    )
    assert "url" in response.context["form"].errors
    response = client.post(
        url, {"url": "https://10.0.0.5/x", "events": ["pair.formed"], "format": "json"}
    )
    assert "url" in response.context["form"].errors
    assert not WebhookSubscription.objects.exists()


def test_webhook_subscription_shows_its_secret_once(login: Any, admin: Any) -> None:
    client = login(admin)
    url = reverse("api_pages:webhooks", kwargs={"org": admin.organisation.slug})
    response = client.post(
        url,
        {"url": "https://hooks.example.org/x", "events": ["pair.formed"], "format": "slack"},
    )
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret in response.content.decode()
    assert subscription.secret not in client.get(url).content.decode()
    detail = client.get(
        reverse(
            "api_pages:webhook_detail",
            kwargs={"org": admin.organisation.slug, "subscription_id": subscription.pk},
        )
    )
    assert detail.status_code == 200
    assert subscription.secret not in detail.content.decode()


def test_deleting_a_webhook_asks_first(login: Any, admin: Any) -> None:
    from gensidig.api import actions

    subscription = actions.subscribe_webhook(
        by=admin, url="https://hooks.example.org/x", events=["pair.formed"]
    )
    client = login(admin)
    url = reverse(
        "api_pages:webhook_detail",
        kwargs={"org": admin.organisation.slug, "subscription_id": subscription.pk},
    )
    question = client.post(url, {"do": "delete"}, HTTP_ACCEPT_LANGUAGE="da")
    assert "Slet abonnementet" in question.content.decode()
    assert WebhookSubscription.objects.exists()
    client.post(url, {"do": "delete", "confirm": "yes"})
    assert not WebhookSubscription.objects.exists()
