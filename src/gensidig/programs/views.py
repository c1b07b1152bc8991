from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gensidig.accounts.models import Member
from gensidig.accounts.queries import not_yet_active
from gensidig.common.confirm import Question, ask, confirmed
from gensidig.common.paging import page_of, query_without_page, wants_partial
from gensidig.common.permissions import ANY_ROLE, MANAGERS, org_view
from gensidig.common.versions import ChangedElsewhere, changed_page
from gensidig.programs import actions, queries
from gensidig.programs.forms import (
    AboutForm,
    CharterForm,
    InviteByEmailForm,
    InviteMembersForm,
    MergeTopicForm,
    OwnWordsForm,
    PracticalForm,
    ProgramForm,
    TopicChoicesForm,
    TopicForm,
    WishesForm,
    levels_for,
)
from gensidig.programs.models import (
    Direction,
    Enrolment,
    EnrolmentStatus,
    Program,
    Side,
    Topic,
    TopicKind,
)
from gensidig.programs.rules import TRANSITION_LABELS, ProgramStateError, why_not, why_not_join


def get_program(member: Member, program_id: int) -> Program:
    program = queries.program_of(member, program_id)
    if program is None:
        raise Http404
    return program


def visible_program(member: Member, program_id: int) -> tuple[Program, Enrolment | None]:
    """A program the member may look at: any for an admin; for a participant only one they
    are invited to or enrolled in, or sponsor."""
    program = get_program(member, program_id)
    enrolment = queries.enrolment_of(program, member)
    live = enrolment is not None and enrolment.status in queries.LIVE
    # The sponsor may open the program (and from it the insights) without taking part.
    if not member.is_manager_role and not live and program.sponsor_id != member.pk:
        raise PermissionDenied
    return program, enrolment if live else None


def detail_url(program: Program) -> str:
    return reverse(
        "programs:detail", kwargs={"org": program.organisation.slug, "program_id": program.pk}
    )


