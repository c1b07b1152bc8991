from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gensidig.accounts.models import Member
from gensidig.common import once
from gensidig.common.exports import excel_csv
from gensidig.common.paging import PER_PAGE, wants_partial
from gensidig.common.permissions import MANAGERS, org_view
from gensidig.common.urls_for import url_for_each
from gensidig.common.versions import ChangedElsewhere, changed_page, posted_version
from gensidig.discoveries import actions, queries, rules
from gensidig.discoveries.forms import (
    MOVE_FORMS,
    BoardFilterForm,
    CommentForm,
    DiscoveryForm,
    EffectForm,
    ScoutForm,
)
from gensidig.discoveries.models import Discovery, Kind, Scout, Stage
from gensidig.programs.models import Topic


def discovery_of(member: Member, discovery_id: int) -> Discovery:
    return get_object_or_404(queries.discoveries_of(member.organisation), pk=discovery_id)


def detail_path(discovery: Discovery) -> str:
    return reverse(
        "discoveries:detail",
        kwargs={"org": discovery.organisation.slug, "discovery_id": discovery.pk},
    )


def to_detail(discovery: Discovery) -> HttpResponse:
    return redirect(detail_path(discovery))


def parse_date(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


# Cards shown in each column of the board; "show all" opens the stage as a paged list.
# Ten: the board is a participant's page in the load benchmark, and its cards were most of
# its cost (100 cards, 36 KB); ten a column is what a phone shows before "show all".
CARDS_PER_COLUMN = 10


def page_of_params(params: QueryDict | dict[str, list[str]], items: Any) -> Any:
    value = params.get("page", "")
    number = (value[-1] if value else "") if isinstance(value, list) else str(value or "")
    return Paginator(items, PER_PAGE).get_page(number)


def urlencode_without_page(params: QueryDict | dict[str, list[str]]) -> str:
    pairs = params.lists() if isinstance(params, QueryDict) else params.items()
    return urlencode([(k, v) for k, values in pairs if k != "page" for v in values])


def board_context(member: Member, params: QueryDict | dict[str, list[str]]) -> dict[str, Any]:
    def param(name: str) -> str:
        value = params.get(name, "")
        return (value[-1] if value else "") if isinstance(value, list) else str(value or "")

    sort = param("sort") if param("sort") in queries.SORTS else "support"
    stage = param("stage") if param("stage") in Stage.values else ""
    filters = BoardFilterForm({"tag": param("tag")})
    tag = filters.cleaned_data["tag"] if filters.is_valid() else None
    today = timezone.localdate()
    period_from = parse_date(param("from"), today - timedelta(days=365))
    period_to = parse_date(param("to"), today)
    tz = timezone.get_current_timezone()
    layout = "list" if param("layout") == "list" else "columns"
    context: dict[str, Any] = {}
    if layout == "list" or stage:
        # One list (a stage's "show all" too), one page at a time.
        layout = "list"
        page = page_of_params(
            params, queries.board_rows(member.organisation, sort=sort, tag=tag, stage=stage)
        )
        found = list(page.object_list)
        context = {"page": page, "query": urlencode_without_page(params)}
        columns: list[Any] = []
    else:
        columns = queries.board_columns(
            member.organisation, sort=sort, tag=tag, per_column=CARDS_PER_COLUMN
        )
        found = [discovery for _stage, cards, _count in columns for discovery in cards]
    detail = url_for_each("discoveries:detail", "discovery_id", org=member.organisation.slug)
    kinds, stages = dict(Kind.choices), dict(Stage.choices)
    for discovery in found:
        # The board's buttons: only the moves this member may make on this card.
        discovery.moves = moves_for(member, discovery)
        # What each card shows, looked up once per board instead of per card in the template.
        discovery.url = detail(discovery.pk)
        discovery.kind_label = kinds.get(discovery.kind, discovery.kind)
        discovery.stage_label = stages.get(discovery.stage, discovery.stage)
    return {
        **context,
        "member": member,
        "layout": layout,
        "discoveries": found,
        "columns": columns,
        "sort": sort,
        "stage": stage,
        "tag": tag,
        "stages": Stage.choices,
        "topics": Topic.objects.filter(organisation=member.organisation, discoveries__isnull=False)
        .distinct()
        .order_by("name_da"),
        "period_from": period_from,
        "period_to": period_to,
        "funnel": queries.funnel(
            member.organisation,
            since=datetime.combine(period_from, time.min, tzinfo=tz),
            until=datetime.combine(period_to + timedelta(days=1), time.min, tzinfo=tz),
        ),
        "effect": queries.summed_effect(member.organisation),
        "finders": queries.finders_credited(member.organisation)[:10],
    }


def moves_for(member: Member, discovery: Discovery) -> list[tuple[str, object, bool]]:
    """(stage, label, needs a form) for each move this member may make on the discovery."""
    if not rules.can_move(member, discovery):
        return []
    return [
        (stage, Stage(stage).label, stage in rules.NEEDS_FORM)
        for stage in rules.allowed_moves(discovery)
    ]


@org_view()
@require_http_methods(["GET"])
def board(request: HttpRequest, member: Member) -> HttpResponse:
    """The board everyone in the organisation sees: columns by stage (or a sorted list),
    filters, the funnel for a period, the summed effect and the finders credited."""
    context = board_context(member, request.GET)
    if wants_partial(request, "board"):
        return render(request, "discoveries/board.html#board", context)
    return render(request, "discoveries/board.html", context)


@org_view()
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, member: Member) -> HttpResponse:
    organisation = member.organisation
    form = DiscoveryForm(request.POST or None, organisation=organisation, member=member)
    similar: list[Discovery] = []
    if request.method == "POST" and (before := once.earlier(request)) is not None:
        # The same form sent again (a double click): where the first one went.
        return redirect(before or reverse("discoveries:board", kwargs={"org": organisation.slug}))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        similar = queries.similar_discoveries(organisation, data["title"])
        # A resembling title is shown once; saving then needs the "save anyway" button.
        if not similar or data["confirm_new"]:
            with transaction.atomic():
                claim = once.claim(request)
                if not claim.first:
                    return redirect(
                        claim.result
                        or reverse("discoveries:board", kwargs={"org": organisation.slug})
                    )
                discovery = actions.submit_discovery(
                    organisation=organisation,
                    by=member,
                    title=data["title"],
                    kind=data["kind"],
                    smarter_work=data["smarter_work"],
                    link=data["link"],
                    topics=data["topics"],
                    pair=data["pair"],
                )
                claim.done(detail_path(discovery))
            messages.success(request, _("Thank you! Your discovery is on the board."))
            return to_detail(discovery)
    return render(
        request,
        "discoveries/form.html",
        {"member": member, "form": form, "similar": similar, "confirming": bool(similar)},
    )


