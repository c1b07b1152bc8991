from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gensidig.accounts.models import Member
from gensidig.common.paging import page_of, query_without_page, wants_partial
from gensidig.common.permissions import MANAGERS, org_view
from gensidig.matching import actions, queries
from gensidig.matching.forms import AnswerForm, ManualPairForm, SwapForm
from gensidig.matching.models import Proposal, Round
from gensidig.programs.models import Enrolment, Program, State


def program_of(member: Member, program_id: int) -> Program:
    return get_object_or_404(Program, pk=program_id, organisation=member.organisation)


def language() -> str:
    return translation.get_language() or "da"


def back_to_round(program: Program) -> HttpResponse:
    return redirect("matching:rounds", org=program.organisation.slug, program_id=program.pk)


# Up to this many draft proposals, the round page carries the swap form itself; with more,
# the form has its own page where the choice is narrowed by a search.
SWAP_INLINE = 30


@org_view(roles=MANAGERS)
@require_http_methods(["GET"])
def rounds(request: HttpRequest, member: Member, program_id: int) -> HttpResponse:
    """The admin's matching page: the latest round's proposals with their two-sided
    explanations (one page at a time, searched and filtered in the database), the unmatched
    with their reasons, the figures, and every adjustment."""
    program = program_of(member, program_id)
    lang = language()
    search = request.GET.get("q", "")[:100]
    status = request.GET.get("status", "")
    status = status if status in Proposal.Status.values else ""
    page = page_of(request, queries.round_proposals(program, search=search, status=status))
    context: dict[str, Any] = {
        "member": member,
        "program": program,
        "page": page,
        "proposals": queries.explained_page(page.object_list, program, lang),
        "query": query_without_page(request),
        "search": search,
        "status": status,
        "statuses": [
            choice for choice in Proposal.Status.choices if choice[0] != Proposal.Status.SUPERSEDED
        ],
        "can_match": program.state == State.MATCHING,
    }
    if wants_partial(request, "proposal-list"):
        return render(request, "matching/rounds.html#proposal-list", context)
    all_rounds = list(queries.rounds_of(program))
    for item in all_rounds:
        item.program = program  # read already: not again per round
    latest = all_rounds[0] if all_rounds else None
    # Everyone without a partner, one page at a time (the pager's parameter: "unmatched").
    unmatched, in_limbo = (
        queries.unmatched_page(latest, lang, request.GET.get("unmatched")) if latest else (None, 0)
    )
    params = request.GET.copy()
    params.pop("unmatched", None)
    context.update(
        {
            "latest": latest,
            "unmatched": unmatched,
            "unmatched_query": params.urlencode(),
            "in_limbo": in_limbo,
        }
    )
    if wants_partial(request, "unmatched-list"):
        return render(request, "matching/rounds.html#unmatched-list", context)
    drafts = queries.current_proposals(program).filter(status=Proposal.Status.DRAFT).count()
    context.update(
        {
            "rounds": all_rounds,
            "figures": queries.round_figures(latest) if latest else None,
            "drafts": drafts,
            "swap_form": (SwapForm(program=program) if 1 < drafts <= SWAP_INLINE else None),
        }
    )
    return render(request, "matching/rounds.html", context)


@org_view(roles=MANAGERS)
@require_http_methods(["GET"])
def round_status(
    request: HttpRequest, member: Member, program_id: int, round_id: int
) -> HttpResponse:
    """The progress of a round running in the background, polled by htmx; once it has
    finished, the whole page reloads to show the result."""
    program = program_of(member, program_id)
    matching_round = get_object_or_404(Round, pk=round_id, program=program)
    if matching_round.status in (Round.Status.DONE, Round.Status.FAILED):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(
        request,
        "matching/rounds.html#round-status",
        {"member": member, "program": program, "latest": matching_round},
    )


@org_view(roles=MANAGERS)
@require_POST
def start_round(request: HttpRequest, member: Member, program_id: int) -> HttpResponse:
    program = program_of(member, program_id)
    try:
        matching_round = actions.start_round(program=program, by=member)
    except actions.MatchingError as error:
        messages.error(request, str(error))
    else:
        if matching_round.status == Round.Status.DONE:
            messages.success(
                request, _("Round %(number)s is done.") % {"number": matching_round.number}
            )
        else:
            messages.success(
                request,
                _("Round %(number)s is running in the background. Reload the page in a while.")
                % {"number": matching_round.number},
            )
    return back_to_round(program)


