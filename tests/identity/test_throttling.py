"""Login throttling (django-axes), reset rate limits, and sessions ended at once."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from gensidig.accounts.models import SecurityEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "accounts:login"


def fail(client: Client, email: str, times: int, ip: str = "10.0.0.1") -> None:
    for n in range(times):
        response = client.post(
            reverse(LOGIN), {"username": email, "password": "wrong"}, REMOTE_ADDR=ip
        )
        # The fifth failure already answers with the cool-off page.
        assert response.status_code == (429 if n == 4 else 200)


def test_login_five_failures_lock_the_account_even_with_the_right_password(
    client: Client, young: Any
) -> None:
    fail(client, "ung@example.org", 5)
    response = client.post(
        reverse(LOGIN),
        {"username": "ung@example.org", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_ACCEPT_LANGUAGE="da",
    )
    assert response.status_code == 429
    assert "Login er sat på pause" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_login_four_failures_still_let_the_right_password_in(client: Client, young: Any) -> None:
    fail(client, "ung@example.org", 4)
    response = client.post(
        reverse(LOGIN),
        {"username": "ung@example.org", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(young.user.pk)
    # No second login log with IP address and browser: the security log has logins.
    assert not AccessLog.objects.exists()


def test_login_lockout_counts_the_address_in_any_letter_case_from_any_ip(
    client: Client, young: Any
) -> None:
    for n, email in enumerate(["ung@example.org", "UNG@example.org", " Ung@Example.org"] * 2):
        client.post(
            reverse(LOGIN), {"username": email, "password": "wrong"}, REMOTE_ADDR=f"10.0.1.{n}"
        )
    response = client.post(
        reverse(LOGIN),
        {"username": "ung@example.org", "password": PASSWORD},
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 429


def test_login_lockout_per_ip_refuses_other_accounts_from_that_ip(
    client: Client, young: Any, experienced: Any
) -> None:
    for n in range(5):
        client.post(
            reverse(LOGIN),
            {"username": f"guess{n}@example.org", "password": "x"},
            REMOTE_ADDR="10.0.0.7",
        )
    refused = client.post(
        reverse(LOGIN),
        {"username": "erfaren@example.org", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.7",
    )
    assert refused.status_code == 429
    elsewhere = Client().post(
        reverse(LOGIN),
        {"username": "erfaren@example.org", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.8",
    )
    assert elsewhere.status_code == 302


def test_login_lockout_behind_the_proxy_counts_the_client_not_the_proxy(
    client: Client, young: Any, experienced: Any, settings: Any
) -> None:
    settings.BEHIND_PROXY = True
    for n in range(5):
        client.post(
            reverse(LOGIN),
            {"username": f"guess{n}@example.org", "password": "x"},
            REMOTE_ADDR="10.0.0.254",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7",
        )
    other_client = Client().post(
        reverse(LOGIN),
        {"username": "erfaren@example.org", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    assert other_client.status_code == 302
    same_client = Client().post(
        reverse(LOGIN),
        {"username": "erfaren@example.org", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.7",
    )
    assert same_client.status_code == 429


def test_login_lockout_ends_by_itself_after_the_cool_off(client: Client, young: Any) -> None:
    fail(client, "ung@example.org", 5)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.first().attempt_time - timedelta(minutes=31)
    )  # type: ignore[union-attr]
    response = client.post(
        reverse(LOGIN),
        {"username": "ung@example.org", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 302


def test_login_lockout_page_is_the_same_for_an_unknown_address(client: Client, young: Any) -> None:
    fail(client, "ung@example.org", 5, ip="10.0.0.1")
    fail(client, "nobody@example.org", 5, ip="10.0.0.2")
    known = client.post(
        reverse(LOGIN), {"username": "ung@example.org", "password": "x"}, REMOTE_ADDR="10.0.0.1"
    )
    unknown = client.post(
        reverse(LOGIN), {"username": "nobody@example.org", "password": "x"}, REMOTE_ADDR="10.0.0.2"
    )
    assert known.status_code == unknown.status_code == 429
    assert without_csrf(known.content) == without_csrf(unknown.content)


def without_csrf(content: bytes) -> bytes:
    return re.sub(rb'(nonce="|"X-CSRFToken": "|value=")[A-Za-z0-9_-]{16,}', b"", content)


def test_login_lockout_is_in_the_security_log_of_the_persons_organisation(
    client: Client, young: Any
) -> None:
    fail(client, "ung@example.org", 5)
    client.post(
        reverse(LOGIN),
        {"username": "ung@example.org", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    event = SecurityEvent.objects.filter(kind="lockout").first()
    assert event is not None
    assert event.organisation == young.organisation
    assert event.subject_id == young.user.pk
    assert event.ip == "10.0.0.1"


def test_password_reset_per_address_stops_sending_but_answers_the_same(
    client: Client, young: Any
) -> None:
    for _ in range(5):
        response = client.post(reverse("accounts:password_reset"), {"email": "ung@example.org"})
        assert response.status_code == 302
        assert response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 3


def test_password_reset_per_ip_is_refused_with_a_page(client: Client, settings: Any) -> None:
    settings.GENSIDIG_RESET_PER_IP = 2
    for n in range(2):
        client.post(reverse("accounts:password_reset"), {"email": f"a{n}@example.org"})
    response = client.post(
        reverse("accounts:password_reset"), {"email": "b@example.org"}, HTTP_ACCEPT_LANGUAGE="da"
    )
    assert response.status_code == 429
    assert "For mange forespørgsler" in response.content.decode()


def login_twice(user: Any) -> tuple[Client, Client]:
    first, second = Client(), Client()
    for client in (first, second):
        assert (
            client.post(reverse(LOGIN), {"username": user.email, "password": PASSWORD}).status_code
            == 302
        )
    return first, second


def is_logged_in(client: Client) -> bool:
    return client.get(reverse("accounts:account")).status_code == 200


def test_sessions_deactivating_a_member_ends_their_sessions(young: Any) -> None:
    first, second = login_twice(young.user)
    young.is_active = False
    young.save()
    assert not is_logged_in(first)
    assert not is_logged_in(second)


def test_sessions_removing_the_last_membership_ends_their_sessions(young: Any) -> None:
    first, _ = login_twice(young.user)
    young.delete()
    assert not is_logged_in(first)


def test_sessions_erasing_the_account_ends_the_other_sessions(young: Any) -> None:
    first, second = login_twice(young.user)
    response = first.post(reverse("accounts:erase"), {"password": PASSWORD})
    assert response.status_code == 302
    assert not is_logged_in(second)
    from django.contrib.sessions.models import Session

    assert Session.objects.count() == 0


def test_sessions_a_password_change_ends_the_other_sessions(young: Any) -> None:
    first, second = login_twice(young.user)
    young.user.set_password("another-long-password")
    young.user.save()
    assert not is_logged_in(second)
    assert not is_logged_in(first)


def test_client_address_is_always_an_ip_address(settings: Any) -> None:
    # A login with no network peer (force_login, a command) or a proxy header that is not an
    # address must not reach the attempts table: PostgreSQL refuses 'unknown' there.
    from django.test import RequestFactory

    from gensidig.identity.throttle import client_address

    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert client_address(request) == "0.0.0.0"
    settings.BEHIND_PROXY = True
    proxied = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="unknown")
    assert client_address(proxied) == "10.0.0.2"
    forwarded = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert client_address(forwarded) == "198.51.100.7"


@pytest.mark.django_db
def test_force_login_records_no_unknown_address(client: Client, young: Any) -> None:
    client.force_login(young.user, backend="gensidig.accounts.backends.EmailBackend")
    assert client.get("/account/").status_code == 200


def _shape(sql: str) -> str:
    """A query without its values: what the database was asked to do, not with what."""
    sql = re.sub(r'"s\d+_x\d+"', '"savepoint"', sql)
    return re.sub(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b", "?", sql)


def test_reset_request_does_the_same_work_for_a_known_and_an_unknown_address(
    client: Client, young: Any, settings: Any
) -> None:
    """No timing tells whether an address has an account: with tasks run by a worker (as in
    production), the request itself asks the database the same things and renders the same
    pages whatever the address; the lookup and the email happen in the task."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    url = reverse("accounts:password_reset")
    client.post(url, {"email": "warm-up@example.org"})
    shapes = []
    for email in ("ung@example.org", "nobody@example.org"):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, {"email": email})
        assert response.status_code == 302
        shapes.append([_shape(query["sql"]) for query in queries.captured_queries])
    assert shapes[0] == shapes[1]
    from django_tasks_db.models import DBTaskResult

    payloads = [str(row.args_kwargs) for row in DBTaskResult.objects.all()]
    assert payloads and not any("@example.org" in payload for payload in payloads)


def test_reset_request_logged_by_its_task_keeps_the_requester_address(
    client: Client, young: Any
) -> None:
    from gensidig.accounts.models import SecurityEvent

    client.post(
        reverse("accounts:password_reset"), {"email": "ung@example.org"}, REMOTE_ADDR="10.0.0.9"
    )
    event = SecurityEvent.objects.get(kind="password-reset")
    assert (event.subject_id, event.ip) == (young.user.pk, "10.0.0.9")
    assert len(mail.outbox) == 1


def test_sessions_erasing_the_account_reads_no_one_elses_session(
    young: Any, experienced: Any, monkeypatch: Any
) -> None:
    from django.contrib.sessions.models import Session

    first, _ = login_twice(young.user)
    others = Client()
    others.force_login(experienced.user, backend="gensidig.accounts.backends.EmailBackend")
    # Erasure finds the person's sessions by their recorded keys: opening another person's
    # session to read whose it is (a scan of every live session) fails this test.
    opened: list[str] = []
    monkeypatch.setattr(Session, "get_decoded", lambda self: opened.append(self.session_key))
    assert first.post(reverse("accounts:erase"), {"password": PASSWORD}).status_code == 302
    assert opened == []
    assert Session.objects.count() == 1
    assert is_logged_in(others)
