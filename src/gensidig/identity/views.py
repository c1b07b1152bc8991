from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from gensidig.accounts.models import Member, Role, User
from gensidig.common.confirm import Question, ask, confirmed
from gensidig.common.permissions import org_view
from gensidig.identity import actions, mfa, passkeys, sso
from gensidig.identity.forms import (
    CodeForm,
    MfaRuleForm,
    PasskeyNameForm,
    ProviderForm,
    ScimTokenForm,
)
from gensidig.identity.models import DomainClaim, IdentityProvider, ScimToken
from gensidig.identity.queries import (
    domain_claims_of,
    provider_of,
    scim_tokens_of,
    security_of,
)

OWNERS = frozenset({Role.OWNER})
NEXT_KEY = "identity_sso_next"
BACKEND = "gensidig.accounts.backends.EmailBackend"


def safe_next(request: HttpRequest, value: str | None) -> str | None:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None


def enabled_provider(org: str) -> IdentityProvider:
    provider = (
        IdentityProvider.objects.select_related("organisation")
        .filter(organisation__slug=org, enabled=True)
        .first()
    )
    if provider is None:
        raise Http404
    return provider


# Single sign-on ---------------------------------------------------------------------------


def sso_page(request: HttpRequest, org: str) -> HttpResponse:
    """The organisation's own login address (for the company intranet): one button."""
    provider = enabled_provider(org)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return render(
        request,
        "identity/sso_page.html",
        {"provider": provider, "next": safe_next(request, request.GET.get("next")) or ""},
    )


def sso_start(request: HttpRequest, org: str) -> HttpResponse:
    # The provider is looked up first: an organisation without one answers 404 to any method.
    provider = enabled_provider(org)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    # A link, not a form: our CSP's form-action would stop a form's redirect to the provider.
    # Starting a login needs no CSRF token: the state bound to this session is what makes
    # the provider's answer usable here, so nobody can finish a login started for someone else.
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if next_url:
        request.session[NEXT_KEY] = next_url
    callback = request.build_absolute_uri(reverse("identity:sso_callback", kwargs={"org": org}))
    try:
        return sso.client_for(provider).authorize_redirect(request, callback)
    except sso.PROTOCOL_ERRORS as error:
        return refuse(request, provider, sso.refusal_reason(error), None)


def sso_callback(request: HttpRequest, org: str) -> HttpResponse:
    provider = enabled_provider(org)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    try:
        claims = sso.verified_claims(sso.client_for(provider), provider, request)
    except sso.PROTOCOL_ERRORS as error:
        return refuse(request, provider, sso.refusal_reason(error), None)
    try:
        sign_in = actions.sign_in_with_provider(provider=provider, claims=claims)
    except actions.SignInRefused as refusal:
        return refuse(request, provider, refusal.reason, refusal.user)
    next_url = request.session.pop(NEXT_KEY, None)
    login(request, sign_in.user, backend=BACKEND)
    if provider.enforces_mfa:
        request.session[mfa.SSO_MFA_KEY] = True
    actions.log_sso_login(sign_in=sign_in, provider=provider, request=request)
    return redirect(
        safe_next(request, next_url)
        or reverse("common:dashboard", kwargs={"org": provider.organisation.slug})
    )


def refuse(
    request: HttpRequest, provider: IdentityProvider, reason: str, user: User | None
) -> HttpResponse:
    actions.log_sso_refused(provider=provider, reason=reason, user=user, request=request)
    return render(
        request,
        "identity/sso_refused.html",
        {"provider": provider, "reason": reason},
        status=403,
    )


