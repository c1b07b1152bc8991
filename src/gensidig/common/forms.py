"""Form fields shared by the apps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

# Row ids are 64-bit; a larger number is no id (and SQLite cannot even compare with it).
LARGEST_ID = 2**63 - 1


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that refuses a value that is no row id ("²", a number of
    thirty digits) as an invalid choice before asking the database, where SQLite would fail
    with an OverflowError (a 500) on `pk__in`."""

    def _check_values(self, value: Any) -> Any:
        for item in value if isinstance(value, (list, tuple, set, frozenset)) else [value]:
            text = str(getattr(item, "pk", item))
            if not (text.isascii() and text.isdigit() and int(text) <= LARGEST_ID):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": text[:40]},
                )
        return super()._check_values(value)  # type: ignore[misc]
