from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from gensidig.accounts.models import Member, Role
from gensidig.common.email import html_part, render_text
from gensidig.common.tasks import queue_email


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _("The email address or the password is not right. Please try again."),
        "inactive": _("This account is switched off."),
    }


RESET_EMAIL = "accounts/email/password_reset_body.txt"
RESET_SUBJECT = "accounts/email/password_reset_subject.txt"


class TaskPasswordResetForm(PasswordResetForm):
    """Django's reset form, but everything after the form leaves through a task.

    The request only enqueues one task with the address, sealed: the same work whatever the
    address, so neither the page nor its timing tells whether it has an account (with tasks
    run by a worker, GENSIDIG_TASKS=database, as in production; the demo's immediate
    backend runs the task at once). The task looks the address up and sends Django's reset
    email; Django skips accounts without a usable password, and a member who was imported
    and has never signed in gets an activation link instead, so "forgot my password" is a
    way in for them too."""

    ip: str | None = None

    def save(self, *args: Any, **kwargs: Any) -> None:
        from django.utils.translation import get_language

        from gensidig.accounts.security import client_ip
        from gensidig.accounts.tasks import send_reset_links
        from gensidig.common.sealed import seal

        request = kwargs.get("request")
        domain = kwargs.get("domain_override") or (request.get_host() if request else "")
        send_reset_links.enqueue(
            sealed=seal(
                {
                    "email": self.cleaned_data["email"],
                    "domain": domain,
                    "use_https": bool(kwargs.get("use_https")),
                    "language": get_language(),
                    "ip": client_ip(request),
                }
            )
        )

    def send_links(self, *, domain: str, use_https: bool, ip: str | None) -> None:
        """Run by the task (see `send_reset_links`) on a valid form."""
        self.ip = ip
        super().save(
            domain_override=domain,
            use_https=use_https,
            email_template_name=RESET_EMAIL,
            subject_template_name=RESET_SUBJECT,
        )
        from gensidig.accounts.actions import send_activation
        from gensidig.accounts.models import User

        email = self.cleaned_data["email"]
        for user in User.objects.filter(email__iexact=email, is_active=True):
            if user.is_activated:
                continue  # Django's reset email went to them (or they sign in another way).
            member = (
                Member.objects.filter(user=user, is_active=True)
                .select_related("organisation", "user")
                .order_by("joined_at")
                .first()
            )
            if member is not None:
                send_activation(member=member, invited_by=None)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = " ".join(render_text(subject_template_name, context).split())
        body = render_text(email_template_name, context)
        queue_email(
            to=[to_email], subject=subject, body=body, html=html_part(subject=subject, body=body)
        )
        from gensidig.accounts.models import SecurityEvent
        from gensidig.accounts.signals import log_person_event

        log_person_event(
            kind=SecurityEvent.Kind.PASSWORD_RESET, user=context["user"], request=None, ip=self.ip
        )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    name = forms.CharField(label=_("Name (optional)"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.PARTICIPANT)

    def __init__(self, *args: Any, inviter: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inviter = inviter
        # Only an owner can hand out ownership.
        if inviter.role != Role.OWNER:
            role_field = self.fields["role"]
            assert isinstance(role_field, forms.ChoiceField)
            role_field.choices = [c for c in Role.choices if c[0] != Role.OWNER]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        existing = (
            Member.objects.filter(
                organisation=self.inviter.organisation, user__email__iexact=email, is_active=True
            )
            .select_related("user", "organisation")
            .first()
        )
        # A member who was imported and never signed in gets an activation link instead.
        self.member_to_activate = (
            existing if existing is not None and not existing.user.is_activated else None
        )
        if existing is not None and self.member_to_activate is None:
            raise forms.ValidationError(_("This person is already a member of the organisation."))
        return email


class AcceptInvitationForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits and not a common password."),
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        elif first:
            from gensidig.accounts.models import User

            try:
                password_validation.validate_password(
                    first, User(email=self.email, name=cleaned.get("name", ""))
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ActivationForm(AcceptInvitationForm):
    """Set a password and confirm one's details, from an activation link."""

    language = forms.ChoiceField(label=_("Language for pages and emails"), choices=[])

    field_order = ["name", "language", "password1", "password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.conf import settings

        language_field = self.fields["language"]
        assert isinstance(language_field, forms.ChoiceField)
        language_field.choices = settings.LANGUAGES
        self.order_fields(self.field_order)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class AccountForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)


class EraseAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password, to confirm"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_(
            "Columns: name, email, department, manager email, side (young or experienced), "
            "generation band and languages. Danish headings work too."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


class SecurityLogFilterForm(forms.Form):
    """The security log's filters (GET): kind of event, a person (name or email) and dates."""

    kind = forms.ChoiceField(label=_("Event"), required=False)
    person = forms.CharField(
        label=_("Person (name or email)"), required=False, max_length=100, strip=True
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = [("", _("All events")), *kinds]

    def filters(self) -> dict[str, Any]:
        """The valid filters; an invalid one is left out (the form shows why)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data[name] for name in self.fields if data.get(name)}
