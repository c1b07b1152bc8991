from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from gensidig.accounts.queries import memberships_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The organisation switcher needs the user's memberships on every page."""
    member = getattr(request, "member", None)
    if not request.user.is_authenticated:
        return {"current_member": None, "memberships": []}
    return {
        "current_member": member,
        # Read with the member by get_member on organisation pages.
        "memberships": getattr(request, "memberships", None) or memberships_of(request.user),
    }
