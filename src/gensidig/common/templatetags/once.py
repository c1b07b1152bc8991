"""`{% once_field %}`: the hidden one-time token of a form that creates something."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from gensidig.common.once import hidden_input

register = template.Library()


@register.simple_tag(takes_context=True)
def once_field(context: Any) -> SafeString:
    return hidden_input(context.get("request"))
