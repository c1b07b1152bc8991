"""The dashboard's figures are counted by the database: the aggregates agree with the
rules they stand for (the balance buckets with balance_bucket, cancellations by side with
the ORM's own count), and no query reads a row per meeting or reflection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from gensidig.insights import queries
from gensidig.meetings.models import Meeting, Reflection
from tests.factories import TopicFactory
from tests.insights.conftest import build_pairs

ORIGIN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_cancellations_by_side_agree_with_the_orm(program: Any) -> None:
    pairs = build_pairs(program, 12)
    for i, pair in enumerate(pairs):
        Meeting.objects.create(
            pair=pair,
            proposed_by=pair.a,
            starts_at=ORIGIN + timedelta(days=i),
            minutes=60,
            status=Meeting.Status.CANCELLED,
            cancelled_by=pair.a if i % 3 else pair.b,
            cancelled_at=ORIGIN,
        )
    board = queries.dashboard(program)
    table = board.table("cancellations")
    by_side = dict(
        Meeting.objects.filter(pair__program=program, cancelled_by__isnull=False)
        .values_list("cancelled_by__side")
        .annotate(n=Count("pk"))
        .values_list("cancelled_by__side", "n")
    )
    assert [row.value for row in table.rows] == [by_side["young"], by_side["experienced"]]
    assert [row.people for row in table.rows] == [8, 4]


@pytest.mark.django_db
def test_balance_buckets_agree_with_balance_bucket_at_every_edge(program: Any) -> None:
    # Counts around the rule's edges: 0, a share under and at 0.005, around 0.495 (99 / 200
    # rounds down to 0.49) and 0.5.
    cases = [
        (0, 0),
        (0, 3),
        (1, 199),
        (1, 200),
        (1, 201),
        (99, 200),
        (100, 200),
        (98, 198),
        (49, 100),
        (50, 100),
        (3, 3),
        (2, 5),
    ]
    pairs = build_pairs(program, len(cases), start=100)
    topic = TopicFactory(organisation=program.organisation)
    Reflection.objects.filter(meeting__pair__in=pairs).delete()
    for pair, (young, experienced) in zip(pairs, cases, strict=True):
        meeting = pair.meetings.first()
        for author, n in ((pair.a, young), (pair.b, experienced)):
            for i in range(n):
                extra = Meeting.objects.create(
                    pair=pair,
                    proposed_by=pair.a,
                    starts_at=meeting.starts_at + timedelta(minutes=i),
                    minutes=30,
                    status=Meeting.Status.CONFIRMED,
                )
                Reflection.objects.create(
                    meeting=extra, author=author, learned_text="-", usefulness=3
                ).learned.set([topic])
    expected = {"none": 0, "one_way": 0, "uneven": 0, "two_way": 0}
    for young, experienced in cases:
        expected[queries.balance_bucket(young, experienced)] += 1
    assert queries.balance_buckets(program) == expected
    assert expected == {"none": 1, "one_way": 2, "uneven": 6, "two_way": 3}


@pytest.mark.django_db
def test_dashboard_reads_no_row_per_meeting_or_reflection(program: Any) -> None:
    build_pairs(program, 20)
    with CaptureQueriesContext(connection) as captured:
        queries.dashboard(program)
    # Every query of the page is an aggregate: none reads the meetings, reflections or
    # topics written down row by row.
    for query in captured.captured_queries:
        sql = query["sql"].upper()
        if "MEETING" in sql or "REFLECTION" in sql:
            assert "COUNT(" in sql or "SUM(" in sql or "MAX(" in sql or "EXISTS" in sql, sql
