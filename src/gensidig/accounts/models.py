"""People, organisations and who may do what in them.

Personal data kept here and why: a user's email (to log in and to be reached), name (so
colleagues recognise each other) and preferred language (for pages and emails). A member's
department, manager, generation band, languages and usual side exist only so that the
matching engine can keep pairs outside reporting lines, across generations and with a language
in common; the band is self-declared and never a birth date.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any, ClassVar, Self

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email

    @property
    def is_activated(self) -> bool:
        """Has this person ever been able to get in? People created by an import (or an
        administrator) have no usable password until they use an activation link."""
        return self.has_usable_password() or self.last_login is not None


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", pgettext_lazy("role", "Owner")
    ADMIN = "admin", pgettext_lazy("role", "Administrator")
    PARTICIPANT = "participant", pgettext_lazy("role", "Participant")


class Side(models.TextChoices):
    """The two sides of a pair. In reverse mentoring the young partner is often the mentor.
    The one definition: a member's usual side and a program enrolment's side both use it
    (`programs.models.Side` is this class)."""

    YOUNG = "young", pgettext_lazy("side", "Young")
    EXPERIENCED = "experienced", pgettext_lazy("side", "Experienced")


# Roles that may run the organisation: invite people, create programs, see aggregates.
MANAGING_ROLES = frozenset({Role.OWNER, Role.ADMIN})


class Member(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="members",
        verbose_name=_("organisation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.PARTICIPANT
    )
    title = models.CharField(_("job title"), max_length=150, blank=True)
    department = models.CharField(_("department"), max_length=150, blank=True)
    manager = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("manager"),
    )
    generation = models.CharField(
        _("generation band"),
        max_length=20,
        blank=True,
        help_text=_("Self-declared, for example 1995-2009. Never a birth date."),
    )
    languages = models.JSONField(
        _("languages"),
        default=list,
        blank=True,
        help_text=_("Language codes such as da and en; pairs need a language in common."),
    )
    side = models.CharField(
        _("side in pairs"),
        max_length=20,
        choices=Side.choices,
        blank=True,
        help_text=_("The side this person usually takes in a program; each program can change it."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    # When an administrator removed the person (they left); the retention job forgets a
    # removed member after GENSIDIG_REMOVED_MEMBER_DAYS.
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="member_unique_per_org"),
        ]
        ordering = ["user__name"]

    def __str__(self) -> str:
        return f"{self.user} ({self.organisation})"

    @property
    def is_manager_role(self) -> bool:
        return self.role in MANAGING_ROLES


def hash_token(token: str) -> str:
    # Only a hash is stored, so a leaked database does not hand out working links.
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


class HashedToken(models.Model):
    """A bearer secret handed out once: only its SHA-256 (`hash_token`) is kept, with a short
    prefix shown in lists so that people can tell tokens apart. Named, revocable, its last
    use recorded. API tokens (`api.ApiToken`) and SCIM tokens (`identity.ScimToken`) are made
    of it; each says how its raw token looks (`new_raw`)."""

    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False)
    created_by = models.ForeignKey(
        "accounts.Member",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    # Last use is written at most this often, not on every call.
    USE_RECORDED_EVERY = timedelta(minutes=1)

    class Meta:
        abstract = True

    @classmethod
    def new_raw(cls) -> tuple[str, str]:
        """A new raw token and the prefix shown for it."""
        raise NotImplementedError

    @classmethod
    def issue(cls, **fields: Any) -> tuple[Self, str]:
        """Create a token; returns it and the raw token, which is shown once and stored
        nowhere."""
        raw, prefix = cls.new_raw()
        token = cls._default_manager.create(token_hash=hash_token(raw), prefix=prefix, **fields)
        return token, raw

    @classmethod
    def matching(cls, raw: str) -> models.QuerySet[Self]:
        """The token whose hash is that of `raw` (revoked or not)."""
        return cls._default_manager.filter(token_hash=hash_token(raw.strip()))

    def record_use(self, now: Any = None) -> None:
        now = now or timezone.now()
        if self.last_used_at is None or now - self.last_used_at > self.USE_RECORDED_EVERY:
            type(self)._default_manager.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now

    def revoke(self) -> bool:
        """Revoke the token; False when it was revoked already."""
        if self.revoked_at is not None:
            return False
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
        return True


def default_expiry() -> Any:
    return timezone.now() + timedelta(days=settings.GENSIDIG_INVITATION_DAYS)


class Invitation(models.Model):
    """A one-time, expiring link. Two kinds: *join* brings a new person (or someone from
    another organisation) into the organisation; *activate* lets a member who was created
    without a password (an import) set one and confirm their details. Emails to someone who
    has never signed in carry an activation link that then goes on to `next_url`."""

    class Kind(models.TextChoices):
        JOIN = "join", pgettext_lazy("invitation", "Join")
        ACTIVATE = "activate", pgettext_lazy("invitation", "Activation")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("organisation"),
    )
    email = models.EmailField(_("email address"))
    name = models.CharField(_("name"), max_length=150, blank=True)
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.PARTICIPANT
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.JOIN)
    # The account an activation link is for (None for a join invitation).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    # Where the person lands after using the link (a path on this site).
    next_url = models.CharField(_("next page"), max_length=300, blank=True)
    invited_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("invited by")
    )
    # What an import said about the person (department, generation, languages, side,
    # manager_email), set on their membership once they accept; organisation data only.
    member_fields = models.JSONField(_("membership details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), default=default_expiry)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["organisation", "email", "-created_at"], name="invitation_org_email"
            )
        ]

    def __str__(self) -> str:
        return self.email

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("invitation", "Pending")
        ACCEPTED = "accepted", pgettext_lazy("invitation", "Accepted")
        EXPIRED = "expired", pgettext_lazy("invitation", "Expired")
        REVOKED = "revoked", pgettext_lazy("invitation", "Revoked")

    @property
    def state(self) -> Invitation.State:
        if self.accepted_at:
            return self.State.ACCEPTED
        if self.revoked_at:
            return self.State.REVOKED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        return self.State.PENDING

    def get_state_display(self) -> str:
        return str(self.state.label)


class ImportJob(models.Model):
    """A large import running in the background. The uploaded file is kept only until the
    import has run, then erased: the people are in the members table by then."""

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("import", "Queued")
        RUNNING = "running", pgettext_lazy("import", "Running")
        DONE = "done", pgettext_lazy("import", "Done")
        FAILED = "failed", pgettext_lazy("import", "Failed")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="import_jobs",
        verbose_name=_("organisation"),
    )
    created_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("started by")
    )
    filename = models.CharField(_("file name"), max_length=255)
    # Set when the people are imported straight into a program (see programs.imports); a
    # plain id because programs build on accounts, not the other way round.
    program_id = models.PositiveIntegerField(_("program"), null=True, blank=True)
    data = models.BinaryField(_("file"), null=True, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("rows done"), default=0)
    created_count = models.PositiveIntegerField(_("new people"), default=0)
    updated_count = models.PositiveIntegerField(_("updated people"), default=0)
    # The first problems only (imports.MAX_PROBLEMS) and how many there were in all.
    problems = models.JSONField(_("problems"), default=list, blank=True)
    problem_count = models.PositiveIntegerField(_("number of problems"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename

    @property
    def percent(self) -> int:
        return round(100 * self.processed / self.total) if self.total else 0

    @property
    def problems_not_listed(self) -> int:
        return max(0, self.problem_count - len(self.problems))


class SecurityEvent(models.Model):
    """One entry of the security log: who did what to whom, when and from where.

    Holds ids, an event kind and small structured details only: never a password, a token,
    a link that logs in, or note and reflection text. Owners read their organisation's
    entries; events without an organisation (a failed login for an unknown address) are
    the operator's. Kept for GENSIDIG_SECURITY_LOG_DAYS, then purged by the retention job."""

    class Kind(models.TextChoices):
        LOGIN = "login", pgettext_lazy("security event", "Logged in")
        LOGIN_FAILED = "login-failed", pgettext_lazy("security event", "Login failed")
        LOGOUT = "logout", pgettext_lazy("security event", "Logged out")
        PASSWORD_CHANGED = "password-changed", pgettext_lazy("security event", "Password changed")
        PASSWORD_RESET = (
            "password-reset",
            pgettext_lazy("security event", "Password reset requested"),
        )
        INVITED = "invited", pgettext_lazy("security event", "Invitation sent")
        ROLE_CHANGED = "role-changed", pgettext_lazy("security event", "Role changed")
        REMOVED = "removed", pgettext_lazy("security event", "Member removed")
        REACTIVATED = "reactivated", pgettext_lazy("security event", "Member reactivated")
        EXPORTED = "exported", pgettext_lazy("security event", "Personal data exported")
        ERASED = "erased", pgettext_lazy("security event", "Account erased")
        IMPORTED = "imported", pgettext_lazy("security event", "People imported")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="security_events",
        verbose_name=_("organisation"),
    )
    # Plain ids, not foreign keys: the entry outlives the account it speaks of, and an
    # erasure blanks these ids (see the personal-data registry) rather than deleting the row.
    actor_id = models.BigIntegerField(_("done by"), null=True, blank=True)
    subject_id = models.BigIntegerField(_("concerning"), null=True, blank=True)
    kind = models.CharField(_("event"), max_length=40)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organisation", "-at"], name="security_event_org_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"

    def get_kind_display(self) -> str:
        # Kinds added by other apps (SSO, MFA, SCIM…) have the labels those apps registered.
        from gensidig.accounts.security import kind_label

        return kind_label(self.kind)


class Erasure(models.Model):
    """The erasure log: which account (or which membership, when an organisation forgot
    someone who left) was erased, and when. Ids and dates only, so it can be kept; after a
    restore from backup `gensidig.accounts.erasure.reapply_erasures` erases them again."""

    user_id = models.BigIntegerField(_("account"), null=True, blank=True)
    member_id = models.BigIntegerField(_("membership"), null=True, blank=True)
    erased_at = models.DateTimeField(_("erased"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        ordering = ["erased_at", "pk"]

    def __str__(self) -> str:
        return f"{self.user_id or ''}/{self.member_id or ''} {self.erased_at:%Y-%m-%d}"
