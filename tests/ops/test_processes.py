"""Real `gensidig worker` and `gensidig scheduler` processes on one database (PostgreSQL in
the PostgreSQL run; a file copy of the test database in the SQLite run)."""

from __future__ import annotations

import os
import signal
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from tests.ops.conftest import SharedDatabase
from tests.ops.probe import probe
from tests.ops.processes import gensidig_env, start, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def env_for(db: SharedDatabase, tmp_path: Path, **extra: str) -> dict[str, str]:
    return gensidig_env(
        DATABASE_URL=db.url,
        GENSIDIG_DATA_DIR=str(tmp_path / "data"),
        GENSIDIG_TASKS="database",
        **extra,
    )


def log_lines(path: Path) -> list[list[str]]:
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []


def test_three_workers_run_each_task_once(shared_database: SharedDatabase, tmp_path: Path) -> None:
    runs = tmp_path / "runs.log"
    # Each task holds long enough (4.5 s in all for one worker) that the other workers have
    # booted before the queue is empty, and briefly enough that SQLite's writers never wait
    # past its lock timeout.
    ids = [probe.enqueue(key=f"t{number}", log=str(runs), hold=0.15).id for number in range(30)]
    shared_database.publish()
    env = env_for(shared_database, tmp_path)
    workers = [
        start(
            ["worker", "--batch", "--no-startup-delay", "--interval", "0.1"],
            env,
            tmp_path / f"worker{n}.log",
        )
        for n in range(3)
    ]
    codes = [worker.wait(timeout=180) for worker in workers]
    assert codes == [0, 0, 0], [(tmp_path / f"worker{n}.log").read_text() for n in range(3)]
    tasks = shared_database.tasks()
    assert sorted(tasks) == sorted(ids)
    assert {status for status, _ in tasks.values()} == {"SUCCESSFUL"}
    assert {len(workers) for _, workers in tasks.values()} == {1}
    # Each task ran once: one line each in the file, one committed increment each.
    assert Counter(line[0] for line in log_lines(runs)) == {f"t{n}": 1 for n in range(30)}
    assert shared_database.counters("probe-") == {f"probe-t{n}": 1 for n in range(30)}
    if connection.vendor == "postgresql":
        # PostgreSQL hands tasks to workers side by side (SKIP LOCKED). SQLite has one
        # writer: the worker holding it claims the next task too, so there one may run all.
        assert len({line[1] for line in log_lines(runs)}) >= 2


def test_worker_killed_mid_task_leaves_it_retried_once_and_never_half_applied(
    shared_database: SharedDatabase, tmp_path: Path
) -> None:
    runs = tmp_path / "runs.log"
    task_id = probe.enqueue(key="long", log=str(runs), hold=300).id
    shared_database.publish()
    env = env_for(
        shared_database, tmp_path, GENSIDIG_WORKER_HEARTBEAT="0.3", GENSIDIG_WORKER_LEASE="2"
    )
    first = start(["worker", "--no-startup-delay", "--interval", "0.1"], env, tmp_path / "a.log")
    try:
        wait_for(lambda: len(log_lines(runs)) == 1, within=120, what="the task to start")
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    # Killed inside its transaction: nothing of the task was applied.
    assert shared_database.counters("probe-") == {}
    assert shared_database.tasks()[task_id][0] == "RUNNING"
    second = start(["worker", "--no-startup-delay", "--interval", "0.1"], env, tmp_path / "b.log")
    try:
        wait_for(
            lambda: shared_database.tasks()[task_id][0] == "SUCCESSFUL",
            within=120,
            what="another worker to take the task over",
        )
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0
    status, workers = shared_database.tasks()[task_id]
    assert status == "SUCCESSFUL"
    assert len(workers) == 2 and workers[0] != workers[1]
    assert [line[2] for line in log_lines(runs)] == ["1", "2"]
    assert shared_database.counters("probe-") == {"probe-long": 1}
    # A worker that stops cleanly takes its heartbeat with it; the killed one's stays (until
    # it is a day old) and names the worker that lost the task.
    assert shared_database.rows("SELECT worker_id FROM ops_workerheartbeat") == [(workers[0],)]


def test_two_schedulers_enqueue_each_daily_job_once(
    shared_database: SharedDatabase, tmp_path: Path
) -> None:
    shared_database.publish()
    env = env_for(shared_database, tmp_path, GENSIDIG_DAILY_AT="06:00")
    tick = ["scheduler", "--once", "--now", "2026-12-03T06:30:00+01:00"]
    schedulers = [start(tick, env, tmp_path / f"s{n}.log") for n in range(2)]
    assert [s.wait(timeout=120) for s in schedulers] == [0, 0]
    again = start(tick, env, tmp_path / "again.log")
    assert again.wait(timeout=120) == 0
    assert "enqueued" not in (tmp_path / "again.log").read_text()
    runs = shared_database.rows("SELECT job, day FROM ops_dailyrun ORDER BY job")
    jobs = [job for job, _ in runs]
    assert jobs == ["nudge", "pulse", "purge", "recheck_domains", "remind"]
    assert {str(day) for _, day in runs} == {"2026-12-03"}
    enqueued = shared_database.rows(
        "SELECT task_path FROM django_tasks_database_dbtaskresult WHERE status = 'READY'"
    )
    assert enqueued == [("gensidig.ops.scheduler.run_daily_job",)] * len(jobs)
    printed = sorted(
        line.removeprefix("enqueued ")
        for n in range(2)
        for line in (tmp_path / f"s{n}.log").read_text().splitlines()
        if line.startswith("enqueued ")
    )
    assert printed == sorted(jobs)
