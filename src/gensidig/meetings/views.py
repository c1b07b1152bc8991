from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gensidig.accounts.models import Member
from gensidig.common import once
from gensidig.common.confirm import Question, ask, confirmed
from gensidig.common.paging import page_of, query_without_page, wants_partial
from gensidig.common.permissions import MANAGERS, org_view
from gensidig.matching.models import Pair
from gensidig.meetings import actions, ics, queries
from gensidig.meetings.forms import (
    CheckInForm,
    ClosingForm,
    EndForm,
    GoalForm,
    GoalMarkForm,
    MeetingForm,
    ReflectionForm,
    assessment_form,
)
from gensidig.meetings.health import ORDER, HealthState
from gensidig.meetings.models import Assessment, CalendarFeed, ClosingAnswer, Goal, Meeting
from gensidig.programs.models import Enrolment, Program, Side


def own_pair(member: Member, pair_id: int) -> tuple[Pair, Enrolment]:
    """The pair and the visitor's place in it; anyone else (admins included) gets 404."""
    found = queries.own_pair(member, pair_id)
    if found is None:
        raise Http404
    return found


def back(pair: Pair) -> HttpResponse:
    return redirect(actions.pair_url(pair))


def form_page(
    request: HttpRequest,
    *,
    member: Member,
    pair: Pair,
    form: forms.Form,
    save: Callable[[], object],
    success: str,
    template: str,
    once_only: bool = False,
    **context: object,
) -> HttpResponse:
    """A pair's form on a page of its own. A valid POST runs `save`, says `success` and goes
    back to the pair's page; with `once_only` only the form's first submit saves (a double
    click creates one object, see `common.once`). Otherwise, or when the action refuses
    (its reason on the form), the page again, with what was written and status 400."""
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                if not once_only or once.claim(request).first:
                    save()
                    messages.success(request, success)
        except actions.MeetingError as error:
            form.add_error(None, str(error))
        else:
            return back(pair)
    return render(
        request,
        template,
        {"member": member, "pair": pair, "form": form, **context},
        status=400 if form.errors else 200,
    )


def cancel_question(pair: Pair, mine: Enrolment, meeting: Meeting) -> Question:
    partner = pair.b if mine.pk == pair.a_id else pair.a
    when = formats.date_format(timezone.localtime(meeting.starts_at), "DATETIME_FORMAT")
    if meeting.status == Meeting.Status.CONFIRMED:
        text = _(
            "The meeting is cancelled for both of you: %(partner)s and you each get an email "
            "that takes it out of your calendars. It cannot be undone, but you can propose a "
            "new time afterwards."
        )
    else:
        text = _(
            "The proposed meeting is withdrawn and %(partner)s can no longer confirm it. It "
            "cannot be undone, but you can propose a new time afterwards."
        )
    return Question(
        title=_("Cancel the meeting on %(when)s?") % {"when": when},
        text=text % {"partner": partner.display_name},
        button=_("Yes, cancel the meeting"),
        back=actions.pair_url(pair),
    )


@org_view()
@require_GET
def pair_home(request: HttpRequest, member: Member, pair_id: int) -> HttpResponse:
    """The pair's home for its two partners; an admin sees its status and dates only."""
    found = queries.own_pair(member, pair_id)
    if found is None:
        pair = queries.managed_pair(member, pair_id)
        if pair is None:
            raise Http404
        return render(
            request,
            "meetings/pair_status.html",
            {"member": member, "pair": pair, "status": queries.status_of(pair)},
        )
    pair, mine = found
    partner = actions.partner_of(pair, mine)
    now = timezone.now()
    page = queries.PairPage(pair, now)
    status = queries.status_of(pair, now, meetings=page.meetings)
    written = {(r.meeting_id, r.author_id) for r in page.reflections}
    return render(
        request,
        "meetings/pair.html",
        {
            "member": member,
            "pair": pair,
            "mine": mine,
            "partner": partner,
            "status": status,
            "program": pair.program,
            "meetings": [
                {
                    "meeting": m,
                    "held": m.is_held(now),
                    "upcoming": m.status != Meeting.Status.CANCELLED and m.starts_at > now,
                    "can_confirm": m.status == Meeting.Status.PROPOSED
                    and m.proposed_by_id != mine.pk
                    and m.starts_at > now,
                    "needs_reflection": m.is_held(now) and (m.pk, mine.pk) not in written,
                }
                for m in page.meetings
            ],
            "reflections": page.reflections,
            "directions": [
                {
                    "learner": learner,
                    "teacher": teacher,
                    "goals": page.goals_of(learner),
                    "ledger": page.ledger(learner, teacher),
                    "assessments": page.assessments_of(learner),
                    "own": learner.pk == mine.pk,
                }
                for learner, teacher in ((mine, partner), (partner, mine))
            ],
            "guide": page.conversation_guide(mine, status.held),
            "closing_prompt": queries.CLOSING_PROMPT,
            "mark_form": GoalMarkForm(),
            "end_form": EndForm(),
            "goal_count": len(page.goals_of(mine)),
            "max_goals": actions.MAX_GOALS,
            # Asked only once the pair has ended (the page shows it then).
            "closing_done": pair.ended_at is not None
            and ClosingAnswer.objects.filter(pair=pair, author=mine).exists(),
            "themes_young": page.themes[Side.YOUNG],
            "themes_experienced": page.themes[Side.EXPERIENCED],
        },
    )


