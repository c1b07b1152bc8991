"""No secret and no personal content in the task table: emails are queued sealed, so a
database dump (or a backup) holds neither a working reset or invitation link nor the
recipient's address or name. Runs on SQLite and on PostgreSQL by reading every table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from gensidig.__main__ import main
from gensidig.accounts import actions
from gensidig.accounts.models import Role
from gensidig.common.sealed import UnreadablePayload, seal, unseal
from tests.common.test_tasks import database_queue  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)

TASK_TABLE = "django_tasks_database_dbtaskresult"


def every_cell() -> Iterator[tuple[str, str]]:
    """Each value of each row of each table, as text: what `pg_dump` or `.dump` would show."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        value = bytes(value).decode("utf-8", errors="replace")
                    yield table, str(value)


def tables_holding(text: str) -> set[str]:
    return {table for table, value in every_cell() if text.lower() in value.lower()}


def test_password_reset_token_is_in_no_table(
    database_queue: None,  # noqa: F811
    client: Any,
    young: Any,
) -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": "ung@example.org"})
    assert response.status_code == 302
    assert main(["gensidig", "worker", "--batch"]) == 0
    [message] = mail.outbox
    link = next(line for line in message.body.splitlines() if "/password-reset/" in line)
    _uid, token = link.rstrip("/").split("/")[-2:]
    assert len(token) > 20

    assert tables_holding(token) == set()
    assert TASK_TABLE not in tables_holding("ung@example.org")
    assert TASK_TABLE not in tables_holding("Ida Ung")
    # The link read from the email is the real one: it still sets a password.
    response = client.get(link.split("testserver", 1)[1])
    assert response.status_code == 302
    assert response.url.endswith("/set-password/")


def test_invitation_token_is_in_no_table(database_queue: None, admin: Any) -> None:  # noqa: F811
    _invitation, token = actions.invite_member(
        organisation=admin.organisation,
        email="ny.kollega@example.org",
        name="Nina Ny",
        role=Role.PARTICIPANT,
        invited_by=admin,
    )
    # Queued but not yet sent, and after the worker sent it: the table holds neither.
    for _ in range(2):
        assert tables_holding(token) == set()
        assert TASK_TABLE not in tables_holding("ny.kollega@example.org")
        assert TASK_TABLE not in tables_holding("Anne Admin")
        assert TASK_TABLE not in tables_holding("Fjordlys Test A/S")
        main(["gensidig", "worker", "--batch"])
    [message] = mail.outbox
    assert message.to == ["ny.kollega@example.org"]
    assert token in message.body


def test_failed_email_is_retried_with_the_same_sealed_payload(
    database_queue: None,  # noqa: F811
    admin: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django_tasks_db.models import DBTaskResult

    def broken_send(self: Any, fail_silently: bool = False) -> int:
        raise ConnectionRefusedError("no SMTP server for ny@example.org")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken_send)
    actions.invite_member(
        organisation=admin.organisation,
        email="ny@example.org",
        role=Role.PARTICIPANT,
        invited_by=admin,
    )
    first = DBTaskResult.objects.get()
    main(["gensidig", "worker", "--batch"])
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"] == {
        "sealed": first.args_kwargs["kwargs"]["sealed"],
        "attempt": 2,
    }
    assert TASK_TABLE not in tables_holding("ny@example.org")


def test_sealed_payload_opens_with_the_key_and_its_fallback_only(settings: Any) -> None:
    settings.GENSIDIG_TASK_KEY = ""
    settings.SECRET_KEY = "old-key-" + "x" * 50
    sealed = seal({"to": ["a@example.org"], "subject": "Hej"})
    assert "a@example.org" not in sealed
    settings.SECRET_KEY = "new-key-" + "y" * 50
    with pytest.raises(UnreadablePayload):
        unseal(sealed)
    settings.SECRET_KEY_FALLBACKS = ["old-key-" + "x" * 50]
    assert unseal(sealed) == {"to": ["a@example.org"], "subject": "Hej"}
    settings.GENSIDIG_TASK_KEY = "a-task-key"
    with pytest.raises(UnreadablePayload):
        unseal(sealed)


def test_tampered_sealed_payload_is_refused(settings: Any) -> None:
    sealed = seal({"to": ["a@example.org"]})
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(UnreadablePayload):
        unseal(tampered)
