"""The one way a view learns who is asking and in which organisation.

Every organisation URL carries the organisation's slug. A person who is not an active member
gets 404 (an outsider must not even learn that the organisation exists); a member whose role
is not enough gets 403."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from gensidig.accounts.models import MANAGING_ROLES, Member
from gensidig.accounts.queries import memberships_of

P = ParamSpec("P")

ANY_ROLE: frozenset[str] = frozenset()
SESSION_KEY = "gensidig_organisation"


def get_member(request: HttpRequest, org: str, *, roles: Iterable[str] = ANY_ROLE) -> Member:
    if not request.user.is_authenticated:
        raise Http404
    # Every membership at once, in the switcher's order: the page's member and, for the
    # menu (common.context_processors.navigation), the others, in one query.
    memberships = list(memberships_of(request.user).select_related("user"))
    request.memberships = memberships  # type: ignore[attr-defined]
    member = next((m for m in memberships if m.organisation.slug == org), None)
    if member is None:
        raise Http404
    allowed = frozenset(roles)
    if allowed and member.role not in allowed:
        raise PermissionDenied
    # Remembered so that "home" after login returns to the organisation last used.
    if request.session.get(SESSION_KEY) != member.organisation.slug:
        # Written only on a change: a write per request made parallel htmx requests race.
        request.session[SESSION_KEY] = member.organisation.slug
    request.member = member  # type: ignore[attr-defined]
    return member


def org_view(
    *, roles: Iterable[str] = ANY_ROLE
) -> Callable[
    [Callable[Concatenate[HttpRequest, Member, P], HttpResponse]],
    Callable[..., HttpResponse],
]:
    """Decorate a view that takes `(request, member, ...)`: log-in required, then the
    membership check above; the URL's `org` argument becomes `member`."""

    def decorator(
        view: Callable[Concatenate[HttpRequest, Member, P], HttpResponse],
    ) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, org: str, *args: Any, **kwargs: Any) -> HttpResponse:
            member = get_member(request, org, roles=roles)
            return view(request, member, *args, **kwargs)

        return wrapped

    return decorator


MANAGERS = MANAGING_ROLES