@org_view()
@require_http_methods(["GET"])
def similar(request: HttpRequest, member: Member) -> HttpResponse:
    """Discoveries resembling the title being typed (htmx)."""
    found = queries.similar_discoveries(member.organisation, request.GET.get("title", ""))
    return render(request, "discoveries/form.html#similar", {"member": member, "similar": found})


def detail_page(
    request: HttpRequest,
    member: Member,
    discovery: Discovery,
    *,
    effect_form: EffectForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "discoveries/detail.html",
        {
            "member": member,
            "discovery": discovery,
            "history": queries.history_of(discovery),
            "comments": queries.comments_of(discovery),
            "effects": discovery.effects.select_related("by__user"),
            "voted": queries.has_voted(discovery, member),
            "moves": moves_for(member, discovery),
            "can_sponsor": rules.can_sponsor(member, discovery),
            "can_record_effect": rules.can_record_effect(member, discovery),
            "effect_form": effect_form
            or EffectForm(
                initial={
                    "hours_saved_per_month": discovery.hours_saved_per_month,
                    "cost_per_month": discovery.cost_per_month,
                    "effect_notes": discovery.effect_notes,
                }
            ),
            "comment_form": CommentForm(),
        },
        status=status,
    )


@org_view()
@require_http_methods(["GET"])
def detail(request: HttpRequest, member: Member, discovery_id: int) -> HttpResponse:
    return detail_page(request, member, discovery_of(member, discovery_id))