# Two-factor authentication ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app. Also the one page a manager who must have a second factor
    can reach until they have one."""
    user: User = request.user  # type: ignore[assignment]
    if mfa.has_second_factor(user) and not mfa.session_is_verified(request):
        # Someone with a passkey or codes adds an app only after using one: the password
        # alone must not let anyone make a second factor of their own.
        return redirect("identity:mfa_verify")
    if mfa.has_authenticator_app(user) and request.method == "GET":
        return redirect("identity:mfa")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = actions.start_totp(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = actions.confirm_totp(device=device, request=request)
            otp_login(request, device)
            return render(request, "identity/recovery_codes.html", {"codes": codes})
        form.add_error(
            "code", _("The code is not right. Check the time on your phone and try again.")
        )
    return render(
        request,
        "identity/mfa_setup.html",
        {
            "form": form,
            "qr": mfa.qr_data_uri(device.config_url),
            "key": mfa.readable_key(device),
            "required": mfa.must_have_second_factor(user),
            "name_form": PasskeyNameForm(),
            "passkey_elsewhere": passkeys.unusable_here(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    next_url = safe_next(request, request.GET.get("next") or request.POST.get("next"))
    if mfa.session_is_verified(request) or not mfa.has_second_factor(user):
        return redirect(next_url or "common:home")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(next_url or "common:home")
        actions.log_mfa_failure(user=user, request=request)
        form.add_error("code", _("The code is not right. Try again, or use a recovery code."))
    return render(
        request,
        "identity/mfa_verify.html",
        {
            "form": form,
            "next": next_url or "",
            "passkey": bool(mfa.passkeys_of(user)),
            "passkey_elsewhere": passkeys.unusable_here(request),
        },
    )


@login_required
@require_GET
def mfa_status(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "identity/mfa.html",
        {
            "enabled": mfa.has_second_factor(user),
            "app": mfa.has_authenticator_app(user),
            "passkeys": [
                (passkey, passkeys.display_name(passkey)) for passkey in mfa.passkeys_of(user)
            ],
            "required": mfa.must_have_second_factor(user),
            "app_needed": mfa.must_have_second_factor(user)
            and not mfa.factors_besides(user, app=True),
            "recovery_left": mfa.recovery_codes_left(user),
            "form": CodeForm(),
            "name_form": PasskeyNameForm(),
            "passkey_elsewhere": passkeys.unusable_here(request),
        },
    )


@login_required
@require_POST
def mfa_off(request: HttpRequest) -> HttpResponse:
    """Turn off the authenticator app (with a code from it or a recovery code)."""
    user: User = request.user  # type: ignore[assignment]
    if mfa.must_have_second_factor(user) and not mfa.factors_besides(user, app=True):
        messages.error(
            request, _("Your organisation requires two-factor authentication for your role.")
        )
        return redirect("identity:mfa")
    form = CodeForm(request.POST)
    if form.is_valid() and match_token(user, form.cleaned_data["code"]) is not None:
        actions.turn_off_mfa(user=user, request=request)
        if mfa.has_second_factor(user):
            messages.success(request, _("The authenticator app is removed; your passkeys remain."))
        else:
            messages.success(request, _("Two-factor authentication is turned off."))
    else:
        messages.error(request, _("The code is not right, so nothing was changed."))
    return redirect("identity:mfa")


@login_required
@require_POST
def passkey_name(request: HttpRequest) -> HttpResponse:
    """Name a passkey: right after adding it (the page's script sends the new passkey's id
    with the name typed beside the button), or later from the list. The first passkey's
    recovery codes are shown here, once."""
    user: User = request.user  # type: ignore[assignment]
    form = PasskeyNameForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the passkey a name of at most 64 characters."))
        return redirect("identity:mfa")
    credential = get_object_or_404(WebAuthnCredential, pk=form.cleaned_data["passkey"], user=user)
    actions.rename_passkey(credential=credential, name=form.cleaned_data["name"])
    if request.session.get(passkeys.NEW_CODES_KEY) == credential.pk:
        del request.session[passkeys.NEW_CODES_KEY]
        return render(request, "identity/recovery_codes.html", {"codes": mfa.recovery_codes(user)})
    messages.success(
        request,
        _("The passkey “%(name)s” is saved.") % {"name": passkeys.display_name(credential)},
    )
    return redirect("identity:mfa")


@login_required
@require_http_methods(["GET", "POST"])
def passkey_remove(request: HttpRequest, passkey_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    credential = get_object_or_404(WebAuthnCredential, pk=passkey_id, user=user)
    name = passkeys.display_name(credential)
    if mfa.must_have_second_factor(user) and not mfa.factors_besides(user, passkey_id=passkey_id):
        messages.error(
            request,
            _(
                "Your organisation requires two-factor authentication for your role, and "
                "this is your last way to give it. Add another passkey or the authenticator "
                "app first."
            ),
        )
        return redirect("identity:mfa")
    if not confirmed(request):
        last = not mfa.factors_besides(user, passkey_id=passkey_id)
        return ask(
            request,
            Question(
                title=_("Remove the passkey “%(name)s”?") % {"name": name},
                text=str(
                    _(
                        "You can no longer log in with it. It is your last second factor, "
                        "so two-factor authentication is turned off and your recovery codes "
                        "stop working."
                    )
                    if last
                    else _("You can no longer log in with it. Your other ways stay as they are.")
                ),
                button=_("Yes, remove the passkey"),
                back=reverse("identity:mfa"),
            ),
        )
    actions.remove_passkey(credential=credential, request=request)
    messages.success(request, _("The passkey “%(name)s” is removed.") % {"name": name})
    return redirect("identity:mfa")


@login_required
@require_POST
def mfa_new_codes(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not mfa.has_second_factor(user):
        return redirect("identity:mfa_setup")
    codes = actions.renew_recovery_codes(user=user, request=request)
    return render(request, "identity/recovery_codes.html", {"codes": codes})


# The owners' settings ---------------------------------------------------------------------


@org_view(roles=OWNERS)
@require_GET
def settings_page(request: HttpRequest, member: Member) -> HttpResponse:
    organisation = member.organisation
    return render(
        request,
        "identity/settings.html",
        {
            "member": member,
            "provider": provider_of(organisation),
            "claims": domain_claims_of(organisation),
            "rules": security_of(organisation),
            "mfa_form": MfaRuleForm(
                initial={"required": security_of(organisation).require_mfa_for_managers}
            ),
            "tokens": scim_tokens_of(organisation),
            "token_form": ScimTokenForm(),
            "scim_url": request.build_absolute_uri(reverse("scim:root")),
            "callback_url": request.build_absolute_uri(
                reverse("identity:sso_callback", kwargs={"org": organisation.slug})
            ),
            "login_url": request.build_absolute_uri(
                reverse("identity:sso_page", kwargs={"org": organisation.slug})
            ),
        },
    )


@org_view(roles=OWNERS)
@require_http_methods(["GET", "POST"])
def provider_edit(request: HttpRequest, member: Member) -> HttpResponse:
    organisation = member.organisation
    provider = provider_of(organisation)
    form = ProviderForm(request.POST or None, organisation=organisation, provider=provider)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.configure_provider(
            organisation=organisation,
            by=member,
            name=data["name"],
            issuer=data["issuer"],
            client_id=data["client_id"],
            secret=data["secret"] or None,
            domains=data["domains"],
            password_login_allowed=data["password_login_allowed"],
            unknown_people=data["unknown_people"],
            enforces_mfa=data["enforces_mfa"],
            enabled=data["enabled"],
            request=request,
        )
        messages.success(request, _("Single sign-on is saved."))
        return redirect("identity:settings", org=organisation.slug)
    return render(
        request,
        "identity/provider_form.html",
        {
            "member": member,
            "form": form,
            "provider": provider,
            "callback_url": request.build_absolute_uri(
                reverse("identity:sso_callback", kwargs={"org": organisation.slug})
            ),
        },
    )


@org_view(roles=OWNERS)
@require_POST
def provider_remove(request: HttpRequest, member: Member) -> HttpResponse:
    actions.remove_provider(organisation=member.organisation, by=member, request=request)
    messages.success(request, _("Single sign-on is removed."))
    return redirect("identity:settings", org=member.organisation.slug)


@org_view(roles=OWNERS)
@require_POST
def domain_check(request: HttpRequest, member: Member, claim_id: int) -> HttpResponse:
    """ "Check now": look for the domain's TXT record and mark it verified when found."""
    claim = get_object_or_404(DomainClaim, pk=claim_id, organisation=member.organisation)
    try:
        actions.check_domain(claim=claim, by=member, request=request)
    except actions.DomainNotVerified as refusal:
        messages.error(request, DOMAIN_REFUSALS[refusal.reason] % {"domain": claim.domain})
    else:
        messages.success(
            request, _("“%(domain)s” is verified: it is yours.") % {"domain": claim.domain}
        )
    return redirect("identity:settings", org=member.organisation.slug)


