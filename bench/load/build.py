"""Build the 10,000-member organisation of issue 17 on PostgreSQL, with bulk inserts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gensidig_load \\
      .venv/bin/python bench/load/build.py [--members 10000]

Its own database (created if missing, emptied by `migrate` + a fresh organisation slug
`load-<members>`): 10,000 members, one running program with everyone enrolled, 5,000
proposals, 4,500 pairs, about 14 meetings a pair (63,000), a reflection by each partner
after most held meetings (about 70,000), two goals a pair, 300 discoveries. Every load user
has the password `load-password` (hashed once); their emails are `p<i>@load.example`, the
administrator `admin@load.example`. People, enrolments, proposals and pairs are made by
gensidig.demo.scale, as the tests' large organisations (tests/scale/conftest.py)."""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gensidig.settings")
PASSWORD = "load-password"


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def build(members: int, seed: int) -> None:
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from gensidig.accounts.models import Member, Organisation, Role, User
    from gensidig.demo.scale import (
        add_meetings,
        add_members,
        enrol_all,
        pair_proposals,
        propose_couples,
    )
    from gensidig.discoveries.models import Discovery, Vote
    from gensidig.matching.models import Round
    from gensidig.meetings.models import Goal, Reflection
    from gensidig.programs.models import Program, Topic

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    slug = f"load-{members}"
    Organisation.objects.filter(slug=slug).delete()
    org = Organisation.objects.create(name=f"Load {members} A/S", slug=slug)
    password = make_password(PASSWORD)
    started = time.perf_counter()
    admin_user, _ = User.objects.update_or_create(
        email="admin@load.example", defaults={"name": "Load Admin", "password": password}
    )
    admin = Member.objects.create(organisation=org, user=admin_user, role=Role.OWNER)
    User.objects.filter(email__endswith="@load.example").exclude(pk=admin_user.pk).delete()
    people = add_members(
        org, members, domain="load.example", password=password, departments=40, titles=25
    )
    topics = Topic.objects.bulk_create(
        [
            Topic(organisation=org, slug=f"emne-{i}", name_da=f"Emne {i}", name_en=f"Topic {i}")
            for i in range(60)
        ]
    )
    now = timezone.now()
    program = Program.objects.create(
        organisation=org,
        name="Gensidig læring (load)",
        purpose="Load",
        starts_on=date.today() - timedelta(days=200),
        ends_on=date.today() + timedelta(days=200),
        state="running",
        cadence_weeks=2,
    )
    program.themes_young_to_experienced.set(topics[:5])
    program.themes_experienced_to_young.set(topics[5:10])
    enrolments = enrol_all(program, people, now)
    matching_round = Round.objects.create(program=program, number=1, status=Round.Status.DONE)
    n_proposals = members // 2
    proposals = propose_couples(
        matching_round,
        enrolments,
        score=lambda i: rng.random(),
        status=lambda i: "accepted" if i < n_proposals * 908 // 1000 else "published",
        parts={"balance": 0.4, "a_to_b": 0.3, "b_to_a": 0.2, "wish": 0.1},
        teaches_a_to_b=lambda i: [f"emne-{rng.randrange(60)}" for _ in range(3)],
        teaches_b_to_a=lambda i: [f"emne-{rng.randrange(60)}" for _ in range(2)],
        reasons_da="Kan lære fra sig om emne-1 og emne-2; lærer om emne-7.",
        reasons_en="Can teach emne-1 and emne-2; learns about emne-7.",
    )
    began = now - timedelta(weeks=26)
    pairs = pair_proposals(
        [p for p in proposals if p.status == "accepted"], created_at=lambda i: began
    )

    def times(i: int, pair: Any) -> Iterator[tuple[datetime, str, Any]]:
        """8 to 20 meetings 12 days apart (every ninth cancelled) until a few weeks ago,
        and for every third pair one proposed for the coming days."""
        for k in range(8 + i % 13):
            starts = began + timedelta(days=12 * k + i % 7, hours=9)
            if starts > now - timedelta(days=i % 40):
                break
            yield starts, "cancelled" if k % 9 == 8 else "confirmed", pair.a
        if i % 3 == 0:
            yield now + timedelta(days=1 + i % 10, hours=2), "proposed", pair.b

    meetings = add_meetings(pairs, times)
    by_pair = {p.pk: p for p in pairs}
    reflections = []
    for m in meetings:
        if m.status == "confirmed" and m.ends_at <= now:
            pair = by_pair[m.pair_id]
            for author in (pair.a, pair.b):
                if rng.random() < 0.6:
                    reflections.append(
                        Reflection(meeting=m, author=author, learned_text="Noget nyt", usefulness=4)
                    )
    reflections = Reflection.objects.bulk_create(reflections, batch_size=5000)
    through = Reflection.learned.through
    through.objects.bulk_create(
        [through(reflection_id=r.pk, topic_id=topics[r.pk % 60].pk) for r in reflections],
        batch_size=10000,
    )
    Goal.objects.bulk_create(
        [
            Goal(pair=pair, learner=learner, text="Lære noget", topic=topics[pair.pk % 60])
            for pair in pairs
            for learner in (pair.a, pair.b)
        ],
        batch_size=5000,
    )
    discoveries = Discovery.objects.bulk_create(
        [
            Discovery(
                organisation=org,
                title=f"Værktøj {i:03d}",
                kind="tool",
                smarter_work="Sparer tid",
                found_by=people[i * 7],
                stage=["spotted", "trying", "adopted", "parked", "dropped"][i % 5],
            )
            for i in range(300)
        ]
    )
    Vote.objects.bulk_create(
        [
            Vote(discovery=d, member=people[(d.pk * 13 + k) % members])
            for d in discoveries
            for k in range(d.pk % 6)
        ],
        ignore_conflicts=True,
    )
    print(
        f"organisation {slug}: {members} members, {len(proposals)} proposals, {len(pairs)} pairs, "
        f"{len(meetings)} meetings, {len(reflections)} reflections, 300 discoveries "
        f"in {time.perf_counter() - started:.0f} s; admin {admin.pk}, program {program.pk}"
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database of its own (gensidig_load).")
    ensure_database(url)
    build(args.members, args.seed)


if __name__ == "__main__":
    main()
