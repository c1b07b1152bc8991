from __future__ import annotations

from typing import Any

from django import forms

from gensidig.insights.pulses import QUESTIONS


class PulseForm(forms.Form):
    """One radio row per question of the library."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[question.key] = forms.TypedChoiceField(
                label=question.text,
                choices=[(n, str(n)) for n in range(question.low, question.high + 1)],
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "scale"}),
            )