DOMAIN_REFUSALS = {
    "no-record": _(
        "We did not find the TXT record for “%(domain)s” yet. Check that it is published "
        "exactly as shown; a new record can take up to an hour to be seen."
    ),
    "lookup-failed": _(
        "We could not ask DNS about “%(domain)s” just now (no answer in time). "
        "Try again in a moment."
    ),
    "taken": _("Another organisation has already proved that it owns “%(domain)s”."),
}


@org_view(roles=OWNERS)
@require_POST
def mfa_rule(request: HttpRequest, member: Member) -> HttpResponse:
    form = MfaRuleForm(request.POST)
    form.is_valid()
    actions.set_mfa_rule(
        organisation=member.organisation,
        by=member,
        required=bool(form.cleaned_data.get("required")),
        request=request,
    )
    messages.success(request, _("The two-factor rule is saved."))
    return redirect("identity:settings", org=member.organisation.slug)


@org_view(roles=OWNERS)
@require_POST
def scim_token_create(request: HttpRequest, member: Member) -> HttpResponse:
    form = ScimTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the token a name."))
        return redirect("identity:settings", org=member.organisation.slug)
    token, raw = actions.create_scim_token(
        organisation=member.organisation, by=member, name=form.cleaned_data["name"], request=request
    )
    return render(
        request,
        "identity/scim_token_created.html",
        {
            "member": member,
            "token": token,
            "raw": raw,
            "scim_url": request.build_absolute_uri(reverse("scim:root")),
        },
    )


@org_view(roles=OWNERS)
@require_POST
def scim_token_revoke(request: HttpRequest, member: Member, scim_token_id: int) -> HttpResponse:
    token = get_object_or_404(ScimToken, pk=scim_token_id, organisation=member.organisation)
    actions.revoke_scim_token(token=token, by=member, request=request)
    messages.success(request, _("The token is revoked; it no longer works."))
    return redirect("identity:settings", org=member.organisation.slug)
