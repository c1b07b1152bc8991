from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from gensidig.accounts.models import Role
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_home_anonymous_shows_landing_in_browser_language(client: Any) -> None:
    response = client.get(reverse("common:home"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert "Learn from each other, both ways" in response.content.decode()
    response = client.get(reverse("common:home"), HTTP_ACCEPT_LANGUAGE="da-DK")
    assert "Lær af hinanden, begge veje" in response.content.decode()


def test_home_single_membership_redirects_to_dashboard(login: Any, young: Any) -> None:
    response = login(young).get(reverse("common:home"))
    assert response.url == reverse("common:dashboard", kwargs={"org": "fjordlys-test"})


def test_home_several_memberships_goes_to_switcher_then_remembers(
    login: Any, young: Any, other_organisation: Any
) -> None:
    MemberFactory(organisation=other_organisation, user=young.user)
    client = login(young)
    response = client.get(reverse("common:home"))
    assert response.url == reverse("common:organisations")
    page = client.get(response.url).content.decode()
    assert "Fjordlys Test A/S" in page and "Andet Firma ApS" in page
    client.get(reverse("common:dashboard", kwargs={"org": "andet-firma"}))
    assert client.get(reverse("common:home")).url == reverse(
        "common:dashboard", kwargs={"org": "andet-firma"}
    )


def test_organisations_without_membership_shows_empty_state(login: Any, db: None) -> None:
    from tests.factories import UserFactory

    response = login(UserFactory()).get(reverse("common:organisations"), HTTP_ACCEPT_LANGUAGE="en")
    assert "You are not a member of any organisation yet" in response.content.decode()


def test_dashboard_admin_sees_figures(login: Any, admin: Any, young: Any) -> None:
    response = login(admin).get(reverse("common:dashboard", kwargs={"org": "fjordlys-test"}))
    assert response.context["member_count"] == 3
    assert response.context["invitation_count"] == 0


def test_dashboard_participant_sees_no_figures(login: Any, young: Any) -> None:
    response = login(young).get(reverse("common:dashboard", kwargs={"org": "fjordlys-test"}))
    assert response.status_code == 200
    assert "member_count" not in response.context


def test_dashboard_inactive_member_gets_404(login: Any, young: Any) -> None:
    young.is_active = False
    young.save()
    assert (
        login(young).get(reverse("common:dashboard", kwargs={"org": "fjordlys-test"})).status_code
        == 404
    )


def test_set_language_sets_cookie_and_remembers_on_account(login: Any, young: Any) -> None:
    client = login(young)
    response = client.post(
        reverse("common:set_language"), {"language": "en", "next": "/organisations/"}
    )
    assert response.url == "/organisations/"
    assert response.cookies["django_language"].value == "en"
    young.user.refresh_from_db()
    assert young.user.language == "en"
    page = client.get(
        reverse("common:dashboard", kwargs={"org": "fjordlys-test"}), HTTP_ACCEPT_LANGUAGE="da"
    )
    assert "Welcome, Ida" in page.content.decode()


def test_set_language_refuses_foreign_redirect_and_unknown_language(client: Any) -> None:
    response = client.post(
        reverse("common:set_language"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response.url == reverse("common:home")
    assert "django_language" not in response.cookies


def test_healthz_answers_ok(client: Any) -> None:
    assert client.get(reverse("common:healthz")).json() == {"status": "ok"}


def test_error_404_page_in_both_languages(client: Any) -> None:
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="da")
    assert response.status_code == 404
    assert "Vi kunne ikke finde siden" in response.content.decode()
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert "We could not find that page" in response.content.decode()


def test_error_403_page_is_translated(login: Any, young: Any) -> None:
    response = login(young).get(
        reverse("accounts:members", kwargs={"org": "fjordlys-test"}), HTTP_ACCEPT_LANGUAGE="da"
    )
    assert response.status_code == 403
    assert "Du har ikke adgang til denne side" in response.content.decode()


def test_error_500_page_is_translated(rf: Any) -> None:
    from django.utils import translation

    from gensidig.common.views import error_500

    with translation.override("da"):
        response = error_500(rf.get("/"))
    assert response.status_code == 500
    assert "Der gik noget galt hos os" in response.content.decode()


def test_pages_carry_csp_without_inline_script_or_style(client: Any) -> None:
    response = client.get(reverse("accounts:login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    html = response.content.decode()
    assert "<style" not in html and " style=" not in html
    assert '<script src="/static/django_htmx/htmx-2.min.js"' in html
    assert "<script>" not in html


def test_static_htmx_is_served_by_whitenoise(live_server: Any) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{live_server.url}/static/django_htmx/htmx-2.min.js") as response:
        assert response.status == 200
        assert b"htmx" in response.read(2000)


def test_member_detail_change_role(login: Any, admin: Any, young: Any) -> None:
    client = login(admin)
    url = reverse("accounts:member_detail", kwargs={"org": "fjordlys-test", "member_id": young.pk})
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Erik Erfaren" in page  # the manager is shown
    response = client.post(url, {"role": Role.ADMIN})
    assert response.url == url
    young.refresh_from_db()
    assert young.role == Role.ADMIN


def test_member_detail_last_owner_cannot_step_down(login: Any, admin: Any) -> None:
    url = reverse("accounts:member_detail", kwargs={"org": "fjordlys-test", "member_id": admin.pk})
    response = login(admin).post(url, {"role": Role.PARTICIPANT}, HTTP_ACCEPT_LANGUAGE="en")
    assert "The organisation needs at least one owner." in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == Role.OWNER


def test_member_detail_admin_cannot_demote_owner(login: Any, admin: Any, experienced: Any) -> None:
    experienced.role = Role.ADMIN
    experienced.save()
    url = reverse("accounts:member_detail", kwargs={"org": "fjordlys-test", "member_id": admin.pk})
    login(experienced).post(url, {"role": Role.PARTICIPANT})
    admin.refresh_from_db()
    assert admin.role == Role.OWNER


def test_members_list_shows_members_and_open_invitations(
    login: Any, admin: Any, young: Any
) -> None:
    from tests.factories import InvitationFactory

    InvitationFactory(organisation=admin.organisation, email="pending@example.org")
    page = login(admin).get(
        reverse("accounts:members", kwargs={"org": "fjordlys-test"}), HTTP_ACCEPT_LANGUAGE="en"
    )
    html = page.content.decode()
    assert "Ida Ung" in html and "pending@example.org" in html and "3 members" in html


def test_dates_follow_the_language(login: Any, admin: Any) -> None:
    from datetime import UTC, datetime

    from tests.factories import InvitationFactory

    InvitationFactory(
        organisation=admin.organisation, expires_at=datetime(2027, 3, 5, 12, tzinfo=UTC)
    )
    client = login(admin)
    url = reverse("accounts:members", kwargs={"org": "fjordlys-test"})
    assert "Gyldig til 5. marts 2027" in client.get(url, HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert (
        "Valid until March 5, 2027" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_dashboard_participant_sees_partner_and_next_meeting(
    login: Any, young: Any, admin: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from gensidig.matching.models import Pair
    from gensidig.meetings.models import Meeting
    from tests.factories import EnrolmentFactory, ProgramFactory

    program = ProgramFactory(organisation=young.organisation, state="running", name="Gensidig 2027")
    mine = EnrolmentFactory(program=program, member=young)
    theirs = EnrolmentFactory(program=program, member=admin, side="experienced")
    pair = Pair.objects.create(program=program, a=mine, b=theirs)
    Meeting.objects.create(
        pair=pair,
        starts_at=timezone.now() + timedelta(days=2),
        minutes=60,
        proposed_by=mine,
        status=Meeting.Status.CONFIRMED,
    )
    page = (
        login(young)
        .get(
            reverse("common:dashboard", kwargs={"org": "fjordlys-test"}), HTTP_ACCEPT_LANGUAGE="en"
        )
        .content.decode()
    )
    assert reverse("meetings:pair", kwargs={"org": "fjordlys-test", "pair_id": pair.pk}) in page
    assert "Anne Admin" in page and "Next meeting:" in page and "On track" in page


def test_dashboard_links_to_an_unanswered_pulse(login: Any, young: Any) -> None:
    from gensidig.insights.models import PulseInvite
    from tests.factories import EnrolmentFactory, ProgramFactory

    program = ProgramFactory(organisation=young.organisation, state="running", name="Gensidig 2027")
    enrolment = EnrolmentFactory(program=program, member=young)
    invite = PulseInvite.objects.create(program=program, enrolment=enrolment, point="month")
    client = login(young)
    url = reverse("common:dashboard", kwargs={"org": "fjordlys-test"})
    pulse_url = reverse(
        "insights:pulse",
        kwargs={"org": "fjordlys-test", "program_id": program.pk, "point": "month"},
    )
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A short pulse from Gensidig 2027 is waiting for your answers." in page
    assert pulse_url in page
    invite.answered_at = invite.sent_at
    invite.save()
    assert pulse_url not in client.get(url).content.decode()
