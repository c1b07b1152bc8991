"""Programs with their charter, the topic catalogue, enrolments and participant profiles.

Personal data kept here and why: per program, a participant's side, self-declared generation
band (never a birth date), topics with levels, languages, availability, wishes and blocks.
They exist only to propose good pairs and belong to the participant: no other participant
ever sees them.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Side is defined once, with the member; a program's enrolment uses the same values.
from gensidig.accounts.models import Member, Organisation, Side


class Direction(models.TextChoices):
    YOUNG_TO_EXPERIENCED = "young_to_experienced", _("Young teach experienced")
    EXPERIENCED_TO_YOUNG = "experienced_to_young", _("Experienced teach young")
    BOTH = "both", _("Both ways")


class Topic(models.Model):
    """One entry of an organisation's bilingual catalogue of what people share and learn.
    A topic is never deleted: retiring hides it from new choices, merging points it at the
    topic that replaces it, and history keeps working."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="topics",
        verbose_name=_("organisation"),
    )
    slug = models.SlugField(_("short name"), max_length=80)
    name_da = models.CharField(_("name in Danish"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120)
    direction = models.CharField(
        _("direction"), max_length=24, choices=Direction.choices, default=Direction.BOTH
    )
    retired = models.BooleanField(_("retired"), default=False)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("catalogue", "topic")
        verbose_name_plural = pgettext_lazy("catalogue", "topics")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="topic_unique_slug"),
        ]
        ordering = ["name_da"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the viewer's language, falling back to the other one."""
        if (translation.get_language() or "da").startswith("en"):
            return self.name_en or self.name_da
        return self.name_da or self.name_en

    @property
    def is_active(self) -> bool:
        return not self.retired and self.merged_into_id is None


class Mode(models.TextChoices):
    REVERSE = "reverse", _("Reverse mentoring: the young teach the experienced")
    MUTUAL = "mutual", _("Mutual mentoring: both teach each other")


class State(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("program state", "Draft")
    ENROLLING = "enrolling", pgettext_lazy("program state", "Enrolling")
    MATCHING = "matching", pgettext_lazy("program state", "Matching")
    RUNNING = "running", pgettext_lazy("program state", "Running")
    CLOSED = "closed", pgettext_lazy("program state", "Closed")


class ReportingLineDepth(models.IntegerChoices):
    NONE = 0, _("Allow pairs within a reporting line")
    DIRECT = 1, _("Never pair a person with their own manager")
    TWO_LEVELS = 2, _("Never pair a person with their manager or their manager's manager")


# The ground rules every program starts with, in the viewer's language until an admin
# writes their own.
DEFAULT_GROUND_RULES = (
    _("Confidentiality: what is said in the pair stays in the pair."),
    _("Equality: you meet as equals, whatever your titles and ages."),
    _("Curiosity instead of lecturing: ask before you explain."),
    _("Both directions every meeting: each of you teaches and each of you learns."),
    _("The senior partner books the meetings."),
    _("The junior partner leads the content."),
)


def default_ground_rules_text() -> str:
    return "\n".join(str(rule) for rule in DEFAULT_GROUND_RULES)


def new_signup_token() -> str:
    return secrets.token_urlsafe(18)


class Program(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="programs",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(
        _("business purpose"),
        blank=True,
        help_text=_("Why the organisation runs this program, in a sentence or two."),
    )
    sponsor = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sponsored_programs",
        verbose_name=_("sponsor"),
        help_text=_("A leader who backs the program and speaks for it."),
    )
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"))
    cadence_weeks = models.PositiveSmallIntegerField(
        _("weeks between meetings"),
        default=4,
        help_text=_("Programs that work meet every 3 to 4 weeks."),
    )
    meeting_minutes = models.PositiveSmallIntegerField(_("meeting length in minutes"), default=60)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.REVERSE)
    capacity = models.PositiveSmallIntegerField(
        _("partners per experienced participant"),
        default=1,
        help_text=_("How many young partners one experienced participant may have."),
    )
    reporting_line_depth = models.PositiveSmallIntegerField(
        _("reporting lines"),
        choices=ReportingLineDepth.choices,
        default=ReportingLineDepth.TWO_LEVELS,
        help_text=_("People speak more freely with someone who does not decide their pay."),
    )
    shared_language = models.BooleanField(
        _("a shared language"),
        default=True,
        help_text=_("Only pair people who speak at least one language in common."),
    )
    different_department = models.BooleanField(
        _("different departments"),
        default=False,
        help_text=_("Only pair people from different departments."),
    )
    exclude_same_manager = models.BooleanField(
        _("different managers"),
        default=False,
        help_text=_("Never pair two people who have the same manager."),
    )
    forbid_repeat = models.BooleanField(
        _("new partners only"),
        default=True,
        help_text=_("Never pair two people who were a pair in an earlier program."),
    )
    min_generation_gap = models.PositiveSmallIntegerField(
        _("generation gap"),
        default=1,
        help_text=_(
            "How many generation bands must lie between partners: 0 allows the same band, "
            "1 needs at least the next band."
        ),
    )
    # Raised by every save of the charter; an edit form opened at an older one is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    themes_young_to_experienced = models.ManyToManyField(
        Topic,
        blank=True,
        related_name="programs_young_to_experienced",
        verbose_name=_("themes the young teach"),
    )
    themes_experienced_to_young = models.ManyToManyField(
        Topic,
        blank=True,
        related_name="programs_experienced_to_young",
        verbose_name=_("themes the experienced teach"),
    )
    ground_rules = models.TextField(
        _("ground rules"),
        blank=True,
        help_text=_(
            "One rule a line. Left as suggested, they are shown in each reader's language."
        ),
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT)
    retention_months = models.PositiveSmallIntegerField(
        _("months to keep what pairs wrote"),
        default=24,
        help_text=_(
            "After the program has ended and been closed, reflections, notes, goals and "
            "closing answers are kept this long; then their text is erased (figures stay)."
        ),
    )
    # A shareable link, not a one-time secret: the admin shows it again and again, so it is
    # kept as is and can be replaced (which makes the old link stop working).
    signup_token = models.CharField(max_length=40, unique=True, default=new_signup_token)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def ground_rule_lines(self) -> list[str]:
        text = self.ground_rules.strip() or default_ground_rules_text()
        return [line.strip() for line in text.splitlines() if line.strip()]


