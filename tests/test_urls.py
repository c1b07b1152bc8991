"""Every URL pattern is guarded: anonymous visitors are sent to log in (or refused) unless the
pattern is on the explicit public list, and outsiders get 404 on every object of another
organisation."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from gensidig.accounts.models import ImportJob, Role
from gensidig.api import actions as api_actions
from gensidig.discoveries.models import Discovery, Scout
from gensidig.identity.models import DomainClaim, ScimToken
from gensidig.matching.models import Pair, Proposal, Round
from gensidig.meetings.models import Goal, Meeting
from tests.factories import (
    EnrolmentFactory,
    InvitationFactory,
    MemberFactory,
    ProgramFactory,
    TopicFactory,
)

# Pages a visitor may open without logging in, and why.
PUBLIC = {
    "common:home",  # the landing page
    "common:healthz",  # for load balancers
    "ops:readyz",  # for load balancers; checks and figures only
    "common:set_language",  # the language switcher works before login too
    "accounts:login",
    "accounts:logout",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "accounts:accept_invitation",  # the one-time token is the permission
    "common:email_opt_out",  # the signed link in an email is the permission
    "meetings:feed",  # the secret calendar token is the permission
    "api:openapi-json",  # the API's schema: documentation, no data
    "api:openapi-view",  # the API's docs page
    "api:api-root",  # /api/v1/ itself, which holds no data
    "identity:sso_page",  # an organisation's login address: public, 404 without a provider
    "identity:sso_start",
    "identity:sso_callback",  # state, nonce and the provider's signed answer are the permission
    "scim:root",  # SCIM answers 401 without the organisation's bearer token
    "scim:users",
    "scim:user",
    "scim:search",
    "scim:root_search",
    "scim:unknown",
    "scim:service_provider_config",
    "scim:resource_types",
    "scim:resource_type",
    "scim:schemas",
    "scim:schema",
    "otp_webauthn:js-i18n-catalog",  # the passkey script's translated strings, nothing else
}

# The API answers 401 (JSON) to a call without a token, where pages redirect to log in.
API_NAMESPACE = "api:"


def patterns() -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []

    def walk(items: list[Any], namespace: str) -> None:
        for item in items:
            if isinstance(item, URLResolver):
                walk(
                    item.url_patterns,
                    f"{namespace}{item.namespace}:" if item.namespace else namespace,
                )
            elif isinstance(item, URLPattern) and item.name:
                found.append((f"{namespace}{item.name}", item))

    walk(get_resolver().url_patterns, "")
    return found


def placeholder_kwargs(pattern: URLPattern) -> dict[str, Any]:
    converters = pattern.pattern.converters  # type: ignore[attr-defined]
    return {
        name: 1 if type(converter).__name__ == "IntConverter" else "x"
        for name, converter in converters.items()
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "pattern"), patterns(), ids=[name for name, _ in patterns()])
def test_url_anonymous_is_refused_unless_public(
    client: Any, name: str, pattern: URLPattern
) -> None:
    url = reverse(name, kwargs=placeholder_kwargs(pattern))
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if name in PUBLIC:
            assert response.status_code < 500, (name, method)
        elif name.startswith(API_NAMESPACE):
            assert response.status_code in {401, 404, 405}, (name, method, response.status_code)
        else:
            assert response.status_code in {302, 403, 404, 405}, (
                name,
                method,
                response.status_code,
            )
            if response.status_code == 302:
                assert response.url.startswith(reverse("accounts:login")), (name, response.url)


def test_public_list_names_only_existing_patterns() -> None:
    assert {name for name, _ in patterns()} >= PUBLIC


# How to fill each URL argument with a real object of the organisation under test. A new
# kind of argument must be added here, or the isolation test fails (on purpose).
def objects_of(organisation: Any) -> dict[str, Any]:
    program = ProgramFactory(organisation=organisation, state="enrolling")
    matching_round = Round.objects.create(program=program, number=1)
    return {
        "member_id": MemberFactory(organisation=organisation).pk,
        "invitation_id": InvitationFactory(organisation=organisation).pk,
        "job_id": ImportJob.objects.create(organisation=organisation, filename="x.csv").pk,
        "program_id": program.pk,
        "enrolment_id": EnrolmentFactory(program=program).pk,
        "topic_id": TopicFactory(organisation=organisation).pk,
        "token": program.signup_token,
        "step": "about",
        "round_id": matching_round.pk,
        "proposal_id": Proposal.objects.create(
            round=matching_round,
            program=program,
            a=EnrolmentFactory(program=program),
            b=EnrolmentFactory(program=program, side="experienced"),
        ).pk,
        "change": "lock",
        "decision": "keep",
        "choice": "accept",
        **meeting_objects(program),
        "discovery_id": Discovery.objects.create(
            organisation=organisation, title="TikTok", kind="channel", smarter_work="x"
        ).pk,
        "stage": "parked",
        "point": "month",
        "scout_id": Scout.objects.create(
            organisation=organisation, member=MemberFactory(organisation=organisation)
        ).pk,
        **api_objects(organisation),
        "scim_token_id": ScimToken.objects.create(
            organisation=organisation,
            name="Entra",
            token_hash=secrets.token_hex(32),
            prefix="gss_x",
        ).pk,
        "claim_id": DomainClaim.objects.create(organisation=organisation, domain="fjordlys.dk").pk,
    }


def api_objects(organisation: Any) -> dict[str, Any]:
    owner = MemberFactory(organisation=organisation, role=Role.OWNER)
    token, _raw = api_actions.create_token(by=owner, name="BI", scopes=["read"])
    subscription = api_actions.subscribe_webhook(
        by=owner, url="https://hooks.example.org/gensidig", events=["pair.formed"]
    )
    return {"token_id": token.pk, "subscription_id": subscription.pk}


def meeting_objects(program: Any) -> dict[str, Any]:
    pair = Pair.objects.create(
        program=program,
        a=EnrolmentFactory(program=program),
        b=EnrolmentFactory(program=program, side="experienced"),
    )
    meeting = Meeting.objects.create(
        pair=pair, proposed_by=pair.a, starts_at=pair.created_at, minutes=60, place="Kantinen"
    )
    return {
        "pair_id": pair.pk,
        "meeting_id": meeting.pk,
        "goal_id": Goal.objects.create(pair=pair, learner=pair.a, text="Strategi").pk,
        "verb": "confirm",
        "phase": "pre",
    }


ORG_PATTERNS = [(name, p) for name, p in patterns() if "org" in p.pattern.converters]  # type: ignore[attr-defined]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "pattern"), ORG_PATTERNS, ids=[name for name, _ in ORG_PATTERNS])
def test_org_url_outsider_gets_404(
    login: Any, organisation: Any, outsider: Any, name: str, pattern: URLPattern
) -> None:
    ids = objects_of(organisation)
    kwargs = {key: ids[key] for key in pattern.pattern.converters if key != "org"}  # type: ignore[attr-defined]
    client = login(outsider)
    # With the organisation's own slug: not a member, so 404.
    url = reverse(name, kwargs={"org": organisation.slug, **kwargs})
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    # With the outsider's own slug but this organisation's objects: still 404.
    if kwargs:
        url = reverse(name, kwargs={"org": outsider.organisation.slug, **kwargs})
        assert client.get(url).status_code in {404, 405}
        assert client.post(url).status_code in {404, 405}


@pytest.mark.django_db
def test_org_url_participant_gets_403_on_admin_pages(login: Any, young: Any) -> None:
    client = login(young)
    assert (
        client.get(reverse("accounts:members", kwargs={"org": young.organisation.slug})).status_code
        == 403
    )
    assert young.role == Role.PARTICIPANT
