"""Issue 7 in the browser: the administrator opens a program's insights in Danish, sees its
charts with their tables (pair health over time too), downloads the PDF report, switches to
English and sees them again."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from gensidig.accounts.models import Role
from gensidig.insights.snapshots import backfill_health_snapshots
from gensidig.programs.models import Program, State
from tests.browser.test_matching_flow import log_in
from tests.factories import MemberFactory, OrganisationFactory, ProgramFactory, UserFactory
from tests.insights.conftest import build_pairs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def program(transactional_db: None) -> Program:
    organisation = OrganisationFactory(name="Fjordlys Møbler A/S", slug="fjordlys")
    MemberFactory(
        organisation=organisation,
        role=Role.OWNER,
        user=UserFactory(email="admin@example.org", name="Mette Holm"),
    )
    program = ProgramFactory(
        organisation=organisation, state=State.RUNNING, name="Gensidig læring", cadence_weeks=4
    )
    build_pairs(program, 8)
    # Health week by week is read from the daily snapshots: write the pairs' past.
    backfill_health_snapshots(program=program)
    return program


def test_flow_insights_charts_in_danish_and_english(
    page: Page, live_server: Any, program: Program, screenshot: Any
) -> None:
    base = live_server.url
    log_in(page, base, "admin@example.org")
    page.goto(f"{base}/o/fjordlys/programs/{program.pk}/")
    page.get_by_role("link", name="Indsigt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Indsigt: Gensidig læring")
    expect(page.get_by_role("heading", name="Parrenes tilstand", exact=True)).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    assert page.locator("svg.chart rect.chart-bar").count() > 5
    expect(page.get_by_role("rowheader", name="På sporet")).to_be_visible()
    expect(page.get_by_role("heading", name="Parrenes tilstand over tid")).to_be_visible()
    expect(page.locator("svg.chart-series")).to_be_visible()
    assert page.locator("svg.chart-series rect.chart-state-0").count() >= 8
    expect(page.get_by_role("link", name="Hent rapporten som PDF")).to_be_visible()
    screenshot(page, "insights-da")
    with page.expect_download() as download:
        page.get_by_role("link", name="Hent rapporten som PDF").click()
    assert download.value.suggested_filename == "gensidig-laering-insights.pdf"

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Insights: Gensidig læring")
    expect(page.get_by_role("heading", name="Pair health", exact=True)).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.get_by_role("rowheader", name="On track")).to_be_visible()
    expect(page.get_by_role("heading", name="Pair health over time")).to_be_visible()
    expect(page.get_by_role("link", name="Download the report as PDF")).to_be_visible()
    screenshot(page, "insights-en")
