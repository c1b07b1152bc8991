"""The owners' and administrators' pages for API tokens and webhook subscriptions."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from gensidig.accounts.models import Member
from gensidig.api import actions
from gensidig.api.forms import EVENT_LABELS, TokenForm, WebhookForm
from gensidig.api.models import ApiToken, WebhookSubscription
from gensidig.common.confirm import Question, ask, confirmed
from gensidig.common.permissions import MANAGERS, org_view


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest, member: Member) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created: str | None = None
    if request.method == "POST" and form.is_valid():
        _token, created = actions.create_token(
            by=member,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.expires_at(),
            request=request,
        )
        form = TokenForm()
    response = render(
        request,
        "api/tokens.html",
        {
            "member": member,
            "form": form,
            "created": created,
            "tokens": ApiToken.objects.filter(organisation=member.organisation).select_related(
                "created_by__user"
            ),
        },
    )
    # The page that shows a new token once must not be kept by a browser or a proxy.
    response["Cache-Control"] = "no-store"
    return response


@org_view(roles=MANAGERS)
@require_POST
def revoke(request: HttpRequest, member: Member, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, organisation=member.organisation)
    if token.revoked_at is None and not confirmed(request):
        return ask(
            request,
            Question(
                title=_("Revoke the token “%(name)s”?") % {"name": token.name},
                text=str(
                    _(
                        "Every system that uses it gets “not valid” from then on. A revoked token "
                        "cannot be switched on again; you would create a new one."
                    )
                ),
                button=str(_("Yes, revoke the token")),
                back=reverse("api_pages:tokens", kwargs={"org": member.organisation.slug}),
            ),
            member=member,
        )
    actions.revoke_token(token=token, by=member, request=request)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("api_pages:tokens", org=member.organisation.slug)


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest, member: Member) -> HttpResponse:
    initial = {"language": member.user.language}
    form = WebhookForm(request.POST or None, initial=initial)
    created: WebhookSubscription | None = None
    if request.method == "POST" and form.is_valid():
        created = actions.subscribe_webhook(
            by=member,
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            format=form.cleaned_data["format"],
            language=form.cleaned_data["language"] or None,
        )
        form = WebhookForm(initial=initial)
    response = render(
        request,
        "api/webhooks.html",
        {
            "member": member,
            "form": form,
            "created": created,
            "subscriptions": WebhookSubscription.objects.filter(
                organisation=member.organisation
            ).select_related("created_by__user"),
            "event_labels": EVENT_LABELS,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def webhook_detail(request: HttpRequest, member: Member, subscription_id: int) -> HttpResponse:
    subscription = get_object_or_404(
        WebhookSubscription, pk=subscription_id, organisation=member.organisation
    )
    if request.method == "POST":
        if request.POST.get("do") == "delete":
            if not confirmed(request):
                return ask(
                    request,
                    Question(
                        title=_("Delete the subscription to %(url)s?") % {"url": subscription.url},
                        text=str(
                            _(
                                "No more events are sent there, and its secret and its log of "
                                "deliveries are deleted. This cannot be undone."
                            )
                        ),
                        button=str(_("Yes, delete the subscription")),
                        back=request.path,
                    ),
                    member=member,
                )
            actions.delete_webhook(subscription=subscription)
            messages.success(request, _("The subscription was deleted."))
            return redirect("api_pages:webhooks", org=member.organisation.slug)
        actions.resume_webhook(subscription=subscription)
        messages.success(request, _("The subscription sends events again."))
        return redirect(request.path)
    return render(
        request,
        "api/webhook_detail.html",
        {
            "member": member,
            "subscription": subscription,
            "deliveries": subscription.deliveries.all()[:100],
            "event_labels": EVENT_LABELS,
        },
    )
