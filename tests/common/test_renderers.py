"""The select drawn in Python is the select Django's templates draw (issue 17: a goal form's
topic select cost 6 ms through a template per option)."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from gensidig.common.renderers import FormRenderer, render_select


class Options(forms.Select):
    option_template_name = "django/forms/widgets/input_option.html"


WIDGETS: dict[str, tuple[forms.Widget, Any]] = {
    "plain": (forms.Select(choices=[("", "---------"), (1, "Ét"), (2, "To")]), 2),
    "escaped": (
        forms.Select(
            choices=[('"<x>"', "<b>A & B</b>"), ("safe", mark_safe("<i>ok</i>"))],
            attrs={"data-x": '"q"', "class": mark_safe("a&amp;b")},
        ),
        '"<x>"',
    ),
    "boolean attributes": (
        forms.Select(choices=[(1, _("Yes"))], attrs={"required": True, "hidden": False}),
        None,
    ),
    "numbers": (forms.Select(choices=[(1.5, 1.5), (2, 2000), (3, 3)]), 1.5),
    "groups": (
        forms.Select(choices=[("Nordisk", [("da", "Dansk"), ("sv", "Svensk")]), ("en", "Engelsk")]),
        "sv",
    ),
    "multiple": (forms.SelectMultiple(choices=[(1, "a"), (2, "b"), (3, "c")]), [1, 3]),
    "null boolean": (forms.NullBooleanSelect(), True),
    "empty": (forms.Select(choices=[]), None),
}


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("name", sorted(WIDGETS))
def test_render_select_same_markup_as_django(name: str, language: str) -> None:
    from django.utils import translation

    widget, value = WIDGETS[name]
    with translation.override(language):
        django = widget.render("field", value, attrs={"id": "id_field"}, renderer=DjangoTemplates())
        ours = widget.render("field", value, attrs={"id": "id_field"}, renderer=FormRenderer())
    assert ours == django


def test_render_select_option_with_own_template_left_to_django() -> None:
    widget = Options(choices=[(1, "a")])
    context = widget.get_context("field", 1, {})
    assert render_select(context["widget"]) is None
    assert widget.render("field", 1, renderer=FormRenderer()) == widget.render(
        "field", 1, renderer=DjangoTemplates()
    )


def test_form_renderer_is_the_setting() -> None:
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FormRenderer)
