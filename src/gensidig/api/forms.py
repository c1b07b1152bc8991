from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gensidig.api.actions import WebhookUrlError, check_webhook_url
from gensidig.api.models import Format, Scope

EVENT_LABELS = {
    "member.joined": _("A member joined"),
    "member.left": _("A member left"),
    "enrolment.changed": _("An enrolment changed"),
    "round.published": _("A matching round was published"),
    "proposal.answered": _("A proposal was answered"),
    "pair.formed": _("A pair was formed"),
    "pair.ended": _("A pair ended"),
    "meeting.booked": _("A meeting was booked"),
    "meeting.cancelled": _("A meeting was cancelled"),
    "discovery.created": _("A discovery was shared"),
    "discovery.moved": _("A discovery moved to another stage"),
    "discovery.adopted": _("A discovery was adopted"),
    "pulse.closed": _("A pulse closed"),
}


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, for example “HR system” or “Power BI”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=Scope.choices,
        initial=[Scope.READ],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Read lets the token fetch data; write lets it change data as you could."),
    )
    expires_on = forms.DateField(
        label=_("Expires on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_expires_on(self) -> Any:
        day = self.cleaned_data.get("expires_on")
        if day is not None and day <= timezone.localdate():
            raise forms.ValidationError(_("Choose a day after today."))
        return day

    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day, time.min))


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_("Address"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where the events are sent: an https:// address."),
    )
    events = forms.MultipleChoiceField(
        label=pgettext_lazy("webhook", "Events"),
        choices=list(EVENT_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    format = forms.ChoiceField(label=_("Format"), choices=Format.choices, initial=Format.JSON)
    language = forms.ChoiceField(
        label=_("Language of Teams and Slack messages"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        required=False,
        help_text=_("The language the channel reads. JSON deliveries are the same in both."),
    )

    def clean_url(self) -> str:
        try:
            return check_webhook_url(self.cleaned_data["url"])
        except WebhookUrlError as error:
            raise forms.ValidationError(str(error)) from error
