"""Helpers the endpoints share: paging, the organisation's objects or 404, forms as the
UI's validation."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django import forms
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from ninja import Query, Schema

from gensidig.api.core import ApiError, not_found

MAX_LIMIT = 200
MAX_OFFSET = 1_000_000_000
# An id in a filter fits a 64-bit column; past that SQLite answers a filter on a foreign key
# with a 500 (found by schemathesis), so such a value is refused with the field named.
MAX_ID = 2**63 - 1


class Paging(Schema):
    limit: int = Query(50, ge=1, le=MAX_LIMIT)
    # Bounded: SQLite refuses an OFFSET past a 64-bit integer with a 500.
    offset: int = Query(0, ge=0, le=MAX_OFFSET)


class PageOut(Schema):
    count: int
    limit: int
    offset: int


def paged(
    rows: QuerySet[Any] | Sequence[Any],
    *,
    limit: int,
    offset: int,
    render: Callable[[Any], Any],
) -> dict[str, Any]:
    count = rows.count() if isinstance(rows, QuerySet) else len(rows)
    return {
        "count": count,
        "limit": limit,
        "offset": offset,
        "items": [render(row) for row in rows[offset : offset + limit]],
    }


def one[M: Model](queryset: QuerySet[M], pk: int) -> M:
    """The object of the caller's organisation (the queryset is already scoped) or 404."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise not_found()
    return found


def form_data(form: forms.BaseForm) -> dict[str, Any]:
    """The form's cleaned data, or a 422 naming each field at fault with the UI's message."""
    if form.is_valid():
        return form.cleaned_data
    errors = [
        {"field": name if name != "__all__" else "", "message": str(message)}
        for name, messages in form.errors.items()
        for message in messages
    ]
    raise FormInvalid(errors)


class FormInvalid(ApiError):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(422, "invalid", _("Some fields are not valid."))
        self.errors = errors


def ids(objects: Iterable[Model]) -> list[int]:
    return [int(obj.pk) for obj in objects]