class EnrolmentStatus(models.TextChoices):
    INVITED = "invited", pgettext_lazy("enrolment", "Invited")
    ENROLLED = "enrolled", pgettext_lazy("enrolment", "Enrolled")
    WITHDRAWN = "withdrawn", pgettext_lazy("enrolment", "Withdrawn")


LANGUAGE_CHOICES = [
    ("da", _("Danish")),
    ("en", _("English")),
    ("de", _("German")),
    ("sv", _("Swedish")),
    ("nb", _("Norwegian")),
    ("pl", _("Polish")),
    ("uk", _("Ukrainian")),
    ("ar", _("Arabic")),
]


class Enrolment(models.Model):
    """A person's place in a program, with their profile for it. Someone invited by email
    who is not a member yet waits here with only `invited_email` until they join."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("program")
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="enrolments",
        verbose_name=_("member"),
    )
    invited_email = models.EmailField(_("invited email address"), blank=True)
    side = models.CharField(_("side"), max_length=12, choices=Side.choices, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.INVITED,
    )
    invited_by = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    enrolled_at = models.DateTimeField(_("enrolled"), null=True, blank=True)
    # The profile, filled in by the participant through the wizard.
    generation = models.CharField(_("generation band"), max_length=20, blank=True)
    share_other = models.TextField(_("other things I can share"), blank=True)
    want_other = models.TextField(_("other things I want to learn"), blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    availability = models.TextField(_("availability"), blank=True)
    wishes = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="+", verbose_name=_("wishes")
    )
    blocks = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="+", verbose_name=_("blocks")
    )
    profile_step = models.PositiveSmallIntegerField(_("profile steps done"), default=0)
    charter_acknowledged_at = models.DateTimeField(_("charter acknowledged"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "member"],
                condition=Q(member__isnull=False),
                name="enrolment_unique_member",
            ),
            # An erased person's enrolment keeps no member and no address.
            models.UniqueConstraint(
                fields=["program", "invited_email"],
                condition=Q(member__isnull=True) & ~Q(invited_email=""),
                name="enrolment_unique_pending_email",
            ),
        ]
        # The enrolled count of a program (overview, program list) by an index-only scan.
        indexes = [models.Index(fields=["program", "status"], name="enrolment_program_status")]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.member or self.invited_email} · {self.program}"

    @property
    def display_name(self) -> str:
        if self.member:
            return self.member.user.name
        # No member and no address: the person was erased or forgotten.
        return self.invited_email or str(_("a former member"))

    @property
    def profile_complete(self) -> bool:
        return self.charter_acknowledged_at is not None

    def topics_text(self, kind: str) -> str:
        """The chosen topics of one kind with their levels, e.g. "TikTok (3), Strategi (2)"
        (reads the prefetched `topics` when there are any)."""
        return ", ".join(
            f"{chosen.topic.name} ({chosen.level})"
            for chosen in self.topics.all()
            if chosen.kind == kind
        )

    @property
    def shares_text(self) -> str:
        return self.topics_text("share")

    @property
    def wants_text(self) -> str:
        return self.topics_text("want")

    def language_names(self) -> list[str]:
        names = dict(LANGUAGE_CHOICES)
        return [str(names.get(code, code)) for code in self.languages]


class TopicKind(models.TextChoices):
    SHARE = "share", _("I can share")
    WANT = "want", _("I want to learn")


class ProfileTopic(models.Model):
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="topics", verbose_name=_("enrolment")
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, related_name="profile_topics", verbose_name=_("topic")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=TopicKind.choices)
    level = models.PositiveSmallIntegerField(
        _("level"), default=2, choices=[(1, "1"), (2, "2"), (3, "3")]
    )

    class Meta:
        verbose_name = _("profile topic")
        verbose_name_plural = _("profile topics")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "topic", "kind"], name="profile_topic_unique"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=3), name="profile_topic_level_1_to_3"
            ),
        ]
        ordering = ["kind", "-level", "topic__name_da"]

    def __str__(self) -> str:
        return f"{self.topic} ({self.kind} {self.level})"


# Wishes a participant may name at most.
MAX_WISHES = 3
# The profile wizard's steps, in order; `Enrolment.profile_step` counts how many are done.
PROFILE_STEPS = ("about", "share", "learn", "practical", "wishes", "charter")
