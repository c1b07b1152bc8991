"""Ask before an action that cannot be undone or that sends email.

Such a view answers with a confirmation page unless the POST carries `confirm=yes`: a GET
shows the question (with the request's parameters), and so does a POST without the field,
so one click from a form never destroys anything. The page's own form posts the same
fields again with `confirm=yes`. With JavaScript, `common/confirm.js` loads that same page
into a native `<dialog>` over the current one (forms marked `data-confirm`), so the
question is written once, here, for both."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRM_FIELD = "confirm"
LEFT_OUT = {"csrfmiddlewaretoken", CONFIRM_FIELD}


@dataclass(frozen=True)
class Question:
    title: str  # "Cancel the meeting on 3 December at 10:00?"
    text: str  # what will happen, in full
    button: str  # "Yes, cancel the meeting"
    back: str  # where "No" leads


def confirmed(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == "yes"


def ask(request: HttpRequest, question: Question, **context: object) -> HttpResponse:
    """The confirmation page for `question`, re-posting the request's own fields."""
    source = request.POST if request.method == "POST" else request.GET
    fields = [
        (name, value) for name, values in source.lists() if name not in LEFT_OUT for value in values
    ]
    return render(
        request,
        "common/confirm.html",
        {**context, "question": question, "fields": fields, "action": request.path},
    )
