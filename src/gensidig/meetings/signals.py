"""A member removed from their organisation, or erased: their running pairs end with the
usual closing (meetings ahead cancelled with calendar cancels, the partner asked the closing
questions). Someone being erased is written to no more."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.dispatch import receiver
from django.utils.translation import gettext

from gensidig.accounts.actions import member_removed
from gensidig.accounts.erasure import members_erasing
from gensidig.accounts.models import Member


@receiver(member_removed, dispatch_uid="meetings-end-pairs-of-removed-member")
def end_pairs_of_removed(
    sender: type[Member], member: Member, by: Member | None, **kwargs: Any
) -> None:
    from gensidig.matching.models import Pair
    from gensidig.meetings.actions import end_pair

    pairs = Pair.objects.filter(
        Q(a__member=member) | Q(b__member=member), ended_at=None
    ).select_related("program")
    for pair in pairs:
        end_pair(pair=pair, by=by, reason=gettext("A partner left the organisation."))


@receiver(members_erasing, dispatch_uid="meetings-end-pairs-of-erased-members")
def end_pairs_of_erased(sender: type[Member], members: Iterable[Member], **kwargs: Any) -> None:
    from gensidig.matching.models import Pair
    from gensidig.meetings.actions import end_pair

    for member in members:
        pairs = Pair.objects.filter(
            Q(a__member=member) | Q(b__member=member), ended_at=None
        ).select_related("program")
        for pair in pairs:
            end_pair(
                pair=pair,
                by=None,
                reason=gettext("A partner's account was erased."),
                leaving=member,
            )
