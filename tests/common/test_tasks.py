"""Background tasks in production go through django-tasks-db: `gensidig worker` runs them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from asgiref.local import Local
from django.core import mail
from django.tasks import task_backends
from django.utils import timezone

from gensidig.__main__ import main
from gensidig.accounts import actions
from gensidig.accounts.models import Role

pytestmark = pytest.mark.django_db(transaction=True)


def reset_task_backends() -> None:
    # The task framework caches its backends and, unlike databases, does not react to
    # settings overrides; forget them so the next lookup reads settings.TASKS again.
    task_backends.__dict__.pop("settings", None)
    task_backends._connections = Local(task_backends.thread_critical)


@pytest.fixture
def database_queue(settings: Any) -> Iterator[None]:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    reset_task_backends()
    yield
    reset_task_backends()


def test_worker_sends_queued_invitation(database_queue: None, admin: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    actions.invite_member(
        organisation=admin.organisation,
        email="ny@example.org",
        role=Role.PARTICIPANT,
        invited_by=admin,
    )
    assert mail.outbox == []
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    assert main(["gensidig", "worker", "--batch"]) == 0
    assert [message.to for message in mail.outbox] == [["ny@example.org"]]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_worker_failed_email_is_requeued_for_later(
    database_queue: None, admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django_tasks_db.models import DBTaskResult

    def broken_send(self: Any, fail_silently: bool = False) -> int:
        raise ConnectionRefusedError("no SMTP server")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken_send)
    actions.invite_member(
        organisation=admin.organisation,
        email="ny@example.org",
        role=Role.PARTICIPANT,
        invited_by=admin,
    )
    before = timezone.now()
    main(["gensidig", "worker", "--batch"])
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    # The first retry waits a minute, so the batch worker left it for later.
    assert retry.run_after >= before + timedelta(seconds=59)
    assert mail.outbox == []
