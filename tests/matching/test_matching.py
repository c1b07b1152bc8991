from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from gensidig.matching import actions
from gensidig.matching.models import Exclusion, Pair, Proposal, Round
from gensidig.programs.models import State

pytestmark = pytest.mark.django_db


def url(name: str, program: Any, **kwargs: Any) -> str:
    return reverse(
        f"matching:{name}", kwargs={"org": "fjordlys-test", "program_id": program.pk, **kwargs}
    )


def pairs_of(program: Any, *statuses: str) -> set[tuple[str, str]]:
    proposals = Proposal.objects.filter(program=program)
    if statuses:
        proposals = proposals.filter(status__in=statuses)
    return {(p.a.member.user.name, p.b.member.user.name) for p in proposals}


def test_start_round_proposes_two_way_pairs_outside_reporting_line(
    login: Any, admin: Any, cohort: Any
) -> None:
    program = cohort["program"]
    response = login(admin).post(url("start_round", program))
    assert response.url == url("rounds", program)
    matching_round = Round.objects.get(program=program)
    assert matching_round.status == Round.Status.DONE
    assert matching_round.gap == 0
    # Ida reports to Erik, so she is paired with Poul even though Erik wants what she shares.
    assert pairs_of(program) == {("Ida Ung", "Poul Erfaren"), ("Freja Ung", "Erik Erfaren")}
    ida_poul = Proposal.objects.get(a=cohort["young"])
    assert ida_poul.b == cohort["poul"]
    assert ida_poul.teaches_a_to_b == ["tiktok", "ai"]
    assert ida_poul.teaches_b_to_a == ["history", "strategy"]
    assert ida_poul.status == Proposal.Status.DRAFT