@org_view(roles=ANY_ROLE)
@require_GET
def program_list(request: HttpRequest, member: Member) -> HttpResponse:
    return render(
        request,
        "programs/list.html",
        {"member": member, "programs": queries.programs_for(member)},
    )


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def program_create(request: HttpRequest, member: Member) -> HttpResponse:
    actions.seed_topics(organisation=member.organisation)
    form = ProgramForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        program = actions.create_program(organisation=member.organisation, charter=form.charter())
        messages.success(request, _("The program was created as a draft."))
        return redirect(detail_url(program))
    return render(request, "programs/form.html", {"member": member, "form": form})


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def program_edit(request: HttpRequest, member: Member, program_id: int) -> HttpResponse:
    program = get_program(member, program_id)
    actions.seed_topics(organisation=member.organisation)
    form = ProgramForm(request.POST or None, instance=program, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_charter(
                program=program, charter=form.charter(), version=form.cleaned_data["version"]
            )
        except ChangedElsewhere:
            return changed_page(
                request,
                member=member,
                what=program.name,
                again=reverse(
                    "programs:edit",
                    kwargs={"org": member.organisation.slug, "program_id": program.pk},
                ),
            )
        except ProgramStateError as error:
            messages.error(request, str(error.reason))
        else:
            messages.success(request, _("The charter was saved."))
        return redirect(detail_url(program))
    return render(
        request, "programs/form.html", {"member": member, "form": form, "program": program}
    )


@org_view(roles=ANY_ROLE)
@require_GET
def program_detail(request: HttpRequest, member: Member, program_id: int) -> HttpResponse:
    program, enrolment = visible_program(member, program_id)
    context: dict[str, Any] = {
        "member": member,
        "program": program,
        "enrolment": enrolment,
        "themes_young": program.themes_young_to_experienced.all(),
        "themes_experienced": program.themes_experienced_to_young.all(),
        "profile_steps": len(actions.PROFILE_STEPS),
        "profile_reason": why_not(program, "edit_profile"),
    }
    if member.is_manager_role:
        context["transitions"] = [
            {"step": step, "label": label, "reason": why_not(program, step)}
            for step, label in TRANSITION_LABELS.items()
        ]
        context["counts"] = queries.enrolment_counts(program)
        context["signup_url"] = request.build_absolute_uri(
            reverse(
                "programs:signup",
                kwargs={"org": program.organisation.slug, "token": program.signup_token},
            )
        )
        context["signup_reason"] = why_not(program, "signup")
    return render(request, "programs/detail.html", context)


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def program_state(request: HttpRequest, member: Member, program_id: int) -> HttpResponse:
    program = get_program(member, program_id)
    step = (request.POST if request.method == "POST" else request.GET).get("step", "")
    action = actions.STATE_ACTIONS.get(step)
    if action is None:
        messages.error(request, _("That step does not exist."))
        return redirect(detail_url(program))
    if step in ASKED_FIRST and not confirmed(request):
        return ask(request, ASKED_FIRST[step](program), member=member)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        if step == "close_program":
            program = actions.close_program(program=program, by=member)
        else:
            program = action(program=program)
    except ProgramStateError as error:
        messages.error(request, str(error.reason))
    else:
        messages.success(
            request,
            _("The program is now: %(state)s.") % {"state": program.get_state_display()},
        )
    return redirect(detail_url(program))


def start_matching_question(program: Program) -> Question:
    return Question(
        title=_("Start matching for “%(program)s”?") % {"program": program.name},
        text=_(
            "Enrolment closes for good: nobody can join, sign up or be invited any more, and "
            "the mode, the partners per experienced participant and the pairing rules can no "
            "longer be changed. This cannot be undone."
        ),
        button=_("Yes, start matching"),
        back=detail_url(program),
    )


def close_question(program: Program) -> Question:
    # Imported here: pairs are an app built on top of programs.
    from gensidig.matching.models import Pair

    pairs = Pair.objects.filter(program=program, ended_at=None).count()
    return Question(
        title=_("Close “%(program)s”?") % {"program": program.name},
        text=_(
            "The program ends now for everyone. Pairs still active: %(count)s; each ends at "
            "once, its meetings ahead are cancelled and both partners get the closing "
            "questions by email. A closed program cannot be opened again."
        )
        % {"count": pairs}
        if pairs
        else _(
            "The program ends now for everyone: nobody can join, be matched or book meetings "
            "in it any more. A closed program cannot be opened again."
        ),
        button=_("Yes, close the program"),
        back=detail_url(program),
    )


# Steps that cannot be undone, asked first.
ASKED_FIRST = {"start_matching": start_matching_question, "close_program": close_question}


@org_view(roles=MANAGERS)
@require_POST
def signup_reset(request: HttpRequest, member: Member, program_id: int) -> HttpResponse:
    program = get_program(member, program_id)
    actions.reset_signup_link(program=program)
    messages.success(request, _("The sign-up link was replaced. The old link no longer works."))
    return redirect(detail_url(program))


@org_view(roles=ANY_ROLE)
@require_POST
def program_join(request: HttpRequest, member: Member, program_id: int) -> HttpResponse:
    """An invited member says yes."""
    program, _enrolment = visible_program(member, program_id)
    try:
        actions.enrol(program=program, member=member)
    except ProgramStateError as error:
        messages.error(request, str(error.reason))
        return redirect(detail_url(program))
    messages.success(request, _("You are enrolled. Tell us a little about yourself."))
    return redirect("programs:profile", org=program.organisation.slug, program_id=program.pk)


@org_view(roles=ANY_ROLE)
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest, member: Member, token: str) -> HttpResponse:
    """Self-signup through the program's link: any member of the organisation who has it."""
    program = Program.objects.filter(
        organisation_id=member.organisation_id, signup_token=token
    ).first()
    if program is None:
        return render(
            request,
            "programs/signup.html",
            {"member": member, "reason": _("This sign-up link does not work (any more).")},
            status=404,
        )
    enrolment = queries.enrolment_of(program, member)
    if enrolment is not None and enrolment.status == EnrolmentStatus.ENROLLED:
        return redirect("programs:profile", org=program.organisation.slug, program_id=program.pk)
    reason = why_not_join(program, enrolment)
    if reason is not None:
        return render(
            request,
            "programs/signup.html",
            {"member": member, "program": program, "reason": reason},
            status=410 if program.state == "closed" else 409,
        )
    if request.method == "POST":
        try:
            actions.enrol_with_link(organisation=member.organisation, token=token, member=member)
        except (ProgramStateError, actions.EnrolmentError):
            return redirect(request.path)
        messages.success(request, _("You are enrolled. Tell us a little about yourself."))
        return redirect("programs:profile", org=program.organisation.slug, program_id=program.pk)
    return render(request, "programs/signup.html", {"member": member, "program": program})


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def enrolments(request: HttpRequest, member: Member, program_id: int) -> HttpResponse:
    program = get_program(member, program_id)
    candidates = queries.members_to_invite(program)
    which = request.POST.get("form") if request.method == "POST" else None
    who = request.GET.get("who", "")[:100]
    members_form = InviteMembersForm(
        request.POST if which == "members" else None,
        # Shown: the first CANDIDATES_SHOWN, narrowed by a search; a POST checks them all.
        candidates=candidates
        if which == "members"
        else queries.search_members(candidates, who)[:CANDIDATES_SHOWN],
        prefix="m",
    )
    email_form = InviteByEmailForm(request.POST if which == "email" else None, prefix="e")
    reason = why_not(program, "invite")
    if request.method == "POST" and reason is not None:
        messages.error(request, str(reason))
        return redirect(request.path)
    if which == "members" and members_form.is_valid():
        chosen = list(members_form.cleaned_data["members"])
        for person in chosen:
            actions.invite_to_program(
                program=program,
                member=person,
                invited_by=member,
                side=members_form.cleaned_data["side"],
            )
        messages.success(request, _("Invitations sent: %(count)d.") % {"count": len(chosen)})
        return redirect(request.path)
    if which == "email" and email_form.is_valid():
        actions.invite_person_to_program(
            program=program,
            email=email_form.cleaned_data["email"],
            name=email_form.cleaned_data["name"],
            side=email_form.cleaned_data["side"],
            invited_by=member,
        )
        messages.success(
            request,
            _("An invitation was sent to %(email)s.") % {"email": email_form.cleaned_data["email"]},
        )
        return redirect(request.path)
    search = request.GET.get("q", "")[:100]
    status = request.GET.get("status", "")
    status = status if status in EnrolmentStatus.values else ""
    page = page_of(request, queries.find_enrolments(program, search=search, status=status))
    context = {
        "member": member,
        "program": program,
        "page": page,
        "enrolments": page.object_list,
        "query": query_without_page(request),
        "search": search,
        "status": status,
        "statuses": EnrolmentStatus.choices,
        "profile_steps": len(actions.PROFILE_STEPS),
    }
    if wants_partial(request, "enrolment-list"):
        return render(request, "programs/enrolments.html#enrolment-list", context)
    return render(
        request,
        "programs/enrolments.html",
        {
            **context,
            "who": who,
            "candidates_shown": CANDIDATES_SHOWN,
            "counts": queries.enrolment_counts(program),
            "members_form": members_form,
            "email_form": email_form,
            "invite_reason": reason,
            "not_yet_active": not_yet_active(member.organisation)
            .filter(enrolments__program=program, enrolments__status=EnrolmentStatus.ENROLLED)
            .count(),
        },
    )


