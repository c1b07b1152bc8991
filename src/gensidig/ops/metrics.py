"""Prometheus metrics (prometheus-client).

Request counts and latencies are counted in each web process. Under `gensidig serve`
(gunicorn, several processes) PROMETHEUS_MULTIPROC_DIR is set and the processes share
their figures through files there, so one scrape sees them all. The task queue, the
workers and the email counters live in the database and are read when /metrics is
scraped, so they are the same whichever process answers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

REQUESTS = Counter(
    "gensidig_http_requests",
    "HTTP requests answered, by view and status.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "gensidig_http_request_duration_seconds",
    "Time to answer a request, by view.",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

EMAILS_SENT = "emails_sent"
EMAILS_FAILED = "emails_failed"


def observe_request(*, view: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(view=view, method=method, status=str(status)).inc()
    LATENCY.labels(view=view).observe(seconds)


class DatabaseCollector(Collector):
    """Figures read from the database at scrape time."""

    def collect(self) -> Iterator[Metric]:
        from django.conf import settings
        from django.db.models import Count
        from django.utils import timezone
        from django_tasks_db.models import DBTaskResult

        from gensidig.ops.models import Counter as StoredCounter
        from gensidig.ops.models import WorkerHeartbeat

        by_status = GaugeMetricFamily(
            "gensidig_tasks", "Task rows in the database queue, by status.", labels=["status"]
        )
        counts = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")).order_by())
        for status in ("READY", "RUNNING", "SUCCESSFUL", "FAILED"):
            by_status.add_metric([status], counts.get(status, 0))
        yield by_status

        yield GaugeMetricFamily(
            "gensidig_task_queue_depth",
            "Tasks ready to run now.",
            value=DBTaskResult.objects.ready().count(),
        )
        yield GaugeMetricFamily(
            "gensidig_task_queue_oldest_seconds",
            "Age of the oldest task that is ready to run (0 when none waits).",
            value=oldest_ready_age().total_seconds(),
        )
        yield GaugeMetricFamily(
            "gensidig_tasks_failed",
            "Failed task rows kept in the database.",
            value=counts.get("FAILED", 0),
        )
        now = timezone.now()
        lease = timedelta(seconds=settings.GENSIDIG_WORKER_LEASE)
        yield GaugeMetricFamily(
            "gensidig_workers_alive",
            "Workers whose heartbeat is within the lease.",
            value=WorkerHeartbeat.objects.filter(seen_at__gte=now - lease).count(),
        )
        stored = dict(StoredCounter.objects.values_list("name", "value"))
        emails = CounterMetricFamily(
            "gensidig_emails",
            "Emails handed to the mail server, by outcome.",
            labels=["outcome"],
        )
        emails.add_metric(["sent"], stored.get(EMAILS_SENT, 0))
        emails.add_metric(["failed"], stored.get(EMAILS_FAILED, 0))
        yield emails


def oldest_ready_age() -> timedelta:
    """How long the oldest task that could run now has waited: since it was enqueued, or
    since its `run_after` came for a deferred one."""
    from django.db.models import Case, F, Min, When
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    since = (
        DBTaskResult.objects.ready()
        .annotate(
            since=Case(
                When(run_after=get_date_max(), then=F("enqueued_at")),
                default=F("run_after"),
            )
        )
        .aggregate(first=Min("since"))["first"]
    )
    return max(now - since, timedelta(0)) if since else timedelta(0)


DATABASE_REGISTRY = CollectorRegistry(auto_describe=False)
DATABASE_REGISTRY.register(DatabaseCollector())


def exposition() -> bytes:
    """The text a scrape gets: this process's (or all web processes') request metrics and
    the database's figures."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        processes = generate_latest(registry)
    else:
        processes = generate_latest(REGISTRY)
    return processes + generate_latest(DATABASE_REGISTRY)
