"""Lost updates: two people saving the same charter or discovery from forms opened at the
same version; the second is refused with a "changed by someone else" page and the first
change stays."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from gensidig.accounts.models import Role
from gensidig.discoveries import actions as discovery_actions
from gensidig.discoveries.models import Discovery, Stage
from tests.discoveries.helpers import try_plan
from tests.factories import MemberFactory, UserFactory
from tests.programs.test_views import program_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _same_language_after() -> Any:
    before = translation.get_language()
    yield
    translation.activate(before)


@pytest.fixture
def second_admin(organisation: Any) -> Any:
    return MemberFactory(
        organisation=organisation,
        role=Role.ADMIN,
        user=UserFactory(email="admin2@example.org", name="Bo Admin"),
    )


def edit_url(program: Any) -> str:
    return reverse("programs:edit", kwargs={"org": "fjordlys-test", "program_id": program.pk})


def test_charter_second_save_from_same_version_is_refused(
    login: Any, admin: Any, second_admin: Any, program: Any
) -> None:
    first, second = login(admin), None
    assert first.get(edit_url(program)).context["form"]["version"].value() == 1
    first.post(edit_url(program), {**program_form_data(name="Ændret af Anne"), "version": "1"})
    second = login(second_admin)
    response = second.post(
        edit_url(program),
        {**program_form_data(name="Ændret af Bo"), "version": "1"},
        HTTP_ACCEPT_LANGUAGE="da",
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Ændret af en anden" in page
    assert edit_url(program) in page
    program.refresh_from_db()
    assert (program.name, program.version) == ("Ændret af Anne", 2)


def test_charter_save_at_current_version_is_saved(login: Any, admin: Any, program: Any) -> None:
    client = login(admin)
    client.post(edit_url(program), {**program_form_data(name="Første"), "version": "1"})
    client.post(edit_url(program), {**program_form_data(name="Anden"), "version": "2"})
    program.refresh_from_db()
    assert (program.name, program.version) == ("Anden", 3)


def test_changed_page_is_english_too(
    login: Any, admin: Any, second_admin: Any, program: Any
) -> None:
    login(admin).post(edit_url(program), {**program_form_data(name="A"), "version": "1"})
    response = login(second_admin).post(
        edit_url(program),
        {**program_form_data(name="B"), "version": "1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    assert "Your changes were not saved, so theirs are not lost." in response.content.decode()


@pytest.fixture
def adopted(organisation: Any, admin: Any, experienced: Any, young: Any) -> Discovery:
    discovery = discovery_actions.submit_discovery(
        organisation=organisation,
        by=young,
        title="Canva",
        kind="tool",
        smarter_work="x",
        link="",
    )
    discovery_actions.move_discovery(
        discovery=discovery, by=admin, to=Stage.TRYING, **try_plan(experienced, young)
    )
    return discovery_actions.move_discovery(discovery=discovery, by=admin, to=Stage.ADOPTED)


def test_discovery_effect_second_save_from_same_version_is_refused(
    login: Any, admin: Any, second_admin: Any, adopted: Discovery
) -> None:
    url = reverse("discoveries:effect", kwargs={"org": "fjordlys-test", "discovery_id": adopted.pk})
    detail = login(admin).get(
        reverse("discoveries:detail", kwargs={"org": "fjordlys-test", "discovery_id": adopted.pk})
    )
    version = adopted.version
    assert f'name="version" value="{version}"' in detail.content.decode()
    form = {"cost_per_month": "", "effect_notes": "", "version": str(version)}
    login(admin).post(url, {**form, "hours_saved_per_month": "10"})
    response = login(second_admin).post(url, {**form, "hours_saved_per_month": "20"})
    assert response.status_code == 409
    adopted.refresh_from_db()
    assert adopted.hours_saved_per_month == Decimal("10")
    assert adopted.effects.count() == 1


def test_discovery_move_from_stale_page_is_refused(
    login: Any, admin: Any, organisation: Any, young: Any, experienced: Any
) -> None:
    discovery = discovery_actions.submit_discovery(
        organisation=organisation, by=young, title="Miro", kind="tool", smarter_work="x", link=""
    )
    stale = discovery.version
    discovery_actions.sponsor_discovery(discovery=discovery, by=experienced)
    url = reverse(
        "discoveries:move",
        kwargs={"org": "fjordlys-test", "discovery_id": discovery.pk, "stage": "trying"},
    )
    plan = try_plan(experienced, young)
    response = login(admin).post(
        url,
        {
            "submitted": "1",
            "version": str(stale),
            "sponsor": admin.pk,
            "owner": young.pk,
            "plan_what": plan["plan_what"],
            "plan_until": plan["plan_until"].isoformat(),
            "plan_success": plan["plan_success"],
        },
    )
    assert response.status_code == 409
    discovery.refresh_from_db()
    assert (discovery.stage, discovery.sponsor) == (Stage.SPOTTED, experienced)
