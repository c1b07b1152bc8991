"""Shared by the operations tests: the database task queue instead of in-process tasks."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
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


class SharedDatabase:
    """The test database, reachable from other processes: on PostgreSQL the test database
    itself (tests using it commit, transaction=True); on SQLite, whose test database lives in
    this process's memory, a file copy made with SQLite's backup API after seeding."""

    def __init__(self, folder: Path) -> None:
        from django.db import connection

        self.vendor = connection.vendor
        self.file = folder / "shared.sqlite3"

    @property
    def url(self) -> str:
        from django.db import connection

        if self.vendor == "postgresql":
            s = connection.settings_dict
            return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
        return f"sqlite:///{self.file}"

    def publish(self) -> None:
        """Make what this process wrote visible to the others (a no-op on PostgreSQL)."""
        from django.db import connection

        if self.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(self.file)
            connection.connection.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
            target.close()

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        from django.db import connection

        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(sql.replace("?", "%s"), params)
                return [tuple(row) for row in cursor.fetchall()]
        with closing(sqlite3.connect(self.file, timeout=30)) as db:
            return [tuple(row) for row in db.execute(sql, params).fetchall()]

    def tasks(self) -> dict[str, tuple[str, list[str]]]:
        """Every task row: id (dashed) -> (status, worker ids)."""
        found = {}
        for task_id, status, workers in self.rows(
            "SELECT id, status, worker_ids FROM django_tasks_database_dbtaskresult"
        ):
            ids = json.loads(workers) if isinstance(workers, str) else workers
            found[str(uuid.UUID(str(task_id)))] = (status, list(ids))
        return found

    def counters(self, prefix: str) -> dict[str, int]:
        return dict(
            self.rows("SELECT name, value FROM ops_counter WHERE name LIKE ?", (prefix + "%",))
        )


@pytest.fixture
def shared_database(tmp_path: Path, database_queue: None) -> SharedDatabase:
    return SharedDatabase(tmp_path)
