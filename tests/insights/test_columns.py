"""The dashboard reads large programs as columns (one joined text per column) and counts
them with numpy: dates read exactly, NULLs line up, and cancellations by side agree with
the ORM's own count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db.models import Count
from hypothesis import given
from hypothesis import strategies as st

from gensidig.insights import queries
from gensidig.insights.queries import columns, meeting_columns, moments
from gensidig.insights.series import NONE, micro
from gensidig.meetings.models import Meeting
from tests.insights.conftest import build_pairs

ORIGIN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def stored(moment: datetime) -> str:
    """As SQLite stores a date and time: microseconds only when there are any."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


@given(
    st.lists(
        st.datetimes(
            min_value=datetime(1970, 1, 1), max_value=datetime(2200, 12, 31), timezones=st.just(UTC)
        ),
        min_size=1,
        max_size=40,
    )
)
def test_moments_reads_stored_dates_exactly(found: list[datetime]) -> None:
    text = ",".join(stored(moment) for moment in found)
    assert moments(text).tolist() == [micro(moment) for moment in found]


def test_moments_reads_other_forms_too() -> None:
    assert moments("2026-01-05 09:00:00.5").tolist() == [micro(ORIGIN) + 500_000]


@pytest.mark.django_db
def test_columns_line_up_with_nulls(program: Any) -> None:
    pairs = build_pairs(program, 3)
    Meeting.objects.filter(pair=pairs[1]).update(
        status=Meeting.Status.CANCELLED, cancelled_at=ORIGIN, cancelled_by=pairs[1].b
    )
    found = meeting_columns(program)
    expected = sorted(
        (m.pair_id, micro(m.starts_at), micro(m.cancelled_at), m.cancelled_by_id or int(NONE))
        for m in Meeting.objects.filter(pair__program=program)
    )
    got = sorted(
        zip(
            found["pair"].tolist(),
            found["starts"].tolist(),
            found["withdrawn"].tolist(),
            found["cancelled_by"].tolist(),
            strict=True,
        )
    )
    assert got == expected
    empty = columns(Meeting.objects.none(), nullable={"withdrawn"}, pair="pair")
    assert empty["pair"].tolist() == []


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
