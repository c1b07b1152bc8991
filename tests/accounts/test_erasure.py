"""Erasure removes everything that identifies a person and keeps what belongs to others:
issue 14, item 3. Run on the demo, dumped with pg_dump on PostgreSQL (SQLite: iterdump)."""

from __future__ import annotations

import contextlib
import json
import subprocess
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation

from gensidig.accounts import actions
from gensidig.accounts.erasure import erasure_log, reapply_erasures
from gensidig.accounts.models import (
    Erasure,
    ImportJob,
    Invitation,
    Member,
    SecurityEvent,
    User,
)
from gensidig.accounts.queries import personal_data
from gensidig.accounts.security import log_security_event
from gensidig.common.models import EmailOptOut
from gensidig.common.personal_data import entries
from gensidig.discoveries.models import Comment, Discovery, Scout, Vote
from gensidig.insights.queries import dashboard
from gensidig.matching.models import Pair
from gensidig.meetings.actions import end_pair
from gensidig.meetings.models import CalendarFeed, Goal, Reflection
from tests.factories import task_row

pytestmark = pytest.mark.django_db(transaction=True)

IDA = "ung@gensidig.example"


def dump_database() -> str:
    """Everything the database holds, as text: pg_dump on PostgreSQL, iterdump on SQLite."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        command = ["pg_dump", "--no-owner", "--dbname", db["NAME"]]
        for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if db.get(key):
                command += [flag, str(db[key])]
        env = {"PGPASSWORD": db.get("PASSWORD") or "", "PATH": "/usr/bin:/bin"}
        return subprocess.run(command, capture_output=True, check=True, text=True, env=env).stdout
    return "\n".join(connection.connection.iterdump())


def forms_of(text: str) -> set[str]:
    """How a value can appear in a dump: as is, JSON-escaped, and hex (binary columns)."""
    return {text, json.dumps(text)[1:-1], text.encode().hex(), text.encode().hex().upper()}


def figures(program: Any, now: Any) -> list[str]:
    """The dashboard's figures as text (labels, values, people, shown), comparable as is."""
    with translation.override("en"):
        board = dashboard(program, now=now)
    found = (
        [
            (
                table.key,
                [(row.label, row.value, row.people, row.shown) for row in table.rows],
                (table.total.value, table.total.shown) if table.total else None,
            )
            for table in board.tables
        ],
        {key: (row.value, row.shown) for key, row in board.figures.items()},
    )
    return [json.dumps(part, default=repr, sort_keys=True) for part in found]


def give_ida_a_row_everywhere(ida: User, member: Member, client: Any) -> None:
    """The demo gives Ida a profile, a pair, meetings, reflections and pulses; add a row of
    every other kind the registry knows, so her export and erasure cover them all."""

    organisation = member.organisation
    admin = Member.objects.get(organisation=organisation, user__email="admin@gensidig.example")
    EmailOptOut.objects.create(user=ida, kind="nudges")
    Scout.objects.get_or_create(organisation=organisation, member=member, program=None)
    CalendarFeed.objects.get_or_create(member=member)
    found = Discovery.objects.create(
        organisation=organisation, title="Idas fund", kind="tool", smarter_work="x", found_by=member
    )
    Comment.objects.create(discovery=found, author=member, text="Min kommentar")
    Vote.objects.create(discovery=found, member=member)
    other = actions.create_organisation(name="Andet Firma", owner=admin.user)
    actions.invite_member(
        organisation=other,
        email=IDA,
        role="participant",
        invited_by=Member.objects.get(organisation=other),
    )
    csv = f"name,email\nIda Nørgaard,{IDA}\n".encode()
    ImportJob.objects.create(organisation=organisation, created_by=member, filename="mine.csv")
    ImportJob.objects.create(
        organisation=organisation,
        created_by=admin,
        filename="theirs.csv",
        data=csv,
        problems=[{"row": 2, "column": "email", "message": f"{IDA} is twice in the file"}],
    )
    log_security_event(kind="login", organisation=organisation, actor_id=ida.pk)
    log_security_event(kind="role-changed", organisation=organisation, subject_id=ida.pk)
    task_row(
        kwargs={"to": IDA, "context": {"name": "Ida Nørgaard"}},
        status="SUCCESSFUL",
        path="gensidig.common.email.send_email_task",
    )
    from gensidig.api.models import ApiToken, WebhookSubscription

    ApiToken.objects.create(
        organisation=organisation,
        name="Idas script",
        prefix="abcd",
        token_hash="0" * 64,
        created_by=member,
    )
    WebhookSubscription.objects.create(
        organisation=organisation, url="https://hooks.example.org/ida", created_by=member
    )
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from gensidig.identity.models import ScimLink

    TOTPDevice.objects.create(user=ida, name="Telefon", confirmed=True)
    ScimLink.objects.create(member=member, external_id="e-1042", user_name="in1042")
    client.force_login(ida, backend="gensidig.accounts.backends.EmailBackend")


