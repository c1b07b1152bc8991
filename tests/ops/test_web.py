"""Readiness, request ids, JSON logs and /metrics (issue 19, serving)."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from gensidig.ops import health
from gensidig.ops.logging import JsonFormatter, RequestContext

pytestmark = pytest.mark.django_db


def test_readyz_all_checks_pass_answers_200(client: Any) -> None:
    response = client.get(reverse("ops:readyz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "migrations": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_database_down_answers_503(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection refused")

    monkeypatch.setattr("gensidig.ops.health.connection.cursor", broken)
    response = client.get(reverse("ops:readyz"))
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "database": "unreachable"}


def test_readyz_pending_migration_answers_503(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health, "_migrations_applied", False)
    monkeypatch.setattr(
        "django.db.migrations.executor.MigrationExecutor.migration_plan",
        lambda self, targets: [("ops", "0002_future")],
    )
    response = client.get(reverse("ops:readyz"))
    assert response.status_code == 503
    assert response.json()["migrations"] == "pending"


def test_readyz_stalled_queue_answers_503(
    client: Any,
    database_queue: None,
    settings: Any,
) -> None:
    from django_tasks_db.models import DBTaskResult

    from gensidig.ops.scheduler import run_daily_job

    settings.GENSIDIG_READY_QUEUE_AGE = 300
    result = run_daily_job.enqueue(job="remind", day="2026-12-03")
    response = client.get(reverse("ops:readyz"))
    assert response.status_code == 200
    assert response.json()["queue"] == "ok"
    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - timedelta(minutes=10)
    )
    response = client.get(reverse("ops:readyz"))
    assert response.status_code == 503
    assert response.json()["queue"] == "stalled"
    assert 599 <= response.json()["queue_oldest_seconds"] <= 660


def test_readyz_deferred_task_counts_from_its_run_after(
    client: Any,
    database_queue: None,
) -> None:
    from gensidig.ops.scheduler import run_daily_job

    # Waiting for its time is not waiting in the queue.
    run_daily_job.using(run_after=timezone.now() + timedelta(hours=1)).enqueue(
        job="remind", day="2026-12-03"
    )
    assert client.get(reverse("ops:readyz")).json()["queue_oldest_seconds"] == 0


def test_request_id_is_echoed_or_made(client: Any) -> None:
    given = client.get(reverse("common:healthz"), HTTP_X_REQUEST_ID="proxy-1234abcd")
    assert given["X-Request-ID"] == "proxy-1234abcd"
    made = client.get(reverse("common:healthz"), HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert len(made["X-Request-ID"]) == 32
    assert made["X-Request-ID"] != client.get(reverse("common:healthz"))["X-Request-ID"]


def test_json_access_log_has_ids_and_no_personal_content(login: Any, young: Any) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContext())
    access = logging.getLogger("gensidig.access")
    access.addHandler(handler)
    try:
        response = login(young).get(
            reverse("common:dashboard", kwargs={"org": "fjordlys-test"}),
            HTTP_X_REQUEST_ID="req-000000001",
        )
    finally:
        access.removeHandler(handler)
    assert response.status_code == 200
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert {key: line[key] for key in line if key not in {"time", "duration_ms"}} == {
        "level": "INFO",
        "logger": "gensidig.access",
        "message": f"GET common:dashboard 200 {line['duration_ms']:.1f}ms",
        "request_id": "req-000000001",
        "user_id": young.user.pk,
        "organisation": "fjordlys-test",
        "method": "GET",
        "view": "common:dashboard",
        "status": 200,
    }
    assert young.user.email not in stream.getvalue()
    assert young.user.name not in stream.getvalue()


def test_json_log_line_of_a_path_with_a_token_names_only_the_view(client: Any) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("gensidig.access")
    access.addHandler(handler)
    try:
        client.get(reverse("common:email_opt_out", kwargs={"token": "secret-token-value"}))
    finally:
        access.removeHandler(handler)
    assert "secret-token-value" not in stream.getvalue()
    assert json.loads(stream.getvalue())["view"] == "common:email_opt_out"


def test_metrics_anonymous_is_refused(client: Any) -> None:
    assert client.get(reverse("ops:metrics")).status_code == 403


def test_metrics_wrong_token_is_refused(client: Any, settings: Any) -> None:
    settings.GENSIDIG_METRICS_TOKEN = "right-token"
    response = client.get(reverse("ops:metrics"), HTTP_AUTHORIZATION="Bearer wrong-token")
    assert response.status_code == 403


def test_metrics_token_shows_requests_queue_and_emails(
    client: Any,
    settings: Any,
    database_queue: None,
) -> None:
    from gensidig.ops.models import Counter

    settings.GENSIDIG_METRICS_TOKEN = "right-token"
    client.get(reverse("common:healthz"))
    Counter.add("emails_sent", 3)
    Counter.add("emails_failed")
    from gensidig.ops.scheduler import run_daily_job

    run_daily_job.enqueue(job="remind", day="2026-12-03")
    response = client.get(reverse("ops:metrics"), HTTP_AUTHORIZATION="Bearer right-token")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'gensidig_http_requests_total{method="GET",status="200",view="common:healthz"}' in text
    assert 'gensidig_http_request_duration_seconds_bucket{le="0.01",view="common:healthz"}' in text
    assert "gensidig_task_queue_depth 1.0" in text
    assert 'gensidig_tasks{status="READY"} 1.0' in text
    assert "gensidig_tasks_failed 0.0" in text
    assert 'gensidig_emails_total{outcome="sent"} 3.0' in text
    assert 'gensidig_emails_total{outcome="failed"} 1.0' in text


def test_metrics_allowed_network_needs_no_token(client: Any, settings: Any) -> None:
    import ipaddress

    settings.GENSIDIG_METRICS_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    assert client.get(reverse("ops:metrics"), REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get(reverse("ops:metrics"), REMOTE_ADDR="192.0.2.1").status_code == 403
