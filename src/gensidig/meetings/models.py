"""What a pair does together: meetings, goals per direction, reflections, self-assessments
and the closing questionnaire.

Purpose of what is stored (personal data): meetings (time, place or video link) so that the
two can meet and get calendar invites; goals, reflections and self-assessments so that each
can see what they learned and the program can count learning per direction; private notes
only for the two partners (never shown to an admin, never in anyone's export but the
author's). Every row hangs off the pair or an enrolment, so erasing a person erases them.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gensidig.accounts.models import Member
from gensidig.matching.models import Pair
from gensidig.programs.models import Enrolment, Topic


def ends_of(starts_at: datetime, minutes: int) -> datetime:
    return starts_at + timedelta(minutes=minutes)


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class Meeting(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", pgettext_lazy("meeting", "Proposed")
        CONFIRMED = "confirmed", pgettext_lazy("meeting", "Confirmed")
        CANCELLED = "cancelled", pgettext_lazy("meeting", "Cancelled")

    pair = models.ForeignKey(
        Pair, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("pair")
    )
    proposed_by = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="+", verbose_name=_("proposed by")
    )
    starts_at = models.DateTimeField(_("starts"))
    minutes = models.PositiveSmallIntegerField(
        _("length in minutes"), validators=[MinValueValidator(10), MaxValueValidator(480)]
    )
    # starts_at + minutes, stored (set by save()) so that "held" (confirmed and over) and a
    # pair's health can be computed in the database for a whole program at once.
    ends_at = models.DateTimeField(_("ends"), editable=False)
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_url = models.URLField(_("video link"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    # The calendar event's identity and version: an update or a cancellation carries the
    # same UID with a higher SEQUENCE, so calendars replace the event instead of adding one.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        Enrolment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["pair", "status", "starts_at"], name="meeting_pair_status_start"),
            # Pair health reads the meetings of the last two cadences and ahead of every
            # pair of a program (meetings.queries.health_counts): found by their start, and
            # on PostgreSQL answered from the index alone (pair and status are in it).
            models.Index(fields=["starts_at", "pair", "status"], name="meeting_start_pair_status"),
        ]

    def __str__(self) -> str:
        return f"{self.pair} {self.starts_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.ends_at = ends_of(self.starts_at, self.minutes)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"starts_at", "minutes"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "ends_at"}
        super().save(*args, **kwargs)

    def is_held(self, now: datetime | None = None) -> bool:
        """A confirmed meeting counts as held once its time is over."""
        ends_at = ends_of(self.starts_at, self.minutes)  # not the stored copy: may be unsaved
        return self.status == self.Status.CONFIRMED and ends_at <= (now or timezone.now())


class Goal(models.Model):
    """What one partner (the learner) wants to learn from the other: 1-3 per side."""

    pair = models.ForeignKey(
        Pair, on_delete=models.CASCADE, related_name="goals", verbose_name=_("pair")
    )
    learner = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="goals", verbose_name=_("learner")
    )
    text = models.CharField(_("what I want to learn from you"), max_length=300)
    topic = models.ForeignKey(
        Topic,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("topic"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def progress(self) -> int:
        # The marks in their order (created_at, pk), prefetched by the pair's page.
        marks = list(self.marks.all())
        return marks[-1].progress if marks else 0


class GoalMark(models.Model):
    """A progress mark on a goal at one moment, so progress can be seen over time."""

    class Progress(models.IntegerChoices):
        NOT_STARTED = 0, _("Not started")
        STARTED = 1, _("Started")
        HALFWAY = 2, _("Halfway")
        NEARLY = 3, _("Nearly there")
        REACHED = 4, _("Reached")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="marks")
    progress = models.PositiveSmallIntegerField(_("progress"), choices=Progress.choices)
    created_at = models.DateTimeField(_("marked"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.goal}: {self.progress}"


class Reflection(models.Model):
    """After a meeting, one partner's account of it. One per meeting and author."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="reflections", verbose_name=_("meeting")
    )
    author = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="reflections", verbose_name=_("author")
    )
    taught = models.ManyToManyField(
        Topic, related_name="+", blank=True, verbose_name=_("what I taught")
    )
    learned = models.ManyToManyField(
        Topic, related_name="+", blank=True, verbose_name=_("what I learned")
    )
    learned_text = models.CharField(_("what I learned, in a sentence"), max_length=500)
    usefulness = models.PositiveSmallIntegerField(
        _("how useful was it"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    # Read only by the two partners; never by an admin and never in the partner's export.
    private_notes = models.TextField(_("private notes"), blank=True)
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "author"], name="reflection_one_per_author"),
            models.CheckConstraint(
                condition=Q(usefulness__gte=1) & Q(usefulness__lte=5),
                name="reflection_usefulness_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} · {self.meeting}"


class Assessment(models.Model):
    """A learner's own rating of a goal's topic before (pre) and after (post) the program."""

    class Phase(models.TextChoices):
        PRE = "pre", _("Before")
        POST = "post", _("After")

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="assessments")
    learner = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="assessments")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="+")
    phase = models.CharField(_("phase"), max_length=4, choices=Phase.choices)
    level = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pair", "learner", "topic", "phase"], name="assessment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} {self.topic} {self.phase}={self.level}"


class ClosingAnswer(models.Model):
    """One partner's closing questionnaire when the pair ends."""

    class Again(models.TextChoices):
        YES = "yes", _("Yes")
        MAYBE = "maybe", _("Maybe")
        NO = "no", _("No")

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="closing_answers")
    author = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    what_changed = models.TextField(_("what changed for me"))
    again = models.CharField(_("would I do it again"), max_length=5, choices=Again.choices)
    organisation_gain = models.TextField(_("what the organisation gained"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pair", "author"], name="closing_one_per_author"),
        ]

    def __str__(self) -> str:
        return f"{self.author} · {self.pair}"


class CalendarFeed(models.Model):
    """A member's private calendar feed. The token is the permission, so it is kept readable
    (the member needs to see the address again) and can be replaced at any time."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.member}"


class Nudge(models.Model):
    """A reminder that was sent, so the daily run never sends the same one twice."""

    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=100)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "enrolment"], name="nudge_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
