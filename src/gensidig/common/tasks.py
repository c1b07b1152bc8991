"""Background tasks shared by all apps, and the rule that no failed task goes unnoticed."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.dispatch import receiver
from django.tasks import TaskContext, task
from django.tasks.base import TaskResultStatus
from django.tasks.signals import task_finished
from django.utils import timezone

logger = logging.getLogger("gensidig.tasks")


@task(takes_context=True)
def send_email(
    context: TaskContext,
    *,
    to: list[str],
    subject: str,
    body: str,
    attachment: dict[str, str] | None = None,
    attempt: int = 1,
) -> int:
    """Send one message; on failure enqueue the next attempt with a growing delay, and
    after the last attempt let the failure be reported (see `report_failed_task`).

    `attachment` is {"filename", "content", "mimetype"} as text, so the task's arguments
    stay JSON (a calendar invite is one)."""
    message = EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to
    )
    if attachment:
        message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    from gensidig.ops.metrics import EMAILS_FAILED, EMAILS_SENT
    from gensidig.ops.models import Counter

    try:
        sent = message.send()
    except Exception:
        Counter.add(EMAILS_FAILED)
        if attempt >= settings.GENSIDIG_EMAIL_ATTEMPTS:
            raise
        retry = send_email
        delay = timedelta(0)
        if context.task_result.task.get_backend().supports_defer:
            # A queue can wait; the in-process backend tries again at once.
            delay = timedelta(minutes=2 ** (attempt - 1))
            retry = send_email.using(run_after=timezone.now() + delay)
        # No address or subject in the log: the log is not a place for personal data.
        logger.warning(
            "Email task %s failed (attempt %d); trying again in %s.",
            context.task_result.id,
            attempt,
            delay,
        )
        retry.enqueue(to=to, subject=subject, body=body, attachment=attachment, attempt=attempt + 1)
        return 0
    Counter.add(EMAILS_SENT, sent)
    return sent


@receiver(task_finished)
def report_failed_task(sender: Any, task_result: Any, **kwargs: Any) -> None:
    # The task framework keeps failures in the result; this makes them loud: an ERROR log
    # line, which also mails the operators when GENSIDIG_ADMINS is set.
    if task_result.status == TaskResultStatus.FAILED:
        error = task_result.errors[-1] if task_result.errors else None
        logger.error(
            "Task %s (%s) failed: %s",
            task_result.task.name,
            task_result.id,
            error.traceback if error else "no traceback",
        )
