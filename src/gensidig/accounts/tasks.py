from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, connections
from django.dispatch import receiver
from django.tasks import task
from django.tasks.base import TaskResultStatus
from django.tasks.signals import task_finished
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from gensidig.accounts.imports import (
    Problems,
    RowProblem,
    UnreadableFile,
    check_rows,
    read_rows,
    save_people,
)
from gensidig.accounts.models import ImportJob

IMPORT_STOPPED = gettext_noop(
    "The import stopped before it finished, so nothing was saved. Please upload the file again."
)


def keep_problems(job: ImportJob, problems: Iterable[RowProblem]) -> None:
    """The job row keeps the first MAX_PROBLEMS problems and the count of all, never the
    whole file's list."""
    bounded = problems if isinstance(problems, Problems) else Problems(problems)
    job.problems = [problem.as_dict() for problem in bounded.trim()]
    job.problem_count = bounded.total


@task()
def run_import(*, job_id: int) -> dict[str, int]:
    """Check and save a large import, recording progress for the page that watches it."""
    job = ImportJob.objects.select_related("organisation", "created_by").get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)

    side = connections.create_connection("default") if connection.vendor == "postgresql" else None

    def progress(done: int) -> None:
        # The import is one transaction (all or nothing), so the progress page could not see
        # a write made inside it: report through a second, autocommitting connection. SQLite
        # has one writer at a time, so there the page only sees the start and the end.
        if side is not None:
            with side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportJob._meta.db_table} SET processed = %s WHERE id = %s",
                    [done, job.pk],
                )

    try:
        if job.program_id is not None:
            # An import into a program also enrols and records topics (programs.imports).
            from gensidig.programs.imports import run_job

            problems, outcome = run_job(job.pk, progress)
        else:
            rows = read_rows(bytes(job.data or b""), job.filename)
            checked = check_rows(rows, organisation=job.organisation)
            problems, outcome = checked.problems, None
            if checked.ok:
                ImportJob.objects.filter(pk=job.pk).update(total=len(checked.people))
                outcome = save_people(
                    organisation=job.organisation,
                    people=checked.people,
                    by=job.created_by,
                    progress=progress,
                )
        if outcome is None:
            keep_problems(job, problems)
            job.status = ImportJob.Status.FAILED
        else:
            job.total = job.processed = len(outcome.people)
            job.created_count, job.updated_count = outcome.created, outcome.updated
            # On a finished import the list says who was invited or left out, and why.
            keep_problems(job, outcome.notes())
            job.status = ImportJob.Status.DONE
    except UnreadableFile as error:
        keep_problems(job, [RowProblem(0, "", str(error))])
        job.status = ImportJob.Status.FAILED
    finally:
        if side is not None:
            side.close()
    job.data = None
    job.finished_at = timezone.now()
    job.save()
    return {"created": job.created_count, "updated": job.updated_count}


@receiver(task_finished)
def fail_import_of_failed_task(sender: Any, task_result: Any, **kwargs: Any) -> None:
    """An import whose task failed outside its own checks (an error, or its worker died on
    every attempt: see gensidig.ops.workers) would say "running" for good; say instead that
    it stopped. Its one transaction was rolled back, so nothing was saved."""
    if task_result.status != TaskResultStatus.FAILED:
        return
    if task_result.task.module_path != run_import.module_path:
        return
    ImportJob.objects.filter(
        pk=task_result.kwargs.get("job_id"),
        status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING],
    ).update(
        status=ImportJob.Status.FAILED,
        problems=[{"row": 0, "column": "", "message": gettext(IMPORT_STOPPED)}],
        data=None,
        finished_at=timezone.now(),
    )


@task()
def send_reset_links(*, sealed: str) -> None:
    """A "forgot my password" request (made by `TaskPasswordResetForm.save`): the address,
    the site's address, the language and the requester's IP address, sealed. Sends the reset
    email or the activation link when the address has an account, and nothing otherwise."""
    from django.utils import translation

    from gensidig.accounts.forms import TaskPasswordResetForm
    from gensidig.common.sealed import unseal

    data = unseal(sealed)
    form = TaskPasswordResetForm({"email": data["email"]})
    if not form.is_valid():
        return
    with translation.override(data.get("language")):
        form.send_links(domain=data["domain"], use_https=data["use_https"], ip=data.get("ip"))
