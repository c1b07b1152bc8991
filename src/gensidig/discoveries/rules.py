"""Which stage a discovery may move to, and who may move it.

The rules, in words (also shown on the discovery's page):
- spotted → trying, parked or dropped; trying → adopted, parked or dropped;
  parked → spotted, trying or dropped; adopted → dropped (it stopped paying off);
  dropped → spotted (worth a second look).
- Owners and administrators may move any discovery; the discovery's sponsor may move it too.
  Anyone else, the finder included, can comment and support but not move it.
- Any member but the finder may step forward as sponsor of a spotted or parked discovery
  that has none: that is how an experienced partner takes a find into practice.
"""

from __future__ import annotations

from gensidig.accounts.models import Member
from gensidig.discoveries.models import Discovery, Stage

TRANSITIONS: dict[str, tuple[str, ...]] = {
    Stage.SPOTTED: (Stage.TRYING, Stage.PARKED, Stage.DROPPED),
    Stage.TRYING: (Stage.ADOPTED, Stage.PARKED, Stage.DROPPED),
    Stage.PARKED: (Stage.SPOTTED, Stage.TRYING, Stage.DROPPED),
    Stage.ADOPTED: (Stage.DROPPED,),
    Stage.DROPPED: (Stage.SPOTTED,),
}

# Moves that need more than a click: a plan, an effect or a reason.
NEEDS_FORM = frozenset({Stage.TRYING, Stage.ADOPTED, Stage.DROPPED})


def allowed_moves(discovery: Discovery) -> tuple[str, ...]:
    return TRANSITIONS.get(discovery.stage, ())


def can_move(member: Member, discovery: Discovery) -> bool:
    return member.organisation_id == discovery.organisation_id and (
        member.is_manager_role
        or (discovery.sponsor_id is not None and discovery.sponsor_id == member.pk)
    )


def can_sponsor(member: Member, discovery: Discovery) -> bool:
    return (
        discovery.sponsor_id is None
        and discovery.stage in (Stage.SPOTTED, Stage.PARKED)
        and discovery.found_by_id != member.pk
    )


def can_record_effect(member: Member, discovery: Discovery) -> bool:
    return discovery.stage == Stage.ADOPTED and (
        can_move(member, discovery) or discovery.owner_id == member.pk
    )
