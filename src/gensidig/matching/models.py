"""Matching rounds, the proposals they make, and the pairs people accept.

An algorithm proposes; people decide. A round stores the engine's figures and who was left
unmatched with why; each proposal keeps its two-sided explanation and the answers of both
partners. Only when both say yes does a proposal become a pair.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gensidig.accounts.models import Member
from gensidig.programs.models import Enrolment, Program


class Round(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("round", "Queued")
        RUNNING = "running", pgettext_lazy("round", "Running")
        DONE = "done", pgettext_lazy("round", "Done")
        FAILED = "failed", pgettext_lazy("round", "Failed")

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="rounds", verbose_name=_("program")
    )
    number = models.PositiveIntegerField(_("number"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    started_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("started by")
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    progress = models.PositiveSmallIntegerField(_("progress in per cent"), default=0)
    objective = models.FloatField(_("objective"), null=True, blank=True)
    bound = models.FloatField(_("certified bound"), null=True, blank=True)
    gap = models.FloatField(_("gap"), null=True, blank=True)
    stats = models.JSONField(_("figures"), default=dict, blank=True)
    # [{"enrolment": id, "code": ..., "reason_da": ..., "reason_en": ...}]
    unmatched = models.JSONField(_("unmatched"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("matching round")
        verbose_name_plural = _("matching rounds")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="round_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.program} #{self.number}"


class Proposal(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("proposal", "Draft")
        PUBLISHED = "published", pgettext_lazy("proposal", "Waiting for answers")
        ACCEPTED = "accepted", pgettext_lazy("proposal", "Accepted by both")
        DECLINED = "declined", pgettext_lazy("proposal", "Declined")
        CONTESTED = "contested", pgettext_lazy("proposal", "Contested")
        SUPERSEDED = "superseded", pgettext_lazy("proposal", "Replaced by a newer round")

    class Answer(models.TextChoices):
        PENDING = "", pgettext_lazy("answer", "No answer yet")
        ACCEPTED = "accepted", pgettext_lazy("answer", "Accepted")
        DECLINED = "declined", pgettext_lazy("answer", "Declined")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="proposals")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="proposals")
    # In reverse mode `a` is the young and `b` the experienced partner.
    a = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    b = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("score"), default=0)
    parts = models.JSONField(_("score parts"), default=dict)
    teaches_a_to_b = models.JSONField(default=list)
    teaches_b_to_a = models.JSONField(default=list)
    reasons_da = models.TextField(blank=True)
    reasons_en = models.TextField(blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    locked = models.BooleanField(_("locked"), default=False)
    manual = models.BooleanField(_("paired by hand"), default=False)
    manual_reason = models.TextField(_("reason for pairing by hand"), blank=True)
    broken_rules = models.JSONField(_("rules broken"), default=list, blank=True)
    a_answer = models.CharField(max_length=10, choices=Answer.choices, blank=True, default="")
    b_answer = models.CharField(max_length=10, choices=Answer.choices, blank=True, default="")
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    contest_reason = models.TextField(_("reason for contesting"), blank=True)
    answered_by = models.ForeignKey(
        Enrolment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        # The round page's order (best score first), read one page at a time.
        indexes = [models.Index(fields=["program", "-score", "id"], name="proposal_program_score")]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-score", "pk"]

    def __str__(self) -> str:
        return f"{self.a} + {self.b}"

    def answer_of(self, enrolment: Enrolment) -> str:
        return self.a_answer if enrolment.pk == self.a_id else self.b_answer

    def partner_of(self, enrolment: Enrolment) -> Enrolment:
        return self.b if enrolment.pk == self.a_id else self.a


class Exclusion(models.Model):
    """Two people the admin decided must not be paired in this program."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="exclusions")
    a = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    b = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(Member, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "a", "b"], name="exclusion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.a} / {self.b}"


class Pair(models.Model):
    """An accepted match: the unit of learning."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="pairs", verbose_name=_("program")
    )
    a = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="pairs_as_a")
    b = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="pairs_as_b")
    proposal = models.OneToOneField(
        Proposal, on_delete=models.SET_NULL, null=True, related_name="pair"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # Why a pair ended before the program did, and who ended it (a partner or an admin).
    end_reason = models.TextField(_("reason for ending"), blank=True)
    ended_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("pair")
        verbose_name_plural = _("pairs")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "a", "b"], condition=Q(ended_at=None), name="pair_unique_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.a.display_name} + {self.b.display_name}"

    @property
    def together_from(self) -> Any:
        """The day the pair counts from: when it was made, but never before its program
        starts (a pair matched in advance is together from the start)."""
        made = timezone.localdate(self.created_at)
        return max(made, self.program.starts_on)

    @property
    def together_started(self) -> bool:
        return bool(self.together_from <= timezone.localdate())