@org_view()
@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, member: Member, discovery_id: int, stage: str) -> HttpResponse:
    """Move a discovery. Moves that need a plan, an effect or a reason show their form
    first; the others are one POST, from the board's buttons with or without htmx."""
    discovery = discovery_of(member, discovery_id)
    if stage not in Stage.values:
        raise Http404
    if not rules.can_move(member, discovery):
        raise PermissionDenied
    form_class: Any = MOVE_FORMS.get(stage)
    initial: dict[str, Any] = {}
    if stage == Stage.TRYING:
        initial = {
            "sponsor": discovery.sponsor_id or member.pk,
            "owner": discovery.owner_id or discovery.found_by_id,
            "plan_what": discovery.plan_what,
            "plan_until": discovery.plan_until,
            "plan_success": discovery.plan_success,
        }
    form = (
        form_class(
            request.POST if request.method == "POST" and "submitted" in request.POST else None,
            initial=initial,
            organisation=member.organisation,
        )
        if form_class
        else None
    )
    if request.method == "POST" and (form is None or form.is_valid()):
        data = form.cleaned_data if form is not None else {}
        try:
            actions.move_discovery(
                discovery=discovery, by=member, to=stage, version=posted_version(request), **data
            )
        except ChangedElsewhere:
            return changed_page(
                request, member=member, what=discovery.title, again=detail_path(discovery)
            )
        except actions.DiscoveryError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("“%(title)s” is now: %(stage)s.")
                % {"title": discovery.title, "stage": Stage(stage).label},
            )
        htmx = getattr(request, "htmx", None)
        if htmx and form is None:
            # Re-render the board with the filters of the page the button was pressed on.
            params = parse_qs(urlparse(htmx.current_url or "").query)
            return render(request, "discoveries/board.html#board", board_context(member, params))
        if request.POST.get("next") == "board":
            return redirect("discoveries:board", org=member.organisation.slug)
        return to_detail(discovery)
    if stage not in rules.allowed_moves(discovery):
        messages.error(request, _("This move is not possible from the discovery's stage."))
        return to_detail(discovery)
    return render(
        request,
        "discoveries/move.html",
        {
            "member": member,
            "discovery": discovery,
            "stage": stage,
            "stage_label": Stage(stage).label,
            "form": form,
        },
    )


@org_view()
@require_POST
def sponsor(request: HttpRequest, member: Member, discovery_id: int) -> HttpResponse:
    discovery = discovery_of(member, discovery_id)
    try:
        actions.sponsor_discovery(discovery=discovery, by=member)
    except actions.DiscoveryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You are now the sponsor of this discovery."))
    return to_detail(discovery)


@org_view()
@require_POST
def effect(request: HttpRequest, member: Member, discovery_id: int) -> HttpResponse:
    discovery = discovery_of(member, discovery_id)
    form = EffectForm(request.POST)
    if not form.is_valid():
        # The page again with what was typed and what is wrong with it, nothing saved.
        messages.error(request, _("Write the hours and the cost as numbers, or leave them empty."))
        return detail_page(request, member, discovery, effect_form=form, status=400)
    try:
        actions.record_effect(
            discovery=discovery,
            by=member,
            hours_saved_per_month=form.cleaned_data["hours_saved_per_month"],
            cost_per_month=form.cleaned_data["cost_per_month"],
            notes=form.cleaned_data["effect_notes"],
            version=posted_version(request),
        )
    except ChangedElsewhere:
        return changed_page(
            request, member=member, what=discovery.title, again=detail_path(discovery)
        )
    except actions.DiscoveryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The effect is saved."))
    return to_detail(discovery)


