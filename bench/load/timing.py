"""Single-request timing of each page on the 10,000-member organisation (PostgreSQL), in
process through Django's test client: the median of --runs requests after one warm-up, the
page's size in KB and its query count.

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

    from bench.load.pages import ADMIN_PAGES, FLOOR, SLUG, participant_pages
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

    print(f"{'page':<12} {'who':<14} {'median ms':>10} {'KB':>8} {'queries':>8}")
    for role, (user, pages) in who.items():
        client = Client()
        if user is None:
            user = User.objects.get(email="admin@load.example")
        if user:
            client.force_login(user, backend="gensidig.accounts.backends.EmailBackend")
        for name, url in pages.items():
            response = client.get(url)  # warm-up (and the session's first writes)
            assert response.status_code == 200, (url, response.status_code)
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            print(
                f"{name:<12} {role:<14} {statistics.median(times):>10.1f} "
                f"{len(response.content) / 1024:>8.1f} {len(ctx.captured_queries):>8}"
            )


if __name__ == "__main__":
    main()
