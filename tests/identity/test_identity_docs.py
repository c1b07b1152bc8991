"""docs/identity.md tells the truth: the SCIM calls it gives for trying provisioning
locally work as written, against our endpoint, with a token an owner created."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse

from gensidig.accounts.models import Member, SecurityEvent
from gensidig.identity import actions

DOCS = Path(__file__).resolve().parents[2] / "docs" / "identity.md"

pytestmark = pytest.mark.django_db


def documented_calls() -> list[tuple[str, str, dict[str, Any] | None]]:
    text = DOCS.read_text()
    section = text.split("## Try two-factor, throttling and SCIM locally", 1)[1].split("\n## ")[0]
    script = re.search(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    assert script is not None
    calls = []
    for command in script.group(1).replace("\\\n", " ").splitlines():
        if not command.startswith("curl"):
            continue
        words = shlex.split(command)
        method = words[words.index("-X") + 1] if "-X" in words else "GET"
        url = next(word for word in words if word.startswith("$SCIM"))
        body = json.loads(words[words.index("-d") + 1]) if "-d" in words else None
        calls.append((method, url.removeprefix("$SCIM"), body))
    return calls


def test_docs_scim_calls_work_as_written(client: Client, admin: Any) -> None:
    _token, raw = actions.create_scim_token(organisation=admin.organisation, by=admin, name="Docs")
    calls = documented_calls()
    assert [method for method, _path, _body in calls] == ["GET", "POST", "GET", "PATCH"]
    created_id = ""
    for method, path, body in calls:
        path, _, query = unquote(path).partition("?")
        url = reverse("scim:root") + path.lstrip("/").replace("<id from the answer>", created_id)
        kwargs: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/scim+json")
        if query:
            name, _, value = query.partition("=")
            kwargs["data"] = {name: value}
        response = getattr(client, method.lower())(url, **kwargs)
        assert response.status_code in (200, 201), (method, path, response.content)
        if method == "POST":
            created_id = response.json()["id"]
        if query:
            assert response.json()["totalResults"] == 1
    member = Member.objects.get(user__email="sofie.berg@gensidig.example")
    assert member.organisation == admin.organisation
    assert member.department == "Salg"
    assert not member.is_active
    assert SecurityEvent.objects.filter(kind="scim-user-deactivated").count() == 1
