"""Several workers share the queue; a worker that dies loses no task (issue 19; issue 14
item 8: an import whose worker was killed no longer says "running" for good)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from gensidig.accounts.models import ImportJob
from gensidig.ops.models import WorkerHeartbeat
from gensidig.ops.workers import beat, reap_lost_tasks

# The worker runs in this process, outside a test transaction, as in tests/common/test_tasks.py.
pytestmark = pytest.mark.django_db(transaction=True)


def claimed(task_id: Any, *, workers: list[str], minutes_ago: int) -> None:
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=task_id).update(
        status="RUNNING",
        worker_ids=workers,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def import_job(admin: Any) -> ImportJob:
    from gensidig.accounts.tasks import run_import

    job = ImportJob.objects.create(
        organisation=admin.organisation,
        created_by=admin,
        filename="people.csv",
        data=b"name,email\nNy Person,ny@example.org\n",
        status=ImportJob.Status.RUNNING,
        total=1,
    )
    job.task_id = run_import.enqueue(job_id=job.pk).id  # type: ignore[attr-defined]
    return job


def test_reap_task_of_dead_worker_is_queued_again(database_queue: None, admin: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    job = import_job(admin)
    claimed(job.task_id, workers=["dead-worker"], minutes_ago=5)  # type: ignore[attr-defined]
    assert reap_lost_tasks() == {"retried": 1, "failed": 0}
    row = DBTaskResult.objects.get()
    assert (row.status, row.worker_ids) == ("READY", ["dead-worker"])
    # The retried import runs through and saves once.
    from gensidig.__main__ import main

    assert main(["gensidig", "worker", "--batch", "--no-startup-delay"]) == 0
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportJob.Status.DONE, 1)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_reap_leaves_task_of_live_worker(database_queue: None, admin: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    job = import_job(admin)
    claimed(job.task_id, workers=["live-worker"], minutes_ago=5)  # type: ignore[attr-defined]
    beat("live-worker")
    assert reap_lost_tasks() == {"retried": 0, "failed": 0}
    assert DBTaskResult.objects.get().status == "RUNNING"


def test_reap_leaves_task_claimed_within_the_lease(database_queue: None, admin: Any) -> None:
    job = import_job(admin)
    claimed(job.task_id, workers=["new-worker"], minutes_ago=0)  # type: ignore[attr-defined]
    assert reap_lost_tasks() == {"retried": 0, "failed": 0}


def test_reap_after_last_attempt_fails_task_and_import_page_says_so(
    database_queue: None, admin: Any, login: Any, settings: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.GENSIDIG_TASK_ATTEMPTS = 3
    job = import_job(admin)
    WorkerHeartbeat.objects.create(
        worker_id="w3", hostname="h", pid=1, seen_at=timezone.now() - timedelta(minutes=3)
    )
    claimed(job.task_id, workers=["w1", "w2", "w3"], minutes_ago=5)  # type: ignore[attr-defined]
    assert reap_lost_tasks() == {"retried": 0, "failed": 1}
    row = DBTaskResult.objects.get()
    assert row.status == "FAILED"
    assert row.exception_class_path == "gensidig.ops.workers.WorkerLost"
    job.refresh_from_db()
    assert (job.status, job.data, job.created_count) == (ImportJob.Status.FAILED, None, 0)
    page = login(admin).get(
        reverse("accounts:import_job", kwargs={"org": admin.organisation.slug, "job_id": job.pk}),
    )
    text = page.content.decode()
    # The worker writes the message in the site's language (Danish).
    assert "Intet er gemt" in text
    assert "Importen stoppede, før den var færdig, så intet blev gemt." in text
    assert "rækker er gemt" not in text


def test_import_task_that_raises_fails_its_job(
    database_queue: None, admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gensidig.__main__ import main

    job = import_job(admin)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError("too big")

    monkeypatch.setattr("gensidig.accounts.tasks.check_rows", broken)
    assert main(["gensidig", "worker", "--batch", "--no-startup-delay"]) == 0
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.problems[0]["row"] == 0