# Members offered at once as checkboxes to invite; a search narrows a large organisation.
CANDIDATES_SHOWN = 100


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def enrolment_withdraw(
    request: HttpRequest, member: Member, program_id: int, enrolment_id: int
) -> HttpResponse:
    program = get_program(member, program_id)
    enrolment = get_object_or_404(Enrolment, pk=enrolment_id, program=program)
    if not confirmed(request):
        question = Question(
            title=_("Withdraw %(name)s from “%(program)s”?")
            % {"name": enrolment.display_name, "program": program.name},
            text=_(
                "%(name)s leaves the program now and can no longer sign up through the "
                "program's link. While enrolment is open you can invite them again."
            )
            % {"name": enrolment.display_name},
            button=_("Yes, withdraw"),
            back=reverse(
                "programs:enrolments",
                kwargs={"org": member.organisation.slug, "program_id": program.pk},
            ),
        )
        return ask(request, question, member=member)
    actions.withdraw_enrolment(enrolment=enrolment)
    messages.success(
        request, _("%(name)s was withdrawn from the program.") % {"name": enrolment.display_name}
    )
    return redirect("programs:enrolments", org=member.organisation.slug, program_id=program.pk)


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def topics(request: HttpRequest, member: Member) -> HttpResponse:
    actions.seed_topics(organisation=member.organisation)
    form = TopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        topic = actions.add_topic(organisation=member.organisation, **form.cleaned_data)
        messages.success(request, _("The topic “%(name)s” is in the catalogue.") % {"name": topic})
        return redirect("programs:topics", org=member.organisation.slug)
    return render(
        request,
        "programs/topics.html",
        {
            "member": member,
            "form": form,
            "topics": queries.catalogue(member.organisation_id, include_inactive=True),
        },
    )


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def topic_edit(request: HttpRequest, member: Member, topic_id: int) -> HttpResponse:
    topic = get_object_or_404(Topic, pk=topic_id, organisation_id=member.organisation_id)
    what = request.POST.get("do") if request.method == "POST" else None
    rename_form = TopicForm(
        request.POST if what == "rename" else None,
        initial={"name_da": topic.name_da, "name_en": topic.name_en, "direction": topic.direction},
    )
    merge_form = MergeTopicForm(request.POST if what == "merge" else None, topic=topic)
    back = redirect("programs:topics", org=member.organisation.slug)
    if what == "rename" and rename_form.is_valid():
        actions.rename_topic(topic=topic, **rename_form.cleaned_data)
        messages.success(request, _("The topic was renamed."))
        return back
    if what in {"retire", "restore"}:
        actions.retire_topic(topic=topic, retired=what == "retire")
        messages.success(
            request,
            _("The topic was retired.") if what == "retire" else _("The topic is back in use."),
        )
        return back
    if what == "merge" and merge_form.is_valid():
        target = merge_form.cleaned_data["target"]
        actions.merge_topics(source=topic, target=target)
        messages.success(
            request,
            _("“%(source)s” was merged into “%(target)s”.") % {"source": topic, "target": target},
        )
        return back
    return render(
        request,
        "programs/topic_edit.html",
        {"member": member, "topic": topic, "rename_form": rename_form, "merge_form": merge_form},
    )


