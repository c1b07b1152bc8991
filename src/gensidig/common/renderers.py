"""Django's form renderer, with a <select> written in Python.

Django draws a select through a template that includes one template per option; with the
60 topics of an organisation's catalogue a goal form took 6 ms, most of it in those includes,
and a pair's page shows three. The markup here is byte for byte what Django's templates make
(tests/common/test_renderers.py compares them); anything else, and a select whose options
use another template, is rendered by Django's templates as before."""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.template.defaultfilters import stringformat
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _text(value: Any) -> str:
    """`{{ value }}`: localised, then escaped unless already safe."""
    if type(value) is str:  # the usual label or name: nothing to localise, not marked safe
        return escape(value)
    value = localize(template_localtime(value))
    if not issubclass(type(value), str):
        value = str(value)
    return str(conditional_escape(value))


def _formatted(value: Any) -> str:
    """`{{ value|stringformat:'s' }}` (a filter that keeps a safe string safe)."""
    if type(value) is str or type(value) is int:  # an option's value: "%s" of it, escaped
        return escape(str(value))
    out = stringformat(value, "s")
    if isinstance(value, SafeData):
        out = mark_safe(out)
    return str(conditional_escape(out))


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {_text(name)}" + ("" if value is True else f'="{_formatted(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


def render_select(widget: dict[str, Any]) -> str | None:
    """django/forms/widgets/select.html with its options inline; None when an option has a
    template of its own."""
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option.get("template_name") != OPTION:
                return None
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FormRenderer(DjangoTemplates):
    """FORM_RENDERER: Django's default renderer, selects drawn by `render_select`."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name == SELECT and "widget" in context:
            html = render_select(context["widget"])
            if html is not None:
                return SafeString(html.strip())
        return super().render(template_name, context, request)
