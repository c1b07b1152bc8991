"""Email leaves through Django's backends via a task; one test goes through a real SMTP
server on 127.0.0.1 and reads the message back."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core import mail

from gensidig.accounts import actions
from gensidig.accounts.models import Role
from gensidig.common.tasks import queue_email

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Any:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def test_invitation_goes_through_real_smtp_server(
    settings: Any, smtp_server: Any, admin: Any
) -> None:
    controller, inbox = smtp_server
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "use_tls": False},
        }
    }
    actions.invite_member(
        organisation=admin.organisation,
        email="ny@example.org",
        role=Role.PARTICIPANT,
        invited_by=admin,
    )
    assert len(inbox.messages) == 1
    envelope = inbox.messages[0]
    assert envelope.rcpt_tos == ["ny@example.org"]
    text = envelope.content.decode()
    assert "Fjordlys Test A/S" in text
    assert "/invitation/" in text


def test_queue_email_failure_is_retried_then_reported(
    settings: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.GENSIDIG_EMAIL_ATTEMPTS = 3
    calls: list[int] = []

    def broken_send(self: Any, fail_silently: bool = False) -> int:
        calls.append(1)
        raise ConnectionRefusedError("no SMTP server")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken_send)
    with caplog.at_level(logging.WARNING, logger="gensidig.tasks"):
        queue_email(to=["x@example.org"], subject="Hej", body="Hej")
    assert len(calls) == 3
    errors = [
        r for r in caplog.records if r.name == "gensidig.tasks" and r.levelno == logging.ERROR
    ]
    assert len(errors) == 1
    assert "ConnectionRefusedError" in errors[0].getMessage()


def test_queue_email_success_returns_count() -> None:
    result = queue_email(to=["x@example.org"], subject="Hej", body="Tekst")
    assert result.return_value == 1
    assert mail.outbox[0].subject == "Hej"


def test_queue_email_retry_keeps_the_attachment(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[list[tuple[str, str, str]]] = []

    def flaky_send(self: Any, fail_silently: bool = False) -> int:
        sent.append(list(self.attachments))
        if len(sent) == 1:
            raise ConnectionRefusedError("no SMTP server")
        return 1

    monkeypatch.setattr("django.core.mail.EmailMessage.send", flaky_send)
    invite = {"filename": "meeting.ics", "content": "BEGIN:VCALENDAR", "mimetype": "text/calendar"}
    queue_email(to=["x@example.org"], subject="Møde", body="Hej", attachment=invite)
    assert [len(attachments) for attachments in sent] == [1, 1]
    assert sent[1][0][0] == "meeting.ics"
