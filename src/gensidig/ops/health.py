"""Readiness: may this process take traffic? The database answers, every migration is
applied, and the task queue is being worked off (its oldest ready task is younger than
GENSIDIG_READY_QUEUE_AGE seconds). Each check is one small query; the migration check
loads the migration graph once per process and then remembers a positive answer."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection

_migrations_applied = False


def migrations_applied() -> bool:
    global _migrations_applied
    if not _migrations_applied:
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        _migrations_applied = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrations_applied


def uses_database_queue() -> bool:
    from django.tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)


def readiness() -> tuple[bool, dict[str, Any]]:
    checks: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except DatabaseError:
        return False, {"database": "unreachable"}
    try:
        applied = migrations_applied()
    except DatabaseError:
        return False, {**checks, "migrations": "unknown"}
    checks["migrations"] = "ok" if applied else "pending"
    ready = applied
    if uses_database_queue():
        from gensidig.ops.metrics import oldest_ready_age

        age = oldest_ready_age().total_seconds()
        fresh = age <= settings.GENSIDIG_READY_QUEUE_AGE
        checks["queue"] = "ok" if fresh else "stalled"
        checks["queue_oldest_seconds"] = round(age)
        ready = ready and fresh
    return ready, checks
