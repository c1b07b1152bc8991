from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gensidig.matching import actions as matching
from gensidig.matching.models import Proposal
from gensidig.programs.models import Enrolment, ProfileTopic, State
from tests.factories import ProgramFactory, TopicFactory

pytestmark = pytest.mark.django_db

HEADING = "Navn;E-mail;Afdeling;Leder;Rolle i parret;Generation;Sprog;Kan dele;Vil lære\n"


def rows(count: int, start: int = 0) -> str:
    """A file of `count` people, alternately experienced and young, each sharing TikTok and
    wanting to learn Strategi."""
    return HEADING + "".join(
        f"Person {i};p{i}@example.org;Salg;;{'ung' if i % 2 else 'erfaren'};1995-2009;da;"
        f"TikTok:{1 + i % 3};Strategi\n"
        for i in range(start, start + count)
    )


@pytest.fixture
def program(organisation: Any) -> Any:
    TopicFactory(organisation=organisation, slug="tiktok", name_da="TikTok", name_en="TikTok")
    TopicFactory(organisation=organisation, slug="strategi", name_da="Strategi", name_en="Strategy")
    return ProgramFactory(organisation=organisation, state=State.ENROLLING, name="Gensidig 2027")


def upload(client: Any, program: Any, text: str, **extra: Any) -> Any:
    url = reverse("programs:import", kwargs={"org": "fjordlys-test", "program_id": program.pk})
    return client.post(
        url, {"file": SimpleUploadedFile("deltagere.csv", text.encode("utf-8-sig"))}, **extra
    )


def test_program_import_enrols_with_side_and_topics(login: Any, admin: Any, program: Any) -> None:
    text = HEADING + (
        "Ida Ung;ida@example.org;Marketing;;ung;1995-2009;da;TikTok:3;Strategi:2\n"
        "Bo Erfaren;bo@example.org;Salg;;erfaren;1965-1979;da,en;strategi:3;tiktok\n"
    )
    response = upload(login(admin), program, text)
    assert response.url == reverse(
        "programs:enrolments", kwargs={"org": "fjordlys-test", "program_id": program.pk}
    )
    ida = Enrolment.objects.get(program=program, member__user__email="ida@example.org")
    assert (ida.status, ida.side, ida.generation, ida.languages) == (
        "enrolled",
        "young",
        "1995-2009",
        ["da"],
    )
    topics = {
        (t.topic.slug, t.kind, t.level)
        for t in ProfileTopic.objects.filter(enrolment__program=program)
    }
    assert topics == {
        ("tiktok", "share", 3),
        ("strategi", "want", 2),
        ("strategi", "share", 3),
        ("tiktok", "want", 2),
    }
    # Straight from the file to a matching round.
    program.state = State.MATCHING
    program.save()
    matching.start_round(program=program, by=admin)
    proposal = Proposal.objects.get(program=program)
    assert (proposal.a.member.user.name, proposal.b.member.user.name) == ("Ida Ung", "Bo Erfaren")
    assert (proposal.teaches_a_to_b, proposal.teaches_b_to_a) == (["tiktok"], ["strategi"])


def test_program_import_unknown_topic_and_missing_side_save_nothing(
    login: Any, admin: Any, program: Any
) -> None:
    text = HEADING + (
        "Ida Ung;ida@example.org;Marketing;;;1995-2009;da;TikTok:3;Astrologi\n"
        "Bo Erfaren;bo@example.org;Salg;;erfaren;1965-1979;da;Strategi:7;\n"
    )
    response = upload(login(admin), program, text, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert [(p.row, p.column, p.message) for p in response.context["problems"]] == [
        (2, "side", "Reverse mentoring needs each person's side: young or experienced."),
        (2, "wants to learn", "“Astrologi” is not a topic in the catalogue."),
        (3, "can share", "The level of “Strategi:7” must be 1, 2 or 3."),
    ]
    assert not Enrolment.objects.filter(program=program).exists()


def test_program_import_closed_program_is_refused(login: Any, admin: Any, program: Any) -> None:
    program.state = State.CLOSED
    program.save()
    response = upload(
        login(admin),
        program,
        HEADING + "Ida;ida@example.org;;;ung;;;;\n",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.context["problems"][0].message == "The program is closed."
    assert not Enrolment.objects.exists()


def test_program_import_page_shows_topic_columns_help(login: Any, admin: Any, program: Any) -> None:
    url = reverse("programs:import", kwargs={"org": "fjordlys-test", "program_id": program.pk})
    page = login(admin).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Import participants into Gensidig 2027" in page
    assert "can share" in page


def test_program_import_participant_is_forbidden(login: Any, young: Any, program: Any) -> None:
    url = reverse("programs:import", kwargs={"org": "fjordlys-test", "program_id": program.pk})
    assert login(young).get(url).status_code == 403


def test_program_import_large_file_runs_in_background(
    login: Any, admin: Any, program: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from gensidig.accounts.imports import BACKGROUND_ROWS
    from gensidig.accounts.models import ImportJob

    with django_capture_on_commit_callbacks(execute=True):
        upload(login(admin), program, rows(BACKGROUND_ROWS + 1))
    job = ImportJob.objects.get()
    assert (job.status, job.program_id, job.created_count) == (
        "done",
        program.pk,
        BACKGROUND_ROWS + 1,
    )
    assert (
        Enrolment.objects.filter(program=program, status="enrolled").count() == BACKGROUND_ROWS + 1
    )
    assert ProfileTopic.objects.filter(enrolment__program=program).count() == 2 * (
        BACKGROUND_ROWS + 1
    )


def test_program_import_queries_do_not_grow_with_rows(login: Any, admin: Any, program: Any) -> None:
    """Enrolments and topics are written in bulk: 8 rows and 80 rows cost the same."""
    client = login(admin)
    upload(client, program, rows(2, 1000))  # the first request also sets up the session
    counts = []
    for count, start in ((8, 0), (80, 100)):
        with CaptureQueriesContext(connection) as queries:
            upload(client, program, rows(count, start))
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert Enrolment.objects.filter(program=program, status="enrolled").count() == 90
    assert ProfileTopic.objects.filter(enrolment__program=program).count() == 90 * 2


def test_program_import_again_updates_enrolments_and_replaces_topics(
    login: Any, admin: Any, program: Any
) -> None:
    client = login(admin)
    upload(client, program, rows(4))
    again = rows(4).replace("TikTok:1;Strategi", "Strategi:3;TikTok")
    upload(client, program, again.replace(";ung;", ";erfaren;"))
    person = Enrolment.objects.get(program=program, member__user__email="p3@example.org")
    assert person.side == "experienced"
    topics = {(t.topic.slug, t.kind, t.level) for t in person.topics.all()}
    assert topics == {("strategi", "share", 3), ("tiktok", "want", 2)}
    assert Enrolment.objects.filter(program=program).count() == 4
