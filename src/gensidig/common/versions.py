"""Lost updates: a form that edits a shared row (a program's charter, a discovery) carries
the row's version as it was shown; the action compares it with the row, locked, and
refuses with `ChangedElsewhere` when someone saved in between, so the first change is never
silently overwritten. The person gets `changed_page`: what happened and a way back to the
current version."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class ChangedElsewhere(Exception):
    """The row was saved by someone else after the form was opened."""


def check_version(current: Any, expected: int | None) -> None:
    """Call with the row locked (select_for_update); `expected` None skips the check (the
    API and actions called from code)."""
    if expected is not None and current.version != expected:
        raise ChangedElsewhere


def version_field() -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = version_field()


def posted_version(request: HttpRequest) -> int | None:
    """The version a posted form was opened at (None when it sent none or nonsense)."""
    form = VersionForm(request.POST)
    return form.cleaned_data["version"] if form.is_valid() else None


def changed_page(request: HttpRequest, *, what: str, again: str, **context: object) -> HttpResponse:
    """409: `what` (a name) was changed by someone else; `again` opens the current version."""
    return render(
        request, "common/changed.html", {**context, "what": what, "again": again}, status=409
    )
