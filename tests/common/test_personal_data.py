"""The personal-data registry covers every model that holds something about a person, the
README's table is the registry's, and a person's export has every registered section."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from gensidig.common.personal_data import EXCLUDED, EXPORTS, REGISTRY, entries, markdown_table

ROOT = Path(__file__).resolve().parents[2]


def refers_to_a_person(model: type[models.Model]) -> bool:
    from gensidig.accounts.models import Member, User

    return any(
        field.is_relation and field.related_model in (User, Member) and not field.auto_created
        for field in model._meta.get_fields()
    )


def has_written_text(model: type[models.Model]) -> bool:
    """A text field a person writes: any TextField, or a long free CharField (no choices)."""
    if not model.__module__.startswith("gensidig."):
        return False
    for field in model._meta.concrete_fields:
        if isinstance(field, models.TextField):
            return True
        if (
            isinstance(field, models.CharField)
            and not field.choices
            and (field.max_length or 0) >= 100
            and not isinstance(field, models.SlugField)
        ):
            return True
    return False


def label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def test_every_model_with_personal_data_is_registered_or_excluded_with_a_reason() -> None:
    entries()
    missing = sorted(
        label(model)
        for model in apps.get_models()
        if (refers_to_a_person(model) or has_written_text(model))
        and label(model) not in REGISTRY
        and label(model) not in EXCLUDED
    )
    assert missing == []
    assert all(reason.strip() for reason in EXCLUDED.values())


def test_registry_names_only_existing_models_and_says_everything() -> None:
    for entry in entries():
        assert apps.get_model(entry.model) is not None
        for text in (entry.purpose, entry.basis, entry.retention, entry.exported, entry.erased):
            assert text.strip(), entry.model
        assert entry.section is None or entry.section in EXPORTS, entry.model


def test_readme_personal_data_table_is_the_registry() -> None:
    readme = (ROOT / "README.md").read_text()
    assert markdown_table() in readme, "run `gensidig personal_data` and paste it in the README"


@pytest.mark.django_db
def test_export_has_every_registered_section(login: Any, young: Any) -> None:
    from django.urls import reverse

    data = login(young).get(reverse("accounts:export_data")).json()
    sections = {entry.section for entry in entries() if entry.section}
    assert sections <= set(data)
