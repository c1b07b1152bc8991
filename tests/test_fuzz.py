"""No page answers 5xx to odd input: every URL of an organisation, opened and posted to as
each role (owner, a partner of a pair, a participant outside it) with bad values in every
field the page shows and in the query parameters the views read.

The fields are those the page's own HTML names (inputs, selects, text areas and buttons),
plus the names views read that no page shows; the values are what a tampered or badly
pasted form sends: digits `int()` refuses ("²"), huge and negative numbers, a NUL byte,
very long text, a date that is none, a Danish number that reads two ways."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import URLPattern, reverse

from gensidig.matching.models import Pair
from gensidig.programs import actions as program_actions
from gensidig.programs.models import Enrolment, TopicKind
from tests.factories import TopicFactory
from tests.test_urls import ORG_PATTERNS, objects_of

BAD = ["²", "-1", "99999999999999999999", "1.234,5", "\x00", "x" * 3000, "2026-02-30", ""]
QUERY = ["tag", "sort", "stage", "from", "to", "layout", "q", "other", "table", "page", "next"]
# Names views read from a POST that are not always on the page that shows the form.
EXTRA = ["add", "remove", "confirm", "withdraw", "next", "submitted", "stay", "version", "token"]
FIELD = re.compile(r"<(?:input|select|textarea|button)\b[^>]*?\bname=\"([^\"]+)\"")
STEPS = ["about", "share", "learn", "practical", "wishes", "charter"]


def names_on(html: str) -> set[str]:
    return {name for name in FIELD.findall(html) if name != "csrfmiddlewaretoken"}


def urls_for(pattern: URLPattern, name: str, ids: dict[str, Any], slug: str) -> list[str]:
    keys = [key for key in pattern.pattern.converters if key != "org"]  # type: ignore[attr-defined]
    kwargs = {key: ids[key] for key in keys}
    if "step" in kwargs:
        return [reverse(name, kwargs={"org": slug, **kwargs, "step": step}) for step in STEPS]
    return [reverse(name, kwargs={"org": slug, **kwargs})]


@pytest.fixture
def world(organisation: Any, admin: Any, young: Any) -> dict[str, Any]:
    ids = objects_of(organisation)
    pair = Pair.objects.select_related("a__member", "a__program").get(pk=ids["pair_id"])
    # The partner has chosen topics, so the wizard shows (and reads) level-<id> fields.
    enrolment: Enrolment = pair.a
    for kind in (TopicKind.SHARE, TopicKind.WANT):
        program_actions.add_profile_topic(
            enrolment=enrolment, topic=TopicFactory(organisation=organisation), kind=kind
        )
    return {
        "ids": ids,
        "roles": {"owner": admin, "partner": pair.a.member, "participant": young},
        "topic": TopicFactory(organisation=organisation).pk,
    }


def fuzz(client: Any, url: str, topic: int) -> list[tuple[str, str, int]]:
    failures = []
    bad_query = "&".join(f"{key}=%C2%B2" for key in QUERY)
    page = client.get(url)
    if page.status_code >= 500:
        failures.append(("GET", url, page.status_code))
    response = client.get(f"{url}?{bad_query}")
    if response.status_code >= 500:
        failures.append(("GET", f"{url}?{bad_query}", response.status_code))
    html = page.content.decode(errors="replace") if page.status_code == 200 else ""
    names = names_on(html) | set(EXTRA) | {f"level-{topic}"}
    for value in BAD:
        data = dict.fromkeys(names, value)
        response = client.post(url, data)
        if response.status_code >= 500:
            failures.append(("POST", f"{url} {value[:12]!r}", response.status_code))
    return failures


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "pattern"), ORG_PATTERNS, ids=[name for name, _ in ORG_PATTERNS])
def test_org_url_bad_input_never_answers_5xx(
    login: Any, organisation: Any, world: dict[str, Any], name: str, pattern: URLPattern
) -> None:
    failures = []
    for role, member in world["roles"].items():
        client = login(member)
        client.raise_request_exception = False
        for url in urls_for(pattern, name, world["ids"], organisation.slug):
            failures += [(role, *failure) for failure in fuzz(client, url, world["topic"])]
    assert failures == []


@pytest.mark.django_db
def test_board_tag_superscript_two_is_ignored_not_500(
    login: Any, organisation: Any, young: Any
) -> None:
    url = reverse("discoveries:board", kwargs={"org": organisation.slug})
    client = login(young)
    assert client.get(url, {"tag": "²"}).status_code == 200
    assert client.get(url, {"tag": "99999999999999999999"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["remove", "add", "level"])
def test_profile_wizard_superscript_two_answers_400_and_saves_nothing(
    login: Any, organisation: Any, world: dict[str, Any], field: str
) -> None:
    partner = world["roles"]["partner"]
    enrolment = Enrolment.objects.get(program_id=world["ids"]["program_id"], member=partner)
    row = enrolment.topics.filter(kind=TopicKind.SHARE).get()
    url = reverse(
        "programs:profile_step",
        kwargs={"org": organisation.slug, "program_id": enrolment.program_id, "step": "share"},
    )
    name = f"level-{row.topic_id}" if field == "level" else field
    response = login(partner).post(url, {name: "²", "other": "Snapchat"})
    assert response.status_code == 400
    enrolment.refresh_from_db()
    assert enrolment.share_other == ""
    assert enrolment.topics.filter(kind=TopicKind.SHARE).count() == 1