# --- The profile wizard -----------------------------------------------------------------


def own_enrolment(member: Member, program_id: int) -> Enrolment:
    """The member's own enrolment: the wizard never shows anyone else's profile."""
    program = get_program(member, program_id)
    enrolment = (
        Enrolment.objects.select_related("program__organisation", "member__user")
        .filter(program=program, member=member, status=EnrolmentStatus.ENROLLED)
        .first()
    )
    if enrolment is None:
        raise PermissionDenied
    return enrolment


def step_url(enrolment: Enrolment, step: str) -> str:
    return reverse(
        "programs:profile_step",
        kwargs={
            "org": enrolment.program.organisation.slug,
            "program_id": enrolment.program_id,
            "step": step,
        },
    )


@org_view(roles=ANY_ROLE)
@require_GET
def profile(request: HttpRequest, member: Member, program_id: int) -> HttpResponse:
    """Back to where the participant left off."""
    enrolment = own_enrolment(member, program_id)
    steps = actions.PROFILE_STEPS
    return redirect(step_url(enrolment, steps[min(enrolment.profile_step, len(steps) - 1)]))


STEP_TITLES = {
    "about": _("About you"),
    "share": _("What I can share"),
    "learn": _("What I want to learn"),
    "practical": _("Languages and time"),
    "wishes": _("Wishes"),
    "charter": _("The charter"),
}


