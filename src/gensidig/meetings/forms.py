from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gensidig.common.forms import IdsChoiceField
from gensidig.meetings.models import ClosingAnswer, GoalMark
from gensidig.programs.models import Topic


class MeetingForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    minutes = forms.IntegerField(label=_("Length in minutes"), min_value=10, max_value=480)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    video_url = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("place") or data.get("video_url")):
            raise forms.ValidationError(_("Write a place or a video link."))
        return data


class GoalForm(forms.Form):
    text = forms.CharField(label=_("What I want to learn from you"), max_length=300)
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.none(), required=False)

    def __init__(self, *args: Any, topics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics  # type: ignore[attr-defined]


class GoalMarkForm(forms.Form):
    progress = forms.TypedChoiceField(
        label=_("Progress"), choices=GoalMark.Progress.choices, coerce=int
    )


class TopicChoices(IdsChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ReflectionForm(forms.Form):
    taught = TopicChoices(label=_("What I taught"), queryset=Topic.objects.none(), required=False)
    learned = TopicChoices(label=_("What I learned"), queryset=Topic.objects.none(), required=False)
    learned_text = forms.CharField(
        label=_("What I learned, in a sentence"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    usefulness = forms.TypedChoiceField(
        label=_("How useful was the meeting (1 to 5)?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    private_notes = forms.CharField(
        label=_("Private notes (only you and your partner can read them)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, topics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["taught"].queryset = topics  # type: ignore[attr-defined]
        self.fields["learned"].queryset = topics  # type: ignore[attr-defined]


class EndForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does the pair end now?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ClosingForm(forms.Form):
    what_changed = forms.CharField(
        label=_("What changed for me"), widget=forms.Textarea(attrs={"rows": 3})
    )
    again = forms.ChoiceField(
        label=_("Would I do it again?"),
        choices=ClosingAnswer.Again.choices,
        widget=forms.RadioSelect,
    )
    organisation_gain = forms.CharField(
        label=_("What did the organisation gain?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CheckInForm(forms.Form):
    message = forms.CharField(
        label=_("Message to both partners"), widget=forms.Textarea(attrs={"rows": 3})
    )


def assessment_form(topics: list[Topic], data: Any = None, initial: Any = None) -> forms.Form:
    """One 1-5 choice per topic of the learner's goals."""
    form = forms.Form(data, initial=initial)
    for topic in topics:
        form.fields[f"topic_{topic.pk}"] = forms.TypedChoiceField(
            label=topic.name,
            choices=[(n, str(n)) for n in range(1, 6)],
            coerce=int,
            widget=forms.RadioSelect,
        )
    return form
