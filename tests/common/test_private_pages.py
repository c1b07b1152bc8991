"""Pages with personal data are never cached, and a session ends when it is left idle (and at
the latest a fixed time after signing in)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from gensidig.common.middleware import (
    SEEN_KEY,
    SINCE_KEY,
    PrivateResponseMiddleware,
    cacheable,
)
from tests.meetings.conftest import duo  # noqa: F401  (the fixture)
from tests.test_urls import ORG_PATTERNS, objects_of

pytestmark = pytest.mark.django_db

NO_STORE = "no-store, private"


def test_every_organisation_page_an_owner_opens_is_not_stored(
    login: Any, admin: Any, organisation: Any
) -> None:
    ids = objects_of(organisation)
    client = login(admin)
    opened = set()
    for name, pattern in ORG_PATTERNS:
        if name.startswith("api:"):
            continue
        kwargs = {key: ids[key] for key in pattern.pattern.converters if key != "org"}  # type: ignore[attr-defined]
        response = client.get(reverse(name, kwargs={"org": organisation.slug, **kwargs}))
        if response.status_code == 200:
            opened.add(name)
            assert "no-store" in response["Cache-Control"], name
    # The pages the issue names are among them.
    assert {
        "accounts:members",
        "accounts:export_members",
        "accounts:security_log",
        "accounts:member_detail",
        "insights:dashboard",
        "common:dashboard",
    } <= opened


def test_account_export_pair_and_profile_are_not_stored(
    login: Any,
    duo: Any,  # noqa: F811
) -> None:
    ida = duo["ida"]
    org = ida.member.organisation.slug
    client = login(ida.member)
    for url in (
        reverse("accounts:account"),
        reverse("accounts:export_data"),
        reverse("meetings:pair", kwargs={"org": org, "pair_id": duo["pair"].pk}),
        reverse("programs:profile", kwargs={"org": org, "program_id": duo["program"].pk}),
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == NO_STORE, url


def test_htmx_partial_is_not_stored(login: Any, admin: Any) -> None:
    url = reverse("accounts:members", kwargs={"org": admin.organisation.slug})
    response = login(admin).get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="member-list")
    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE


def test_anonymous_page_is_left_to_the_cache_rules(client: Any, db: None) -> None:
    response = client.get(reverse("common:home"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_cacheable_view_opts_out(admin: Any) -> None:
    @cacheable
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse("nothing personal")

    request = RequestFactory().get("/")
    request.user = admin.user
    middleware = PrivateResponseMiddleware(lambda req: view(req))
    middleware.process_view(request, view, (), {})
    assert not middleware(request).has_header("Cache-Control")
    plain = RequestFactory().get("/")
    plain.user = admin.user
    assert (
        PrivateResponseMiddleware(lambda req: HttpResponse("x"))(plain)["Cache-Control"] == NO_STORE
    )


def session_row(client: Any) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_activity_moves_the_session_end_on(login: Any, admin: Any, settings: Any) -> None:
    assert settings.SESSION_COOKIE_AGE == settings.GENSIDIG_SESSION_IDLE_MINUTES * 60 == 240 * 60
    client = login(admin)
    home = reverse("common:dashboard", kwargs={"org": admin.organisation.slug})
    client.get(home)
    # As if the last request was long ago and the session has a minute left.
    session = client.session
    session[SEEN_KEY] = 0
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timedelta(minutes=1)
    )
    assert client.get(home).status_code == 200
    left = session_row(client).expire_date - timezone.now()
    assert timedelta(minutes=239) < left <= timedelta(minutes=240)


def test_idle_session_has_ended(login: Any, admin: Any) -> None:
    client = login(admin)
    home = reverse("common:dashboard", kwargs={"org": admin.organisation.slug})
    client.get(home)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(home)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_session_ends_at_the_latest_after_the_maximum(
    login: Any, admin: Any, settings: Any
) -> None:
    from gensidig.accounts.models import SecurityEvent

    client = login(admin)
    home = reverse("common:dashboard", kwargs={"org": admin.organisation.slug})
    client.get(home)
    session = client.session
    since = int(session[SINCE_KEY])
    session[SINCE_KEY] = since - settings.GENSIDIG_SESSION_MAX_HOURS * 3600 + 60
    session.save()
    assert client.get(home).status_code == 200  # a minute left: still in
    session = client.session
    session[SINCE_KEY] = since - settings.GENSIDIG_SESSION_MAX_HOURS * 3600 - 1
    session.save()
    response = client.get(home)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert SecurityEvent.objects.filter(kind="logout", actor_id=admin.user.pk).count() == 1
