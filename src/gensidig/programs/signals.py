"""A person invited to a program by email joins the organisation first; when their
membership appears (saved one by one, or many at once by an import), the program places
that were waiting for their address become theirs."""

from __future__ import annotations

from typing import Any

from django.db.models.functions import Lower
from django.db.models.signals import post_save
from django.dispatch import receiver

from gensidig.accounts.imports import people_imported
from gensidig.accounts.models import Member, Organisation


@receiver(post_save, sender=Member, dispatch_uid="programs-claim-pending-enrolments")
def claim_on_membership(sender: type[Member], instance: Member, **kwargs: Any) -> None:
    if instance.is_active:
        from gensidig.programs.actions import claim_pending_enrolments

        claim_pending_enrolments(member=instance)


@receiver(people_imported, dispatch_uid="programs-claim-pending-enrolments-on-import")
def claim_on_import(
    sender: type[Member], organisation: Organisation, members: list[Member], **kwargs: Any
) -> None:
    """One query finds whether any imported person has a place waiting; only they are
    claimed (an import of thousands usually has none)."""
    from gensidig.programs.actions import claim_pending_enrolments
    from gensidig.programs.models import Enrolment

    by_email = {member.user.email.lower(): member for member in members if member.is_active}
    if not by_email:
        return
    waiting = set(
        Enrolment.objects.filter(member=None, program__organisation=organisation)
        .annotate(email=Lower("invited_email"))
        .filter(email__in=list(by_email))
        .values_list("email", flat=True)
    )
    for email in sorted(waiting):
        claim_pending_enrolments(member=by_email[email])