@org_view()
@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest, member: Member, pair_id: int) -> HttpResponse:
    pair, mine = own_pair(member, pair_id)
    form = MeetingForm(request.POST or None, initial={"minutes": pair.program.meeting_minutes})
    return form_page(
        request,
        member=member,
        pair=pair,
        form=form,
        save=lambda: actions.propose_meeting(pair=pair, by=mine, **form.cleaned_data),
        success=_("The meeting is proposed. Your partner will confirm it."),
        template="meetings/meeting_form.html",
        once_only=True,  # one meeting and one calendar invite, however often it is sent
        meeting=None,
    )


def meeting_of(pair: Pair, meeting_id: int) -> Meeting:
    return get_object_or_404(Meeting.objects.select_related("pair"), pk=meeting_id, pair=pair)


@org_view()
@require_http_methods(["GET", "POST"])
def change(request: HttpRequest, member: Member, pair_id: int, meeting_id: int) -> HttpResponse:
    pair, mine = own_pair(member, pair_id)
    meeting = meeting_of(pair, meeting_id)
    initial = {
        "starts_at": timezone.localtime(meeting.starts_at),
        "minutes": meeting.minutes,
        "place": meeting.place,
        "video_url": meeting.video_url,
    }
    form = MeetingForm(request.POST or None, initial=initial)
    return form_page(
        request,
        member=member,
        pair=pair,
        form=form,
        save=lambda: actions.change_meeting(meeting=meeting, by=mine, **form.cleaned_data),
        success=_("The meeting is changed."),
        template="meetings/meeting_form.html",
        meeting=meeting,
    )


@org_view()
@require_http_methods(["GET", "POST"])
def meeting_step(
    request: HttpRequest, member: Member, pair_id: int, meeting_id: int, verb: str
) -> HttpResponse:
    """Confirm or cancel a meeting; a cancellation is asked first (it emails both)."""
    pair, mine = own_pair(member, pair_id)
    meeting = meeting_of(pair, meeting_id)
    if verb not in {"confirm", "cancel"}:
        raise Http404
    if verb == "cancel" and not confirmed(request):
        return ask(request, cancel_question(pair, mine, meeting), member=member)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        if verb == "confirm":
            actions.confirm_meeting(meeting=meeting, by=mine)
            messages.success(request, _("The meeting is confirmed. You both get an invite."))
        elif verb == "cancel":
            actions.cancel_meeting(meeting=meeting, by=mine)
            messages.success(request, _("The meeting is cancelled."))
        else:
            raise Http404
    except actions.MeetingError as error:
        messages.error(request, str(error))
    return back(pair)


@org_view()
@require_http_methods(["GET", "POST"])
def reflect(request: HttpRequest, member: Member, pair_id: int, meeting_id: int) -> HttpResponse:
    pair, mine = own_pair(member, pair_id)
    meeting = meeting_of(pair, meeting_id)
    existing = meeting.reflections.filter(author=mine).first()
    initial: dict[str, Any] = {}
    if existing:
        initial = {
            "taught": existing.taught.all(),
            "learned": existing.learned.all(),
            "learned_text": existing.learned_text,
            "usefulness": existing.usefulness,
            "private_notes": existing.private_notes,
        }
    form = ReflectionForm(request.POST or None, topics=queries.pair_topics(pair), initial=initial)
    return form_page(
        request,
        member=member,
        pair=pair,
        form=form,
        save=lambda: actions.submit_reflection(meeting=meeting, author=mine, **form.cleaned_data),
        success=_("Thank you for your reflection."),
        template="meetings/reflection_form.html",
        meeting=meeting,
    )


@org_view()
@require_http_methods(["GET", "POST"])
def add_goal(request: HttpRequest, member: Member, pair_id: int) -> HttpResponse:
    """A goal of what the learner wants to learn from their partner, on a page of its own
    (the pair's page links here rather than drawing the form and its topic select)."""
    pair, mine = own_pair(member, pair_id)
    form = GoalForm(request.POST or None, topics=queries.pair_topics(pair))
    return form_page(
        request,
        member=member,
        pair=pair,
        form=form,
        save=lambda: actions.add_goal(pair=pair, learner=mine, **form.cleaned_data),
        success=_("The goal is added."),
        template="meetings/goal_form.html",
        once_only=True,
        goal=None,
    )


