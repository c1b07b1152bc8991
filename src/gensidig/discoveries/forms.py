from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gensidig.accounts.models import Member, Organisation
from gensidig.common.forms import IdsChoiceField
from gensidig.common.numbers import LocalDecimalField
from gensidig.discoveries.models import Discovery, Kind, Stage
from gensidig.matching.models import Pair
from gensidig.programs.models import Program, Topic


def member_choices(organisation: Organisation) -> Any:
    return Member.objects.filter(organisation=organisation, is_active=True).select_related("user")


class MemberChoiceField(forms.ModelChoiceField[Member]):
    def label_from_instance(self, obj: Member) -> str:
        return obj.user.name


class DiscoveryForm(forms.ModelForm[Discovery]):
    # Ticked on the second submit, after the page has shown similar discoveries.
    confirm_new = forms.BooleanField(
        required=False,
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Discovery
        field_classes = {"topics": IdsChoiceField}
        fields = ["title", "kind", "smarter_work", "link", "topics", "pair"]
        widgets = {
            "kind": forms.RadioSelect,
            "smarter_work": forms.Textarea(attrs={"rows": 3}),
            "link": forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
            "topics": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, organisation: Organisation, member: Member, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs.update({"autocomplete": "off", "maxlength": 160})
        # Radio buttons need no empty "choose one" entry.
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = Kind.choices
        topics = self.fields["topics"]
        assert isinstance(topics, forms.ModelMultipleChoiceField)
        topics.queryset = Topic.objects.filter(
            organisation=organisation, retired=False, merged_into=None
        )
        pair = self.fields["pair"]
        assert isinstance(pair, forms.ModelChoiceField)
        # Only the submitter's own pairs: nobody links a discovery to someone else's pair.
        pair.queryset = (
            Pair.objects.filter(program__organisation=organisation, ended_at=None)
            .filter(models_q_member(member))
            .select_related("a__member__user", "b__member__user", "program")
        )
        pair.empty_label = _("No pair")
        pair.label_from_instance = lambda p: f"{p} · {p.program.name}"  # type: ignore[method-assign,assignment]
        pair.required = False


def models_q_member(member: Member) -> Any:
    from django.db.models import Q

    return Q(a__member=member) | Q(b__member=member)


class BoardFilterForm(forms.Form):
    """The board's topic filter as an id (`str.isdigit` takes "²", which `int` refuses)."""

    tag = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class TryForm(forms.Form):
    sponsor = MemberChoiceField(queryset=Member.objects.none(), label=_("Sponsor"))
    owner = MemberChoiceField(
        queryset=Member.objects.none(),
        label=_("Owner"),
        help_text=_("The person who runs the trial day to day."),
    )
    plan_what = forms.CharField(
        label=_("What we try"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    plan_until = forms.DateField(
        label=_("Until when"), widget=forms.DateInput(attrs={"type": "date"})
    )
    plan_success = forms.CharField(
        label=_("How we know it worked"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in ("sponsor", "owner"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = member_choices(organisation)


class EffectForm(forms.Form):
    hours_saved_per_month = LocalDecimalField(
        label=_("Hours saved per month"),
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=1,
    )
    cost_per_month = LocalDecimalField(
        label=_("Cost per month (DKK)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=0,
    )
    effect_notes = forms.CharField(
        label=_("Quality or customer benefit, in words"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.pop("organisation", None)
        super().__init__(*args, **kwargs)


class DropForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it dropped?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.pop("organisation", None)
        super().__init__(*args, **kwargs)


MOVE_FORMS: dict[str, type[forms.Form]] = {
    Stage.TRYING: TryForm,
    Stage.ADOPTED: EffectForm,
    Stage.DROPPED: DropForm,
}


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class ScoutForm(forms.Form):
    member = MemberChoiceField(queryset=Member.objects.none(), label=_("Member"))
    program = forms.ModelChoiceField(
        queryset=Program.objects.none(),
        label=_("Program"),
        required=False,
        empty_label=_("The whole organisation"),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any):
        super().__init__(*args, **kwargs)
        member = self.fields["member"]
        program = self.fields["program"]
        assert isinstance(member, forms.ModelChoiceField)
        assert isinstance(program, forms.ModelChoiceField)
        member.queryset = member_choices(organisation)
        program.queryset = Program.objects.filter(organisation=organisation)
