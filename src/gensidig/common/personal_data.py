"""The personal-data registry: what each model holds about people, why, on which lawful
basis, for how long, and how it is exported and erased.

Every app declares its own models in `<app>/personal_data.py` (found automatically, like
Django's admin modules: there is nothing to add to `apps.py`). `accounts` reads the registry
to build a person's export and to erase a person, so it never imports the apps above it.
A test (tests/common/test_personal_data.py) fails when a model that refers to a user or a
member, or that has a text field a person writes, is neither registered nor excluded with a
reason; another checks the README's "Personal data" table against this registry.

To add a model (an SSO identity, an API token, a webhook, a snapshot…), in your app's
`personal_data.py`::

    from gensidig.common.personal_data import Person, register

    def erase_tokens(person: Person) -> None:
        ApiToken.objects.filter(member_id__in=person.member_ids).delete()

    register(
        "api.ApiToken",
        purpose="Let a member's scripts call the API.",
        basis="Contract: the member asked for the token.",
        retention="Until revoked, or erased with the member.",
        section="api_tokens",  # the key of the person's export it appears under
        exported="Name and dates, never the token.",
        erased="Deleted.",
        erase=erase_tokens,
    )
    register_export("api_tokens", lambda person: [...])   # rows as JSON-ready dicts

A model with nothing personal that the test would still flag goes through
`exclude("app.Model", "why")`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Person:
    """Whom an export or an erasure is about. `member_ids` are the memberships concerned:
    all of them for a whole account, one when an organisation forgets someone who left
    (then `whole_account` is False and account-wide rows such as the email opt-outs stay)."""

    user_id: int
    email: str
    name: str
    member_ids: tuple[int, ...] = ()
    whole_account: bool = True
    organisation_ids: tuple[int, ...] = ()
    # Shared between erasers of one run (e.g. the enrolments found before they are
    # detached from the member, for the pairs to end afterwards).
    scratch: dict[str, Any] = field(default_factory=dict, compare=False)


FORMER_MEMBER = {"da": "et tidligere medlem", "en": "a former member"}


def scrub(text: str, person: Person, language: str = "en") -> str:
    """`text` with the person's name and email replaced (in reasons that name people)."""
    for value in (person.email, person.name):
        if value and len(value) >= 3:
            text = text.replace(value, FORMER_MEMBER[language])
    return text


@dataclass(frozen=True)
class Entry:
    model: str  # "app_label.ModelName"
    purpose: str
    basis: str
    retention: str
    section: str | None  # the export's key it appears under; None: not exported (see `exported`)
    exported: str
    erased: str
    erase: Callable[[Person], None] | None
    order: int


REGISTRY: dict[str, Entry] = {}
EXCLUDED: dict[str, str] = {}
EXPORTS: dict[str, Callable[[Person], Any]] = {}
_discovered = False


def register(
    model: str,
    *,
    purpose: str,
    basis: str,
    retention: str,
    exported: str,
    erased: str,
    section: str | None = None,
    erase: Callable[[Person], None] | None = None,
    order: int = 50,
) -> None:
    """Declare one model's personal data. `erase(person)` removes or anonymises the rows
    about `person` (None when another model's erasure already takes them, e.g. by cascade:
    say so in `erased`); erasers run by rising `order` (accounts' user row last, 100)."""
    REGISTRY[model] = Entry(
        model, purpose, basis, retention, section, exported, erased, erase, order
    )


def register_export(section: str, export: Callable[[Person], Any]) -> None:
    """The function that fills one section of a person's export (JSON-ready values)."""
    EXPORTS[section] = export


def exclude(model: str, reason: str) -> None:
    """A model the coverage test would flag that holds nothing about a person."""
    EXCLUDED[model] = reason


def discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("personal_data")
        _discovered = True


def entries() -> list[Entry]:
    discover()
    return sorted(REGISTRY.values(), key=lambda entry: entry.model)


def export_person(person: Person) -> dict[str, Any]:
    """Every section of the person's export, in the order the sections were registered."""
    discover()
    return {section: export(person) for section, export in EXPORTS.items()}


def erase_person(person: Person) -> None:
    """Run every registered eraser for `person` (inside the caller's transaction)."""
    discover()
    for entry in sorted(REGISTRY.values(), key=lambda entry: (entry.order, entry.model)):
        if entry.erase is not None:
            entry.erase(person)


def markdown_table() -> str:
    """The README's personal-data table, generated from the registry."""
    lines = [
        "| model | purpose | lawful basis | kept | export | erasure |",
        "|---|---|---|---|---|---|",
    ]
    for entry in entries():
        cells = [
            f"`{entry.model}`",
            entry.purpose,
            entry.basis,
            entry.retention,
            entry.exported,
            entry.erased,
        ]
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |")
    return "\n".join(lines)
