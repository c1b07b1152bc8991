"""Every email template, in both languages, with a name that HTML would escape: the plain
text reads as written (no "&amp;"), and the HTML part escapes it and makes links clickable.
A new `*_subject.txt`/`*_body.txt` pair must be added to CASES below."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils.html import escape

from gensidig.common.email import render_email

NAME = 'Salg & IT <"Øst"> æøå'
HTML_NAME = "Salg &amp; IT &lt;&quot;Øst&quot;&gt; æøå"
ENTITIES = ("&amp;", "&lt;", "&gt;", "&quot;", "&#x27;", "&#39;")
WHEN = datetime(2026, 3, 5, 13, 30, tzinfo=UTC)
SRC = Path(__file__).resolve().parents[2] / "src" / "gensidig"

PERSON = {"name": NAME, "partner": NAME, "program": NAME, "link": "/p/1/"}
MEETING = {**PERSON, "when": WHEN, "minutes": 45, "where": NAME}

# template: context (every name is NAME; dates and counts of the types the callers pass)
CASES: dict[str, dict[str, Any]] = {
    "accounts/email/activation": {
        "name": NAME,
        "organisation": NAME,
        "inviter": NAME,
        "link": "/invitation/abc/",
        "expires_at": WHEN,
    },
    "accounts/email/invitation": {
        "organisation": NAME,
        "inviter": NAME,
        "role": NAME,
        "link": "/invitation/abc/",
        "expires_at": WHEN,
    },
    "accounts/email/password_reset": {
        "protocol": "https",
        "domain": "gensidig.example",
        "uid": "MQ",
        "token": "abc-123",
    },
    "discoveries/email/update": {
        "name": NAME,
        "by": NAME,
        "title": NAME,
        "event": "comment",
        "stage": "",
        "detail": NAME,
        "link": "/d/1/",
    },
    "insights/email/pulse": {"name": NAME, "program": NAME, "when": NAME, "link": "/pulse/1/"},
    "matching/email/pair_confirmed": {
        **PERSON,
        "partner_email": "ida@example.org",
        "ground_rules": [NAME, "Vi mødes hver anden uge"],
    },
    "matching/email/proposal": PERSON,
    "matching/email/reminder": PERSON,
    "meetings/email/cancel_alert": {**PERSON, "who": NAME},
    "meetings/email/cancelled": MEETING,
    "meetings/email/check_in": {**PERSON, "sender": NAME, "message": NAME},
    "meetings/email/ended": PERSON,
    "meetings/email/invite": MEETING,
    "meetings/email/meeting-tomorrow": MEETING,
    "meetings/email/no-meeting-booked": {**PERSON, "weeks": 2},
    "meetings/email/proposed": MEETING,
    "meetings/email/reflection-missing": MEETING,
    "meetings/email/updated": MEETING,
    "api/email/webhook_paused": {
        "organisation": NAME,
        "url": "https://hooks.example.org/gensidig?a=1&b=2",
        "failures": 5,
        "link": "http://127.0.0.1:8000/o/x/api/webhooks/",
    },
    "identity/email/domain_missing": {
        "organisation": NAME,
        "domain": "fjordlys.dk",
        "record_name": "_gensidig-challenge.fjordlys.dk",
        "until": WHEN,
        "link": "http://127.0.0.1:8000/o/x/sign-in/",
    },
    "identity/email/domain_lapsed": {
        "organisation": NAME,
        "domain": "fjordlys.dk",
        "record_name": "_gensidig-challenge.fjordlys.dk",
        "until": WHEN,
        "link": "http://127.0.0.1:8000/o/x/sign-in/",
    },
    "programs/email/program_invitation": {
        "inviter": NAME,
        "program": NAME,
        "organisation": NAME,
        "link": "/programs/1/",
    },
}


def email_templates() -> set[str]:
    return {
        path.as_posix().split("/templates/", 1)[1].removesuffix("_body.txt")
        for path in SRC.glob("*/templates/**/*_body.txt")
    }


def template_source(name: str, part: str) -> str:
    [path] = SRC.glob(f"*/templates/{name}_{part}.txt")
    return path.read_text()


def test_every_email_template_is_checked_here() -> None:
    assert email_templates() == set(CASES)
    for name in CASES:
        assert template_source(name, "subject")


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("template", sorted(CASES))
def test_email_template_reads_as_written(template: str, language: str) -> None:
    email = render_email(template, CASES[template], language=language)

    for text in (email.subject, email.body):
        assert not [entity for entity in ENTITIES if entity in text]
    assert "\n" not in email.subject and email.subject.strip() == email.subject
    context = CASES[template]
    for part, text in (("subject", email.subject), ("body", email.body)):
        names = set(re.findall(r"{{\s*(\w+)", template_source(template, part)))
        if any(context.get(name) == NAME for name in names):
            assert NAME in text
        for name in names:
            if isinstance(context.get(name), str) and "&" in context[name]:
                assert context[name] in text  # an address with & stays usable too
    # The HTML part: the same text, escaped once, with its link clickable.
    [title] = re.findall(r"<title>(.*)</title>", email.html)
    assert title == escape(email.subject)
    assert '<"Øst">' not in email.html
    assert "&amp;amp;" not in email.html
    if NAME in email.body:
        assert HTML_NAME in email.html
    url = re.findall(r"https?://\S+", email.body)[-1].rstrip(".,:;")
    assert f'<a href="{escape(url)}"' in email.html
    assert "<p></p>" not in email.html
    assert f'lang="{language}"' in email.html
