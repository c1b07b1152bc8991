"""Asking before destroying, for programs: starting matching (closes enrolment for good),
closing a program (ends its pairs, emails both partners) and withdrawing a participant.
Without `confirm=yes` nothing happens; the question says what would."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from gensidig.programs.models import EnrolmentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _same_language_after() -> Any:
    before = translation.get_language()
    yield
    translation.activate(before)


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"programs:{name}", kwargs={"org": "fjordlys-test", **kwargs})


@pytest.mark.parametrize(
    ("step", "words"),
    [
        ("start_matching", "Enrolment closes for good"),
        ("close_program", "A closed program cannot be opened again."),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_program_step_without_confirm_asks_and_changes_nothing(
    login: Any,
    admin: Any,
    young_enrolment: Any,
    experienced_enrolment: Any,
    step: str,
    words: str,
    method: str,
) -> None:
    program = young_enrolment.program
    client = login(admin)
    response = getattr(client, method)(
        url("state", program_id=program.pk), {"step": step}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert words in page
    assert f'<input type="hidden" name="step" value="{step}">' in page
    program.refresh_from_db()
    assert program.state == "enrolling"


def test_start_matching_with_confirm_moves_on(
    login: Any, admin: Any, young_enrolment: Any, experienced_enrolment: Any
) -> None:
    program = young_enrolment.program
    login(admin).post(
        url("state", program_id=program.pk), {"step": "start_matching", "confirm": "yes"}
    )
    program.refresh_from_db()
    assert program.state == "matching"


def test_close_program_with_confirm_closes(login: Any, admin: Any, young_enrolment: Any) -> None:
    program = young_enrolment.program
    login(admin).post(
        url("state", program_id=program.pk), {"step": "close_program", "confirm": "yes"}
    )
    program.refresh_from_db()
    assert program.state == "closed"


def test_open_enrolment_is_not_asked(login: Any, admin: Any, program: Any) -> None:
    response = login(admin).post(url("state", program_id=program.pk), {"step": "open_enrolment"})
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.state == "enrolling"


def test_program_step_question_participant_and_outsider_refused(
    login: Any, young_enrolment: Any, outsider: Any
) -> None:
    program = young_enrolment.program
    target = url("state", program_id=program.pk)
    assert login(young_enrolment.member).get(target, {"step": "close_program"}).status_code == 403
    assert login(outsider).get(target, {"step": "close_program"}).status_code == 404


def test_withdraw_without_confirm_asks_in_danish_and_keeps_the_participant(
    login: Any, admin: Any, young_enrolment: Any
) -> None:
    program = young_enrolment.program
    target = url("enrolment_withdraw", program_id=program.pk, enrolment_id=young_enrolment.pk)
    client = login(admin)
    for response in (
        client.get(target, HTTP_ACCEPT_LANGUAGE="da"),
        client.post(target, HTTP_ACCEPT_LANGUAGE="da"),
    ):
        assert response.status_code == 200
        assert "Ja, træk tilbage" in response.content.decode()
    young_enrolment.refresh_from_db()
    assert young_enrolment.status == EnrolmentStatus.ENROLLED


def test_withdraw_question_outsider_gets_404(
    login: Any, young_enrolment: Any, outsider: Any
) -> None:
    program = young_enrolment.program
    target = url("enrolment_withdraw", program_id=program.pk, enrolment_id=young_enrolment.pk)
    assert login(outsider).get(target).status_code == 404
    assert login(young_enrolment.member).get(target).status_code == 403


def test_program_page_marks_only_asked_steps_for_the_dialog(
    login: Any, admin: Any, young_enrolment: Any, experienced_enrolment: Any
) -> None:
    page = login(admin).get(url("detail", program_id=young_enrolment.program.pk)).content.decode()
    forms = page.split("<form ")
    asked = [f for f in forms if 'value="start_matching"' in f or 'value="close_program"' in f]
    assert asked and all("data-confirm>" in f for f in asked)
