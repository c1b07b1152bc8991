"""`gensidig serve` runs gunicorn: several processes, static files through whitenoise, an
access log, and a graceful stop on SIGTERM."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from tests.ops.processes import free_port, gensidig_env, get, start, wait_for


def test_serve_runs_gunicorn_and_stops_gracefully(tmp_path: Path) -> None:
    port = free_port()
    env = gensidig_env(GENSIDIG_DATA_DIR=str(tmp_path / "data"), GENSIDIG_LOG_FORMAT="json")
    env.pop("DATABASE_URL", None)
    log = tmp_path / "serve.log"
    server = start(["serve", "--port", str(port), "--workers", "2", "--threads", "2"], env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: get(base + "/healthz")[0] == 200, within=120, what="the server")
        status, headers, body = get(base + "/readyz")
        assert (status, json.loads(body)) == (
            200,
            {"status": "ready", "database": "ok", "migrations": "ok"},
        )
        assert headers["Server"] == "gunicorn"
        assert len(headers["X-Request-ID"]) == 32
        status, headers, body = get(base + "/static/django_htmx/htmx-2.min.js")
        assert status == 200 and body.startswith(b"var htmx")
        assert get(base + "/metrics")[0] == 403
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=60)
    text = log.read_text()
    assert code == 0, text
    assert text.count("Booting worker with pid") == 2
    access = [json.loads(line) for line in text.splitlines() if '"gensidig.access"' in line]
    # /healthz was polled until the server answered (a slow first answer is asked again).
    assert access[0]["view"] == "common:healthz"
    assert [
        (line["view"], line["status"]) for line in access if line["view"] != "common:healthz"
    ] == [
        ("ops:readyz", 200),
        ("static", 200),
        ("ops:metrics", 403),
    ]
    assert "Shutting down: Master" in text