@org_view(roles=ANY_ROLE)
@require_http_methods(["GET", "POST"])
def profile_step(request: HttpRequest, member: Member, program_id: int, step: str) -> HttpResponse:
    enrolment = own_enrolment(member, program_id)
    steps = actions.PROFILE_STEPS
    if step not in steps:
        raise Http404
    program = enrolment.program
    index = steps.index(step)
    next_url = step_url(enrolment, steps[index + 1]) if index + 1 < len(steps) else None
    reason = why_not(program, "edit_profile")
    context: dict[str, Any] = {
        "member": member,
        "program": program,
        "enrolment": enrolment,
        "step": step,
        "step_title": STEP_TITLES[step],
        "steps": [
            {
                "key": key,
                "title": STEP_TITLES[key],
                "url": step_url(enrolment, key),
                "done": i < enrolment.profile_step,
            }
            for i, key in enumerate(steps)
        ],
        "reason": reason,
        "previous_url": step_url(enrolment, steps[index - 1]) if index else None,
    }
    if request.method == "POST" and reason is not None:
        messages.error(request, str(reason))
        return redirect(request.path)
    handler = STEP_HANDLERS[step]
    response = handler(request, enrolment, context)
    if response is not None:
        return response
    if request.method == "POST":
        # The step was saved; on to the next one (or the program page after the last).
        messages.success(request, _("Saved."))
        return redirect(next_url or detail_url(program))
    return render(request, "programs/profile_step.html", context)


def about_step(
    request: HttpRequest, enrolment: Enrolment, context: dict[str, Any]
) -> HttpResponse | None:
    initial = {"side": enrolment.side, "generation": enrolment.generation}
    form = AboutForm(request.POST or None, initial=initial)
    context["form"] = form
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "programs/profile_step.html", context)
        actions.save_profile_about(enrolment=enrolment, **form.cleaned_data)
    return None


def likely_direction(side: str, kind: str) -> str:
    """The catalogue direction a participant most probably looks for: the young share what
    the young teach and want what the experienced teach, and the other way round."""
    teaches = (
        Direction.YOUNG_TO_EXPERIENCED if side == Side.YOUNG else Direction.EXPERIENCED_TO_YOUNG
    )
    learns = (
        Direction.EXPERIENCED_TO_YOUNG if side == Side.YOUNG else Direction.YOUNG_TO_EXPERIENCED
    )
    return teaches if kind == TopicKind.SHARE else learns


