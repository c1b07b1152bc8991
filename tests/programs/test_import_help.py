"""The import help as HR reads it: its own example imports, it names the accepted values, and
the profile wizard preselects no generation band (issue 15)."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gensidig.programs.actions import seed_topics
from gensidig.programs.models import Enrolment, ProfileTopic, State
from tests.factories import EnrolmentFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(organisation: Any) -> Any:
    seed_topics(organisation=organisation)
    return ProgramFactory(organisation=organisation, state=State.ENROLLING, name="Salg & IT")


def import_url(program: Any) -> str:
    return reverse("programs:import", kwargs={"org": "fjordlys-test", "program_id": program.pk})


def upload(client: Any, program: Any, text: str) -> Any:
    return client.post(
        import_url(program),
        {"file": SimpleUploadedFile("deltagere.csv", text.encode("utf-8-sig"))},
    )


def test_the_help_example_imports_as_written(login: Any, admin: Any, program: Any) -> None:
    client = login(admin)
    page = html_lib.unescape(client.get(import_url(program)).content.decode())
    example = re.search(r"for eksempel “([^”]+)”", page)
    assert example, page
    assert example.group(1) == "Sociale medier og trends:3 | AI-værktøjer til tekst og video:2"
    text = (
        "Navn;E-mail;Rolle i parret;Kan dele;Vil lære\n"
        f"Ida Ung;ida@example.org;ung;{example.group(1)};Strategi\n"
    )
    response = upload(client, program, text)
    assert response.status_code == 302, response.content.decode()
    ida = Enrolment.objects.get(member__user__email="ida@example.org")
    assert sorted(
        (t.topic.slug, t.kind, t.level) for t in ProfileTopic.objects.filter(enrolment=ida)
    ) == [
        ("ai-vaerktoejer", "share", 2),
        ("sociale-medier", "share", 3),
        ("strategi", "want", 2),
    ]


def test_topic_names_match_without_accents_or_by_short_form(
    login: Any, admin: Any, program: Any
) -> None:
    text = "Navn;E-mail;Rolle i parret;Kan dele\nIda;ida@example.org;ung;AI-værktøjer:2\n"
    assert upload(login(admin), program, text).status_code == 302
    assert ProfileTopic.objects.get().topic.slug == "ai-vaerktoejer"


def test_the_help_names_the_accepted_values(login: Any, admin: Any, program: Any) -> None:
    page = login(admin).get(import_url(program), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "young or experienced (also: ung, erfaren, junior, senior)." in page
    assert "1946-1964, 1965-1979, 1980-1994, 1995-2009, 2010-2024" in page
    assert "da, en, de, sv, pl" in page
    assert "Handling conflict" in page  # the catalogue is listed


def test_a_problem_names_row_column_and_person(login: Any, admin: Any, program: Any) -> None:
    text = "Navn;E-mail;Rolle i parret;Kan dele\nIda Ung;ida@example.org;ung;Kite:2\n"
    page = upload(login(admin), program, text).content.decode()
    assert "<tr><td>2</td><td>Ida Ung</td><td>kan dele</td>" in page


def test_wizard_preselects_no_generation_band(login: Any, young: Any, program: Any) -> None:
    enrolment = EnrolmentFactory(program=program, member=young, side="young", generation="")
    page = login(young).get(
        reverse(
            "programs:profile_step",
            kwargs={"org": "fjordlys-test", "program_id": program.pk, "step": "about"},
        )
    )
    html = page.content.decode()
    assert enrolment.generation == ""
    assert '<option value="" selected>' in html
    assert 'value="1995-2009" selected' not in html


def test_imported_people_wait_for_confirmation_with_their_topics_shown(
    login: Any, admin: Any, program: Any
) -> None:
    client = login(admin)
    text = (
        "Navn;E-mail;Rolle i parret;Kan dele;Vil lære\n"
        "Ida Ung;ida@example.org;ung;Sociale medier og trends:3;Strategi:1\n"
    )
    assert upload(client, program, text).status_code == 302
    page = client.get(
        reverse("programs:enrolments", kwargs={"org": "fjordlys-test", "program_id": program.pk})
    ).content.decode()
    assert "importeret, venter på at personen bekræfter" in page
    assert "0 af 6 trin" not in page
    assert "Sociale medier og trends (3)" in page and "Strategi (1)" in page
    assert "1 deltager har aldrig logget ind" in page
    # The person's own program page and wizard start from the file's topics.
    ida = Enrolment.objects.get(member__user__email="ida@example.org")
    own = login(ida.member).get(
        reverse("programs:detail", kwargs={"org": "fjordlys-test", "program_id": program.pk})
    )
    assert "Din organisation har udfyldt din profil ud fra en fil" in own.content.decode()
    share = login(ida.member).get(
        reverse(
            "programs:profile_step",
            kwargs={"org": "fjordlys-test", "program_id": program.pk, "step": "share"},
        )
    )
    assert "Sociale medier og trends" in share.content.decode()
