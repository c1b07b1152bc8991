"""A task for the worker tests: it notes each run in a file and adds one to a counter in a
transaction (held open on the first attempt when asked, so a worker can be killed mid-task).
Imported by real worker processes as `tests.ops.probe`."""

from __future__ import annotations

import os
import time

from django.db import transaction
from django.tasks import TaskContext, task

from gensidig.ops.models import Counter


@task(takes_context=True)
def probe(context: TaskContext, *, key: str, log: str, hold: float = 0.0) -> str:
    attempt = len(context.task_result.worker_ids)
    with open(log, "a") as out:
        out.write(f"{key} {os.getpid()} {attempt}\n")
    with transaction.atomic():
        Counter.add(f"probe-{key}")
        if hold and attempt == 1:
            time.sleep(hold)
    return key
