"""Retention as a job: `purge_expired(now=...)` with the clock moved on (issue 14, item 6)."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from gensidig.accounts.models import Erasure, ImportJob, Member, SecurityEvent
from gensidig.accounts.security import log_security_event
from gensidig.common.retention import purge_expired
from gensidig.matching.models import Pair
from gensidig.meetings.models import Goal, Meeting, Reflection
from gensidig.programs.models import State
from tests.factories import EnrolmentFactory, InvitationFactory, ProgramFactory, task_row

pytestmark = pytest.mark.django_db


def test_purge_removes_task_rows_imports_invitations_and_log_after_their_time(
    admin: Any, settings: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.GENSIDIG_SECURITY_LOG_DAYS = 30
    now = timezone.now()
    task_row(status="SUCCESSFUL", finished=now, path="x.y")
    task_row(status="FAILED", finished=now, path="x.y")
    ImportJob.objects.create(
        organisation=admin.organisation, filename="a.csv", status="done", finished_at=now
    )
    InvitationFactory(organisation=admin.organisation, expires_at=now)
    log_security_event(kind="login", organisation=admin.organisation)

    assert set(purge_expired(now=now + timedelta(days=6)).values()) == {0}
    done = purge_expired(now=now + timedelta(days=8))
    assert (done["task rows"], done["imports"]) == (1, 1)
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["FAILED"]
    done = purge_expired(now=now + timedelta(days=31, minutes=1))
    assert (done["task rows"], done["invitations"], done["security log"]) == (1, 1, 1)
    assert not SecurityEvent.objects.exists()


def test_purge_forgets_a_removed_member_after_the_set_time(
    admin: Any, young: Any, outsider: Any, settings: Any
) -> None:
    from gensidig.accounts import actions

    settings.GENSIDIG_REMOVED_MEMBER_DAYS = 90
    actions.deactivate_member(member=young, by=admin)
    young.refresh_from_db()
    assert purge_expired(now=young.removed_at + timedelta(days=89))["removed members"] == 0
    assert purge_expired(now=young.removed_at + timedelta(days=91))["removed members"] == 1
    assert not Member.objects.filter(pk=young.pk).exists()
    assert Erasure.objects.count() == 1


def test_purge_blanks_closed_programs_texts_after_their_retention(admin: Any) -> None:
    program = ProgramFactory(
        organisation=admin.organisation,
        state=State.CLOSED,
        starts_on=date(2024, 1, 1),
        ends_on=date(2024, 6, 30),
        retention_months=24,
    )
    a, b = EnrolmentFactory(program=program), EnrolmentFactory(program=program)
    pair = Pair.objects.create(program=program, a=a, b=b)
    meeting = Meeting.objects.create(
        pair=pair, proposed_by=a, starts_at=timezone.now(), minutes=60, status="confirmed"
    )
    Reflection.objects.create(
        meeting=meeting, author=a, learned_text="tekst", private_notes="note", usefulness=4
    )
    Goal.objects.create(pair=pair, learner=a, text="mål")
    before = timezone.make_aware(timezone.datetime(2026, 6, 29, 12))
    assert purge_expired(now=before)["closed programs' texts"] == 0
    after = timezone.make_aware(timezone.datetime(2026, 7, 1, 12))
    assert purge_expired(now=after)["closed programs' texts"] == 2
    assert list(Reflection.objects.values_list("learned_text", "private_notes", "usefulness")) == [
        ("", "", 4)
    ]
    assert list(Goal.objects.values_list("text", flat=True)) == [""]


def test_purge_command_prints_what_it_purged(db: None) -> None:
    out = StringIO()
    call_command("purge", stdout=out)
    assert "task rows: 0" in out.getvalue()


def test_purge_removes_expired_sessions_and_their_keys(young: Any) -> None:
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    from gensidig.identity.models import UserSession

    now = timezone.now()
    keys = {}
    for name, expires in (("old", now - timedelta(minutes=1)), ("live", now + timedelta(hours=1))):
        store = SessionStore()
        store["_auth_user_id"] = str(young.user.pk)
        store.create()
        Session.objects.filter(session_key=store.session_key).update(expire_date=expires)
        UserSession.objects.create(user=young.user, session_key=store.session_key)
        keys[name] = store.session_key
    UserSession.objects.create(user=young.user, session_key="ended-by-logout")

    done = purge_expired(now=now)

    assert (done["expired sessions"], done["session keys"]) == (1, 2)
    assert list(Session.objects.values_list("session_key", flat=True)) == [keys["live"]]
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [keys["live"]]
