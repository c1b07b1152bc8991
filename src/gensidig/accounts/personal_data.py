"""Personal data of accounts, memberships, invitations, imports and the security log, and of
the plumbing every app shares (email opt-outs, queued tasks, sessions). See
`gensidig.common.personal_data` for how the registry works."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from gensidig.accounts.models import ImportJob, Invitation, Member, SecurityEvent, User
from gensidig.common.models import EmailOptOut
from gensidig.common.personal_data import Person, exclude, register, register_export
from gensidig.common.retention import register_purge
from gensidig.identity.sessions import end_sessions


def mentions(person: Person) -> list[str]:
    """How the person's email and name can appear inside stored text and JSON."""
    values = [person.email]
    if len(person.name) >= 3:
        values.append(person.name)
    # JSON written with ASCII escapes keeps "ø" as "\\u00f8".
    return sorted({v for value in values for v in (value, json.dumps(value)[1:-1])})


# Accounts ------------------------------------------------------------------------------


def export_account(person: Person) -> dict[str, Any]:
    user = User.objects.get(pk=person.user_id)
    return {
        "email": user.email,
        "name": user.name,
        "language": user.language,
        "joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
    }


def erase_user(person: Person) -> None:
    if person.whole_account:
        # Cascades to the memberships and the email opt-outs.
        User.objects.filter(pk=person.user_id).delete()


register(
    "accounts.User",
    purpose="Log in and be reached (email), be recognised by colleagues (name), pages and "
    "emails in the person's language.",
    basis="Contract: the account the person or their employer opened for the program.",
    retention="Until the person erases it, or their last organisation forgets them after "
    "they left (GENSIDIG_REMOVED_MEMBER_DAYS).",
    section="account",
    exported="Email, name, language, joined and last login.",
    erased="Deleted; what others keep of a shared pair shows 'a former member'.",
    erase=erase_user,
    order=100,
)
register_export("account", export_account)


def export_opt_outs(person: Person) -> list[str]:
    return sorted(EmailOptOut.objects.filter(user_id=person.user_id).values_list("kind", flat=True))


def erase_opt_outs(person: Person) -> None:
    if person.whole_account:
        EmailOptOut.objects.filter(user_id=person.user_id).delete()


register(
    "common.EmailOptOut",
    purpose="Respect the person's choice to switch a kind of email off.",
    basis="Legitimate interest: not sending what the person declined.",
    retention="Until switched on again or the account is erased.",
    section="emails_switched_off",
    exported="The kinds switched off.",
    erased="Deleted with the account.",
    erase=erase_opt_outs,
)
register_export("emails_switched_off", export_opt_outs)


def export_memberships(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "organisation": member.organisation.name,
            "role": member.role,
            "title": member.title,
            "department": member.department,
            "manager": member.manager.user.name if member.manager else None,
            "generation": member.generation,
            "languages": member.languages,
            "side": member.side,
            "active": member.is_active,
            "joined": member.joined_at.isoformat(),
            "removed": member.removed_at.isoformat() if member.removed_at else None,
        }
        for member in Member.objects.filter(pk__in=person.member_ids).select_related(
            "organisation", "manager__user"
        )
    ]


def erase_members(person: Person) -> None:
    # Reports keep their row; their manager becomes empty (SET_NULL).
    Member.objects.filter(pk__in=person.member_ids).delete()


register(
    "accounts.Member",
    purpose="Who belongs to an organisation with which role; department, manager, job title, "
    "generation band, languages and usual side only to keep pairs outside reporting lines, "
    "across generations and with a language in common.",
    basis="Legitimate interest of the employer running the program.",
    retention="While a member; a removed member is forgotten after GENSIDIG_REMOVED_MEMBER_DAYS.",
    section="memberships",
    exported="Organisation, role, title, department, manager, band, languages, side, dates.",
    erased="Deleted (after the program data has been detached from it).",
    erase=erase_members,
    order=90,
)
register_export("memberships", export_memberships)


def invitations_of(person: Person) -> Any:
    found = Invitation.objects.filter(email__iexact=person.email)
    if not person.whole_account:
        found = found.filter(organisation_id__in=person.organisation_ids)
    return found


def export_invitations(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "organisation": invitation.organisation.name,
            "role": invitation.role,
            "state": str(invitation.state),
            "sent": invitation.created_at.isoformat(),
            "expires": invitation.expires_at.isoformat(),
            "details": invitation.member_fields,
        }
        for invitation in invitations_of(person).select_related("organisation")
    ]