@org_view()
@require_POST
def comment(request: HttpRequest, member: Member, discovery_id: int) -> HttpResponse:
    discovery = discovery_of(member, discovery_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        with transaction.atomic():
            # Sent twice (a double click), the comment is posted once.
            if once.claim(request).first:
                actions.add_comment(discovery=discovery, by=member, text=form.cleaned_data["text"])
                messages.success(request, _("Your comment is posted."))
    else:
        messages.error(request, _("Write a comment first."))
    return to_detail(discovery)


@org_view()
@require_POST
def support(request: HttpRequest, member: Member, discovery_id: int) -> HttpResponse:
    discovery = discovery_of(member, discovery_id)
    if request.POST.get("withdraw"):
        actions.withdraw_support(discovery=discovery, by=member)
    else:
        actions.support_discovery(discovery=discovery, by=member)
    return to_detail(discovery)


@org_view(roles=MANAGERS)
@require_http_methods(["GET"])
def export(request: HttpRequest, member: Member) -> HttpResponse:
    """The board as CSV for Excel (semicolons, UTF-8 with BOM); no cell can run as a
    formula, since titles and links are typed by anyone in the organisation."""
    former = _("a former member")
    return excel_csv(
        filename="discoveries.csv",
        header=[
            _("Title"),
            _("What it is"),
            _("Stage"),
            _("Found by"),
            _("Sponsor"),
            _("Owner"),
            _("Support"),
            _("Topics"),
            _("Link"),
            _("Hours saved per month"),
            _("Cost per month (DKK)"),
            _("Quality or customer benefit"),
            _("Created"),
        ],
        rows=(
            (
                d.title,
                d.get_kind_display(),
                d.get_stage_display(),
                d.found_by.user.name if d.found_by else former,
                d.sponsor.user.name if d.sponsor else "",
                d.owner.user.name if d.owner else "",
                d.support,  # type: ignore[attr-defined]
                ", ".join(t.name for t in d.topics.all()),
                d.link,
                d.hours_saved_per_month if d.hours_saved_per_month is not None else "",
                d.cost_per_month if d.cost_per_month is not None else "",
                d.effect_notes,
                timezone.localtime(d.created_at).date().isoformat(),
            )
            for d in queries.board(member.organisation, sort="stage")
        ),
    )


@org_view()
@require_http_methods(["GET", "POST"])
def scouts(request: HttpRequest, member: Member) -> HttpResponse:
    """Everyone sees who the scouts are; owners and administrators name them."""
    form = ScoutForm(request.POST or None, organisation=member.organisation)
    if request.method == "POST":
        if not member.is_manager_role:
            raise PermissionDenied
        if form.is_valid():
            scout = actions.name_scout(
                organisation=member.organisation,
                member=form.cleaned_data["member"],
                program=form.cleaned_data["program"],
                by=member,
            )
            messages.success(request, _("%(name)s is a scout.") % {"name": scout.member.user.name})
            return redirect("discoveries:scouts", org=member.organisation.slug)
    return render(
        request,
        "discoveries/scouts.html",
        {"member": member, "scouts": queries.scouts_of(member.organisation), "form": form},
    )


@org_view(roles=MANAGERS)
@require_POST
def remove_scout(request: HttpRequest, member: Member, scout_id: int) -> HttpResponse:
    scout = get_object_or_404(Scout, pk=scout_id, organisation=member.organisation)
    actions.remove_scout(scout=scout)
    messages.success(
        request, _("%(name)s is no longer a scout.") % {"name": scout.member.user.name}
    )
    return redirect("discoveries:scouts", org=member.organisation.slug)


@org_view()
@require_http_methods(["GET"])
def finds(request: HttpRequest, member: Member, member_id: int) -> HttpResponse:
    """A person's finds and what became of them: a scout's own page."""
    finder = get_object_or_404(
        Member.objects.select_related("user"), pk=member_id, organisation=member.organisation
    )
    found = list(queries.finds_of(finder))
    return render(
        request,
        "discoveries/finds.html",
        {
            "member": member,
            "finder": finder,
            "finds": found,
            "scout_roles": queries.scouts_of(member.organisation).filter(member=finder),
            "adopted": sum(1 for d in found if d.stage == Stage.ADOPTED),
        },
    )
