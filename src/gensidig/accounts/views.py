from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from gensidig.accounts import actions, imports
from gensidig.accounts.forms import (
    AcceptInvitationForm,
    AccountForm,
    ActivationForm,
    EraseAccountForm,
    ImportForm,
    InviteForm,
    LoginForm,
    RoleForm,
    TaskPasswordResetForm,
)
from gensidig.accounts.models import (
    ImportJob,
    Invitation,
    Member,
    Role,
    SecurityEvent,
    User,
    hash_token,
)
from gensidig.accounts.queries import (
    find_members,
    members_of,
    not_yet_active,
    pending_invitations,
    personal_data,
    with_access_state,
)
from gensidig.accounts.security import log_security_event
from gensidig.accounts.signals import log_person_event
from gensidig.common.exports import excel_csv
from gensidig.common.paging import page_of_rows, query_without_page, wants_partial
from gensidig.common.permissions import MANAGERS, org_view

login_view = auth_views.LoginView.as_view(
    template_name="accounts/login.html",
    authentication_form=LoginForm,
    redirect_authenticated_user=True,
)
logout_view = auth_views.LogoutView.as_view()
password_reset = auth_views.PasswordResetView.as_view(
    form_class=TaskPasswordResetForm,
    template_name="accounts/password_reset.html",
    email_template_name="accounts/email/password_reset_body.txt",
    subject_template_name="accounts/email/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)


class LoggedPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's set-a-new-password step, with the change written to the security log."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        log_person_event(
            kind=SecurityEvent.Kind.PASSWORD_CHANGED,
            user=form.user,
            request=self.request,
            actor_id=form.user.pk,
            details={"how": "reset"},
        )
        return response


password_reset_confirm = LoggedPasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)


INVITATION_PROBLEMS = {
    "invalid": 404,
    "expired": 410,
    "accepted": 410,
    "revoked": 410,
    "account-exists": 409,
    "wrong-account": 409,
}


def invitation_problem(request: HttpRequest, state: str, activation: bool = False) -> HttpResponse:
    return render(
        request,
        "accounts/invitation_problem.html",
        {"state": state, "activation": activation},
        status=INVITATION_PROBLEMS.get(state, 400),
    )


def safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def activate(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    """An activation link: a member who has never signed in sets a password and confirms
    their name and language, then lands where the email meant to take them. A link whose
    person is active by now (they used another one) leads to the login, then on."""
    user = invitation.user
    next_url = safe_next(request, invitation.next_url)
    if invitation.state != Invitation.State.PENDING or user is None or user.is_activated:
        if user is not None and user.is_activated and invitation.state != Invitation.State.EXPIRED:
            if request.user.is_authenticated and request.user.pk == user.pk:
                return redirect(next_url or "common:home")
            messages.info(request, _("Your account is active already. Log in to go on."))
            login_url = reverse("accounts:login")
            return redirect(f"{login_url}?next={quote(next_url)}" if next_url else login_url)
        return invitation_problem(request, str(invitation.state), activation=True)
    if request.user.is_authenticated and request.user.pk != user.pk:
        return invitation_problem(request, "wrong-account")
    member = Member.objects.filter(
        organisation=invitation.organisation, user=user, is_active=True
    ).first()
    if member is None:
        return invitation_problem(request, "revoked", activation=True)
    form = ActivationForm(
        request.POST or None,
        email=user.email,
        initial={"name": user.name, "language": user.language},
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = actions.activate_account(
                token=token,
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password1"],
                language=form.cleaned_data["language"],
            )
        except actions.InvitationError as error:
            return invitation_problem(request, error.state, activation=True)
        login(request, member.user, backend="gensidig.accounts.backends.EmailBackend")
        response = redirect(
            next_url or reverse("common:dashboard", kwargs={"org": member.organisation.slug})
        )
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            member.user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
        with translation.override(member.user.language):
            messages.success(
                request,
                _("Your account is ready. Welcome to %(organisation)s.")
                % {"organisation": member.organisation.name},
            )
        return response
    return render(
        request,
        "accounts/activate.html",
        {"invitation": invitation, "form": form, "other": member},
    )


@never_cache  # the page names the invited person
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Public by design: the one-time token is the permission. A new person sets a name and a
    password; someone with an account logs in first and then joins with one click."""
    found = (
        Invitation.objects.select_related("organisation", "user")
        .filter(token_hash=hash_token(token), kind=Invitation.Kind.ACTIVATE)
        .first()
    )
    if found is not None:
        return activate(request, found, token)
    try:
        invitation = actions.get_usable_invitation(token=token)
    except actions.InvitationError as error:
        return invitation_problem(request, error.state)
    # An account nobody ever signed in to (an import elsewhere) counts as none: the person
    # sets their password here.
    has_account = any(
        account.is_activated for account in User.objects.filter(email__iexact=invitation.email)
    )
    user = request.user if request.user.is_authenticated else None
    form = None
    if user is not None and user.email.lower() != invitation.email.lower():
        return invitation_problem(request, "wrong-account")
    if user is None and not has_account:
        form = AcceptInvitationForm(
            request.POST or None, email=invitation.email, initial={"name": invitation.name}
        )
    if request.method == "POST" and (user is not None or (form is not None and form.is_valid())):
        try:
            if user is not None:
                member = actions.accept_invitation(token=token, user=user)
            else:
                assert form is not None
                member = actions.accept_invitation(
                    token=token,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password1"],
                )
                login(request, member.user, backend="gensidig.accounts.backends.EmailBackend")
        except actions.InvitationError as error:
            return invitation_problem(request, error.state)
        messages.success(
            request, _("Welcome to %(organisation)s.") % {"organisation": member.organisation.name}
        )
        return redirect("common:dashboard", org=member.organisation.slug)
    return render(
        request,
        "accounts/accept_invitation.html",
        {"invitation": invitation, "form": form, "has_account": has_account and user is None},
    )


@org_view(roles=MANAGERS)
@require_http_methods(["GET"])
def members(request: HttpRequest, member: Member) -> HttpResponse:
    """The members, one page at a time, searched and filtered in the database; with htmx
    the search and the pager swap only the list."""
    search = request.GET.get("q", "")[:100]
    role = request.GET.get("role", "")
    role = role if role in Role.values else ""
    state = request.GET.get("state", "")
    state = state if state in ("active", "inactive") else ""
    page = page_of_rows(
        request, find_members(member.organisation, search=search, role=role, state=state)
    )
    context = {
        "member": member,
        "page": page,
        "members": page.object_list,
        "query": query_without_page(request),
        "search": search,
        "role": role,
        "state": state,
        "roles": Role.choices,
    }
    if wants_partial(request, "member-list"):
        return render(request, "accounts/members.html#member-list", context)
    invitations = pending_invitations(member.organisation)
    shown = list(invitations[: INVITATIONS_SHOWN + 1])
    count = invitations.count() if len(shown) > INVITATIONS_SHOWN else len(shown)
    return render(
        request,
        "accounts/members.html",
        {
            **context,
            "invitations": shown[:INVITATIONS_SHOWN],
            "invitation_count": count,
            "not_yet_active": not_yet_active(member.organisation).count(),
        },
    )


# Open invitations shown on the members page; the rest are counted.
INVITATIONS_SHOWN = 20


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, member: Member) -> HttpResponse:
    form = InviteForm(request.POST or None, inviter=member)
    if request.method == "POST" and form.is_valid() and form.member_to_activate is not None:
        actions.send_activation(member=form.member_to_activate, invited_by=member)
        messages.success(
            request,
            _(
                "%(email)s is a member already but has never signed in: an activation "
                "invitation was sent instead."
            )
            % {"email": form.cleaned_data["email"]},
        )
        return redirect("accounts:members", org=member.organisation.slug)
    if request.method == "POST" and form.is_valid():
        actions.invite_member(
            organisation=member.organisation,
            email=form.cleaned_data["email"],
            name=form.cleaned_data["name"],
            role=form.cleaned_data["role"],
            invited_by=member,
        )
        messages.success(
            request,
            _("An invitation was sent to %(email)s.") % {"email": form.cleaned_data["email"]},
        )
        return redirect("accounts:members", org=member.organisation.slug)
    return render(request, "accounts/invite.html", {"member": member, "form": form})


@org_view(roles=MANAGERS)
@require_POST
def revoke_invitation(request: HttpRequest, member: Member, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=invitation_id, organisation=member.organisation)
    actions.revoke_invitation(invitation=invitation)
    messages.success(
        request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
    )
    return redirect("accounts:members", org=member.organisation.slug)


@org_view(roles=MANAGERS)
@require_POST
def send_activation(request: HttpRequest, member: Member, member_id: int) -> HttpResponse:
    """Send one member who has never signed in an activation invitation."""
    other = get_object_or_404(
        Member.objects.select_related("user", "organisation"),
        pk=member_id,
        organisation=member.organisation,
    )
    if actions.send_activation(member=other, invited_by=member) is None:
        messages.info(request, _("%(name)s can sign in already.") % {"name": other.user.name})
    else:
        messages.success(
            request,
            _("An activation invitation was sent to %(email)s.") % {"email": other.user.email},
        )
    if request.POST.get("back") == "detail":
        return redirect("accounts:member_detail", org=member.organisation.slug, member_id=other.pk)
    return redirect("accounts:members", org=member.organisation.slug)


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def send_activations(request: HttpRequest, member: Member) -> HttpResponse:
    """Everyone not active yet gets an activation invitation; the page asks first and
    names who will get one."""
    waiting = not_yet_active(member.organisation)
    if request.method == "POST":
        sent = actions.send_activations(organisation=member.organisation, invited_by=member)
        messages.success(
            request,
            ngettext(
                "An activation invitation was sent to %(count)s person.",
                "Activation invitations were sent to %(count)s people.",
                sent,
            )
            % {"count": sent},
        )
        return redirect("accounts:members", org=member.organisation.slug)
    waiting = with_access_state(waiting)
    return render(
        request,
        "accounts/send_activations.html",
        {
            "member": member,
            "count": waiting.count(),
            "waiting": waiting[:200],
            "days": settings.GENSIDIG_INVITATION_DAYS,
        },
    )


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def member_detail(request: HttpRequest, member: Member, member_id: int) -> HttpResponse:
    other = get_object_or_404(
        Member.objects.select_related("user", "manager__user"),
        pk=member_id,
        organisation=member.organisation,
    )
    form = RoleForm(request.POST or None, initial={"role": other.role})
    if member.role != Role.OWNER:
        # Admins manage participants and admins; ownership is the owners' business.
        role_field = form.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = [c for c in Role.choices if c[0] != Role.OWNER]
    if request.method == "POST":
        if other.role == Role.OWNER and member.role != Role.OWNER:
            messages.error(request, _("Only an owner can change the role of an owner."))
        elif form.is_valid():
            try:
                actions.change_role(
                    member=other, role=form.cleaned_data["role"], by=member, request=request
                )
                messages.success(request, _("The role was changed."))
                return redirect(
                    "accounts:member_detail", org=member.organisation.slug, member_id=other.pk
                )
            except actions.LastOwnerError:
                messages.error(request, _("The organisation needs at least one owner."))
    return render(
        request,
        "accounts/member_detail.html",
        {
            "member": member,
            "other": other,
            "form": form,
            "reports": other.reports.select_related("user"),
            "last_invited_at": getattr(
                with_access_state(Member.objects.filter(pk=other.pk)).first(),
                "last_invited_at",
                None,
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = AccountForm(request.POST or None, initial={"name": user.name})
    if request.method == "POST" and form.is_valid():
        actions.update_account(user=user, name=form.cleaned_data["name"])
        messages.success(request, _("Your details were saved."))
        return redirect("accounts:account")
    from gensidig.common.email import EMAIL_KINDS
    from gensidig.common.models import EmailOptOut

    switched_off = [
        (kind, EMAIL_KINDS.get(kind, kind))
        for kind in EmailOptOut.objects.filter(user=user)
        .order_by("kind")
        .values_list("kind", flat=True)
    ]
    return render(
        request,
        "accounts/account.html",
        {"form": form, "erase_form": EraseAccountForm(), "switched_off": switched_off},
    )


@login_required
@require_http_methods(["GET"])
def export_data(request: HttpRequest) -> HttpResponse:
    """A person's own data as JSON: the right to a copy of what we store."""
    data = personal_data(request.user)  # type: ignore[arg-type]
    log_security_event(
        kind=SecurityEvent.Kind.EXPORTED,
        subject_id=request.user.pk,
        request=request,
        details={"what": "own data"},
    )
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="gensidig-my-data.json"'
    return response


@login_required
@require_POST
def erase(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = EraseAccountForm(request.POST)
    if not form.is_valid() or not user.check_password(form.cleaned_data["password"]):
        messages.error(request, _("The password was not right, so nothing was erased."))
        return redirect("accounts:account")
    actions.erase_account(user=user)
    logout(request)
    messages.success(request, _("Your account and your data were erased."))
    return redirect("accounts:login")


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def import_members(request: HttpRequest, member: Member) -> HttpResponse:
    """Upload people. Any bad row and nothing is saved; the page lists every problem. Small
    files are saved at once, large ones by a background task whose progress is shown."""

    def check_and_save(rows: list[dict[str, str]]) -> tuple[list[imports.RowProblem], object]:
        checked = imports.check_rows(rows, organisation=member.organisation)
        if not checked.ok:
            return checked.problems, None
        return [], imports.save_people(
            organisation=member.organisation, people=checked.people, by=member
        )

    return handle_import(
        request,
        member,
        check_and_save=check_and_save,
        done_url=reverse("accounts:members", kwargs={"org": member.organisation.slug}),
    )


def handle_import(
    request: HttpRequest,
    member: Member,
    *,
    check_and_save: Callable[[list[dict[str, str]]], tuple[list[imports.RowProblem], object]],
    done_url: str,
    program: object = None,
    extra_context: dict[str, object] | None = None,
) -> HttpResponse:
    """The upload page shared by the people import and the program import."""
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[imports.RowProblem] = imports.Problems()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = upload.read()
            rows = imports.read_rows(data, upload.name)
        except (imports.UnreadableFile, UnicodeDecodeError) as error:
            message = (
                str(error)
                if isinstance(error, imports.UnreadableFile)
                else _(
                    "The file is neither UTF-8 nor Windows-1252 text. "
                    "Save it as CSV UTF-8 or as .xlsx."
                )
            )
            problems = imports.Problems([imports.RowProblem(0, "", message)])
        else:
            if len(rows) > imports.BACKGROUND_ROWS:
                job = actions.start_import(
                    organisation=member.organisation,
                    by=member,
                    filename=upload.name,
                    data=data,
                    program_id=getattr(program, "pk", None),
                )
                return redirect("accounts:import_job", org=member.organisation.slug, job_id=job.pk)
            problems, outcome = check_and_save(rows)
            if not problems:
                assert isinstance(outcome, imports.ImportOutcome)
                messages.success(
                    request,
                    _("The import is done: %(created)s new and %(updated)s updated.")
                    % {"created": outcome.created, "updated": outcome.updated},
                )
                for note in outcome.notes():
                    messages.warning(request, note.message)
                return redirect(done_url)
    return render(
        request,
        "accounts/import.html",
        {
            "member": member,
            "form": form,
            "problems": problems,
            "program": program,
            "bands": imports.GENERATION_BANDS,
            **(extra_context or {}),
        },
        status=400 if problems else 200,
    )


@org_view(roles=MANAGERS)
@require_http_methods(["GET"])
def import_job(request: HttpRequest, member: Member, job_id: int) -> HttpResponse:
    job = get_object_or_404(ImportJob, pk=job_id, organisation=member.organisation)
    template = "accounts/import_job.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#progress"
    return render(
        request,
        template,
        {
            "member": member,
            "job": job,
            "not_yet_active": not_yet_active(member.organisation).count()
            if job.status == ImportJob.Status.DONE
            else 0,
        },
    )


@org_view(roles=MANAGERS)
@require_http_methods(["GET"])
def export_members(request: HttpRequest, member: Member) -> HttpResponse:
    """The member list as CSV for Excel (semicolons, UTF-8 with BOM); no cell can run as a
    formula when opened."""
    log_security_event(
        kind=SecurityEvent.Kind.EXPORTED,
        organisation=member.organisation,
        request=request,
        details={"what": "member list"},
    )
    return excel_csv(
        filename="members.csv",
        header=[
            _("Name"),
            _("Email address"),
            _("Department"),
            _("Manager email"),
            _("Side"),
            _("Generation band"),
            _("Languages"),
            _("Role"),
        ],
        rows=(
            (
                other.user.name,
                other.user.email,
                other.department,
                other.manager.user.email if other.manager else "",
                # In the export's language ("Ung", "Erfaren"), which the import reads back.
                other.get_side_display() if other.side else "",
                other.generation,
                ",".join(other.languages),
                other.get_role_display(),
            )
            for other in members_of(member.organisation).filter(is_active=True)
        ),
    )


@org_view(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def remove_member(request: HttpRequest, member: Member, member_id: int) -> HttpResponse:
    """Remove someone who left: a confirmation page, then they lose access at once and their
    pairs end. Only an owner removes an owner; nobody removes themselves here."""
    other = get_object_or_404(
        Member.objects.select_related("user"),
        pk=member_id,
        organisation=member.organisation,
        is_active=True,
    )
    if other.pk == member.pk or (other.role == Role.OWNER and member.role != Role.OWNER):
        raise PermissionDenied
    if request.method == "POST":
        try:
            actions.deactivate_member(member=other, by=member, request=request)
        except actions.LastOwnerError:
            messages.error(request, _("The organisation needs at least one owner."))
            return redirect(
                "accounts:member_detail", org=member.organisation.slug, member_id=other.pk
            )
        messages.success(
            request, _("%(name)s was removed from the organisation.") % {"name": other.user.name}
        )
        return redirect("accounts:member_detail", org=member.organisation.slug, member_id=other.pk)
    return render(request, "accounts/remove_member.html", {"member": member, "other": other})


@org_view(roles=MANAGERS)
@require_POST
def reactivate_member(request: HttpRequest, member: Member, member_id: int) -> HttpResponse:
    other = get_object_or_404(
        Member.objects.select_related("user"),
        pk=member_id,
        organisation=member.organisation,
        is_active=False,
    )
    if other.role == Role.OWNER and member.role != Role.OWNER:
        raise PermissionDenied
    actions.reactivate_member(member=other, by=member, request=request)
    messages.success(request, _("%(name)s has access again.") % {"name": other.user.name})
    return redirect("accounts:member_detail", org=member.organisation.slug, member_id=other.pk)
