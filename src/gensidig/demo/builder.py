"""The demo organisation: a fictional Danish furniture maker with 64 people across five
generations, ten departments and a manager tree, plus a small business network so the
organisation switcher has something to switch to.

Built only through the same actions the UI uses, and idempotent: running it again updates
the same people instead of adding new ones. Later features extend `build_demo`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from gensidig.accounts import actions
from gensidig.accounts.models import Member, Organisation, Role, User
from gensidig.demo.discoveries import build_discoveries
from gensidig.programs import actions as program_actions
from gensidig.programs.models import Direction, Enrolment, Mode, Program, Side, State, Topic

DEMO_PASSWORD = "gensidig-demo"
ORG_SLUG = "fjordlys"
NETWORK_SLUG = "sydjysk-erhvervsnetvaerk"


@dataclass(frozen=True)
class Login:
    email: str
    description: str


LOGINS = (
    Login("admin@gensidig.example", "owner and administrator (HR)"),
    Login("ung@gensidig.example", "young participant (marketing)"),
    Login("erfaren@gensidig.example", "experienced participant and sales director"),
)

# (key, name, title, department, manager key, generation band, role, email)
# The key is only for wiring managers; emails are the stable identity across runs.
PEOPLE: list[tuple[str, str, str, str, str | None, str, str, str]] = [
    (
        "ceo",
        "Birgitte Lauridsen",
        "Administrerende direktør",
        "Direktion",
        None,
        "1965-1979",
        Role.ADMIN,
        "birgitte.lauridsen@fjordlys.example",
    ),
    (
        "hr",
        "Mette Holm",
        "HR- og udviklingschef",
        "HR",
        "ceo",
        "1980-1994",
        Role.OWNER,
        "admin@gensidig.example",
    ),
    (
        "sales",
        "Henrik Sørensen",
        "Salgsdirektør",
        "Salg",
        "ceo",
        "1965-1979",
        Role.PARTICIPANT,
        "erfaren@gensidig.example",
    ),
    (
        "mkt",
        "Lone Kristiansen",
        "Marketingchef",
        "Marketing",
        "ceo",
        "1965-1979",
        Role.PARTICIPANT,
        "lone.kristiansen@fjordlys.example",
    ),
    (
        "prod",
        "Jens Mikkelsen",
        "Produktionschef",
        "Produktion",
        "ceo",
        "1946-1964",
        Role.PARTICIPANT,
        "jens.mikkelsen@fjordlys.example",
    ),
    (
        "fin",
        "Karen Thomsen",
        "Økonomichef",
        "Økonomi",
        "ceo",
        "1965-1979",
        Role.PARTICIPANT,
        "karen.thomsen@fjordlys.example",
    ),
    (
        "log",
        "Poul Andersen",
        "Logistikchef",
        "Lager og logistik",
        "ceo",
        "1946-1964",
        Role.PARTICIPANT,
        "poul.andersen@fjordlys.example",
    ),
    (
        "it",
        "Rasmus Bech",
        "IT-chef",
        "IT",
        "ceo",
        "1980-1994",
        Role.PARTICIPANT,
        "rasmus.bech@fjordlys.example",
    ),
    (
        "cs",
        "Hanne Vestergaard",
        "Kundeservicechef",
        "Kundeservice",
        "ceo",
        "1965-1979",
        Role.PARTICIPANT,
        "hanne.vestergaard@fjordlys.example",
    ),
    (
        "design",
        "Torben Damgaard",
        "Designchef",
        "Design og udvikling",
        "ceo",
        "1965-1979",
        Role.PARTICIPANT,
        "torben.damgaard@fjordlys.example",
    ),
    (
        "young",
        "Ida Nørgaard",
        "Digital marketingkoordinator",
        "Marketing",
        "mkt",
        "1995-2009",
        Role.PARTICIPANT,
        "ung@gensidig.example",
    ),
]

# Team leads under the department heads, then staff under the leads.
LEADS: list[tuple[str, str, str, str, str]] = [
    ("sales-dk", "Søren Madsen", "Salgschef, Danmark", "sales", "1965-1979"),
    ("sales-ex", "Anja Frederiksen", "Eksportchef", "sales", "1980-1994"),
    ("prod-a", "Erik Poulsen", "Værkfører, snedkeri", "prod", "1946-1964"),
    ("prod-b", "Bente Jeppesen", "Værkfører, overflade", "prod", "1965-1979"),
    ("log-a", "Kim Christensen", "Lagerformand", "log", "1965-1979"),
    ("cs-a", "Susanne Kjær", "Teamleder, kundeservice", "cs", "1980-1994"),
]

STAFF_NAMES = [
    "Emma Hansen",
    "Noah Jensen",
    "Freja Larsen",
    "Oliver Pedersen",
    "Clara Nielsen",
    "William Rasmussen",
    "Alma Jørgensen",
    "Lucas Møller",
    "Ella Christiansen",
    "Victor Olsen",
    "Agnes Knudsen",
    "Malthe Mortensen",
    "Sofie Schmidt",
    "Magnus Holm",
    "Laura Friis",
    "Frederik Dahl",
    "Karla Lund",
    "Elias Bruun",
    "Josefine Berg",
    "Anton Skov",
    "Mads Winther",
    "Lene Krogh",
    "Ole Bak",
    "Inge Svendsen",
    "Per Lauritsen",
    "Kirsten Toft",
    "Niels Østergaard",
    "Gitte Hald",
    "Jørgen Brandt",
    "Vibeke Juul",
    "Carl Iversen",
    "Nanna Frost",
    "Tobias Kofoed",
    "Asta Bisgaard",
    "Johan Kirk",
    "Ellen Søndergaard",
    "Hans Bertelsen",
    "Mia Lykke",
    "Thomas Krag",
    "Louise Buch",
    "Morten Bach",
    "Signe Holst",
    "Bo Kjeldsen",
    "Liva Thorsen",
    "Aksel Borg",
    "Merete Vang",
    "Storm Hviid",
]
STAFF_TITLES = {
    "sales-dk": ("Key account manager", "Salgskonsulent"),
    "sales-ex": ("Eksportkoordinator", "Salgsassistent"),
    "mkt": ("Content creator", "Grafiker"),
    "prod-a": ("Snedker", "Maskinsnedker"),
    "prod-b": ("Overfladebehandler", "Lærling, snedker"),
    "log-a": ("Lagermedarbejder", "Chauffør"),
    "fin": ("Bogholder", "Controller"),
    "it": ("Supporter", "Udvikler"),
    "cs-a": ("Kundeservicemedarbejder", "Studentermedhjælper"),
    "design": ("Møbeldesigner", "Produktudvikler"),
    "hr": ("HR-partner", "HR-elev"),
}
DEPARTMENT_OF = {key: dept for key, _n, _t, dept, *_rest in PEOPLE}
BANDS = ["1995-2009", "1980-1994", "1995-2009", "1965-1979", "1995-2009", "1946-1964", "1980-1994"]

NETWORK_PEOPLE = [
    ("Mette Holm", "admin@gensidig.example", Role.OWNER, "Fjordlys Møbler A/S", "1980-1994"),
    (
        "Jonas Vinther",
        "jonas.vinther@vinther-el.example",
        Role.PARTICIPANT,
        "Vinther El ApS",
        "1995-2009",
    ),
    (
        "Grethe Bonde",
        "grethe.bonde@bonde-revision.example",
        Role.PARTICIPANT,
        "Bonde Revision",
        "1946-1964",
    ),
    (
        "Sara Lindholm",
        "sara.lindholm@havnecafeen.example",
        Role.PARTICIPANT,
        "Havnecaféen",
        "1995-2009",
    ),
    ("Kurt Rask", "kurt.rask@rask-transport.example", Role.ADMIN, "Rask Transport", "1965-1979"),
]


def staff_email(name: str) -> str:
    local = name.lower().replace(" ", ".")
    for danish, plain in (("æ", "ae"), ("ø", "oe"), ("å", "aa")):
        local = local.replace(danish, plain)
    return f"{local}@fjordlys.example"


def ensure_user(*, email: str, name: str, login: bool) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = actions.create_user(
            email=email, name=name, password=DEMO_PASSWORD if login else None
        )
    elif login and not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def login_emails() -> set[str]:
    return {login.email for login in LOGINS}


@transaction.atomic
def build_organisation() -> Organisation:
    logins = login_emails()
    owner = ensure_user(email="admin@gensidig.example", name="Mette Holm", login=True)
    organisation = Organisation.objects.filter(slug=ORG_SLUG).first()
    if organisation is None:
        organisation = actions.create_organisation(
            name="Fjordlys Møbler A/S", owner=owner, slug=ORG_SLUG
        )
    members: dict[str, Member] = {}

    def place(
        key: str,
        name: str,
        email: str,
        title: str,
        department: str,
        manager: str | None,
        band: str,
        role: str,
    ) -> None:
        user = ensure_user(email=email, name=name, login=email in logins)
        members[key] = actions.add_member(
            organisation=organisation,
            user=user,
            role=role,
            title=title,
            department=department,
            manager=members.get(manager) if manager else None,
            generation=band,
        )

    for key, name, title, department, manager, band, role, email in PEOPLE:
        place(key, name, email, title, department, manager, band, role)
    for key, name, title, manager, band in LEADS:
        place(
            key,
            name,
            staff_email(name),
            title,
            DEPARTMENT_OF[manager],
            manager,
            band,
            Role.PARTICIPANT,
        )
    teams = list(STAFF_TITLES)
    for index, name in enumerate(STAFF_NAMES):
        lead = teams[index % len(teams)]
        department = (
            DEPARTMENT_OF.get(lead)
            or DEPARTMENT_OF[next(m for k, *_x, m, _b in LEADS if k == lead)]
        )
        titles = STAFF_TITLES[lead]
        place(
            f"staff-{index}",
            name,
            staff_email(name),
            titles[index % 2],
            department,
            lead,
            BANDS[index % len(BANDS)],
            Role.PARTICIPANT,
        )
    return organisation


@transaction.atomic
def build_network() -> Organisation:
    owner = ensure_user(email="admin@gensidig.example", name="Mette Holm", login=True)
    network = Organisation.objects.filter(slug=NETWORK_SLUG).first()
    if network is None:
        network = actions.create_organisation(
            name="Sydjysk Erhvervsnetværk", owner=owner, slug=NETWORK_SLUG
        )
    for name, email, role, company, band in NETWORK_PEOPLE:
        user = ensure_user(email=email, name=name, login=email in login_emails())
        actions.add_member(
            organisation=network, user=user, role=role, department=company, generation=band
        )
    return network


PROGRAM_NAME = "Gensidig læring 2027"
PROGRAM_SIZE = 20  # people on each side
AVAILABILITY = (
    "Tirsdag og torsdag formiddag",
    "Mandag eftermiddag, ikke i skolernes ferier",
    "Onsdag kl. 8-10 eller efter frokost",
    "Fleksibelt, helst på kontoret i Vejle",
    "Fredag formiddag",
)
OWN_WORDS_YOUNG = ("TikTok og korte videoer", "Canva", "", "ChatGPT til tilbud", "")
OWN_WORDS_EXPERIENCED = ("Messer og store kunder", "", "Trætyper og kvalitet", "", "Budgetter")


def demo_participants(organisation: Organisation) -> tuple[list[Member], list[Member]]:
    """Twenty of the youngest generation and twenty of the two oldest, the demo logins first;
    administrators run the program and stay out of it."""
    people = (
        Member.objects.filter(organisation=organisation, role=Role.PARTICIPANT)
        .select_related("user")
        .order_by("user__email")
    )

    def pick(bands: set[str], login: str) -> list[Member]:
        chosen = [m for m in people if m.generation in bands]
        chosen.sort(key=lambda m: (m.user.email != login, m.user.email))
        return chosen[:PROGRAM_SIZE]

    return (
        pick({"1995-2009"}, "ung@gensidig.example"),
        pick({"1965-1979", "1946-1964"}, "erfaren@gensidig.example"),
    )


def fill_profile(
    enrolment: Enrolment,
    *,
    index: int,
    side: str,
    generation: str,
    teaches: list[Topic],
    learns: list[Topic],
    partners: list[Enrolment],
) -> None:
    """A complete, varied profile: two or three topics each way with levels, languages,
    availability, up to three wishes and now and then a block."""
    program_actions.save_profile_about(enrolment=enrolment, side=side, generation=generation)
    for kind, topics, own_words in (
        ("share", teaches, OWN_WORDS_YOUNG if side == Side.YOUNG else OWN_WORDS_EXPERIENCED),
        ("want", learns, ("", "", "")),
    ):
        count = 2 + (index + (kind == "want")) % 2
        levels: dict[int, int] = {}
        for offset in range(count):
            topic = topics[(index * 2 + offset * 3 + (kind == "want")) % len(topics)]
            level = 1 + (index + offset * 2 + len(kind)) % 3
            program_actions.add_profile_topic(
                enrolment=enrolment, topic=topic, kind=kind, level=level
            )
            levels[topic.pk] = level
        program_actions.save_profile_topics(
            enrolment=enrolment, kind=kind, levels=levels, other=own_words[index % len(own_words)]
        )
    languages = ["da", "en"] if index % 3 else ["da"]
    if index % 7 == 6:
        languages.append("de")
    program_actions.save_profile_practical(
        enrolment=enrolment, languages=languages, availability=AVAILABILITY[index % 5]
    )
    wishes = [partners[(index * 3 + k) % len(partners)] for k in range(index % 4)]
    blocks = [partners[(index * 5 + 2) % len(partners)]] if index % 6 == 5 else []
    blocks = [b for b in blocks if b not in wishes]
    program_actions.save_profile_wishes(enrolment=enrolment, wishes=wishes, blocks=blocks)
    program_actions.acknowledge_charter(enrolment=enrolment)


@transaction.atomic
def build_program(organisation: Organisation) -> Program:
    """The program "Gensidig læring 2027", open for enrolment, with forty participants whose
    profiles are complete, so a matching round has real input. Profiles are only written
    while enrolment is open: a later step of the demo may have moved the program on."""
    program_actions.seed_topics(organisation=organisation)
    topics = Topic.objects.filter(organisation=organisation, retired=False, merged_into=None)
    young_topics = list(topics.filter(direction=Direction.YOUNG_TO_EXPERIENCED).order_by("slug"))
    old_topics = list(topics.filter(direction=Direction.EXPERIENCED_TO_YOUNG).order_by("slug"))
    program = Program.objects.filter(organisation=organisation, name=PROGRAM_NAME).first()
    if program is None:
        sponsor = Member.objects.get(
            organisation=organisation, user__email="birgitte.lauridsen@fjordlys.example"
        )
        program = program_actions.create_program(
            organisation=organisation,
            charter=program_actions.Charter(
                name=PROGRAM_NAME,
                purpose=(
                    "Fjordlys skal sælge mere online og til yngre kunder uden at miste det, "
                    "der har gjort os til et godt møbelfirma i 60 år. Unge og erfarne kolleger "
                    "lærer af hinanden: digitale vaner og kundens nye adfærd den ene vej, "
                    "kunder, produkter, strategi og netværk den anden."
                ),
                sponsor=sponsor,
                starts_on=date(2027, 2, 1),
                ends_on=date(2027, 8, 31),
                cadence_weeks=4,
                meeting_minutes=60,
                mode=Mode.MUTUAL,
                themes_young_to_experienced=young_topics,
                themes_experienced_to_young=old_topics,
            ),
        )
    if program.state == State.DRAFT:
        program = program_actions.open_enrolment(program=program)
    if program.state != State.ENROLLING:
        return program
    young, experienced = demo_participants(organisation)
    enrolments = {
        side: [
            program_actions.enrol(program=program, member=member, side=side) for member in people
        ]
        for side, people in ((Side.YOUNG, young), (Side.EXPERIENCED, experienced))
    }
    for side, teaches, learns, other in (
        (Side.YOUNG, young_topics, old_topics, Side.EXPERIENCED),
        (Side.EXPERIENCED, old_topics, young_topics, Side.YOUNG),
    ):
        for index, enrolment in enumerate(enrolments[side]):
            assert enrolment.member is not None
            if enrolment.profile_complete:
                continue  # filled on an earlier run (or changed by hand since): leave it
            fill_profile(
                enrolment,
                index=index,
                side=side,
                generation=enrolment.member.generation,
                teaches=teaches,
                learns=learns,
                partners=enrolments[other],
            )
    return program


RUNNING_NAME = "Gensidig læring 2026"
RUNNING_SIZE = 12  # people on each side


@transaction.atomic
def build_running_program(organisation: Organisation) -> Program:
    """The program that started in the autumn: reverse mentoring, matched by the engine,
    published, and running with accepted pairs. The demo logins ung@ and erfaren@ are a
    pair; one proposal still waits for an answer and one was declined, so the admin's
    matching page shows every state. Built once; later runs leave it as it is."""
    from gensidig.matching import actions as matching
    from gensidig.matching.models import Proposal

    program = Program.objects.filter(organisation=organisation, name=RUNNING_NAME).first()
    if program is not None:
        return program
    topics = Topic.objects.filter(organisation=organisation, retired=False, merged_into=None)
    young_topics = list(topics.filter(direction=Direction.YOUNG_TO_EXPERIENCED).order_by("slug"))
    old_topics = list(topics.filter(direction=Direction.EXPERIENCED_TO_YOUNG).order_by("slug"))
    owner = Member.objects.get(organisation=organisation, user__email="admin@gensidig.example")
    sponsor = Member.objects.get(
        organisation=organisation, user__email="birgitte.lauridsen@fjordlys.example"
    )
    program = program_actions.create_program(
        organisation=organisation,
        charter=program_actions.Charter(
            name=RUNNING_NAME,
            purpose=(
                "Ledergruppen skal forstå, hvordan unge kunder finder og vælger møbler i dag, "
                "og de unge skal kende Fjordlys' kunder, produkter og historie."
            ),
            sponsor=sponsor,
            starts_on=date(2026, 9, 1),
            ends_on=date(2027, 3, 31),
            cadence_weeks=3,
            meeting_minutes=60,
            mode=Mode.REVERSE,
            themes_young_to_experienced=young_topics,
            themes_experienced_to_young=old_topics,
        ),
    )
    program = program_actions.open_enrolment(program=program)
    young, experienced = demo_participants(organisation)
    cohorts = {
        Side.YOUNG: [
            program_actions.enrol(program=program, member=m, side=Side.YOUNG)
            for m in young[:RUNNING_SIZE]
        ],
        Side.EXPERIENCED: [
            program_actions.enrol(program=program, member=m, side=Side.EXPERIENCED)
            for m in experienced[:RUNNING_SIZE]
        ],
    }
    for side, teaches, learns, other in (
        (Side.YOUNG, young_topics, old_topics, Side.EXPERIENCED),
        (Side.EXPERIENCED, old_topics, young_topics, Side.YOUNG),
    ):
        for index, enrolment in enumerate(cohorts[side]):
            assert enrolment.member is not None
            fill_profile(
                enrolment,
                index=index + 3,
                side=side,
                generation=enrolment.member.generation,
                teaches=teaches,
                learns=learns,
                partners=cohorts[other],
            )
    program = program_actions.start_matching(program=program)
    matching.start_round(program=program, by=owner)
    ida, henrik = cohorts[Side.YOUNG][0], cohorts[Side.EXPERIENCED][0]
    together = Proposal.objects.filter(program=program, a=ida, b=henrik, status="draft").first()
    if together is None:
        together = matching.pair_by_hand(
            program=program,
            a=ida,
            b=henrik,
            by=owner,
            reason="De har selv bedt om at komme sammen, og de arbejder ikke i samme linje.",
        )
    matching.lock_proposal(proposal=together)
    matching.start_round(program=program, by=owner)  # the rest around the locked pair
    latest = program.rounds.first()
    assert latest is not None
    matching.publish_round(matching_round=latest)
    published = list(Proposal.objects.filter(program=program, status="published").order_by("pk"))
    for number, proposal in enumerate(published):
        if proposal.pk != together.pk and number == len(published) - 1:
            continue  # still waiting for an answer
        if proposal.pk != together.pk and number == len(published) - 2:
            matching.answer_proposal(
                proposal=proposal,
                enrolment=proposal.b,
                accept=False,
                reason="Vi sidder ved siden af hinanden og taler sammen hver dag i forvejen.",
            )
            continue
        matching.answer_proposal(proposal=proposal, enrolment=proposal.a, accept=True)
        matching.answer_proposal(proposal=proposal, enrolment=proposal.b, accept=True)
    return program_actions.start_running(program=program)


# People of the demo company (never logins) who have been sent an activation invitation, so
# the members list shows all three access states: active, invited and never invited.
INVITED_TO_ACTIVATE = 6


@transaction.atomic
def build_activation_states(organisation: Organisation) -> int:
    """Activation links for a few people who have never signed in, made by the owner (no
    email leaves: the demo only shows the state). Idempotent: people with a link keep it."""
    from gensidig.accounts.models import Invitation
    from gensidig.accounts.queries import not_yet_active

    owner = Member.objects.get(organisation=organisation, user__email="admin@gensidig.example")
    made = 0
    for member in not_yet_active(organisation).order_by("user__email")[:INVITED_TO_ACTIVATE]:
        if not Invitation.objects.filter(
            organisation=organisation,
            email=member.user.email,
            kind=Invitation.Kind.ACTIVATE,
            invited_by=owner,
        ).exists():
            actions.create_activation(member=member, invited_by=owner)
            made += 1
    return made


def build_demo() -> dict[str, Organisation]:
    company = build_organisation()
    network = build_network()
    build_activation_states(company)
    build_program(company)
    running = build_running_program(company)
    from gensidig.meetings.demo import build_pair_history

    build_pair_history(running)
    from gensidig.insights.demo import build_kickoffs

    build_kickoffs(running)
    build_discoveries(company)
    from gensidig.insights.demo import build_pulses

    build_pulses(running)
    from gensidig.insights.snapshots import backfill_health_snapshots

    # The dashboard's health over time reads daily snapshots: write the demo's history.
    backfill_health_snapshots(program=running)
    return {"company": company, "network": network}
