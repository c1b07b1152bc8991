from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gensidig.common.forms import LARGEST_ID
from gensidig.matching.models import Proposal
from gensidig.programs.models import Enrolment, Mode, Program


class EnrolmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class ProposalChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.a.display_name} + {obj.b.display_name}"


# The most pairs a swap form offers to choose from; a search narrows a larger round.
SWAP_CHOICES = 200


class SwapForm(forms.Form):
    def __init__(self, *args: Any, program: Program, search: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        drafts = (
            Proposal.objects.filter(program=program, status=Proposal.Status.DRAFT)
            .select_related("a__member__user", "b__member__user")
            .order_by("-score", "pk")
        )
        for word in search.split()[:5]:
            drafts = drafts.filter(
                Q(a__member__user__name__icontains=word) | Q(b__member__user__name__icontains=word)
            )
        if not self.is_bound:
            # Only shown, never validated against: the choice offered stays small.
            drafts = drafts[:SWAP_CHOICES]
        self.fields["first"] = ProposalChoice(queryset=drafts, label=_("First pair"))
        self.fields["second"] = ProposalChoice(queryset=drafts, label=_("Second pair"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("first") and cleaned.get("first") == cleaned.get("second"):
            raise forms.ValidationError(_("Choose two different pairs."))
        return cleaned


# The most people each partner's select offers; a search by name finds the others.
PARTNER_CHOICES = 50


class ManualPairForm(forms.Form):
    reason = forms.CharField(
        label=_("Why this pair?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when the pair breaks one of the program's rules. Kept with the pair."),
    )

    def __init__(
        self, *args: Any, program: Program, search: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        enrolled = (
            Enrolment.objects.filter(program=program, status="enrolled", member__isnull=False)
            .select_related("member__user")
            .order_by("member__user__name")
        )
        reverse = program.mode == Mode.REVERSE
        self.fields["a"] = EnrolmentChoice(
            queryset=enrolled.filter(side="young") if reverse else enrolled,
            label=_("Young partner") if reverse else _("First partner"),
        )
        self.fields["b"] = EnrolmentChoice(
            queryset=enrolled.filter(side="experienced") if reverse else enrolled,
            label=_("Experienced partner") if reverse else _("Second partner"),
        )
        self.order_fields(["a", "b", "reason"])
        self.more: dict[str, bool] = {}
        self.shown = PARTNER_CHOICES
        for name in ("a", "b"):
            self.offer(name, (search or {}).get(name, ""))

    @property
    def partner_fields(self) -> list[tuple[str, Any]]:
        return [(name, self.fields[name]) for name in ("a", "b")]

    def offer(self, name: str, search: str) -> None:
        """The select shows at most PARTNER_CHOICES people (those whose name has every word
        of `search`) and the one chosen; a POST is still checked against everyone enrolled.
        An organisation of 10,000 made two selects of 10,000 options each."""
        field = self.fields[name]
        found = field.queryset  # type: ignore[attr-defined]
        for word in search.split()[:5]:
            found = found.filter(member__user__name__icontains=word)
        shown = list(found[: PARTNER_CHOICES + 1])
        self.more[name] = len(shown) > PARTNER_CHOICES
        shown = shown[:PARTNER_CHOICES]
        chosen = str(self[name].value() or "")
        # isdigit() is true for "²", which int() refuses; only ASCII digits are an id.
        if (
            chosen.isascii()
            and chosen.isdigit()
            and int(chosen) <= LARGEST_ID
            and int(chosen) not in {e.pk for e in shown}
        ):
            shown += list(field.queryset.filter(pk=int(chosen)))  # type: ignore[attr-defined]
        field.widget.choices = [
            ("", field.empty_label),  # type: ignore[attr-defined]
            *((e.pk, e.display_name) for e in shown),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("a") and cleaned.get("a") == cleaned.get("b"):
            raise forms.ValidationError(_("A person cannot be paired with themselves."))
        return cleaned


class AnswerForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you decline, or what should a person review? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
