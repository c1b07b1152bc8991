"""factory_boy factories for the models every test needs."""

from __future__ import annotations

from datetime import date, datetime

import factory
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from factory.django import DjangoModelFactory

from gensidig.accounts.models import Invitation, Member, Organisation, Role, User, hash_token
from gensidig.programs.models import (
    Direction,
    Enrolment,
    EnrolmentStatus,
    Program,
    Side,
    State,
    Topic,
)

PASSWORD = "a-long-test-password"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")
    language = "da"
    password = factory.django.Password(PASSWORD)


class OrganisationFactory(DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Firma {n} A/S")
    slug = factory.Sequence(lambda n: f"firma-{n}")


class MemberFactory(DjangoModelFactory[Member]):
    class Meta:
        model = Member

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.PARTICIPANT
    department = "Salg"
    generation = "1980-1994"


class InvitationFactory(DjangoModelFactory[Invitation]):
    class Meta:
        model = Invitation
        exclude = ("token",)

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"invited{n}@example.org")
    role = Role.PARTICIPANT
    token = factory.Sequence(lambda n: f"test-token-{n}")
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.token))


class TopicFactory(DjangoModelFactory[Topic]):
    class Meta:
        model = Topic

    organisation = factory.SubFactory(OrganisationFactory)
    slug = factory.Sequence(lambda n: f"emne-{n}")
    name_da = factory.Sequence(lambda n: f"Emne {n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")
    direction = Direction.BOTH


class ProgramFactory(DjangoModelFactory[Program]):
    class Meta:
        model = Program

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Forløb {n}")
    purpose = "At lære af hinanden på tværs af generationer."
    starts_on = date(2027, 2, 1)
    ends_on = date(2027, 8, 31)
    state = State.DRAFT


class EnrolmentFactory(DjangoModelFactory[Enrolment]):
    class Meta:
        model = Enrolment

    program = factory.SubFactory(ProgramFactory)
    member = factory.SubFactory(
        MemberFactory, organisation=factory.SelfAttribute("..program.organisation")
    )
    side = Side.YOUNG
    status = EnrolmentStatus.ENROLLED
    generation = "1995-2009"
    languages = factory.LazyFunction(lambda: ["da"])


def task_row(
    *,
    kwargs: dict[str, object] | None = None,
    status: str = "READY",
    finished: datetime | None = None,
    path: str = "gensidig.common.tasks.send_email",
) -> DBTaskResult:
    """A row of the task table as the database backend writes it (queued, or finished at
    `finished`), without running anything."""
    return DBTaskResult.objects.create(
        task_path=path,
        args_kwargs={"args": [], "kwargs": kwargs or {}},
        backend_name="default",
        queue_name="default",
        run_after=finished or timezone.now(),
        status=status,
        finished_at=finished,
        exception_class_path="",
        traceback="",
    )
