from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gensidig.accounts.imports import GENERATION_BANDS
from gensidig.accounts.models import Member
from gensidig.common.forms import IdsChoiceField
from gensidig.common.versions import version_field
from gensidig.programs.actions import Charter
from gensidig.programs.models import (
    LANGUAGE_CHOICES,
    MAX_WISHES,
    Direction,
    Enrolment,
    Program,
    Side,
    Topic,
    TopicKind,
    default_ground_rules_text,
)
from gensidig.programs.queries import active_topics, themes_for
from gensidig.programs.rules import PAIRING_RULE_FIELDS, why_not

BANDS = list(GENERATION_BANDS)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProgramForm(forms.ModelForm[Program]):
    """The charter. Themes offer the catalogue's active topics of each direction. Once
    matching has started the pairing rules are shown but disabled (their posted values are
    ignored), and `rules_reason` says why."""

    class Meta:
        model = Program
        field_classes = {
            "themes_young_to_experienced": IdsChoiceField,
            "themes_experienced_to_young": IdsChoiceField,
        }
        fields = [
            "name",
            "purpose",
            "sponsor",
            "starts_on",
            "ends_on",
            "cadence_weeks",
            "meeting_minutes",
            "mode",
            "capacity",
            "themes_young_to_experienced",
            "themes_experienced_to_young",
            "ground_rules",
            "reporting_line_depth",
            "shared_language",
            "different_department",
            "exclude_same_manager",
            "forbid_repeat",
            "min_generation_gap",
            "retention_months",
        ]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "ground_rules": forms.Textarea(attrs={"rows": 7}),
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "mode": forms.RadioSelect,
            "reporting_line_depth": forms.RadioSelect,
            "themes_young_to_experienced": forms.CheckboxSelectMultiple,
            "themes_experienced_to_young": forms.CheckboxSelectMultiple,
        }

    version = version_field()

    def clean_retention_months(self) -> int:
        value = self.cleaned_data.get("retention_months")
        return self.instance.retention_months if value is None else value

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        organisation_id = member.organisation_id
        sponsor = self.fields["sponsor"]
        assert isinstance(sponsor, forms.ModelChoiceField)
        sponsor.queryset = Member.objects.filter(
            organisation_id=organisation_id, is_active=True
        ).select_related("user")
        sponsor.label_from_instance = lambda m: m.user.name  # type: ignore[method-assign,assignment]
        for name, direction in (
            ("themes_young_to_experienced", Direction.YOUNG_TO_EXPERIENCED),
            ("themes_experienced_to_young", Direction.EXPERIENCED_TO_YOUNG),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelMultipleChoiceField)
            field.queryset = active_topics(organisation_id, directions=themes_for(direction))
            field.label_from_instance = lambda topic: topic.name  # type: ignore[method-assign,assignment]
        self.fields["min_generation_gap"].widget.attrs["max"] = 3
        # Left out of a post (an older form, the API), the program keeps its period.
        self.fields["retention_months"].required = False
        self.fields["capacity"].widget.attrs["min"] = 1
        if not self.instance.ground_rules:
            self.initial["ground_rules"] = default_ground_rules_text()
        self.rules_reason = (
            why_not(self.instance, "edit_pairing_rules") if self.instance.pk else None
        )
        if self.rules_reason is not None:
            for name in PAIRING_RULE_FIELDS:
                self.fields[name].disabled = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends <= starts:
            self.add_error("ends_on", _("The end date must come after the start date."))
        if cleaned.get("capacity") == 0:
            self.add_error("capacity", _("At least one partner per experienced participant."))
        if (cleaned.get("min_generation_gap") or 0) > 3:
            self.add_error("min_generation_gap", _("The gap can be at most 3 bands."))
        if cleaned.get("cadence_weeks") == 0:
            self.add_error("cadence_weeks", _("Meetings need at least one week between them."))
        return cleaned

    def charter(self) -> Charter:
        data = self.cleaned_data
        return Charter(
            name=data["name"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            purpose=data["purpose"],
            sponsor=data["sponsor"],
            cadence_weeks=data["cadence_weeks"],
            meeting_minutes=data["meeting_minutes"],
            mode=data["mode"],
            capacity=data["capacity"],
            reporting_line_depth=int(data["reporting_line_depth"]),
            shared_language=data["shared_language"],
            different_department=data["different_department"],
            exclude_same_manager=data["exclude_same_manager"],
            forbid_repeat=data["forbid_repeat"],
            min_generation_gap=data["min_generation_gap"],
            ground_rules=data["ground_rules"],
            themes_young_to_experienced=list(data["themes_young_to_experienced"]),
            themes_experienced_to_young=list(data["themes_experienced_to_young"]),
        )


class TopicForm(forms.Form):
    name_da = forms.CharField(label=_("Name in Danish"), max_length=120)
    name_en = forms.CharField(label=_("Name in English"), max_length=120)
    direction = forms.ChoiceField(
        label=_("Who usually teaches it"), choices=Direction.choices, initial=Direction.BOTH
    )


class MergeTopicForm(forms.Form):
    target = forms.ModelChoiceField(
        label=_("Merge into"),
        queryset=Topic.objects.none(),
        help_text=_("Everyone who chose this topic gets the other one instead."),
    )

    def __init__(self, *args: Any, topic: Topic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        target = self.fields["target"]
        assert isinstance(target, forms.ModelChoiceField)
        target.queryset = active_topics(topic.organisation_id).exclude(pk=topic.pk)
        target.label_from_instance = lambda t: t.name  # type: ignore[method-assign,assignment]


class InviteMembersForm(forms.Form):
    members = IdsChoiceField(
        label=_("Members of the organisation"),
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    side = forms.ChoiceField(
        label=_("Side (optional)"),
        choices=[("", _("Let them choose")), *Side.choices],
        required=False,
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["members"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = candidates
        field.label_from_instance = lambda m: (  # type: ignore[method-assign,assignment]
            f"{m.user.name} · {m.department}" if m.department else m.user.name
        )


class InviteByEmailForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    name = forms.CharField(label=_("Name (optional)"), max_length=150, required=False)
    side = forms.ChoiceField(
        label=_("Side (optional)"),
        choices=[("", _("Let them choose")), *Side.choices],
        required=False,
    )


# The profile wizard explains each side in its choice; elsewhere the short label shows.
SIDES_EXPLAINED = {
    Side.YOUNG: _("Young: digitally native"),
    Side.EXPERIENCED: _("Experienced: many years in the trade"),
}


class AboutForm(forms.Form):
    side = forms.ChoiceField(
        label=_("Which side are you on?"),
        choices=[(side.value, SIDES_EXPLAINED[side]) for side in Side],
        widget=forms.RadioSelect,
        help_text=_(
            "Young participants bring digital habits and fresh eyes; experienced participants "
            "bring years in the trade. In mutual mentoring both sides teach."
        ),
    )
    generation = forms.ChoiceField(
        label=_("Your generation band"),
        # No band is chosen for the person: an empty first choice they must replace.
        choices=[("", _("Choose your band")), *((band, band) for band in BANDS)],
        help_text=_("Only the band you choose is kept, never a birth date."),
    )


SHARE_LEVELS = [
    (1, _("1: I know the basics")),
    (2, _("2: I use it often")),
    (3, _("3: I could teach it in depth")),
]
WANT_LEVELS = [
    (1, _("1: I am curious")),
    (2, _("2: I want to get going")),
    (3, _("3: I want to go deep")),
]


def levels_for(kind: str) -> list[tuple[int, Any]]:
    return SHARE_LEVELS if kind == TopicKind.SHARE else WANT_LEVELS


class OwnWordsForm(forms.Form):
    other = forms.CharField(
        label=_("Anything else, in your own words"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Separate things with commas; we suggest matching topics from the catalogue."),
    )


class IdListField(forms.Field):
    """Several ids from one name (`getlist`), each a whole number written in ASCII digits."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("Enter a whole number.")}

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, (list, tuple)) else [value]
        if not all(isinstance(v, str) and v.isascii() and v.isdigit() for v in values):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return [int(v) for v in values if len(v) <= 18]


class TopicChoicesForm(forms.Form):
    """What the topic step's buttons send, read as ids (never `int()` on raw text: "²" is a
    digit to `str.isdigit` and no number to `int`): a level per chosen topic, the topics to
    remove and one to add. Not rendered; the step's template draws its own controls."""

    add = forms.IntegerField(required=False, min_value=1)
    # Ids of topics no longer chosen (from a page open in another tab) are ignored.
    remove = IdListField(required=False)

    def __init__(self, *args: Any, chosen: Iterable[int], kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = [(str(value), str(value)) for value, _label in levels_for(kind)]
        for pk in chosen:
            self.fields[f"level-{pk}"] = forms.TypedChoiceField(
                required=False, choices=[("", ""), *levels], coerce=int, empty_value=None
            )

    def levels(self) -> dict[int, int]:
        return {
            int(name.removeprefix("level-")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("level-") and value is not None
        }


class PracticalForm(forms.Form):
    languages = forms.MultipleChoiceField(
        label=_("Languages you can meet in"),
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    availability = forms.CharField(
        label=_("When can you meet?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: Tuesday and Thursday mornings, not in July."),
    )


class WishesForm(forms.Form):
    wishes = IdsChoiceField(
        label=_("People you would like as a partner (up to three)"),
        queryset=Enrolment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    blocks = IdsChoiceField(
        label=_("People you would rather not be paired with"),
        queryset=Enrolment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Nobody is told; the matching simply leaves these pairs out."),
    )

    def __init__(self, *args: Any, others: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("wishes", "blocks"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelMultipleChoiceField)
            field.queryset = others
            field.label_from_instance = lambda e: e.member.user.name  # type: ignore[method-assign,assignment]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        wishes, blocks = cleaned.get("wishes") or [], cleaned.get("blocks") or []
        if len(wishes) > MAX_WISHES:
            self.add_error("wishes", _("Choose at most three people."))
        if {w.pk for w in wishes} & {b.pk for b in blocks}:
            self.add_error("blocks", _("A person cannot be both a wish and a block."))
        return cleaned


class CharterForm(forms.Form):
    acknowledge = forms.BooleanField(
        label=_("I have read the charter and will follow it."), required=True
    )
