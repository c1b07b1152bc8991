"""Personal data of the discoveries pipeline. See `gensidig.common.personal_data`.

A discovery, comment or move stays on the board when its author is erased, as 'a former
member' (their member reference becomes empty): the board is the organisation's history.
Votes go with the person."""

from __future__ import annotations

from typing import Any

from gensidig.common.personal_data import Person, register, register_export
from gensidig.discoveries.models import Discovery, Scout
from gensidig.discoveries.queries import personal_data_of

SECTIONS = ("discoveries_found", "discovery_comments", "discovery_votes")


def export_section(section: str) -> Any:
    return lambda person: personal_data_of(person.user_id)[section]


def keep_program_counts(person: Person) -> None:
    """A program counts the discoveries its participants found; once the finder is gone,
    a find made while they were in a pair is tied to that pair so the count stays."""
    from django.db.models import Q

    from gensidig.matching.models import Pair

    for discovery in Discovery.objects.filter(found_by_id__in=person.member_ids, pair=None):
        pairs = Pair.objects.filter(
            Q(a__member_id=discovery.found_by_id) | Q(b__member_id=discovery.found_by_id),
            program__starts_on__lte=discovery.created_at.date(),
            created_at__lte=discovery.created_at,
        ).order_by("-created_at")
        pair = pairs.first()
        if pair is not None:
            Discovery.objects.filter(pk=discovery.pk).update(pair=pair)


register(
    "discoveries.Discovery",
    purpose="A tool or way of working someone found, with sponsor, owner, plan and effect; the "
    "finder is credited.",
    basis="Legitimate interest of the organisation's innovation work.",
    retention="As long as the organisation keeps its board.",
    section="discoveries_found",
    exported="Title, kind, text, link, stage and date of the person's finds.",
    erased="Kept as found by 'a former member' (finder, sponsor and owner become empty); a "
    "find made while the finder was in a pair is tied to that pair so program counts stay.",
    erase=keep_program_counts,
    order=60,
)
register(
    "discoveries.Comment",
    purpose="The conversation about a discovery.",
    basis="Legitimate interest; written by the member.",
    retention="With the discovery.",
    section="discovery_comments",
    exported="The person's comments with the discovery's title.",
    erased="Kept as written by 'a former member'.",
)
register(
    "discoveries.Vote",
    purpose="One member's support, to rank the board.",
    basis="Legitimate interest; given by the member.",
    retention="With the discovery.",
    section="discovery_votes",
    exported="Which discoveries the person supports.",
    erased="Deleted with the membership (cascade).",
)
register(
    "discoveries.StageChange",
    purpose="Who moved a discovery and why (accountability).",
    basis="Legitimate interest of the organisation.",
    retention="With the discovery.",
    section=None,
    exported="Not exported: the board's history, shown on the discovery.",
    erased="Kept as moved by 'a former member'.",
)
register(
    "discoveries.EffectRecord",
    purpose="Every update of a discovery's effect, with who recorded it.",
    basis="Legitimate interest of the organisation.",
    retention="With the discovery.",
    section=None,
    exported="Not exported: the organisation's figures.",
    erased="Kept as recorded by 'a former member'.",
)


def export_scouts(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "organisation": scout.organisation.name,
            "program": scout.program.name if scout.program else None,
            "named": scout.created_at.isoformat(),
        }
        for scout in Scout.objects.filter(member_id__in=person.member_ids).select_related(
            "organisation", "program"
        )
    ]


register(
    "discoveries.Scout",
    purpose="A member's standing role to find discoveries.",
    basis="Legitimate interest; named by an administrator.",
    retention="While a member.",
    section="scout_roles",
    exported="Organisation, program and date.",
    erased="Deleted with the membership (cascade).",
)
for section in SECTIONS:
    register_export(section, export_section(section))
register_export("scout_roles", export_scouts)
