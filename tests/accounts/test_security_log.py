"""The security log's writer: small facts only, never a secret."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.utils import translation

from gensidig.accounts.models import SecurityEvent
from gensidig.accounts.security import log_security_event
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_log_security_event_records_actor_ip_and_details() -> None:
    member = MemberFactory()
    request = RequestFactory().post("/", REMOTE_ADDR="127.0.0.9")
    request.user = member.user
    event = log_security_event(
        kind=SecurityEvent.Kind.ROLE_CHANGED,
        organisation=member.organisation,
        subject_id=41,
        request=request,
        details={"old": "participant", "new": "admin"},
    )
    event.refresh_from_db()
    assert (event.actor_id, event.subject_id, event.ip) == (member.user.pk, 41, "127.0.0.9")
    assert event.details == {"old": "participant", "new": "admin"}
    with translation.override("en"):
        assert event.get_kind_display() == "Role changed"


def test_log_security_event_refuses_a_secret_in_details() -> None:
    with pytest.raises(ValueError, match="token"):
        log_security_event(kind="login", details={"Token": "abc"})
    assert SecurityEvent.objects.count() == 0