def erase_invitations(person: Person) -> None:
    invitations_of(person).delete()
    # An invitation to someone else that names the person as their manager.
    for invitation in Invitation.objects.filter(member_fields__manager_email=person.email):
        invitation.member_fields = {**invitation.member_fields, "manager_email": ""}
        invitation.save(update_fields=["member_fields"])


register(
    "accounts.Invitation",
    purpose="Let a person join an organisation through a one-time link (only its hash is kept).",
    basis="Legitimate interest of the inviting organisation.",
    retention="Until 30 days after it expires (purge_expired).",
    section="invitations",
    exported="Organisation, role, state, dates and the details an import noted.",
    erased="Invitations to the person's address are deleted.",
    erase=erase_invitations,
)
register_export("invitations", export_invitations)


def export_imports(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "organisation": job.organisation.name,
            "file": job.filename,
            "status": job.status,
            "started": job.created_at.isoformat(),
        }
        for job in ImportJob.objects.filter(created_by_id__in=person.member_ids).select_related(
            "organisation"
        )
    ]


def erase_imports(person: Person) -> None:
    ImportJob.objects.filter(created_by_id__in=person.member_ids).delete()
    # Someone else's import whose file or problems name the person: the file goes (it is
    # kept only until the import has run anyway) and so do the problems about them.
    texts = mentions(person)
    jobs = ImportJob.objects.filter(organisation_id__in=person.organisation_ids)
    for job in jobs.exclude(data=None).only("pk", "data"):
        raw = bytes(job.data or b"")
        if any(text.encode() in raw for text in texts):
            ImportJob.objects.filter(pk=job.pk).update(data=None)
    query = Q()
    for text in texts:
        query |= Q(problems_text__contains=text)
    for job in jobs.annotate(problems_text=Cast("problems", TextField())).filter(query):
        job.problems = [
            p
            for p in job.problems
            if not any(text in json.dumps(p) or text in str(p) for text in texts)
        ]
        job.save(update_fields=["problems"])


register(
    "accounts.ImportJob",
    purpose="Run a large import in the background and show its progress and problems.",
    basis="Legitimate interest of the importing organisation.",
    retention="The file until the import has run; the job 7 days after it finished.",
    section="imports_started",
    exported="File name, status and date of the imports the person started.",
    erased="Imports the person started are deleted; other imports lose the file and the "
    "problems that name them.",
    erase=erase_imports,
)
register_export("imports_started", export_imports)


def security_events_of(person: Person) -> Any:
    found = SecurityEvent.objects.filter(Q(actor_id=person.user_id) | Q(subject_id=person.user_id))
    if not person.whole_account:
        found = found.filter(organisation_id__in=person.organisation_ids)
    return found


def export_security_events(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "kind": event.kind,
            "at": event.at.isoformat(),
            "by_me": event.actor_id == person.user_id,
            "ip": event.ip if event.actor_id == person.user_id else None,
        }
        for event in security_events_of(person).order_by("at")
    ]


def erase_security_events(person: Person) -> None:
    events = security_events_of(person)
    events.filter(actor_id=person.user_id).update(actor_id=None, ip=None)
    events.filter(subject_id=person.user_id).update(subject_id=None)


register(
    "accounts.SecurityEvent",
    purpose="Let owners see who logged in, changed roles, removed, exported, erased or "
    "imported people.",
    basis="Legal obligation and legitimate interest: the security of the personal data held.",
    retention="GENSIDIG_SECURITY_LOG_DAYS, then purged.",
    section="security_log",
    exported="The events done by or about the person (kind, time, their own IP address).",
    erased="The entries stay for the organisation's record with the person's ids and IP "
    "address blanked.",
    erase=erase_security_events,
)
register_export("security_log", export_security_events)


# Plumbing shared by every app ---------------------------------------------------------------


def erase_task_rows(person: Person) -> None:
    from django_tasks_db.models import DBTaskResult

    texts = mentions(person)
    query = Q()
    for text in texts:
        for column in ("args", "result", "trace"):
            query |= Q(**{f"{column}__contains": text})
    DBTaskResult.objects.annotate(
        args=Cast("args_kwargs", TextField()),
        result=Cast("return_value", TextField()),
        trace=Cast("traceback", TextField()),
    ).filter(query).delete()
    # An email's payload is sealed (gensidig.common.sealed), so no text search finds the
    # person in it: open each one. A message still queued to them is never sent, and one to
    # someone else that names them goes too. The table holds a week of tasks at most.
    sealed = DBTaskResult.objects.filter(args_kwargs__kwargs__has_key="sealed").only("args_kwargs")
    doomed = [row.pk for row in sealed.iterator() if _mentions_sealed(row.args_kwargs, texts)]
    DBTaskResult.objects.filter(pk__in=doomed).delete()


