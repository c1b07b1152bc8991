"""Single-request timing of each page on the 10,000-member organisation (PostgreSQL), in
process through Django's test client: the median of --runs requests after one warm-up (wall
time, and the CPU time of this process, i.e. the app's share without PostgreSQL's), the
page's size in KB and its query count; then the participants' average CPU per request, with
the weights of the locust traffic (bench/load/locustfile.py). Each page's CPU is also given
as a multiple of the floor's (the landing page, measured in the same run): machines here
differ by a factor of two in speed, and the ratio compares runs across them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gensidig_load \\
      .venv/bin/python bench/load/timing.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gensidig.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.load.pages import ADMIN_PAGES, FLOOR, PARTICIPANT_WEIGHTS, SLUG, participant_pages
    from gensidig.discoveries.models import Discovery
    from gensidig.matching.models import Pair

    settings.ALLOWED_HOSTS = ["*"]
    pair = Pair.objects.filter(program__organisation__slug=SLUG).order_by("pk")[100]
    discovery = Discovery.objects.filter(organisation__slug=SLUG).order_by("pk").first()
    assert discovery is not None
    who = {
        "participant": (pair.a.member.user, participant_pages(pair.pk, discovery.pk)),
        "administrator": (None, ADMIN_PAGES),
        "anonymous": (False, FLOOR),
    }
    from gensidig.accounts.models import User

    cpu_of: dict[str, float] = {}
    rows: list[tuple[str, str, float, float, int]] = []
    for role, (user, pages) in who.items():
        client = Client()
        if user is None:
            user = User.objects.get(email="admin@load.example")
        if user:
            client.force_login(user, backend="gensidig.accounts.backends.EmailBackend")
        for name, url in pages.items():
            response = client.get(url)  # warm-up (and the session's first writes)
            assert response.status_code == 200, (url, response.status_code)
            times, cpu = [], []
            for _ in range(args.runs):
                started, started_cpu = time.perf_counter(), time.process_time()
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(url)
                cpu.append((time.process_time() - started_cpu) * 1000)
                times.append((time.perf_counter() - started) * 1000)
            cpu_of[name] = statistics.median(cpu)
            size = len(response.content) / 1024
            rows.append((name, role, statistics.median(times), size, len(ctx.captured_queries)))
    floor = cpu_of["landing"]
    print(
        f"{'page':<12} {'who':<14} {'median ms':>10} {'CPU ms':>8} {'x floor':>8} {'KB':>8} "
        f"{'queries':>8}"
    )
    for name, role, median, size, queries in rows:
        print(
            f"{name:<12} {role:<14} {median:>10.1f} {cpu_of[name]:>8.1f} "
            f"{cpu_of[name] / floor:>8.1f} {size:>8.1f} {queries:>8}"
        )
    weights = PARTICIPANT_WEIGHTS
    average = sum(cpu_of[name] * w for name, w in weights.items()) / sum(weights.values())
    print(
        f"participant requests, weighted as in the locust traffic: {average:.1f} ms CPU each "
        f"({average / floor:.1f} times the floor's {floor:.2f} ms)"
    )
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
