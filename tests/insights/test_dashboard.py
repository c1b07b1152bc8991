"""The program dashboard: exact figures on a known program, small groups withheld, who may
see it, the CSV export and a query count that does not grow with the pairs."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from gensidig.insights import queries
from gensidig.matching.models import Proposal
from gensidig.meetings.models import Meeting
from tests.factories import EnrolmentFactory
from tests.insights.conftest import build_pairs


def figures(table: queries.Table) -> dict[str, Any]:
    result = {row.label: (row.value if row.shown else "withheld") for row in table.rows}
    if table.total is not None:
        result["total"] = table.total.value if table.total.shown else "withheld"
    return result


@pytest.mark.django_db
def test_dashboard_known_program_gives_exact_figures(program: Any) -> None:
    pairs = build_pairs(program, 6)
    Meeting.objects.create(
        pair=pairs[0],
        proposed_by=pairs[0].a,
        starts_at=pairs[0].created_at,
        minutes=60,
        status=Meeting.Status.CANCELLED,
        cancelled_by=pairs[0].a,
    )
    for _i in range(2):
        EnrolmentFactory(
            program=program, member=None, invited_email=f"x{_i}@example.org", status="invited"
        )
    with translation.override("en"):
        board = queries.dashboard(program)

    # Two invited people are too few to show. Withholding those in a pair as well would not
    # protect them: six pairs are shown in other tables, which makes twelve people in a pair.
    # So the total is withheld instead.
    assert figures(board.table("enrolment")) == {
        "Invited, not yet enrolled": "withheld",
        "Withdrawn": 0,
        "Enrolled, in a pair": 12,
        "Enrolled, not in a pair": 0,
        "total": "withheld",
    }
    assert figures(board.table("health")) == {
        "On track": 3,
        "Due": 0,
        "Overdue": 3,
        "Stalled": 0,
        "Ended": 0,
        "total": 6,
    }
    # One cancellation by one person: nothing of it may be shown.
    assert figures(board.table("cancellations")) == {
        "young": "withheld",
        "experienced": "withheld",
        "total": "withheld",
    }
    # Each pair began 70 days ago with a 4-week rhythm: 2.5 meetings expected, 1 held.
    cadence = board.figures["cadence"]
    assert cadence.shown and cadence.value == {"held": 6, "expected": 15, "share": 40}
    # The young learned 3 topics, the experienced 3 + 3 * 2 = 9: 3 / 9.
    balance = board.figures["balance"]
    assert balance.shown and balance.value == 0.33
    assert figures(board.table("balance")) == {
        "No learning written down yet": 0,
        "One way only": 3,
        "Mostly one way": 0,
        "Both ways": 3,
        "total": 6,
    }
    learned_by_experienced = figures(board.table("learned_experienced"))
    assert learned_by_experienced == {"AI 0": 6, "Kunder 0": "withheld"}
    assert figures(board.table("goals_young"))["Reached"] == 6
    assessments = figures(board.table("assessments"))
    assert assessments["experienced → young"] == {"before": 2.0, "after": 4.0, "change": 2.0}
    assert assessments["young → experienced"] == "withheld"


@pytest.mark.django_db
def test_dashboard_query_count_does_not_grow_with_pairs(program: Any) -> None:
    build_pairs(program, 3)
    with CaptureQueriesContext(connection) as small:
        queries.dashboard(program)
    build_pairs(program, 12, start=3)
    with CaptureQueriesContext(connection) as large:
        queries.dashboard(program)
    assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("pairs", [3, 30])
def test_dashboard_page_query_count_bounded(
    login: Any, admin: Any, program: Any, pairs: int, django_assert_max_num_queries: Any
) -> None:
    build_pairs(program, pairs)
    client = login(admin)
    url = reverse(
        "insights:dashboard", kwargs={"org": admin.organisation.slug, "program_id": program.pk}
    )
    # 21 for the figures; the rest is the request's own (session, user, second factor,
    # membership, the idle timeout's session write).
    with django_assert_max_num_queries(34):
        response = client.get(url)
    assert response.status_code == 200
    assert b"<svg" in response.content
    assert b"style=" not in response.content.split(b"<main")[-1]


@pytest.mark.django_db
def test_dashboard_participant_gets_403_and_sponsor_sees_it(
    login: Any, young: Any, experienced: Any, program: Any
) -> None:
    program.sponsor = experienced
    program.save()
    url = reverse(
        "insights:dashboard", kwargs={"org": young.organisation.slug, "program_id": program.pk}
    )
    assert login(young).get(url).status_code == 403
    response = login(experienced).get(url)
    assert response.status_code == 200
    # The sponsor reaches it from the program's page without being enrolled.
    detail = reverse(
        "programs:detail", kwargs={"org": young.organisation.slug, "program_id": program.pk}
    )
    assert url in login(experienced).get(detail).content.decode()


@pytest.mark.django_db
def test_export_csv_is_formula_safe_and_keeps_withheld(
    login: Any, admin: Any, program: Any
) -> None:
    pairs = build_pairs(program, 6)
    Proposal.objects.filter(pair__in=pairs[:3]).update(
        status=Proposal.Status.DECLINED, decline_reason="=HYPERLINK(x)"
    )
    client = login(admin)
    url = reverse(
        "insights:export", kwargs={"org": admin.organisation.slug, "program_id": program.pk}
    )
    body = client.get(url, {"table": "declines"}).content.decode("utf-8")
    assert body.startswith("\ufeff")
    assert "'=HYPERLINK(x);3" in body
    assert client.get(url, {"table": "nope"}).status_code == 404