def _mentions_sealed(args_kwargs: dict[str, Any], texts: list[str]) -> bool:
    from gensidig.common.sealed import UnreadablePayload, unseal

    try:
        payload = json.dumps(unseal(args_kwargs["kwargs"]["sealed"]), ensure_ascii=False)
    except (UnreadablePayload, KeyError, TypeError):
        return False
    # Addresses in any case; a name as written (a short name must not catch other words).
    lowered = payload.lower()
    return any(text in payload or ("@" in text and text.lower() in lowered) for text in texts)


register(
    "django_tasks_database.DBTaskResult",
    purpose="Queue background work (emails, imports, matching rounds) for the workers.",
    basis="Legitimate interest: delivering what the person or their organisation asked for.",
    retention="Finished tasks 7 days, failed ones 30 days (purge_expired).",
    exported="Not exported: queue plumbing, not information about the person.",
    erased="Every task whose arguments, result or error mention the person is deleted.",
    erase=erase_task_rows,
)


def erase_sessions(person: Person) -> None:
    if person.whole_account:
        # By the session keys recorded at each login (identity.UserSession), not by opening
        # every live session of every person to read whose it is.
        end_sessions(user_id=person.user_id)


register(
    "sessions.Session",
    purpose="Keep a person logged in.",
    basis="Contract: the person logged in.",
    retention=(
        "Until logout, idle for GENSIDIG_SESSION_IDLE_MINUTES or GENSIDIG_SESSION_MAX_HOURS old; "
        "expired ones are purged daily (purge_expired)."
    ),
    exported="Not exported: a technical login token.",
    erased="The person's sessions are deleted.",
    erase=erase_sessions,
)


exclude(
    "accounts.Organisation",
    "A company's or network's name and short name: no person's data.",
)
exclude(
    "common.SubmittedForm",
    "A random one-time form token and the path the first submit led to, kept a day: no "
    "person's data.",
)


# Retention (see gensidig.common.retention) ---------------------------------------------------


def purge_task_rows(now: datetime) -> int:
    from django_tasks_db.models import DBTaskResult

    finished = DBTaskResult.objects.filter(
        status="SUCCESSFUL", finished_at__lt=now - timedelta(days=7)
    ).delete()[0]
    failed = DBTaskResult.objects.filter(
        status="FAILED", finished_at__lt=now - timedelta(days=30)
    ).delete()[0]
    return finished + failed


def purge_imports(now: datetime) -> int:
    return ImportJob.objects.filter(
        status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED],
        finished_at__lt=now - timedelta(days=7),
    ).delete()[0]


def purge_invitations(now: datetime) -> int:
    return Invitation.objects.filter(expires_at__lt=now - timedelta(days=30)).delete()[0]


def purge_security_log(now: datetime) -> int:
    days = settings.GENSIDIG_SECURITY_LOG_DAYS
    return SecurityEvent.objects.filter(at__lt=now - timedelta(days=days)).delete()[0]


def purge_expired_sessions(now: datetime) -> int:
    """Sessions past their expiry can no longer log anyone in, but each still holds the
    account's id: Django leaves them until `clearsessions`, which nobody is told to run."""
    from django.contrib.sessions.models import Session

    return Session.objects.filter(expire_date__lt=now).delete()[0]


def purge_removed_members(now: datetime) -> int:
    from gensidig.accounts.erasure import forget_member

    days = settings.GENSIDIG_REMOVED_MEMBER_DAYS
    due = Member.objects.filter(
        is_active=False, removed_at__lt=now - timedelta(days=days)
    ).select_related("user")
    count = 0
    for member in due:
        forget_member(member=member, now=now)
        count += 1
    return count


register_purge("task rows", purge_task_rows)
register_purge("imports", purge_imports)
register_purge("invitations", purge_invitations)
register_purge("security log", purge_security_log)
register_purge("expired sessions", purge_expired_sessions)
register_purge("removed members", purge_removed_members)
