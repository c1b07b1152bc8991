"""The demo's innovation board: young scouts' finds at Fjordlys Møbler in every stage, with
support, comments, trials with plans and the effect of what was adopted.

Built through the discoveries actions like everything else; a discovery whose title is
already on the board is left as it is, so running the demo again changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from gensidig.accounts.models import Member, Organisation
from gensidig.discoveries import actions
from gensidig.discoveries.models import Discovery, Stage, StageChange
from gensidig.matching.models import Pair
from gensidig.programs.models import Topic

# (title, kind, what work it makes smarter, link, topic slugs, stage, days ago, votes,
#  effect (hours, cost, words) | drop reason | None, comment)
Find = tuple[
    str, str, str, str, tuple[str, ...], str, int, int, tuple[int, int, str] | str | None, str
]
FINDS: tuple[Find, ...] = (
    ("AI-skriveværktøj til produkttekster", "tool",
     "Produkttekster til webshoppen og kataloget, for e-handel og marketing.",
     "https://chat.openai.com/", ("ai-vaerktoejer",), Stage.ADOPTED, 200, 14,
     (22, 160, "Ensartede tekster på dansk, tysk og engelsk; nye varer hurtigere online."),
     "Kan den også skrive plejevejledninger?"),
    ("TikTok fra showroomet", "channel",
     "Korte videoer fra showroomet i Vejle, for at nå unge boligkøbere.",
     "https://www.tiktok.com/", ("sociale-medier", "unge-kunder"), Stage.TRYING, 60, 11, None,
     "Vores første video fik 4.000 visninger!"),
    ("Videorobot til produktfilm", "technology",
     "Korte produktfilm ud fra fotos og tekst, for marketing og forhandlerne.",
     "https://www.synthesia.io/", ("ai-vaerktoejer",), Stage.ADOPTED, 170, 9,
     (12, 450, "Forhandlerne får en film til hver nyhed."), ""),
    ("Canva-skabeloner til opslag og tilbud", "tool",
     "Faste skabeloner i firmaets farver, for alle der laver opslag og tilbud.",
     "https://www.canva.com/", ("digitale-vaerktoejer",), Stage.ADOPTED, 240, 12,
     (8, 95, "Alt ser ens ud, og sælgerne laver selv flotte tilbud."), "Endelig!"),
    ("Automatisk opfølgning i CRM", "tool",
     "Påmindelser og opfølgningsmails efter tilbud, for salgsafdelingen.",
     "https://www.hubspot.com/", ("digitale-vaerktoejer", "produkter-og-kunder"), Stage.TRYING,
     45, 7, None, "Vi prøver det på eksportkunderne først."),
    ("Kundechat på hjemmesiden", "channel",
     "Svar på spørgsmål om levering og mål, for kundeservice.",
     "https://www.tidio.com/", ("unge-kunder",), Stage.SPOTTED, 12, 6, None,
     "Hvem skal svare om aftenen?"),
    ("Instagram-guides til indretning", "channel",
     "Inspiration til rum med vores møbler, for marketing.",
     "https://www.instagram.com/", ("sociale-medier",), Stage.SPOTTED, 8, 4, None, ""),
    ("Fælles Teams-kanal for idéer", "way",
     "Et sted hvor alle kan dele små forbedringer, for hele huset.",
     "", ("arbejdsformer",), Stage.SPOTTED, 5, 3, None, ""),
    ("AI-transskribering af kundemøder", "tool",
     "Referater af møder med store kunder, for key account managers.",
     "https://otter.ai/", ("ai-vaerktoejer",), Stage.PARKED, 120, 5, None,
     "Vi venter på en databehandleraftale."),
    ("3D-rumplanlægger til kunder", "technology",
     "Kunder kan se møblerne i deres egen stue, for salg og webshop.",
     "https://www.roomle.com/", ("digitale-vaerktoejer", "unge-kunder"), Stage.TRYING, 30, 8,
     None, ""),
    ("Podcast om møbelhåndværk", "channel",
     "Historierne fra værkstedet fortalt af de erfarne, for brandet.",
     "", ("virksomhedens-historie",), Stage.PARKED, 150, 4, None, ""),
    ("Digitale tjeklister på lageret", "way",
     "Tjeklister på tablet ved pakning, for lager og logistik.",
     "", ("arbejdsformer",), Stage.ADOPTED, 140, 6,
     (10, 0, "Færre fejlpakninger og returneringer."), ""),
    ("Snapchat-annoncer", "channel",
     "Annoncer til unge under 25, for marketing.",
     "https://forbusiness.snapchat.com/", ("sociale-medier",), Stage.DROPPED, 190, 2,
     "Vores kunder er der ikke endnu; vi satser på TikTok.", ""),
    ("Chatbot til intern HR-hjælp", "tool",
     "Svar på spørgsmål om ferie og personalehåndbog, for HR.",
     "", ("ai-vaerktoejer",), Stage.DROPPED, 160, 1,
     "For lidt brug i en virksomhed på vores størrelse.", ""),
    ("Genbrugsmarkedsplads for brugte møbler", "way",
     "Tilbagekøb af vores egne møbler, for bæredygtighed og nye kunder.",
     "", ("unge-kunder", "strategi"), Stage.SPOTTED, 3, 9, None,
     "Det kunne blive en god historie for brandet."),
    ("Korte læringsvideoer til nye kolleger", "way",
     "Introduktion til maskinerne på værkstedet, for nye medarbejdere.",
     "", ("arbejdsformer", "virksomhedens-historie"), Stage.SPOTTED, 20, 5, None, ""),
    ("Billedgenkendelse af trætyper", "technology",
     "Kvalitetskontrol af træ ved modtagelse, for produktionen.",
     "", ("ai-vaerktoejer",), Stage.SPOTTED, 1, 2, None, ""),
)  # fmt: skip


def demo_people(company: Organisation) -> tuple[list[Member], list[Member], Member]:
    members = Member.objects.filter(organisation=company).select_related("user")
    young = sorted(
        members.filter(generation="1995-2009"),
        key=lambda m: (m.user.email != "ung@gensidig.example", m.user.name),
    )
    experienced = sorted(
        members.filter(generation__in=["1965-1979", "1946-1964"]),
        key=lambda m: (m.user.email != "erfaren@gensidig.example", m.user.name),
    )
    owner = members.get(user__email="admin@gensidig.example")
    return young, experienced, owner


def build_discoveries(company: Organisation) -> int:
    """Fill the board; returns how many discoveries were added."""
    young, experienced, owner = demo_people(company)
    scouts = young[:4]
    for scout in scouts:
        actions.name_scout(organisation=company, member=scout, by=owner)
    topics = {t.slug: t for t in Topic.objects.filter(organisation=company)}
    existing = set(Discovery.objects.filter(organisation=company).values_list("title", flat=True))
    ida, henrik = young[0], experienced[0]
    pair = Pair.objects.filter(
        Q(a__member=ida, b__member=henrik) | Q(a__member=henrik, b__member=ida)
    ).first()
    now = timezone.now()
    added = 0
    for number, find in enumerate(FINDS):
        title, kind, work, link, slugs, stage, days, votes, outcome, comment = find
        if title in existing:
            continue
        finder = scouts[number % len(scouts)]
        sponsor = experienced[number % 3]
        discovery = actions.submit_discovery(
            organisation=company,
            by=finder,
            title=title,
            kind=kind,
            smarter_work=work,
            link=link,
            topics=[topics[s] for s in slugs if s in topics],
            pair=pair if finder == ida and number < 3 else None,
        )
        if stage in (Stage.TRYING, Stage.ADOPTED) or (stage == Stage.PARKED and number % 2):
            actions.sponsor_discovery(discovery=discovery, by=sponsor)
        if stage in (Stage.TRYING, Stage.ADOPTED):
            actions.move_discovery(
                discovery=discovery,
                by=sponsor,
                to=Stage.TRYING,
                owner=finder,
                plan_what=f"Vi prøver {title.lower()} i seks uger.",
                plan_until=(now + timedelta(days=42 - days // 2)).date(),
                plan_success="Vi sparer tid og får flere henvendelser end før.",
            )
        if stage == Stage.ADOPTED and isinstance(outcome, tuple):
            hours, cost, words = outcome
            actions.move_discovery(
                discovery=discovery,
                by=sponsor,
                to=Stage.ADOPTED,
                hours_saved_per_month=Decimal(hours),
                cost_per_month=Decimal(cost),
                effect_notes=words,
            )
        if stage == Stage.PARKED:
            actions.move_discovery(discovery=discovery, by=owner, to=Stage.PARKED)
        if stage == Stage.DROPPED and isinstance(outcome, str):
            actions.move_discovery(discovery=discovery, by=owner, to=Stage.DROPPED, reason=outcome)
        supporters = [m for m in experienced[3:] + young[4:] if m != finder]
        for supporter in supporters[:votes]:
            actions.support_discovery(discovery=discovery, by=supporter)
        if comment:
            actions.add_comment(discovery=discovery, by=sponsor, text=comment)
        # Spread the history over the past months so the board and the funnel look lived in:
        # each step is moved back in time, keeping their order.
        history = list(StageChange.objects.filter(discovery=discovery).order_by("at", "pk"))
        start, gap = now - timedelta(days=days), timedelta(days=max(days // 4, 1))
        moments = [min(start + step * gap, now) for step in range(len(history))]
        for change, at in zip(history, moments, strict=True):
            StageChange.objects.filter(pk=change.pk).update(at=at)
        Discovery.objects.filter(pk=discovery.pk).update(
            created_at=start, stage_changed_at=moments[-1]
        )
        added += 1
    return added
