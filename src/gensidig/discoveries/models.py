"""Discoveries: the innovation pipeline where scouts bring new tools and ways of working.

A discovery moves spotted → trying → adopted, or is dropped (with a reason) or parked; every
move is kept as a `StageChange`. While it is tried it has a sponsor, an owner and a short
plan; once adopted its effect is recorded, and every update of the effect is kept too.

Personal data kept here and why: who found a discovery (to credit them), who commented and
what (the conversation), who supports it (one vote each, to rank the board), who sponsors and
owns it and who moved it (accountability). When a person erases their account, their
discoveries, comments and moves stay with the author removed ("a former member") so the
board keeps its history; their votes go with them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gensidig.accounts.models import Member, Organisation
from gensidig.matching.models import Pair
from gensidig.programs.models import Program, Topic


class Stage(models.TextChoices):
    SPOTTED = "spotted", pgettext_lazy("discovery stage", "Spotted")
    TRYING = "trying", pgettext_lazy("discovery stage", "Trying")
    ADOPTED = "adopted", pgettext_lazy("discovery stage", "Adopted")
    DROPPED = "dropped", pgettext_lazy("discovery stage", "Dropped")
    PARKED = "parked", pgettext_lazy("discovery stage", "Parked")


class Kind(models.TextChoices):
    TOOL = "tool", pgettext_lazy("discovery kind", "Tool")
    TECHNOLOGY = "technology", pgettext_lazy("discovery kind", "Technology")
    CHANNEL = "channel", pgettext_lazy("discovery kind", "Channel")
    WAY_OF_WORKING = "way", pgettext_lazy("discovery kind", "Way of working")


class Scout(models.Model):
    """A member whose standing task is to find discoveries, for the whole organisation
    (program empty) or for one program."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="scouts",
        verbose_name=_("organisation"),
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="scout_roles", verbose_name=_("member")
    )
    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="scouts",
        verbose_name=_("program"),
    )
    named_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("named"), default=timezone.now)

    class Meta:
        verbose_name = _("scout")
        verbose_name_plural = _("scouts")
        constraints = [
            models.UniqueConstraint(fields=["member", "program"], name="scout_unique_per_program"),
            models.UniqueConstraint(
                fields=["member"], condition=Q(program=None), name="scout_unique_in_organisation"
            ),
        ]

    def __str__(self) -> str:
        return str(self.member.user)


class Discovery(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="discoveries",
        verbose_name=_("organisation"),
    )
    title = models.CharField(_("title"), max_length=160)
    kind = models.CharField(_("what it is"), max_length=12, choices=Kind.choices)
    smarter_work = models.TextField(
        _("what work it could make smarter, and for whom"),
        help_text=_("For example: product texts for the web shop, for the marketing team."),
    )
    link = models.URLField(_("link"), max_length=500, blank=True)
    found_by = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="discoveries_found",
        verbose_name=_("found by"),
    )
    pair = models.ForeignKey(
        Pair,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="discoveries",
        verbose_name=_("pair where it came up"),
    )
    topics = models.ManyToManyField(
        Topic, blank=True, related_name="discoveries", verbose_name=_("topics")
    )
    stage = models.CharField(
        _("stage"), max_length=10, choices=Stage.choices, default=Stage.SPOTTED
    )
    stage_changed_at = models.DateTimeField(_("stage changed"), default=timezone.now)
    sponsor = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="discoveries_sponsored",
        verbose_name=_("sponsor"),
    )
    owner = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="discoveries_owned",
        verbose_name=_("owner"),
    )
    plan_what = models.TextField(_("what we try"), blank=True)
    plan_until = models.DateField(_("until when"), null=True, blank=True)
    plan_success = models.TextField(_("how we know it worked"), blank=True)
    drop_reason = models.TextField(_("why it was dropped"), blank=True)
    # The current effect; every update is also kept as an EffectRecord.
    hours_saved_per_month = models.DecimalField(
        _("hours saved per month"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    cost_per_month = models.DecimalField(
        _("cost per month (DKK)"), max_digits=10, decimal_places=0, null=True, blank=True
    )
    effect_notes = models.TextField(_("quality or customer benefit"), blank=True)
    effect_updated_at = models.DateTimeField(_("effect updated"), null=True, blank=True)
    effect_updated_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    # Raised by every change through the actions; an edit opened at an older one is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("discovery")
        verbose_name_plural = _("discoveries")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class StageChange(models.Model):
    discovery = models.ForeignKey(Discovery, on_delete=models.CASCADE, related_name="history")
    from_stage = models.CharField(max_length=10, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=10, choices=Stage.choices)
    by = models.ForeignKey(Member, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.discovery}: {self.from_stage} → {self.to_stage}"


class EffectRecord(models.Model):
    discovery = models.ForeignKey(Discovery, on_delete=models.CASCADE, related_name="effects")
    hours_saved_per_month = models.DecimalField(
        max_digits=8, decimal_places=1, null=True, blank=True
    )
    cost_per_month = models.DecimalField(max_digits=10, decimal_places=0, null=True, blank=True)
    notes = models.TextField(blank=True)
    by = models.ForeignKey(Member, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.discovery} @ {self.at:%Y-%m-%d}"


class Comment(models.Model):
    discovery = models.ForeignKey(Discovery, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, related_name="discovery_comments"
    )
    text = models.TextField(_("comment"), max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class Vote(models.Model):
    """One member's support for a discovery; the constraint makes a double submit count once."""

    discovery = models.ForeignKey(Discovery, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="discovery_votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["discovery", "member"], name="vote_once_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member} + {self.discovery}"
