"""Pulses: each enrolled participant in a pair is asked a few questions at set points of the
program; answers are only ever reported in aggregate."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gensidig.programs.models import Enrolment, Program


class PulseInvite(models.Model):
    """One participant asked at one point: sent, reminded once, answered."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="pulse_invites")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="pulse_invites")
    point = models.CharField(_("point"), max_length=12)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "point"], name="pulse_invite_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} · {self.point}"


class PulseClosing(models.Model):
    """A program's pulse at one point stopped taking answers (PULSE_OPEN_DAYS after it went
    out): what the `pulse.closed` webhook reports. Counts only: no person is in it."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="pulse_closings")
    point = models.CharField(_("point"), max_length=12)
    closed_at = models.DateTimeField(_("closed"), default=timezone.now)
    invited = models.PositiveIntegerField(_("invited"), default=0)
    answered = models.PositiveIntegerField(_("answered"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "point"], name="pulse_closing_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.program_id} · {self.point}"


class PulseAnswer(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="pulse_answers")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="pulse_answers")
    point = models.CharField(_("point"), max_length=12)
    question = models.CharField(_("question"), max_length=20)
    value = models.PositiveSmallIntegerField(_("answer"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "point", "question"], name="pulse_answer_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point} {self.question}={self.value}"


class HealthSnapshot(models.Model):
    """How many of a program's pairs were in one health state on one day: what the
    dashboard's "pair health over time" reads, so that a year of meetings is not walked on
    every page view. Written by the daily run (`gensidig nudge`) and back-filled for the
    past by `gensidig backfill_health`. Counts only: no person is in it."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="health_snapshots")
    day = models.DateField(_("day"))
    state = models.CharField(_("state"), max_length=12)
    pairs = models.PositiveIntegerField(_("pairs"))
    taken_at = models.DateTimeField(_("taken"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "day", "state"], name="health_snapshot_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_id} {self.day} {self.state}={self.pairs}"


class Tally(models.Model):
    """A running count of one cell of a program's dashboard: the topics learned of one
    topic by one side, goals of one side at one progress, one side's self-assessments or
    cancellations, the pairs in one balance bucket, the confirmed meetings. `count`, the
    `people` behind it and, for self-assessments, the sums of the levels `before` and
    `after`. Kept by insights.tallies in the same transaction as the rows it counts. The
    row with an empty figure is the program's anchor (locked by each change). Counts of a
    program only: no person is in it."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="tallies")
    figure = models.CharField(max_length=16)
    side = models.CharField(max_length=12, blank=True)
    key = models.CharField(max_length=20, blank=True)
    count = models.BigIntegerField(default=0)
    people = models.BigIntegerField(default=0)
    before = models.BigIntegerField(default=0)
    after = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "figure", "side", "key"], name="tally_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_id} {self.figure} {self.side} {self.key}={self.count}"


class TallyShare(models.Model):
    """What one enrolment's or one pair's rows add to its program's tallies, as last
    counted (`cells`: "figure|side|key" -> [count, people, before, after]), so that a
    change moves the tallies by the difference. Counts of topic ids, sides and progress
    values of one enrolment or pair: no names, no text, nothing the person wrote."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    pair = models.OneToOneField(
        "matching.Pair", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    cells = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.program_id} {self.enrolment_id or ''}/{self.pair_id or ''}"