def test_erasing_a_demo_user_leaves_no_trace_and_keeps_the_partners_data(client: Any) -> None:
    call_command("demo", "--no-serve", stdout=StringIO())
    ida = User.objects.get(email=IDA)
    name = ida.name
    member = Member.objects.get(user=ida, organisation__slug="fjordlys")
    give_ida_a_row_everywhere(ida, member, client)

    # Her export has every registered section, each with her rows.
    export = personal_data(ida)
    empty = sorted(
        {entry.section for entry in entries() if entry.section and not export[entry.section]}
    )
    assert empty == []

    pair = Pair.objects.select_related("program", "a__member__user", "b__member__user").get(
        ended_at=None, a__member=member
    )
    partner = pair.b
    assert partner.member is not None
    partner_user = partner.member.user
    own_reflections = sorted(
        Reflection.objects.filter(author=partner).values_list("learned_text", "private_notes")
    )
    own_goals = sorted(Goal.objects.filter(learner=partner).values_list("text", flat=True))
    assert own_reflections and own_goals
    now = timezone.now() + timedelta(minutes=1)
    # What the figures are once her pair has ended (the one change an erasure makes to
    # others), taken in a savepoint that is rolled back.
    with contextlib.suppress(RuntimeError), transaction.atomic():
        end_pair(pair=pair, by=None, reason="x", leaving=member)
        before = figures(pair.program, now)
        raise RuntimeError("roll back")
    assert Pair.objects.get(pk=pair.pk).ended_at is None
    pairs_before = Pair.objects.filter(program=pair.program).count()
    mail.outbox.clear()

    with translation.override("en"):
        actions.erase_account(user=ida)

    # Her running pair ended: her partner gets the closing questions (and the cancels of
    # meetings ahead); nothing more is written to her.
    ended = Pair.objects.get(pk=pair.pk)
    assert ended.ended_at is not None
    assert ended.end_reason == "A partner's account was erased."
    assert {to for message in mail.outbox for to in message.to} == {partner_user.email}

    dump = dump_database()
    assert "CREATE TABLE" in dump and "Henrik" in dump  # a real dump of the demo
    for value in (IDA, name):
        found = [form for form in forms_of(value) if form in dump]
        assert found == [], value
    # The partner keeps their own reflections, notes and goals; the pair stays in history.
    assert (
        sorted(
            Reflection.objects.filter(author=partner).values_list("learned_text", "private_notes")
        )
        == own_reflections
    )
    assert sorted(Goal.objects.filter(learner=partner).values_list("text", flat=True)) == own_goals
    assert Pair.objects.filter(program=pair.program).count() == pairs_before
    client.force_login(partner_user, backend="gensidig.accounts.backends.EmailBackend")
    page = client.get(
        reverse("meetings:pair", kwargs={"org": "fjordlys", "pair_id": pair.pk}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "a former member" in text
    for learned, _notes in own_reflections:
        assert learned in text
    # The program's figures are the same as with her pair ended.
    assert figures(pair.program, now) == before
    # Only ids and dates are logged; the organisation's log says an erasure happened.
    assert erasure_log()[0]["user_id"] == ida.pk
    assert SecurityEvent.objects.filter(kind="erased", organisation=member.organisation).exists()
    assert not Invitation.objects.filter(email=IDA).exists()


def test_reapply_erasures_erases_a_restored_account_again(organisation: Any, young: Any) -> None:
    log = [{"user_id": young.user.pk, "member_id": None, "erased_at": timezone.now().isoformat()}]
    # As after a restore: the account is back, the database's own log does not have it.
    assert reapply_erasures(log) == 1
    assert not User.objects.filter(pk=young.user.pk).exists()
    assert Erasure.objects.filter(user_id=young.user.pk).count() == 1
    assert reapply_erasures(log) == 0


def test_reapply_erasures_leaves_a_newer_account_with_a_reused_id(
    organisation: Any, young: Any
) -> None:
    long_ago = (young.user.date_joined - timedelta(days=1)).isoformat()
    assert reapply_erasures([{"user_id": young.user.pk, "erased_at": long_ago}]) == 0
    assert User.objects.filter(pk=young.user.pk).exists()


def test_erasure_deletes_sealed_emails_to_or_about_the_person(
    organisation: Any, young: Any, experienced: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from gensidig.common.sealed import seal

    def queued(to: str, body: str) -> int:
        payload = {"to": [to], "subject": "Hej", "body": body, "html": None, "attachment": None}
        return task_row(kwargs={"sealed": seal(payload)}).pk

    name = young.user.name
    queued(young.user.email.upper(), "Din makker venter.")
    queued(experienced.user.email, f"Din makker {name} har skrevet.")
    kept = queued(experienced.user.email, "Husk mødet i morgen.")

    actions.erase_account(user=young.user)

    assert list(DBTaskResult.objects.values_list("pk", flat=True)) == [kept]
