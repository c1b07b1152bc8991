"""Benchmark of a program's insights dashboard on a large program, on SQLite or PostgreSQL.

    .venv/bin/python bench/insights.py [--database sqlite|postgres] [--participants 10000]
                                       [--years 1] [--repeat 5] [--keep]

Builds, in a throw-away database (a temporary SQLite file, or the PostgreSQL database
`gensidig_bench_insights` on DATABASE_URL's server, default 127.0.0.1:5432, dropped and made
anew), one running program with the given number of participants (half young, half
experienced, nine in ten proposals accepted into pairs) and the given years of history: a
meeting every four weeks per pair (one in ten cancelled the day before), both partners'
reflections with the topics they learned, goals with progress marks, self-assessments
before and after, and the daily health snapshots back-filled. The big tables are written by
COPY (PostgreSQL) or executemany (SQLite), streamed, never held as model objects.

With --keep the database is named by its size (`gensidig_bench_insights_100000_3`, or
`/tmp/gensidig-bench-insights-100000-3.sqlite3`), kept afterwards and used again by the
next run with the same size (migrated and its stored counts back-filled, not rebuilt).

Then, in a fresh process as a server would be, it renders the dashboard page as its
administrator `--repeat` times and prints the median and the number of queries for the
figures; the peak of Python memory allocated during one render (tracemalloc) and the
growth of the process's resident memory during one render (its peak RSS, VmHWM, reset
before the render through /proc/self/clear_refs); and, as the baseline in the same run,
the median time of the program's own page (`programs:program`, no figures), with the
ratio between the two.

Figures, the commands and the previous (comma-joined columns + numpy) implementation's
times: bench/insights.md.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
PG_NAME = "gensidig_bench_insights"


def write_rows(model: Any, rows: Iterable[dict[str, Any]]) -> int:
    """Insert `rows` (field name -> value, the rest take their defaults) into `model`'s
    table: COPY on PostgreSQL, executemany in chunks on SQLite. Returns the count."""
    from django.db import connection

    # The primary key is written only when the rows give it (ids given by hand).
    first = next(iter(rows := iter(rows)), None)
    if first is None:
        return 0
    rows = itertools.chain([first], rows)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.attname in first]
    names = [f.column for f in fields]

    # Fields left out take their default (a callable one is called for each row: a uid is
    # unique), or "" for text that may be blank but not NULL.
    fixed = {
        f.attname: f.get_default()
        if f.has_default()
        else ("" if f.empty_strings_allowed and not f.null else None)
        for f in fields
        if not (f.has_default() and callable(f.default))
    }
    made = [f for f in fields if f.has_default() and callable(f.default)]

    def values(row: dict[str, Any]) -> tuple[Any, ...]:
        merged = {**fixed, **{f.attname: f.default() for f in made if f.attname not in row}, **row}
        return tuple(merged[f.attname] for f in fields)

    table = model._meta.db_table
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = ", ".join(f'"{n}"' for n in names)
            with cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(
                        tuple(
                            f.get_db_prep_save(v, connection)
                            if f.get_internal_type() == "JSONField"
                            else v
                            for f, v in zip(fields, values(row), strict=True)
                        )
                    )
                    count += 1
        else:
            sql = (
                f'INSERT INTO "{table}" ({", ".join(names)}) '
                f"VALUES ({', '.join('%s' for _ in names)})"
            )
            chunk: list[tuple[Any, ...]] = []
            for row in rows:
                chunk.append(
                    tuple(
                        f.get_db_prep_save(v, connection)
                        for f, v in zip(fields, values(row), strict=True)
                    )
                )
                if len(chunk) == 20_000:
                    cursor.executemany(sql, chunk)
                    count += len(chunk)
                    chunk = []
            if chunk:
                cursor.executemany(sql, chunk)
                count += len(chunk)
    return count


def build(participants: int, years: int, seed: int) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.core.management.color import no_style
    from django.db import connection
    from django.utils import timezone

    from gensidig.accounts.models import Member, Organisation, Role, User
    from gensidig.insights.snapshots import backfill_health_snapshots
    from gensidig.insights.tallies import recount
    from gensidig.matching.models import Pair, Proposal, Round
    from gensidig.meetings.models import Assessment, Goal, GoalMark, Meeting, Reflection
    from gensidig.programs.models import Enrolment, Program, Side, Topic

    rng = random.Random(seed)
    now = timezone.now()
    start = now - timedelta(days=365 * years)
    org = Organisation.objects.create(name="Bench A/S", slug="bench")
    password = make_password("bench")
    users = User.objects.bulk_create(
        (
            User(email=f"p{i}@bench.example", name=f"Person {i}", password=password)
            for i in range(participants + 1)
        ),
        batch_size=5000,
    )
    members = Member.objects.bulk_create(
        (Member(organisation=org, user=user, role=Role.PARTICIPANT) for user in users),
        batch_size=5000,
    )
    admin = members[0]
    Member.objects.filter(pk=admin.pk).update(role=Role.OWNER)
    topics = Topic.objects.bulk_create(
        Topic(organisation=org, slug=f"bench-{i}", name_da=f"Emne {i}", name_en=f"Topic {i}")
        for i in range(30)
    )
    topic_ids = [t.pk for t in topics]
    program = Program.objects.create(
        organisation=org,
        name="Bench",
        starts_on=start.date(),
        ends_on=(now + timedelta(days=30)).date(),
        state="running",
        cadence_weeks=4,
    )
    half = participants // 2
    enrolments = Enrolment.objects.bulk_create(
        (
            Enrolment(
                program=program,
                member=member,
                side=Side.YOUNG if i < half else Side.EXPERIENCED,
                status="enrolled",
            )
            for i, member in enumerate(members[1:])
        ),
        batch_size=5000,
    )
    matching_round = Round.objects.create(program=program, number=1, status="done")
    proposals = Proposal.objects.bulk_create(
        (
            Proposal(
                round=matching_round,
                program=program,
                a=enrolments[i],
                b=enrolments[half + i],
                status=rng.choice(["accepted"] * 9 + ["declined"]),
                decline_reason=rng.choice(["Travlt", "Kender hinanden", ""]),
            )
            for i in range(half)
        ),
        batch_size=5000,
    )
    pairs = Pair.objects.bulk_create(
        (
            Pair(program=program, a_id=p.a_id, b_id=p.b_id, proposal=p, created_at=start)
            for p in proposals
            if p.status == "accepted"
        ),
        batch_size=5000,
    )
    people = [(pair.pk, pair.a_id, pair.b_id) for pair in pairs]
    del users, members, enrolments, proposals, pairs
    weeks = 52 * years
    # Meetings, reflections and the topics learned, with ids given here so that they can be
    # streamed without reading anything back.
    meetings: list[tuple[int, int, int, bool]] = []  # id, pair, proposer, held

    def meeting_rows() -> Iterator[dict[str, Any]]:
        # In the order they happen (as a running program writes them): week by week.
        pk = 0
        for week in range(0, weeks, 4):
            for pair, a, b in people:
                pk += 1
                cancelled = rng.random() < 0.1
                starts_at = start + timedelta(weeks=week, hours=rng.randrange(8, 16))
                meetings.append((pk, a, b, not cancelled))
                yield {
                    "id": pk,
                    "pair_id": pair,
                    "proposed_by_id": a,
                    "starts_at": starts_at,
                    "ends_at": starts_at + timedelta(minutes=60),
                    "created_at": starts_at - timedelta(days=rng.randrange(3, 15)),
                    "minutes": 60,
                    "status": "cancelled" if cancelled else "confirmed",
                    "cancelled_by_id": rng.choice([a, b]) if cancelled else None,
                    "cancelled_at": starts_at - timedelta(days=1) if cancelled else None,
                }

    counts = {"meetings": write_rows(Meeting, meeting_rows())}
    reflections: list[int] = []

    def reflection_rows() -> Iterator[dict[str, Any]]:
        pk = 0
        for meeting, a, b, held in meetings:
            if not held:
                continue
            for author in (a, b):
                if rng.random() < 0.7:
                    pk += 1
                    reflections.append(pk)
                    yield {
                        "id": pk,
                        "meeting_id": meeting,
                        "author_id": author,
                        "learned_text": "...",
                        "usefulness": rng.randint(1, 5),
                    }

    counts["reflections"] = write_rows(Reflection, reflection_rows())
    meetings.clear()
    counts["topics learned"] = write_rows(
        Reflection.learned.through,
        ({"reflection_id": r, "topic_id": rng.choice(topic_ids)} for r in reflections),
    )
    reflections.clear()
    goals: list[tuple[int, int, int, int]] = []

    def goal_rows() -> Iterator[dict[str, Any]]:
        pk = 0
        for pair, a, b in people:
            for learner in (a, b):
                pk += 1
                topic = rng.choice(topic_ids)
                goals.append((pk, pair, learner, topic))
                yield {
                    "id": pk,
                    "pair_id": pair,
                    "learner_id": learner,
                    "text": "Mål",
                    "topic_id": topic,
                }

    counts["goals"] = write_rows(Goal, goal_rows())
    counts["goal marks"] = write_rows(
        GoalMark,
        (
            {"goal_id": goal, "progress": p, "created_at": start + timedelta(days=60 * p + 1)}
            for goal, _pair, _learner, _topic in goals
            for p in range(rng.randint(0, 4) + 1)
        ),
    )
    counts["assessments"] = write_rows(
        Assessment,
        (
            {
                "pair_id": pair,
                "learner_id": learner,
                "topic_id": topic,
                "phase": phase,
                "level": level,
            }
            for _goal, pair, learner, topic in goals
            for phase, level in (("pre", rng.randint(1, 3)), ("post", rng.randint(2, 5)))
        ),
    )
    if connection.vendor == "postgresql":
        # The ids above were given by hand: move each sequence past them.
        models = [Meeting, Reflection, Goal, GoalMark, Assessment, Reflection.learned.through]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
    counts["snapshot days"] = backfill_health_snapshots(program=program)
    # The rows above were written without signals: the dashboard's tallies are counted, as
    # `gensidig recount_figures` does.
    counts["tally shares"] = recount(program)
    counts["pairs"] = len(people)
    return counts


def refresh(again: bool) -> dict[str, Any]:
    """A kept database after migrating: the tallies of programs that have none counted, or
    with `again` (--recount: the code counts more than when it was built) all of them."""
    from gensidig.insights.tallies import recount, recount_uncounted
    from gensidig.programs.models import Program

    if again:
        return {"tally shares": sum(recount(program) for program in Program.objects.all())}
    return {"programs counted": recount_uncounted()}


def timed(fn: Any, repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def database_url(kind: str, tmp: str, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp}/{name}.sqlite3"
    base = urlparse(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/x")
    return urlunparse(base._replace(path=f"/{name}"))


def recreate_postgres(url: str, *, keep: bool) -> bool:
    """Make the database anew (or with `keep`, only when missing): True when it is new."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    with psycopg.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if keep and exists:
            return False
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    return True