@org_view()
@require_http_methods(["GET", "POST"])
def change_goal(request: HttpRequest, member: Member, pair_id: int, goal_id: int) -> HttpResponse:
    """A page of its own for changing a goal: the pair's page links here rather than drawing a
    change form (and the catalogue's topic select) for every goal."""
    pair, mine = own_pair(member, pair_id)
    goal = get_object_or_404(Goal.objects.select_related("topic"), pk=goal_id, pair=pair)
    if request.method == "GET" and goal.learner_id != mine.pk:
        raise Http404  # only the learner changes a goal; the partner has no form to open
    form = GoalForm(
        request.POST or None,
        topics=queries.pair_topics(pair),
        initial={"text": goal.text, "topic": goal.topic},
        prefix=f"goal-{goal.pk}",  # the field names a goal's form has always posted
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_goal(goal=goal, by=mine, **form.cleaned_data)
            messages.success(request, _("The goal is changed."))
        except actions.MeetingError as error:
            messages.error(request, str(error))
        return back(pair)
    return render(
        request,
        "meetings/goal_form.html",
        {"member": member, "pair": pair, "goal": goal, "form": form},
        status=400 if form.errors else 200,
    )


@org_view()
@require_POST
def mark_goal(request: HttpRequest, member: Member, pair_id: int, goal_id: int) -> HttpResponse:
    pair, mine = own_pair(member, pair_id)
    goal = get_object_or_404(Goal, pk=goal_id, pair=pair)
    form = GoalMarkForm(request.POST)
    if form.is_valid():
        try:
            actions.mark_goal(goal=goal, by=mine, progress=form.cleaned_data["progress"])
            messages.success(request, _("The progress is marked."))
        except actions.MeetingError as error:
            messages.error(request, str(error))
    return back(pair)


@org_view()
@require_http_methods(["GET", "POST"])
def assessment(request: HttpRequest, member: Member, pair_id: int, phase: str) -> HttpResponse:
    """The learner rates the topics of their own goals, before and after."""
    pair, mine = own_pair(member, pair_id)
    if phase not in Assessment.Phase.values:
        raise Http404
    topics = [g.topic for g in queries.goals_of(pair, mine) if g.topic is not None]
    initial = {
        f"topic_{a.topic_id}": a.level
        for a in Assessment.objects.filter(pair=pair, learner=mine, phase=phase)
    }
    form = assessment_form(topics, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        levels = {topic: form.cleaned_data[f"topic_{topic.pk}"] for topic in topics}
        actions.save_assessment(pair=pair, learner=mine, phase=phase, levels=levels)
        messages.success(request, _("Your self-assessment is saved."))
        return back(pair)
    return render(
        request,
        "meetings/assessment.html",
        {
            "member": member,
            "pair": pair,
            "form": form,
            "phase": Assessment.Phase(phase),
            "topics": topics,
        },
    )


@org_view()
@require_POST
def end(request: HttpRequest, member: Member, pair_id: int) -> HttpResponse:
    """A partner, or an admin of the organisation, ends the pair."""
    found = queries.own_pair(member, pair_id)
    pair = found[0] if found else queries.managed_pair(member, pair_id)
    if pair is None:
        raise Http404
    form = EndForm(request.POST)
    form.is_valid()
    try:
        actions.end_pair(pair=pair, by=member, reason=form.cleaned_data.get("reason", ""))
        messages.success(request, _("The pair has ended. Both get the closing questions."))
    except actions.MeetingError as error:
        messages.error(request, str(error))
    if found is None:
        return redirect(
            "meetings:program_pairs", org=member.organisation.slug, program_id=pair.program_id
        )
    return back(pair)


@org_view()
@require_http_methods(["GET", "POST"])
def closing(request: HttpRequest, member: Member, pair_id: int) -> HttpResponse:
    pair, mine = own_pair(member, pair_id)
    existing = ClosingAnswer.objects.filter(pair=pair, author=mine).first()
    initial = (
        {
            "what_changed": existing.what_changed,
            "again": existing.again,
            "organisation_gain": existing.organisation_gain,
        }
        if existing
        else None
    )
    form = ClosingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.submit_closing(pair=pair, author=mine, **form.cleaned_data)
        except actions.MeetingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Thank you for your answers."))
            return back(pair)
    return render(
        request,
        "meetings/closing.html",
        {"member": member, "pair": pair, "form": form},
        status=400 if form.errors else 200,
    )


@org_view()
@require_GET
def calendar_page(request: HttpRequest, member: Member) -> HttpResponse:
    feed = actions.ensure_feed(member=member)
    url = request.build_absolute_uri(reverse("meetings:feed", kwargs={"feed_token": feed.token}))
    return render(
        request,
        "meetings/calendar.html",
        {"member": member, "feed_url": url, "pairs": queries.pairs_with(member)},
    )


@org_view()
@require_http_methods(["GET", "POST"])
def calendar_reset(request: HttpRequest, member: Member) -> HttpResponse:
    if not confirmed(request):
        question = Question(
            title=_("Replace your calendar address?"),
            text=_(
                "The address your calendar app reads stops working at once, so your meetings "
                "disappear from Outlook, Google Calendar or your phone until you add the new "
                "address there again."
            ),
            button=_("Yes, replace the address"),
            back=reverse("meetings:calendar", kwargs={"org": member.organisation.slug}),
        )
        return ask(request, question, member=member)
    actions.reset_feed(member=member)
    messages.success(request, _("Your calendar has a new address; the old one no longer works."))
    return redirect("meetings:calendar", org=member.organisation.slug)


@require_GET
def feed(request: HttpRequest, feed_token: str) -> HttpResponse:
    """A member's meetings as a calendar feed. Public: the secret token is the permission."""
    found = (
        CalendarFeed.objects.filter(token=feed_token, member__is_active=True)
        .select_related("member")
        .first()
    )
    if found is None:
        raise Http404
    body = ics.calendar(queries.feed_meetings(found.member), method="PUBLISH", name="Gensidig")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


def managed_program(member: Member, program_id: int) -> Program:
    return get_object_or_404(Program, pk=program_id, organisation=member.organisation)


@org_view(roles=MANAGERS)
@require_GET
def program_pairs(request: HttpRequest, member: Member, program_id: int) -> HttpResponse:
    """The admin's view of a program's pairs by health: status and dates, never content.
    One page at a time, health computed in the database; a row's actions (write to the
    pair, end it) fetch their form when opened."""
    program = managed_program(member, program_id)
    now = timezone.now()
    search = request.GET.get("q", "")[:100]
    health = request.GET.get("health", "")
    health = health if health in HealthState.values else ""
    # Every pair's state from one aggregation: the counts, and without a search the page.
    ranked = queries.ranked_pairs(program, now)
    counts = Counter(state for _pk, state in ranked)
    if search:
        page = page_of(request, queries.program_pairs(program, now, search=search, health=health))
        shown = list(page.object_list)
    else:
        page = page_of(request, [pk for pk, state in ranked if not health or state == health])
        shown = queries.pairs_by_ids(program, list(page.object_list), now)
    context = {
        "member": member,
        "program": program,
        "page": page,
        "rows": queries.pair_rows(shown, now),
        "query": query_without_page(request),
        "search": search,
        "health": health,
        "states": [(state, state.label, counts.get(str(state), 0)) for state in ORDER],
    }
    if wants_partial(request, "pair-list"):
        return render(request, "meetings/program_pairs.html#pair-list", context)
    return render(request, "meetings/program_pairs.html", context)


def pair_action(
    request: HttpRequest, member: Member, program: Program, pair: Pair, action: str, form: Any
) -> HttpResponse:
    """A row action's form: the fragment for htmx (opened inside the row), else a page."""
    context = {"member": member, "program": program, "pair": pair, "action": action, "form": form}
    if wants_partial(request, f"actions-{pair.pk}"):
        return render(request, "meetings/pair_action.html#action-form", context)
    return render(request, "meetings/pair_action.html", context, status=400 if form.errors else 200)


def managed_pair_of(program: Program, pair_id: int) -> Pair:
    return get_object_or_404(
        Pair.objects.select_related("a__member__user", "b__member__user"),
        pk=pair_id,
        program=program,
    )


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, member: Member, program_id: int, pair_id: int) -> HttpResponse:
    """Write to both partners of a pair (GET: the form, for the row or as a page)."""
    program = managed_program(member, program_id)
    pair = managed_pair_of(program, pair_id)
    if request.method == "GET":
        form = CheckInForm(auto_id=f"id_pair{pair.pk}_%s")
        return pair_action(request, member, program, pair, "check_in", form)
    form = CheckInForm(request.POST)
    if form.is_valid():
        try:
            actions.send_check_in(pair=pair, by=member, message=form.cleaned_data["message"])
            messages.success(request, _("Your message was sent to both partners."))
        except actions.MeetingError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, _("Write a message."))
    return redirect("meetings:program_pairs", org=member.organisation.slug, program_id=program.pk)


@org_view(roles=MANAGERS)
@require_GET
def end_form(request: HttpRequest, member: Member, program_id: int, pair_id: int) -> HttpResponse:
    """The form to end a pair, for the row of pairs by health or as a page; it posts to
    the pair's end (the same action its partners use)."""
    program = managed_program(member, program_id)
    pair = managed_pair_of(program, pair_id)
    form = EndForm(auto_id=f"id_pair{pair.pk}_%s")
    return pair_action(request, member, program, pair, "end", form)