def topics_step(kind: str) -> Any:
    def handle(
        request: HttpRequest, enrolment: Enrolment, context: dict[str, Any]
    ) -> HttpResponse | None:
        organisation_id = enrolment.program.organisation_id
        actions.seed_topics(organisation=enrolment.program.organisation)
        query = request.GET.get("q", "")
        chosen = list(queries.profile_topics(enrolment, kind))
        chosen_ids = {row.topic_id for row in chosen}
        results = sorted(
            (t for t in queries.search_topics(organisation_id, query) if t.pk not in chosen_ids),
            key=lambda t: t.direction != likely_direction(enrolment.side, kind),
        )
        context.update(
            {
                "kind": kind,
                "chosen": chosen,
                "levels": levels_for(kind),
                "query": query,
                "results": results,
            }
        )
        other = enrolment.share_other if kind == TopicKind.SHARE else enrolment.want_other
        # While typing, htmx asks for suggestions with the text so far (`other`).
        typing = request.method == "GET" and "other" in request.GET
        context["suggestions"] = [
            t
            for t in queries.suggest_topics(
                organisation_id, request.GET["other"] if typing else other
            )
            if t.pk not in chosen_ids
        ]
        if request.method == "GET" and request.htmx:  # type: ignore[attr-defined]
            partial = "_suggestions.html" if typing else "_topic_results.html"
            return render(request, f"programs/{partial}", context)
        form = OwnWordsForm(request.POST or None, initial={"other": other})
        form.fields["other"].widget.attrs.update(
            {
                "hx-get": request.path,
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "#suggestions",
                "hx-swap": "outerHTML",
            }
        )
        context["form"] = form
        if request.method != "POST":
            return None
        choices = TopicChoicesForm(request.POST, chosen=chosen_ids, kind=kind)
        if not choices.is_valid():
            # Only a tampered or stale page sends a level, a removal or a topic not on it.
            messages.error(request, _("The page was out of date: nothing was saved. Try again."))
            return render(request, "programs/profile_step.html", context, status=400)
        if not form.is_valid():
            return render(request, "programs/profile_step.html", context)
        levels = choices.levels()
        removed = choices.cleaned_data["remove"]
        add = choices.cleaned_data["add"]
        if add:
            # An "add" button belongs to the same form, so what was typed is kept too.
            topic = Topic.objects.filter(pk=add).first()
            if topic is None or topic.organisation_id != organisation_id or not topic.is_active:
                raise Http404
            if "other" in request.POST:
                actions.save_profile_topics(
                    enrolment=enrolment,
                    kind=kind,
                    levels=levels,
                    removed=removed,
                    other=form.cleaned_data["other"],
                )
            actions.add_profile_topic(enrolment=enrolment, topic=topic, kind=kind)
            messages.success(request, _("“%(name)s” was added.") % {"name": topic.name})
            return redirect(f"{request.path}#chosen")
        actions.save_profile_topics(
            enrolment=enrolment,
            kind=kind,
            levels=levels,
            removed=removed,
            other=form.cleaned_data["other"],
        )
        if "stay" in request.POST:
            messages.success(request, _("Saved."))
            return redirect(request.path)
        return None

    return handle


def practical_step(
    request: HttpRequest, enrolment: Enrolment, context: dict[str, Any]
) -> HttpResponse | None:
    initial = {"languages": enrolment.languages, "availability": enrolment.availability}
    form = PracticalForm(request.POST or None, initial=initial)
    context["form"] = form
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "programs/profile_step.html", context)
        actions.save_profile_practical(enrolment=enrolment, **form.cleaned_data)
    return None


def wishes_step(
    request: HttpRequest, enrolment: Enrolment, context: dict[str, Any]
) -> HttpResponse | None:
    initial = {"wishes": list(enrolment.wishes.all()), "blocks": list(enrolment.blocks.all())}
    form = WishesForm(
        request.POST or None, initial=initial, others=queries.other_participants(enrolment)
    )
    context["form"] = form
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "programs/profile_step.html", context)
        actions.save_profile_wishes(
            enrolment=enrolment,
            wishes=form.cleaned_data["wishes"],
            blocks=form.cleaned_data["blocks"],
        )
    return None


def charter_step(
    request: HttpRequest, enrolment: Enrolment, context: dict[str, Any]
) -> HttpResponse | None:
    form = CharterForm(
        request.POST or None,
        initial={"acknowledge": enrolment.charter_acknowledged_at is not None},
    )
    context["form"] = form
    context["themes_young"] = enrolment.program.themes_young_to_experienced.all()
    context["themes_experienced"] = enrolment.program.themes_experienced_to_young.all()
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "programs/profile_step.html", context)
        actions.acknowledge_charter(enrolment=enrolment)
        messages.success(request, _("Thank you: your profile is complete."))
        return redirect(detail_url(enrolment.program))
    return None


STEP_HANDLERS = {
    "about": about_step,
    "share": topics_step(TopicKind.SHARE),
    "learn": topics_step(TopicKind.WANT),
    "practical": practical_step,
    "wishes": wishes_step,
    "charter": charter_step,
}