def peak_rss_mb() -> float:
    """The process's peak resident memory since the last reset_peak_rss (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss() -> None:
    """Linux: writing 5 to clear_refs sets the peak RSS back to the current RSS."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def setup(tmp: str, url: str) -> None:
    os.environ["GENSIDIG_DATA_DIR"] = tmp
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gensidig.settings")
    import django

    django.setup()


def measure(repeat: int) -> None:
    """In a fresh process, as a server would be: render the dashboard and the baseline."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from gensidig.accounts.models import Member
    from gensidig.insights.queries import dashboard
    from gensidig.programs.models import Program

    settings.ALLOWED_HOSTS = ["*"]
    program = Program.objects.get(organisation__slug="bench")
    admin = Member.objects.get(organisation__slug="bench", role="owner")
    client = Client()
    client.force_login(admin.user)
    kwargs = {"org": "bench", "program_id": program.pk}
    url = reverse("insights:dashboard", kwargs=kwargs)
    baseline_url = reverse("programs:detail", kwargs=kwargs)
    assert client.get(url).status_code == 200
    assert client.get(baseline_url).status_code == 200
    # Each request resets Django's query log, so the queries are counted around the figures.
    counted: list[str] = []

    def count(execute: Any, sql: str, *args: Any) -> Any:
        counted.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(count):
        dashboard(program)
    # Where a render's time goes: each table's queries on their own.
    from django.utils import timezone

    from gensidig.insights import queries, tallies
    from gensidig.meetings.queries import health_counts

    now = timezone.now()
    current = health_counts(program, now)
    tallied = queries.Tallied(tallies.read(program))
    pairs = sum(current.values())
    parts = {
        "enrolment": lambda: queries.enrolment_tables(program, tallied),
        "health now": lambda: health_counts(program, now),
        "tallies": lambda: tallies.read(program),
        "rhythm": lambda: queries.health_tables(program, now, current, tallied),
        "health over time": lambda: queries.health_over_time(program, now, current),
        "cancellations": lambda: queries.cancellation_table(tallied),
        "learning": lambda: queries.learning_tables(program, tallied, pairs),
        "goals": lambda: queries.goal_tables(tallied),
        "assessments": lambda: queries.assessment_table(tallied),
        "discoveries": lambda: queries.discovery_table(program),
        "pulses": lambda: queries.pulse_table(program),
        "comparison": lambda: queries.comparison(program),
    }
    spent = {name: timed(part, 3)[0] for name, part in parts.items()}
    before = current_rss_mb()
    reset_peak_rss()
    client.get(url)
    grown = peak_rss_mb() - before
    tracemalloc.start()
    client.get(url)
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    render_s, _response = timed(lambda: client.get(url), repeat)
    cpu: list[float] = []
    for _ in range(repeat):
        t0 = time.process_time()
        client.get(url)
        cpu.append(time.process_time() - t0)
    baseline_s, _rows = timed(lambda: client.get(baseline_url), repeat)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"dashboard render: {render_s * 1000:.0f} ms (median of {repeat})")
    print(
        f"  of which the web process's CPU: {statistics.median(cpu) * 1000:.0f} ms "
        "(median; the rest is the database and waiting)"
    )
    print(f"queries for the figures: {len(counted)}")
    print("  " + ", ".join(f"{name} {t * 1000:.0f} ms" for name, t in spent.items()))
    print(f"Python memory allocated at the peak of one render: {peak / 2**20:.1f} MB")
    print(f"resident memory: {before:.0f} MB before a render, peak {grown:+.1f} MB during it")
    print(f"peak RSS of the measuring process: {rss:.0f} MB")
    print(f"baseline, the program's own page: {baseline_s * 1000:.0f} ms (median of {repeat})")
    print(f"ratio dashboard / baseline: {render_s / baseline_s:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database, reuse it")
    parser.add_argument("--recount", action="store_true", help="a kept database's tallies anew")
    parser.add_argument("--measure", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        setup(args.measure, args.url)
        measure(args.repeat)
        return

    tmp = tempfile.mkdtemp(prefix="gensidig-bench-")
    name = PG_NAME
    where = tmp
    if args.keep:
        name = f"{PG_NAME}_{args.participants}_{args.years}"
        where = tempfile.gettempdir()
    url = database_url(args.database, where, name)
    if args.database == "postgres":
        new = recreate_postgres(url, keep=args.keep)
    else:
        sqlite_file = Path(where) / f"{name}.sqlite3"
        new = not (args.keep and sqlite_file.exists())
        if new:
            sqlite_file.unlink(missing_ok=True)
    setup(tmp, url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    if new:
        counts = build(args.participants, args.years, args.seed)
        what = "built"
    else:
        counts = refresh(args.recount)
        what = "kept"
    with connection.cursor() as cursor:
        # As autovacuum would have by then: statistics, and the visibility map that lets
        # PostgreSQL answer from an index alone.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    connection.close()
    print(
        f"{args.database}: {what} {args.participants} participants and {args.years} year(s): "
        + ", ".join(f"{n} {what}" for what, n in counts.items())
        + f" in {time.perf_counter() - t0:.0f} s"
    )
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--measure",
            tmp,
            "--url",
            url,
            "--repeat",
            str(args.repeat),
        ],
        check=True,
    )
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
