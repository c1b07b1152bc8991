from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from gensidig.identity.queries import login_providers

register = template.Library()


@register.inclusion_tag("identity/_sso_buttons.html", takes_context=True)
def sso_buttons(context: dict[str, Any]) -> dict[str, Any]:
    """The “Log in with …” buttons of the login page (GENSIDIG_SSO_BUTTONS)."""
    providers = list(login_providers()) if settings.GENSIDIG_SSO_BUTTONS else []
    return {
        "providers": providers,
        "next": context.get("next", ""),
        "csrf_token": context.get("csrf_token"),
    }
