from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gensidig.accounts import actions
from gensidig.accounts.models import Member, User
from gensidig.accounts.queries import members_of, memberships_of, pending_invitations
from gensidig.common.email import EMAIL_KINDS, read_opt_out_token
from gensidig.common.permissions import SESSION_KEY, org_view
from gensidig.insights.queries import open_pulses
from gensidig.meetings.queries import pairs_with, status_of
from gensidig.programs.queries import programs_for


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Public landing page; a logged-in person goes on to their organisation."""
    if not request.user.is_authenticated:
        return render(request, "common/landing.html")
    memberships = list(memberships_of(request.user))
    remembered = request.session.get(SESSION_KEY)
    for member in memberships:
        if member.organisation.slug == remembered:
            return redirect("common:dashboard", org=member.organisation.slug)
    if len(memberships) == 1:
        return redirect("common:dashboard", org=memberships[0].organisation.slug)
    return redirect("common:organisations")


@login_required
@require_GET
def organisations(request: HttpRequest) -> HttpResponse:
    """The organisation switcher: every organisation this person belongs to."""
    return render(
        request,
        "common/organisations.html",
        {"memberships": memberships_of(request.user)},  # type: ignore[arg-type]
    )


@org_view()
@require_GET
def dashboard(request: HttpRequest, member: Member) -> HttpResponse:
    context: dict[str, object] = {
        "member": member,
        "programs": list(programs_for(member)),
        "open_pulses": open_pulses(member),
        # A participant's first question: who is my partner and when do we meet next?
        "pairs": [
            (status, status.pair.b if status.pair.a.member_id == member.pk else status.pair.a)
            for status in map(
                status_of, pairs_with(member).filter(ended_at=None).prefetch_related("meetings")
            )
        ],
    }
    if member.is_manager_role:
        everyone = members_of(member.organisation)
        context["member_count"] = everyone.filter(is_active=True).count()
        context["invitation_count"] = pending_invitations(member.organisation).count()
    return render(request, "common/dashboard.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language and remember it: in a cookie for everyone, and on the
    account (so emails follow it too) for a logged-in person."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or reverse("common:home")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("common:home")
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=True,
        )
        if request.user.is_authenticated:
            actions.set_language(user=request.user, language=language)
    return response


@require_http_methods(["GET", "POST"])
def email_opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """Public by design: the signed link in the email is the permission. Opening the link
    only asks; the button switches the kind off (mail scanners follow links, not forms)."""
    found = read_opt_out_token(token)
    if found is None:
        return render(request, "common/email_opt_out.html", {"invalid": True}, status=404)
    user_id, kind = found
    if request.method == "POST":
        actions.opt_out_of_email(user_id=user_id, kind=kind)
    return render(
        request,
        "common/email_opt_out.html",
        {"label": EMAIL_KINDS[kind], "done": request.method == "POST"},
    )


@login_required
@require_POST
def email_opt_in(request: HttpRequest, kind: str) -> HttpResponse:
    """Switch a kind of email back on, from My account."""
    assert isinstance(request.user, User)
    actions.opt_in_to_email(user=request.user, kind=kind)
    messages.success(request, _("You will get these emails again."))
    return redirect("accounts:account")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: answers without a session or a login."""
    return JsonResponse({"status": "ok"})


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return TemplateResponse(request, "403.html", status=403).render()


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return TemplateResponse(request, "404.html", status=404).render()


def error_500(request: HttpRequest) -> HttpResponse:
    # No context processors here: the database may be what failed.
    from django.template.loader import get_template

    return HttpResponse(get_template("500.html").render({"request": request}), status=500)
