"""Shared by the operations tests: the database task queue instead of in-process tasks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.local import Local
from django.tasks import task_backends


def reset_task_backends() -> None:
    # The task framework caches its backends and does not react to settings overrides.
    task_backends.__dict__.pop("settings", None)
    task_backends._connections = Local(task_backends.thread_critical)


@pytest.fixture
def database_queue(settings: Any) -> Iterator[None]:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    reset_task_backends()
    yield
    reset_task_backends()
