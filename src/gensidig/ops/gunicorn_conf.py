"""gunicorn settings for `gensidig serve` (the command line adds bind, workers, threads)."""

from __future__ import annotations

import os
from typing import Any

worker_class = "gthread"
# A worker that does not answer its arbiter for this long is replaced (a long PDF report
# fits well within it).
timeout = 60
# SIGTERM: stop accepting, let requests in flight finish for up to this long, then exit.
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 5000
max_requests_jitter = 500
# The access log is ours (gensidig.access, one line a request with its id, view, status
# and duration, never the path: paths may hold one-time tokens), so gunicorn's is off.
accesslog = None
errorlog = "-"


def child_exit(server: Any, worker: Any) -> None:
    """A web process that ended leaves its metric files; mark them dead so their gauges
    stop counting (counters and histograms keep the process's total, as Prometheus wants)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
