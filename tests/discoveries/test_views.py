"""The pages: who may see and do what, the vote, the CSV, duplicates, email and erasure."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse

from gensidig.accounts import actions as account_actions
from gensidig.accounts.queries import personal_data
from gensidig.common.models import EmailOptOut
from gensidig.discoveries import actions, queries
from gensidig.discoveries.models import Discovery, Scout, Stage, Vote
from tests.discoveries.helpers import try_plan
from tests.factories import MemberFactory, TopicFactory

pytestmark = pytest.mark.django_db


def url(name: str, organisation: Any, **kwargs: Any) -> str:
    return reverse(f"discoveries:{name}", kwargs={"org": organisation.slug, **kwargs})


def test_board_member_sees_discovery_and_outsider_gets_404(
    login: Any, organisation: Any, discovery: Any, experienced: Any, outsider: Any
) -> None:
    page = login(experienced).get(url("board", organisation), HTTP_ACCEPT_LANGUAGE="da")
    assert page.status_code == 200
    assert "Canva-skabeloner til opslag" in page.content.decode()
    assert login(outsider).get(url("board", organisation)).status_code == 404
    detail = url("detail", organisation, discovery_id=discovery.pk)
    assert login(outsider).get(detail).status_code == 404


def test_submit_by_participant_creates_spotted_discovery_with_safe_link(
    login: Any, organisation: Any, young: Any
) -> None:
    topic = TopicFactory(organisation=organisation, name_da="Kunstig intelligens")
    client = login(young)
    response = client.post(
        url("new", organisation),
        {
            "title": "ChatGPT til produkttekster",
            "kind": "tool",
            "smarter_work": "Produkttekster til webshoppen, for e-handel.",
            "link": "https://chat.openai.com/",
            "topics": [topic.pk],
        },
    )
    discovery = Discovery.objects.get()
    assert response.status_code == 302
    assert discovery.found_by == young
    assert discovery.stage == Stage.SPOTTED
    assert list(discovery.topics.all()) == [topic]
    page = client.get(response.url).content.decode()
    assert '<a href="https://chat.openai.com/" rel="noopener noreferrer" target="_blank">' in page


def test_submit_with_script_link_is_refused(login: Any, organisation: Any, young: Any) -> None:
    response = login(young).post(
        url("new", organisation),
        {"title": "X", "kind": "tool", "smarter_work": "y", "link": "javascript:alert(1)"},
    )
    assert response.status_code == 200
    assert not Discovery.objects.exists()


def test_move_by_participant_gets_403_unless_sponsor(
    login: Any, organisation: Any, discovery: Any, young: Any, experienced: Any
) -> None:
    park = url("move", organisation, discovery_id=discovery.pk, stage="parked")
    assert login(young).post(park).status_code == 403
    actions.sponsor_discovery(discovery=discovery, by=experienced)
    response = login(experienced).post(park, {"next": "board"})
    assert response.status_code == 302
    assert response.url == url("board", organisation)
    board = login(experienced).get(response.url).content.decode()
    assert board.count("er nu: Parkeret.") == 1  # told once, in the page's own messages
    discovery.refresh_from_db()
    assert discovery.stage == Stage.PARKED


def test_move_with_htmx_returns_the_board(
    login: Any, organisation: Any, discovery: Any, admin: Any
) -> None:
    response = login(admin).post(
        url("move", organisation, discovery_id=discovery.pk, stage="parked"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver" + url("board", organisation) + "?layout=list",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="board"')
    assert "discovery-list" in body  # the filters of the page were kept
    assert "<html" not in body
    assert "“Canva-skabeloner til opslag” is now: Parked." in body


def test_move_to_trying_form_page_then_submit(
    login: Any, organisation: Any, discovery: Any, admin: Any, experienced: Any, young: Any
) -> None:
    trying = url("move", organisation, discovery_id=discovery.pk, stage="trying")
    client = login(admin)
    assert client.get(trying).status_code == 200
    response = client.post(
        trying,
        {
            "submitted": "1",
            "sponsor": experienced.pk,
            "owner": young.pk,
            "plan_what": "Ti opslag.",
            "plan_until": "2027-03-01",
            "plan_success": "Halv tid.",
        },
    )
    assert response.status_code == 302
    discovery.refresh_from_db()
    assert (discovery.stage, discovery.sponsor, discovery.owner) == (
        Stage.TRYING,
        experienced,
        young,
    )


def test_move_unknown_stage_gets_404(
    login: Any, organisation: Any, discovery: Any, admin: Any
) -> None:
    bad = url("move", organisation, discovery_id=discovery.pk, stage="launched")
    assert login(admin).post(bad).status_code == 404


def test_support_double_submit_creates_one_vote(
    login: Any, organisation: Any, discovery: Any, experienced: Any
) -> None:
    client = login(experienced)
    support = url("support", organisation, discovery_id=discovery.pk)
    client.post(support)
    client.post(support)
    assert Vote.objects.filter(discovery=discovery).count() == 1
    assert actions.support_discovery(discovery=discovery, by=experienced) is False
    client.post(support, {"withdraw": "1"})
    assert Vote.objects.count() == 0


def test_vote_twice_is_stopped_by_the_database(discovery: Any, experienced: Any) -> None:
    Vote.objects.create(discovery=discovery, member=experienced)
    with pytest.raises(IntegrityError):
        Vote.objects.create(discovery=discovery, member=experienced)


def test_board_sorts_by_support_and_filters_by_stage_and_tag(
    organisation: Any, discovery: Any, young: Any, experienced: Any, admin: Any
) -> None:
    topic = TopicFactory(organisation=organisation)
    other = actions.submit_discovery(
        organisation=organisation,
        by=young,
        title="TikTok i showroomet",
        kind="channel",
        smarter_work="Salg",
        topics=[topic],
    )
    actions.support_discovery(discovery=other, by=experienced)
    actions.support_discovery(discovery=other, by=admin)
    actions.support_discovery(discovery=discovery, by=admin)
    assert [d.title for d in queries.board(organisation, sort="support")] == [
        "TikTok i showroomet",
        "Canva-skabeloner til opslag",
    ]
    assert [d.pk for d in queries.board(organisation, sort="new")] == [other.pk, discovery.pk]
    assert [d.pk for d in queries.board(organisation, tag=topic.pk)] == [other.pk]
    actions.move_discovery(discovery=discovery, by=admin, to=Stage.PARKED)
    assert [d.pk for d in queries.board(organisation, stage="parked")] == [discovery.pk]
    assert [d.pk for d in queries.board(organisation, sort="stage")] == [other.pk, discovery.pk]


def test_export_csv_has_rows_and_no_formula_cells(
    login: Any, organisation: Any, admin: Any, young: Any
) -> None:
    actions.submit_discovery(
        organisation=organisation,
        by=young,
        title='=HYPERLINK("http://evil","klik")',
        kind="tool",
        smarter_work="@SUM(1)",
    )
    response = login(admin).get(url("export", organisation), HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode("utf-8")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["Title", "What it is", "Stage", "Found by"]
    assert rows[1][:4] == ['\'=HYPERLINK("http://evil","klik")', "Tool", "Spotted", "Ida Ung"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_export_csv_by_participant_gets_403(login: Any, organisation: Any, young: Any) -> None:
    assert login(young).get(url("export", organisation)).status_code == 403


def test_similar_title_is_suggested_while_typing(
    login: Any, organisation: Any, discovery: Any, experienced: Any
) -> None:
    response = login(experienced).get(
        url("similar", organisation), {"title": "canva skabelóner"}, HTTP_HX_REQUEST="true"
    )
    assert "Canva-skabeloner til opslag" in response.content.decode()
    response = login(experienced).get(url("similar", organisation), {"title": "Lagerrobot"})
    assert "Canva" not in response.content.decode()


def test_submit_similar_title_asks_to_confirm_then_saves(
    login: Any, organisation: Any, discovery: Any, experienced: Any
) -> None:
    data = {"title": "Skabeloner i Canva", "kind": "tool", "smarter_work": "Nyhedsbreve."}
    client = login(experienced)
    response = client.post(url("new", organisation), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Something like this is already on the board" in response.content.decode()
    assert Discovery.objects.count() == 1
    response = client.post(url("new", organisation), {**data, "confirm_new": "on"})
    assert response.status_code == 302
    assert Discovery.objects.count() == 2


def test_similarity_ignores_case_and_diacritics() -> None:
    assert queries.similarity("Kundechat på hjemmesiden", "KUNDECHAT PAA HJEMMESIDEN") == 1.0
    assert queries.similarity("Videorobot", "Canva") < queries.SIMILAR_ENOUGH


def test_update_emails_finder_sponsor_owner_but_not_the_mover(
    discovery: Any, admin: Any, experienced: Any, young: Any
) -> None:
    owner = MemberFactory(organisation=discovery.organisation)
    mail.outbox.clear()
    actions.move_discovery(
        discovery=discovery, by=admin, to=Stage.TRYING, **try_plan(experienced, owner)
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [young.user.email, experienced.user.email, owner.user.email]
    )
    body = next(m.body for m in mail.outbox if m.to == [young.user.email])
    assert "Anne Admin tog “Canva-skabeloner til opslag” ind i en afprøvning." in body
    assert "/email/stop/" in body
    mail.outbox.clear()
    actions.add_comment(discovery=discovery, by=experienced, text="Godt fund!")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([young.user.email, owner.user.email])


def test_update_email_switched_off_is_not_sent(discovery: Any, admin: Any, young: Any) -> None:
    EmailOptOut.objects.create(user=young.user, kind=actions.DISCOVERY_UPDATES)
    mail.outbox.clear()
    actions.add_comment(discovery=discovery, by=admin, text="Spændende.")
    assert mail.outbox == []


def test_erase_finder_keeps_the_board_with_a_former_member(
    login: Any, organisation: Any, discovery: Any, admin: Any, young: Any
) -> None:
    actions.add_comment(discovery=discovery, by=young, text="Prøv den gratis version.")
    actions.support_discovery(discovery=discovery, by=young)
    account_actions.erase_account(user=young.user)
    discovery.refresh_from_db()
    assert discovery.found_by is None
    assert discovery.comments.get().author is None
    assert Vote.objects.count() == 0
    page = (
        login(admin)
        .get(url("detail", organisation, discovery_id=discovery.pk), HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert "a former member" in page
    assert login(admin).get(url("board", organisation)).status_code == 200
    assert login(admin).get(url("export", organisation)).status_code == 200


def test_personal_data_has_own_discoveries_comments_and_votes(
    discovery: Any, young: Any, experienced: Any
) -> None:
    actions.add_comment(discovery=discovery, by=young, text="Mit fund.")
    actions.support_discovery(discovery=discovery, by=young)
    data = personal_data(young.user)
    assert [d["title"] for d in data["discoveries_found"]] == ["Canva-skabeloner til opslag"]
    assert [c["text"] for c in data["discovery_comments"]] == ["Mit fund."]
    assert [v["discovery"] for v in data["discovery_votes"]] == ["Canva-skabeloner til opslag"]
    assert personal_data(experienced.user)["discoveries_found"] == []


def test_scouts_named_by_admin_and_refused_for_participant(
    login: Any, organisation: Any, admin: Any, young: Any, experienced: Any
) -> None:
    assert login(young).post(url("scouts", organisation), {"member": young.pk}).status_code == 403
    response = login(admin).post(url("scouts", organisation), {"member": young.pk})
    assert response.status_code == 302
    scout = Scout.objects.get()
    assert (scout.member, scout.program) == (young, None)
    page = login(experienced).get(url("scouts", organisation)).content.decode()
    assert "Ida Ung" in page
    remove = url("remove_scout", organisation, scout_id=scout.pk)
    assert login(young).post(remove).status_code == 403
    login(admin).post(remove)
    assert not Scout.objects.exists()


def test_finds_page_shows_what_became_of_each_find(
    login: Any, organisation: Any, discovery: Any, admin: Any, young: Any
) -> None:
    actions.move_discovery(discovery=discovery, by=admin, to=Stage.DROPPED, reason="For dyrt.")
    page = (
        login(young)
        .get(url("finds", organisation, member_id=young.pk), HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert "My finds" in page
    assert "For dyrt." in page


def test_detail_effect_and_comment_forms_post(
    login: Any, organisation: Any, discovery: Any, admin: Any, experienced: Any, young: Any
) -> None:
    actions.move_discovery(
        discovery=discovery, by=admin, to=Stage.TRYING, **try_plan(experienced, young)
    )
    actions.move_discovery(discovery=discovery, by=experienced, to=Stage.ADOPTED)
    client = login(experienced)
    client.post(
        url("effect", organisation, discovery_id=discovery.pk),
        {"hours_saved_per_month": "4", "cost_per_month": "0", "effect_notes": "Hurtigere."},
    )
    client.post(url("comment", organisation, discovery_id=discovery.pk), {"text": "Virker!"})
    discovery.refresh_from_db()
    assert discovery.hours_saved_per_month == 4
    assert discovery.comments.get().text == "Virker!"
    assert client.post(url("sponsor", organisation, discovery_id=discovery.pk)).status_code == 302