def test_rounds_page_shows_explanation_figures_and_unmatched(
    login: Any, admin: Any, cohort: Any
) -> None:
    program = cohort["program"]
    client = login(admin)
    client.post(url("start_round", program))
    page = client.get(url("rounds", program), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Ida Ung can teach" in page and "TikTok, AI tools" in page
    assert "Company history, Strategy" in page
    # The engine's reasons name topics by their catalogue name, not their short name.
    assert "can teach Poul Erfaren TikTok and AI tools" in page
    assert "pairs learning both ways" in page
    assert "How far from the best, at most" in page


def test_rounds_page_before_any_round_shows_empty_state(
    login: Any, admin: Any, cohort: Any
) -> None:
    page = (
        login(admin)
        .get(url("rounds", cohort["program"]), HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert "No rounds yet" in page


def test_start_round_refused_outside_matching_state(login: Any, admin: Any, cohort: Any) -> None:
    program = cohort["program"]
    program.state = State.ENROLLING
    program.save()
    client = login(admin)
    response = client.post(url("start_round", program), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "only while the program is matching participants" in response.content.decode()
    assert not Round.objects.exists()


def test_lock_keeps_pair_when_round_runs_again(admin: Any, cohort: Any) -> None:
    program = cohort["program"]
    actions.start_round(program=program, by=admin)
    proposal = Proposal.objects.get(a=cohort["young"])
    actions.lock_proposal(proposal=proposal)
    second = actions.start_round(program=program, by=admin)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DRAFT and proposal.locked
    assert proposal.round == second
    assert (
        Proposal.objects.filter(
            program=program, status=Proposal.Status.DRAFT, a=cohort["young"]
        ).count()
        == 1
    )


def test_exclude_view_removes_pair_and_next_round_avoids_it(
    login: Any, admin: Any, cohort: Any
) -> None:
    program = cohort["program"]
    client = login(admin)
    client.post(url("start_round", program))
    proposal = Proposal.objects.get(a=cohort["young"])
    client.post(url("change_proposal", program, proposal_id=proposal.pk, change="exclude"))
    assert Exclusion.objects.filter(a=cohort["young"], b=cohort["poul"]).exists()
    client.post(url("start_round", program))
    current = Proposal.objects.filter(program=program, status=Proposal.Status.DRAFT)
    assert not current.filter(a=cohort["young"], b=cohort["poul"]).exists()


def test_lock_and_unlock_views(login: Any, admin: Any, cohort: Any) -> None:
    program = cohort["program"]
    client = login(admin)
    client.post(url("start_round", program))
    proposal = Proposal.objects.get(a=cohort["young"])
    client.post(url("change_proposal", program, proposal_id=proposal.pk, change="lock"))
    proposal.refresh_from_db()
    assert proposal.locked
    client.post(url("change_proposal", program, proposal_id=proposal.pk, change="unlock"))
    proposal.refresh_from_db()
    assert not proposal.locked
    assert (
        client.post(
            url("change_proposal", program, proposal_id=proposal.pk, change="boom")
        ).status_code
        == 404
    )


def test_swap_exchanges_partners_and_locks_both(login: Any, admin: Any, cohort: Any) -> None:
    program = cohort["program"]
    client = login(admin)
    client.post(url("start_round", program))
    drafts = list(Proposal.objects.filter(program=program, status="draft").order_by("pk"))
    if len(drafts) < 2:
        pytest.fail(f"expected two proposals, got {pairs_of(program)}")
    first, second = drafts
    b_first, b_second = first.b_id, second.b_id
    client.post(url("swap", program), {"first": first.pk, "second": second.pk})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.b_id, second.b_id) == (b_second, b_first)
    assert first.locked and second.locked


def test_pair_by_hand_warns_about_broken_rule_and_needs_reason(
    login: Any, admin: Any, cohort: Any
) -> None:
    program = cohort["program"]
    client = login(admin)
    client.post(url("start_round", program))
    data = {"a": cohort["young"].pk, "b": cohort["experienced"].pk, "reason": ""}
    response = client.post(url("pair_by_hand", program), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "one is in the other&#x27;s reporting line" in response.content.decode()
    assert not Proposal.objects.filter(manual=True).exists()
    data["reason"] = "Erik skifter afdeling i februar."
    response = client.post(url("pair_by_hand", program), data)
    assert response.url == url("rounds", program)
    manual = Proposal.objects.get(manual=True)
    assert (manual.a, manual.b, manual.locked) == (cohort["young"], cohort["experienced"], True)
    assert manual.broken_rules == ["reporting_line"]
    assert manual.manual_reason == "Erik skifter afdeling i februar."
    # Ida's earlier draft with Poul gave way.
    assert not Proposal.objects.filter(a=cohort["young"], b=cohort["poul"], status="draft").exists()


def test_pair_by_hand_page_renders(login: Any, admin: Any, cohort: Any) -> None:
    response = login(admin).get(url("pair_by_hand", cohort["program"]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Young partner" in response.content.decode()


def publish_all(client: Any, program: Any) -> Round:
    client.post(url("start_round", program))
    matching_round = Round.objects.get(program=program)
    client.post(url("publish", program, round_id=matching_round.pk))
    return matching_round


def test_publish_emails_both_partners_in_their_language(
    login: Any, admin: Any, cohort: Any
) -> None:
    program = cohort["program"]
    cohort["poul"].member.user.language = "en"
    cohort["poul"].member.user.save()
    publish_all(login(admin), program)
    proposal = Proposal.objects.get(a=cohort["young"])
    assert proposal.status == Proposal.Status.PUBLISHED
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects["ung@example.org"] == "Din foreslåede partner i Gensidig 2027"
    assert subjects["poul@example.org"] == "Your proposed partner in Gensidig 2027"


def test_participant_sees_only_own_proposal_with_explanation(
    login: Any, admin: Any, cohort: Any
) -> None:
    program = cohort["program"]
    publish_all(login(admin), program)
    page = login(cohort["young"].member).get(url("my_match", program), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Poul Erfaren" in html
    assert "TikTok, AI tools" in html  # what Ida can teach Poul
    assert "Freja Ung" not in html


def test_participant_before_publishing_sees_empty_state(
    login: Any, admin: Any, cohort: Any
) -> None:
    program = cohort["program"]
    actions.start_round(program=program, by=admin)
    page = login(cohort["young"].member).get(url("my_match", program), HTTP_ACCEPT_LANGUAGE="en")
    assert "No proposal for you yet" in page.content.decode()


def test_both_accept_makes_a_pair_and_emails_contact_and_charter(
    login: Any, admin: Any, cohort: Any
) -> None:
    program = cohort["program"]
    publish_all(login(admin), program)
    proposal = Proposal.objects.get(a=cohort["young"])
    mail.outbox.clear()
    login(cohort["young"].member).post(
        url("answer", program, proposal_id=proposal.pk, choice="accept")
    )
    assert not Pair.objects.exists()
    client = login(cohort["poul"].member)
    client.post(url("answer", program, proposal_id=proposal.pk, choice="accept"))
    client.post(url("answer", program, proposal_id=proposal.pk, choice="accept"))  # a double click
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED
    assert Pair.objects.filter(a=cohort["young"], b=cohort["poul"]).count() == 1
    to_ida = next(m for m in mail.outbox if m.to == ["ung@example.org"])
    assert "poul@example.org" in to_ida.body
    assert program.ground_rule_lines[0] in to_ida.body


def test_decline_returns_both_to_pool_and_excludes_pair(
    login: Any, admin: Any, cohort: Any
) -> None:
    program = cohort["program"]
    admin_client = login(admin)
    publish_all(admin_client, program)
    proposal = Proposal.objects.get(a=cohort["young"])
    login(cohort["poul"].member).post(
        url("answer", program, proposal_id=proposal.pk, choice="decline"),
        {"reason": "Vi kender hinanden privat."},
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decline_reason) == ("declined", "Vi kender hinanden privat.")
    page = login(admin).get(url("rounds", program), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Vi kender hinanden privat." in page
    actions.start_round(program=program, by=admin)
    assert not Proposal.objects.filter(a=cohort["young"], b=cohort["poul"], status="draft").exists()


def test_contest_then_reviewer_keeps_or_dissolves(login: Any, admin: Any, cohort: Any) -> None:
    program = cohort["program"]
    admin_client = login(admin)
    publish_all(admin_client, program)
    proposal = Proposal.objects.get(a=cohort["young"])
    ida = login(cohort["young"].member)
    ida.post(url("answer", program, proposal_id=proposal.pk, choice="contest"), {"reason": ""})
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PUBLISHED  # a reason is required
    ida.post(
        url("answer", program, proposal_id=proposal.pk, choice="contest"),
        {"reason": "Poul er min nabo."},
    )
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.CONTESTED
    admin_client = login(admin)
    admin_client.post(url("resolve", program, proposal_id=proposal.pk, decision="keep"))
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PUBLISHED
    actions.contest_proposal(
        proposal=proposal, enrolment=cohort["young"], reason="Stadig min nabo."
    )
    admin_client.post(url("resolve", program, proposal_id=proposal.pk, decision="dissolve"))
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DECLINED
    assert Exclusion.objects.filter(a=cohort["young"], b=cohort["poul"]).exists()


def test_answer_someone_elses_proposal_is_404(login: Any, admin: Any, cohort: Any) -> None:
    program = cohort["program"]
    publish_all(login(admin), program)
    proposal = Proposal.objects.get(a=cohort["young"])
    response = login(cohort["freja"].member).post(
        url("answer", program, proposal_id=proposal.pk, choice="accept")
    )
    assert response.status_code == 404
    proposal.refresh_from_db()
    assert proposal.a_answer == proposal.b_answer == ""


def test_matching_pages_are_for_admins_only(login: Any, cohort: Any) -> None:
    program = cohort["program"]
    client = login(cohort["young"].member)
    assert client.get(url("rounds", program)).status_code == 403
    assert client.post(url("start_round", program)).status_code == 403


def test_my_match_not_enrolled_is_404(login: Any, admin: Any, cohort: Any) -> None:
    assert login(admin).get(url("my_match", cohort["program"])).status_code == 404


def test_remind_undecided_once_after_days(login: Any, admin: Any, cohort: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    program = cohort["program"]
    publish_all(login(admin), program)
    Proposal.objects.filter(program=program).update(published_at=timezone.now() - timedelta(days=4))
    proposal = Proposal.objects.get(a=cohort["young"])
    actions.answer_proposal(proposal=proposal, enrolment=cohort["young"], accept=True)
    mail.outbox.clear()
    sent = actions.remind_undecided(program=program, older_than_days=3)
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert "ung@example.org" not in recipients  # Ida has answered
    assert "poul@example.org" in recipients
    assert sent == len(recipients)
    assert actions.remind_undecided(program=program, older_than_days=3) == 0


def test_rounds_page_names_score_parts_in_words(login: Any, admin: Any, cohort: Any) -> None:
    program = cohort["program"]
    client = login(admin)
    client.post(url("start_round", program))
    page = client.get(url("rounds", program), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "<dt>Læring i begge retninger (balance)</dt>" in page
    assert "<dt>balance</dt>" not in page


def test_large_cohort_round_runs_in_background_with_progress(
    login: Any,
    admin: Any,
    cohort: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    program = cohort["program"]
    monkeypatch.setattr(actions, "IMMEDIATE_LIMIT", 2)
    client = login(admin)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(url("start_round", program))
    matching_round = Round.objects.get(program=program)
    assert matching_round.status == Round.Status.QUEUED
    page = client.get(url("rounds", program), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The round is running in the background." in page
    status_url = url("round_status", program, round_id=matching_round.pk)
    partial = client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div class="round-status"')
    assert 'value="0"' in partial
    for callback in callbacks:  # the task runs (in process here)
        callback()
    matching_round.refresh_from_db()
    assert (matching_round.status, matching_round.progress) == (Round.Status.DONE, 100)
    done = client.get(status_url, HTTP_HX_REQUEST="true")
    assert (done.status_code, done["HX-Refresh"]) == (204, "true")


def test_remind_command_reminds_after_configured_days(
    login: Any, admin: Any, cohort: Any, settings: Any
) -> None:
    from datetime import timedelta
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    settings.GENSIDIG_ACCEPT_REMINDER_DAYS = 2
    program = cohort["program"]
    publish_all(login(admin), program)
    Proposal.objects.filter(program=program).update(published_at=timezone.now() - timedelta(days=3))
    mail.outbox.clear()
    call_command("remind", stdout=StringIO())
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["ung@example.org", "poul@example.org", "freja@example.org", "erfaren@example.org"]
    )
    assert mail.outbox[0].subject.startswith("Vi mangler dit svar")
