"""The PDF report of a program: the dashboard's figures in the chosen language, withheld
figures withheld with the reason, text any PDF reader extracts; who may download it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from gensidig.insights import queries, report
from gensidig.matching.models import Proposal
from tests.factories import EnrolmentFactory
from tests.insights.conftest import build_pairs


def text_of(body: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(body))
    # Spaces as one: pypdf reads the embedded italic's word gaps as two.
    return [
        " ".join(line.split()) for page in reader.pages for line in page.extract_text().splitlines()
    ]


@pytest.fixture
def known(program: Any) -> Any:
    """Six pairs (three on track, three overdue), two people invited and not enrolled, and
    three declined proposals: two for one reason, one for another."""
    pairs = build_pairs(program, 6)
    for i in range(2):
        EnrolmentFactory(
            program=program, member=None, invited_email=f"x{i}@example.org", status="invited"
        )
    for i in range(3):
        Proposal.objects.create(
            round=pairs[0].proposal.round,
            program=program,
            a=EnrolmentFactory(program=program),
            b=EnrolmentFactory(program=program, side="experienced"),
            status=Proposal.Status.DECLINED,
            decline_reason="Travlt"
            if i < 2
            else "Kender hinanden \u2013 \u201cfor godt\u201d \U0001f642",
        )
    program.name = "Gensidig læring — 2026"
    program.save()
    return program


def pdf_lines(program: Any, language: str) -> list[str]:
    with translation.override(language):
        return text_of(report.render(queries.dashboard(program)))


@pytest.mark.django_db
def test_report_pdf_english_has_exact_figures(known: Any) -> None:
    lines = pdf_lines(known, "en")
    assert lines[0] == "Insights report"
    assert lines[1] == "Gensidig læring — 2026"
    assert "Two-way balance 0.33" in lines
    assert "Meetings held against the rhythm 6 of 15 expected (40 %)" in lines
    for line in ("Pair health", "On track 3", "Due 0", "Overdue 3", "Stalled 0", "Pairs 6"):
        assert line in lines
    assert "Enrolled, in a pair 12" in lines
    assert "Accepted by both 6" in lines
    # Health over time: a column per state, a row per week since the pairs began.
    assert "Pair health over time" in lines
    assert "About withheld figures" in lines


@pytest.mark.django_db
def test_report_pdf_withheld_figures_do_not_appear(known: Any) -> None:
    lines = pdf_lines(known, "en")
    # Two invited people: withheld, and the six enrolled without a pair with them, since the
    # total of twenty is shown (those in a pair follow from the pairs shown elsewhere).
    assert "Invited, not yet enrolled withheld" in lines
    assert "Enrolled, not in a pair withheld" in lines
    assert "Invited in all 20" in lines
    assert not any(line.endswith((" 2", " 6")) and "enrolled" in line for line in lines)
    # Three declined proposals (six people) are shown. Each reason was given by fewer than
    # five people, so neither is quoted: they are counted together without their words.
    assert "Declined 3" in lines
    assert "Reasons given by too few people to quote 3" in lines
    assert not any("Travlt" in line or "Kender hinanden" in line for line in lines)
    assert any(
        line.startswith("Some figures are withheld: they stand for fewer than 5") for line in lines
    )


@pytest.mark.django_db
def test_report_pdf_danish_has_danish_headings(known: Any) -> None:
    lines = pdf_lines(known, "da")
    assert lines[0] == "Indsigtsrapport"
    assert "Parrenes tilstand" in lines
    assert "Balance begge veje 0,33" in lines
    assert "På sporet 3" in lines
    assert "Tilmeldt, i et par 12" in lines
    assert "Parrenes tilstand over tid" in lines
    assert "Om skjulte tal" in lines
    assert "Pair health" not in lines


def test_printable_keeps_arrows_and_replaces_only_what_the_font_lacks() -> None:
    assert report.printable("Æble, øl og å") == "Æble, øl og å"
    assert (
        report.printable("ung → erfaren \u2013 \u201cgodt\u201d … \U0001f680")
        == "ung → erfaren \u2013 \u201cgodt\u201d … ?"
    )
    assert report.printable("Łódź") == "Łódź"
    # Vietnamese ệ is outside the font: its base letter stays.
    assert report.printable("Việt") == "Viet"


@pytest.mark.django_db
def test_report_pdf_danish_writes_numbers_and_arrows_as_the_page(known: Any) -> None:
    from decimal import Decimal

    from gensidig.discoveries.models import Discovery, Stage

    Discovery.objects.create(
        organisation=known.organisation,
        title="Canva",
        stage=Stage.ADOPTED,
        pair=known.pairs.first(),
        hours_saved_per_month=Decimal("34.5"),
        cost_per_month=Decimal("1200"),
    )
    lines = pdf_lines(known, "da")
    assert any("34,5 timer" in line for line in lines), lines
    assert not any("34.5" in line for line in lines)
    # The directions of learning keep their arrow (drawn by the embedded font).
    assert any("ung → erfaren" in line for line in lines)
    assert not any("->" in line for line in lines)
    english = pdf_lines(known, "en")
    assert any("34.5 hours" in line for line in english)


def report_url(member: Any, program: Any) -> str:
    return reverse(
        "insights:report_pdf", kwargs={"org": member.organisation.slug, "program_id": program.pk}
    )


@pytest.mark.django_db
def test_report_pdf_admin_and_sponsor_download_it(
    login: Any, admin: Any, experienced: Any, program: Any
) -> None:
    build_pairs(program, 6)
    program.sponsor = experienced
    program.save()
    url = report_url(admin, program)
    for member in (admin, experienced):
        response = login(member).get(url, headers={"accept-language": "en"})
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].endswith('-insights.pdf"')
        assert response.content.startswith(b"%PDF-")
    # The dashboard links to it.
    dashboard = reverse(
        "insights:dashboard", kwargs={"org": admin.organisation.slug, "program_id": program.pk}
    )
    assert url in login(admin).get(dashboard).content.decode()


@pytest.mark.django_db
def test_report_pdf_follows_the_chosen_language(login: Any, admin: Any, program: Any) -> None:
    build_pairs(program, 6)
    client = login(admin)
    client.post(reverse("common:set_language"), {"language": "en"})
    assert "Insights report" in text_of(client.get(report_url(admin, program)).content)
    client.post(reverse("common:set_language"), {"language": "da"})
    assert "Indsigtsrapport" in text_of(client.get(report_url(admin, program)).content)


@pytest.mark.django_db
def test_report_pdf_participant_is_refused(login: Any, young: Any, program: Any) -> None:
    EnrolmentFactory(program=program, member=young)
    assert login(young).get(report_url(young, program)).status_code == 403


@pytest.mark.django_db
def test_report_pdf_outsider_gets_404(login: Any, admin: Any, outsider: Any, program: Any) -> None:
    client = login(outsider)
    assert client.get(report_url(admin, program)).status_code == 404
    assert client.get(report_url(outsider, program)).status_code == 404


@pytest.mark.django_db
def test_report_pdf_anonymous_is_sent_to_log_in(client: Any, admin: Any, program: Any) -> None:
    response = client.get(report_url(admin, program))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
