"""A person invited to a program by email joins the organisation first; when their
membership appears, the program places that were waiting for their address become theirs."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from gensidig.accounts.models import Member


@receiver(post_save, sender=Member, dispatch_uid="programs-claim-pending-enrolments")
def claim_on_membership(sender: type[Member], instance: Member, **kwargs: Any) -> None:
    if instance.is_active:
        from gensidig.programs.actions import claim_pending_enrolments

        claim_pending_enrolments(member=instance)
