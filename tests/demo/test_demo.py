from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from gensidig.accounts.models import Member, Organisation, Role, User
from gensidig.demo.builder import DEMO_PASSWORD, ORG_SLUG, PROGRAM_NAME
from gensidig.programs.models import Enrolment, ProfileTopic, Program

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The demo, built once for the whole module and then built again (the second run must
    change nothing), with what the tests compare across the runs.

    It is built inside one transaction that is rolled back when the module is done, so no
    other module sees it; each test runs in a savepoint within it (pytest-django's usual
    per-test transaction), so what a test writes is undone too. On SQLite and PostgreSQL."""
    from django.db import transaction
    from django.test.utils import override_settings

    from gensidig.insights.models import PulseAnswer
    from gensidig.meetings.models import Meeting

    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as in every other test
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=hashers),
        transaction.atomic(),
    ):
        out = StringIO()
        call_command("demo", "--no-serve", stdout=out)
        first = {
            "output": out.getvalue(),
            "meetings": Meeting.objects.count(),
            "pulse_answers": PulseAnswer.objects.count(),
        }
        call_command("demo", "--no-serve", stdout=StringIO())
        yield first
        transaction.set_rollback(True)


def test_demo_no_serve_loads_company_and_prints_logins(demo: dict[str, Any]) -> None:
    text = demo["output"]
    for email in ("admin@gensidig.example", "ung@gensidig.example", "erfaren@gensidig.example"):
        assert email in text
    assert "gensidig-demo" in text
    company = Organisation.objects.get(slug=ORG_SLUG)
    members = Member.objects.filter(organisation=company)
    assert members.count() == 64
    assert members.values("department").distinct().count() == 10
    assert set(members.values_list("generation", flat=True)) == {
        "1946-1964",
        "1965-1979",
        "1980-1994",
        "1995-2009",
    }
    # Everyone but the CEO has a manager, and the tree has no cycles.
    assert members.filter(manager=None).count() == 1
    for member in members:
        seen, current = set(), member
        while current.manager_id:
            assert current.pk not in seen
            seen.add(current.pk)
            current = current.manager


def test_demo_is_idempotent(demo: dict[str, Any]) -> None:
    # The module's demo was built twice.
    assert Organisation.objects.filter(slug=ORG_SLUG).count() == 1
    assert Member.objects.filter(organisation__slug=ORG_SLUG).count() == 64
    assert User.objects.filter(email="admin@gensidig.example").count() == 1


def test_demo_logins_work_with_their_roles(demo: dict[str, Any], client: Any) -> None:
    roles = {
        "admin@gensidig.example": Role.OWNER,
        "ung@gensidig.example": Role.PARTICIPANT,
        "erfaren@gensidig.example": Role.PARTICIPANT,
    }
    for email, role in roles.items():
        assert client.login(username=email, password=DEMO_PASSWORD)
        assert Member.objects.get(user__email=email, organisation__slug=ORG_SLUG).role == role
    experienced = Member.objects.get(
        user__email="erfaren@gensidig.example", organisation__slug=ORG_SLUG
    )
    assert experienced.reports.count() >= 2  # a leader
    young = Member.objects.get(user__email="ung@gensidig.example", organisation__slug=ORG_SLUG)
    assert young.generation == "1995-2009"
    # The owner belongs to two organisations and can switch.
    assert Member.objects.filter(user__email="admin@gensidig.example").count() == 2


def test_demo_admin_sees_company_members_page(demo: dict[str, Any], client: Any) -> None:
    client.login(username="admin@gensidig.example", password=DEMO_PASSWORD)
    response = client.get(
        reverse("accounts:members", kwargs={"org": ORG_SLUG}), HTTP_ACCEPT_LANGUAGE="da"
    )
    assert response.status_code == 200
    assert "64 medlemmer" in response.content.decode()


def test_demo_program_is_enrolling_with_forty_complete_profiles(demo: dict[str, Any]) -> None:
    # The module's demo was built twice: this is what the second run left.
    program = Program.objects.get(organisation__slug=ORG_SLUG, name=PROGRAM_NAME)
    assert program.state == "enrolling"
    assert Program.objects.filter(organisation__slug=ORG_SLUG).count() == 2  # and the running one
    enrolments = Enrolment.objects.filter(program=program, status="enrolled")
    assert enrolments.count() == 40
    assert enrolments.filter(side="young").count() == 20
    assert enrolments.filter(side="experienced").count() == 20
    assert not enrolments.filter(charter_acknowledged_at=None).exists()
    assert enrolments.get(member__user__email="ung@gensidig.example").side == "young"
    assert enrolments.get(member__user__email="erfaren@gensidig.example").side == "experienced"
    for enrolment in enrolments:
        kinds = set(enrolment.topics.values_list("kind", flat=True))
        assert kinds == {"share", "want"}, enrolment
        assert enrolment.languages
        assert enrolment.wishes.count() <= 3
    assert ProfileTopic.objects.filter(enrolment__program=program).count() in range(160, 201)
    assert Enrolment.wishes.through.objects.filter(from_enrolment__program=program).count() > 20


def test_demo_young_login_sees_the_program_and_its_profile(
    demo: dict[str, Any], client: Any
) -> None:
    client.login(username="ung@gensidig.example", password=DEMO_PASSWORD)
    response = client.get(
        reverse("common:dashboard", kwargs={"org": ORG_SLUG}), HTTP_ACCEPT_LANGUAGE="da"
    )
    page = response.content.decode()
    assert PROGRAM_NAME in page
    assert "Ingen forløb endnu" not in page


def test_demo_has_a_running_program_with_pairs_in_every_state(demo: dict[str, Any]) -> None:
    from gensidig.matching.models import Pair, Proposal
    from gensidig.programs.models import Program

    # The module's demo was built twice: idempotent here too.
    program = Program.objects.get(name="Gensidig læring 2026")
    assert program.state == "running"
    statuses = list(
        Proposal.objects.filter(program=program)
        .exclude(status="superseded")
        .values_list("status", flat=True)
    )
    assert sorted(set(statuses)) == ["accepted", "declined", "published"]
    pairs = Pair.objects.filter(program=program)
    assert pairs.count() == statuses.count("accepted") >= 8
    assert pairs.filter(
        a__member__user__email="ung@gensidig.example",
        b__member__user__email="erfaren@gensidig.example",
    ).exists()
    latest = program.rounds.first()
    assert latest is not None and latest.gap == 0


def test_demo_young_login_sees_their_partner(demo: dict[str, Any], client: Any) -> None:
    from gensidig.programs.models import Program

    program = Program.objects.get(name="Gensidig læring 2026")
    client.login(username="ung@gensidig.example", password=DEMO_PASSWORD)
    page = client.get(
        reverse("matching:my_match", kwargs={"org": ORG_SLUG, "program_id": program.pk}),
        HTTP_ACCEPT_LANGUAGE="da",
    ).content.decode()
    assert "Henrik Sørensen" in page
    assert "I er et par." in page


def test_demo_discoveries_board_is_lively_and_idempotent(demo: dict[str, Any], client: Any) -> None:
    from gensidig.discoveries.models import Discovery, Scout, Stage, Vote

    # The module's demo was built twice.
    board = Discovery.objects.filter(organisation__slug=ORG_SLUG)
    assert 15 <= board.count() <= 20
    assert set(board.values_list("stage", flat=True)) == set(Stage.values)
    assert board.filter(stage=Stage.ADOPTED, hours_saved_per_month__gt=0).count() >= 3
    assert board.filter(stage=Stage.TRYING).exclude(plan_what="").count() >= 2
    assert Vote.objects.filter(discovery__organisation__slug=ORG_SLUG).count() > 50
    scouts = set(
        Scout.objects.filter(organisation__slug=ORG_SLUG).values_list(
            "member__user__email", flat=True
        )
    )
    assert "ung@gensidig.example" in scouts and len(scouts) >= 3
    client.login(username="ung@gensidig.example", password=DEMO_PASSWORD)
    page = client.get(reverse("discoveries:board", kwargs={"org": ORG_SLUG}))
    assert "TikTok fra showroomet" in page.content.decode()


def test_demo_pairs_have_history_in_every_health_state(demo: dict[str, Any]) -> None:
    from gensidig.matching.models import Pair
    from gensidig.meetings.health import HealthState
    from gensidig.meetings.models import Goal, Meeting, Reflection
    from gensidig.meetings.queries import program_pairs

    program = Program.objects.get(organisation__slug=ORG_SLUG, name="Gensidig læring 2026")
    states = {row.health for row in program_pairs(program)}
    assert states == {str(state) for state in HealthState}
    ida_and_henrik = Pair.objects.get(
        program=program, a__member__user__email="ung@gensidig.example"
    )
    assert ida_and_henrik.b.member.user.email == "erfaren@gensidig.example"
    assert Meeting.objects.filter(pair=ida_and_henrik).count() == 4
    assert Reflection.objects.filter(meeting__pair=ida_and_henrik).count() == 6
    assert Goal.objects.filter(pair=ida_and_henrik).count() == 2
    # The second run of the module's demo added no meeting.
    assert Meeting.objects.count() == demo["meetings"]


def test_demo_insights_tell_a_story_and_pulses_are_idempotent(
    demo: dict[str, Any], client: Any
) -> None:
    from django.utils import translation

    from gensidig.insights import queries
    from gensidig.insights.models import PulseAnswer

    # The second run of the module's demo added no pulse answer.
    assert PulseAnswer.objects.count() == demo["pulse_answers"] > 0
    program = Program.objects.get(organisation__slug=ORG_SLUG, name="Gensidig læring 2026")
    with translation.override("en"):
        board = queries.dashboard(program)
    nps = next(row for row in board.table("pulses").rows if row.label.startswith("Would"))
    assert nps.shown and 20 <= nps.value <= 60
    assert board.figures["balance"].shown
    # Pair health over time: all on track after the kick-offs, a dip with stalled pairs in
    # the middle weeks, most back on track by now.
    points = board.series.points
    assert points[0].rows[0].value == points[0].split.value == 10
    assert any(p.rows[3].shown and p.rows[3].value >= 3 for p in points[3:-3])
    assert points[-1].rows[0].shown and points[-1].rows[0].value >= 5
    client.login(username="admin@gensidig.example", password=DEMO_PASSWORD)
    url = reverse("insights:dashboard", kwargs={"org": ORG_SLUG, "program_id": program.pk})
    assert client.get(url).status_code == 200


def test_demo_prints_a_read_token_that_works_and_stores_only_its_hash(
    demo: dict[str, Any], client: Any
) -> None:
    import re

    from gensidig.accounts.models import hash_token
    from gensidig.api.models import ApiToken

    raw = re.search(r"Bearer (gsd_\S+)\"", demo["output"]).group(1)  # type: ignore[union-attr]
    # The demo ran twice: the first run's token was revoked by the second.
    first = ApiToken.objects.get(token_hash=hash_token(raw))
    assert first.revoked_at is not None
    assert first.scopes == ["read"]
    usable = ApiToken.objects.filter(name="Demo (read)", revoked_at=None)
    assert usable.count() == 1
    assert raw not in str(list(ApiToken.objects.values()))
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    fresh = re.search(r"Bearer (gsd_\S+)\"", out.getvalue()).group(1)  # type: ignore[union-attr]
    response = client.get("/api/v1/programs", headers={"Authorization": f"Bearer {fresh}"})
    assert response.status_code == 200
    assert response.json()["count"] >= 2


def test_demo_members_show_every_access_state(demo: dict[str, Any]) -> None:
    from gensidig.accounts.models import Invitation, Member
    from gensidig.accounts.queries import not_yet_active
    from gensidig.demo.builder import INVITED_TO_ACTIVATE, build_activation_states

    company = Organisation.objects.get(slug=ORG_SLUG)
    # Sent by the owner (links inside the demo's proposal emails have no sender).
    invited = Invitation.objects.filter(
        organisation=company, kind="activate", invited_by__isnull=False
    )
    assert invited.count() == INVITED_TO_ACTIVATE
    waiting = not_yet_active(company).count()
    assert waiting > INVITED_TO_ACTIVATE  # some never invited
    active = Member.objects.filter(organisation=company).count() - waiting
    assert active >= 3  # the demo logins
    assert build_activation_states(company) == 0  # a second run adds nothing
