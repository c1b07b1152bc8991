"""Background tasks shared by all apps, and the rule that no failed task goes unnoticed."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.dispatch import receiver
from django.tasks import TaskContext, TaskResult, task
from django.tasks.base import TaskResultStatus
from django.tasks.signals import task_finished
from django.utils import timezone

from gensidig.common.sealed import seal, unseal

logger = logging.getLogger("gensidig.tasks")


class EmailNotSent(Exception):
    """The last attempt at an email failed. Its message names the kind of failure only:
    an SMTP error's text can quote the recipient's address, and this lands in the task row."""


def queue_email(
    *,
    to: list[str],
    subject: str,
    body: str,
    html: str | None = None,
    attachment: dict[str, str] | None = None,
) -> TaskResult[Any, int]:
    """Enqueue one message. Recipient, subject, text and attachment are sealed (see
    `gensidig.common.sealed`): the task table never holds an address, a name or a link
    in the clear, whichever backend runs the task."""
    payload = {"to": to, "subject": subject, "body": body, "html": html, "attachment": attachment}
    return send_email.enqueue(sealed=seal(payload))


def describe_failure(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__} (SMTP {exc.smtp_code})"
    return type(exc).__name__


@task(takes_context=True)
def send_email(context: TaskContext, *, sealed: str, attempt: int = 1) -> int:
    """Send one sealed message (made by `queue_email`); on failure enqueue the same sealed
    payload again with a growing delay, and after the last attempt let the failure be
    reported (see `report_failed_task`).

    The payload's `attachment` is {"filename", "content", "mimetype"} as text, so it stays
    JSON (a calendar invite is one)."""
    payload = unseal(sealed)
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=payload["to"],
    )
    if payload.get("html"):
        message.attach_alternative(payload["html"], "text/html")
    attachment = payload.get("attachment")
    if attachment:
        message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    from gensidig.ops.metrics import EMAILS_FAILED, EMAILS_SENT
    from gensidig.ops.models import Counter

    try:
        sent = message.send()
    except Exception as exc:
        Counter.add(EMAILS_FAILED)
        failure = describe_failure(exc)
        if attempt >= settings.GENSIDIG_EMAIL_ATTEMPTS:
            raise EmailNotSent(f"{failure} at attempt {attempt}") from None
        retry = send_email
        delay = timedelta(0)
        if context.task_result.task.get_backend().supports_defer:
            # A queue can wait; the in-process backend tries again at once.
            delay = timedelta(minutes=2 ** (attempt - 1))
            retry = send_email.using(run_after=timezone.now() + delay)
        # No address or subject in the log: the log is not a place for personal data.
        logger.warning(
            "Email task %s failed with %s (attempt %d); trying again in %s.",
            context.task_result.id,
            failure,
            attempt,
            delay,
        )
        retry.enqueue(sealed=sealed, attempt=attempt + 1)
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