@org_view(roles=MANAGERS)
@require_POST
def change_proposal(
    request: HttpRequest, member: Member, program_id: int, proposal_id: int, change: str
) -> HttpResponse:
    """Lock, unlock or exclude one proposal."""
    program = program_of(member, program_id)
    proposal = get_object_or_404(Proposal, pk=proposal_id, program=program)
    try:
        if change == "lock":
            actions.lock_proposal(proposal=proposal, locked=True)
            messages.success(request, _("The pair is locked: a new round keeps it."))
        elif change == "unlock":
            actions.lock_proposal(proposal=proposal, locked=False)
            messages.success(request, _("The pair is unlocked."))
        elif change == "exclude":
            actions.exclude_proposal(proposal=proposal, by=member)
            messages.success(request, _("The pair is excluded and will not be proposed again."))
        else:
            return HttpResponse(status=404)
    except actions.MatchingError as error:
        messages.error(request, str(error))
    return back_to_round(program)


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def swap(request: HttpRequest, member: Member, program_id: int) -> HttpResponse:
    """Swap the partners of two draft proposals. The page (for rounds too large to carry
    the form inline) narrows the choice of pairs by a search on a partner's name."""
    program = program_of(member, program_id)
    if request.method == "GET":
        search = request.GET.get("q", "")[:100]
        return render(
            request,
            "matching/swap.html",
            {
                "member": member,
                "program": program,
                "search": search,
                "form": SwapForm(program=program, search=search),
            },
        )
    form = SwapForm(request.POST, program=program)
    if form.is_valid():
        try:
            actions.swap_partners(
                first=form.cleaned_data["first"], second=form.cleaned_data["second"]
            )
            messages.success(request, _("The partners were swapped and both pairs are locked."))
        except actions.MatchingError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, _("Choose two different proposals to swap partners between."))
    return back_to_round(program)


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def pair_by_hand(request: HttpRequest, member: Member, program_id: int) -> HttpResponse:
    """Pair two people by hand. The page names every rule the pair breaks and then asks
    for a reason before it saves."""
    program = program_of(member, program_id)
    search = {name: request.GET.get(f"q{name}", "")[:100] for name in ("a", "b")}
    form = ManualPairForm(request.POST or None, program=program, search=search)
    context = {"member": member, "program": program, "form": form, "search": search}
    for name in ("a", "b"):
        if wants_partial(request, f"partner-{name}"):
            # The search by htmx: only that partner's select.
            return render(request, f"matching/pair_by_hand.html#partner-{name}", context)
    broken: list[str] = []
    if request.method == "POST" and form.is_valid():
        a, b = form.cleaned_data["a"], form.cleaned_data["b"]
        broken = actions.rules_broken_by(program=program, a=a, b=b)
        if broken and not form.cleaned_data["reason"].strip():
            form.add_error(
                "reason",
                _("This pair breaks a rule of the program: write why you pair them anyway."),
            )
        else:
            try:
                actions.pair_by_hand(
                    program=program, a=a, b=b, reason=form.cleaned_data["reason"], by=member
                )
            except actions.MatchingError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("The pair was made by hand and is locked."))
                return back_to_round(program)
    return render(
        request,
        "matching/pair_by_hand.html",
        {**context, "broken": rule_texts(broken)},
        status=400 if broken and form.errors else 200,
    )


def rule_texts(codes: list[str]) -> list[str]:
    from gensidig.engine import RULE_TEXT

    index = 1 if language() == "da" else 0
    extra = {"incomplete_profile": (_("one of them has not completed the profile"),) * 2}
    return [str({**RULE_TEXT, **extra}.get(code, (code, code))[index]) for code in codes]


@org_view(roles=MANAGERS)
@require_POST
def publish(request: HttpRequest, member: Member, program_id: int, round_id: int) -> HttpResponse:
    program = program_of(member, program_id)
    matching_round = get_object_or_404(Round, pk=round_id, program=program)
    try:
        count = actions.publish_round(matching_round=matching_round)
    except actions.MatchingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(count)s proposals were published; both partners got an email.") % {"count": count},
        )
        waiting = queries.in_limbo(program, matching_round)
        if waiting:
            messages.warning(
                request,
                _("Still without a partner and without a proposal: %(names)s.")
                % {"names": ", ".join(row["name"] for row in waiting)},
            )
    return back_to_round(program)


@org_view(roles=MANAGERS)
@require_POST
def resolve(
    request: HttpRequest, member: Member, program_id: int, proposal_id: int, decision: str
) -> HttpResponse:
    """A person reviews a contested proposal: keep it or dissolve it."""
    program = program_of(member, program_id)
    proposal = get_object_or_404(Proposal, pk=proposal_id, program=program)
    if decision not in ("keep", "dissolve"):
        return HttpResponse(status=404)
    try:
        actions.resolve_contest(proposal=proposal, keep=decision == "keep", by=member)
        messages.success(request, _("The review is recorded."))
    except actions.MatchingError as error:
        messages.error(request, str(error))
    return back_to_round(program)


def own_enrolment(member: Member, program: Program) -> Enrolment:
    return get_object_or_404(Enrolment, program=program, member=member)


@org_view()
@require_http_methods(["GET"])
def my_match(request: HttpRequest, member: Member, program_id: int) -> HttpResponse:
    """A participant's own proposals, with the explanation of what each can teach the other."""
    program = program_of(member, program_id)
    enrolment = own_enrolment(member, program)
    lang = language()
    items = [
        queries.seen_by(proposal, enrolment, lang) for proposal in queries.proposals_for(enrolment)
    ]
    return render(
        request,
        "matching/my_match.html",
        {"member": member, "program": program, "items": items, "form": AnswerForm()},
    )


@org_view()
@require_POST
def answer(
    request: HttpRequest, member: Member, program_id: int, proposal_id: int, choice: str
) -> HttpResponse:
    """Accept, decline (with a reason) or contest one's own proposal."""
    program = program_of(member, program_id)
    enrolment = own_enrolment(member, program)
    proposal = get_object_or_404(queries.proposals_for(enrolment), pk=proposal_id)
    form = AnswerForm(request.POST)
    reason = form.data.get("reason", "")
    try:
        if choice == "accept":
            actions.answer_proposal(proposal=proposal, enrolment=enrolment, accept=True)
            messages.success(request, _("Thank you. You have said yes."))
        elif choice == "decline":
            actions.answer_proposal(
                proposal=proposal, enrolment=enrolment, accept=False, reason=reason
            )
            messages.success(
                request, _("You have said no. You are back in the pool for the next round.")
            )
        elif choice == "contest":
            actions.contest_proposal(proposal=proposal, enrolment=enrolment, reason=reason)
            messages.success(request, _("A person will look at the proposal and get back to you."))
        else:
            return HttpResponse(status=404)
    except actions.MatchingError as error:
        messages.error(request, str(error))
    return redirect("matching:my_match", org=program.organisation.slug, program_id=program.pk)
