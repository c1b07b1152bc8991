"""Stage moves: only the allowed moves, only by allowed people, each one kept in history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from gensidig.discoveries import actions
from gensidig.discoveries.models import Stage, StageChange
from tests.discoveries.helpers import try_plan

pytestmark = pytest.mark.django_db


def test_move_spotted_to_trying_by_admin_sets_plan_and_records_history(
    discovery: Any, admin: Any, experienced: Any, young: Any
) -> None:
    moved = actions.move_discovery(
        discovery=discovery, by=admin, to=Stage.TRYING, **try_plan(experienced, young)
    )
    assert moved.stage == Stage.TRYING
    assert moved.sponsor == experienced
    assert moved.owner == young
    assert moved.plan_success == "Halv tid per opslag."
    history = list(
        StageChange.objects.filter(discovery=discovery).values_list("from_stage", "to_stage", "by")
    )
    assert history == [("", "spotted", young.pk), ("spotted", "trying", admin.pk)]


def test_move_spotted_to_adopted_is_refused(discovery: Any, admin: Any) -> None:
    with pytest.raises(
        actions.DiscoveryError, match="kan ikke flyttes fra Spottet til Taget i brug"
    ):
        actions.move_discovery(discovery=discovery, by=admin, to=Stage.ADOPTED)
    discovery.refresh_from_db()
    assert discovery.stage == Stage.SPOTTED
    assert StageChange.objects.filter(discovery=discovery).count() == 1


def test_move_by_participant_is_refused_unless_sponsor(
    discovery: Any, young: Any, experienced: Any
) -> None:
    # The finder is a participant without the sponsor's standing: comments and votes only.
    with pytest.raises(actions.DiscoveryError, match="Kun en administrator eller"):
        actions.move_discovery(discovery=discovery, by=young, to=Stage.PARKED)
    actions.sponsor_discovery(discovery=discovery, by=experienced)
    moved = actions.move_discovery(discovery=discovery, by=experienced, to=Stage.PARKED)
    assert moved.stage == Stage.PARKED
    assert StageChange.objects.get(to_stage=Stage.PARKED).by == experienced


def test_sponsor_discovery_by_its_finder_is_refused(discovery: Any, young: Any) -> None:
    with pytest.raises(actions.DiscoveryError):
        actions.sponsor_discovery(discovery=discovery, by=young)
    discovery.refresh_from_db()
    assert discovery.sponsor is None


def test_move_to_trying_without_plan_is_refused(discovery: Any, admin: Any) -> None:
    with pytest.raises(actions.DiscoveryError, match="skrive planen"):
        actions.move_discovery(discovery=discovery, by=admin, to=Stage.TRYING)
    discovery.refresh_from_db()
    assert discovery.stage == Stage.SPOTTED


def test_move_to_dropped_without_reason_is_refused_and_with_reason_kept(
    discovery: Any, admin: Any
) -> None:
    with pytest.raises(actions.DiscoveryError, match="Skriv, hvorfor"):
        actions.move_discovery(discovery=discovery, by=admin, to=Stage.DROPPED, reason="  ")
    moved = actions.move_discovery(
        discovery=discovery, by=admin, to=Stage.DROPPED, reason="Vi har allerede et værktøj."
    )
    assert moved.drop_reason == "Vi har allerede et værktøj."
    assert StageChange.objects.get(to_stage=Stage.DROPPED).reason == "Vi har allerede et værktøj."


def test_adopt_with_effect_and_update_keeps_effect_history(
    discovery: Any, admin: Any, experienced: Any, young: Any
) -> None:
    actions.move_discovery(
        discovery=discovery, by=admin, to=Stage.TRYING, **try_plan(experienced, young)
    )
    actions.move_discovery(
        discovery=discovery,
        by=experienced,
        to=Stage.ADOPTED,
        hours_saved_per_month=Decimal("6"),
        cost_per_month=Decimal("90"),
        effect_notes="Flottere opslag.",
    )
    updated = actions.record_effect(
        discovery=discovery,
        by=young,  # the owner may update the effect
        hours_saved_per_month=Decimal("8.5"),
        cost_per_month=Decimal("90"),
        notes="Flottere opslag og hurtigere.",
    )
    assert updated.hours_saved_per_month == Decimal("8.5")
    assert updated.effect_updated_by == young
    assert [e.hours_saved_per_month for e in discovery.effects.all()] == [
        Decimal("8.5"),
        Decimal("6.0"),
    ]


def test_record_effect_before_adoption_is_refused(discovery: Any, admin: Any) -> None:
    with pytest.raises(actions.DiscoveryError):
        actions.record_effect(
            discovery=discovery,
            by=admin,
            hours_saved_per_month=Decimal(1),
            cost_per_month=None,
            notes="",
        )


def test_adopted_can_only_be_dropped(
    discovery: Any, admin: Any, experienced: Any, young: Any
) -> None:
    actions.move_discovery(
        discovery=discovery, by=admin, to=Stage.TRYING, **try_plan(experienced, young)
    )
    actions.move_discovery(discovery=discovery, by=admin, to=Stage.ADOPTED)
    for stage in (Stage.SPOTTED, Stage.TRYING, Stage.PARKED):
        with pytest.raises(actions.DiscoveryError):
            actions.move_discovery(discovery=discovery, by=admin, to=stage)
    assert (
        actions.move_discovery(
            discovery=discovery, by=admin, to=Stage.DROPPED, reason="Udfaset."
        ).stage
        == Stage.DROPPED
    )


def test_name_scout_for_a_program_of_another_organisation_is_refused(
    organisation: Any, admin: Any, young: Any, outsider: Any
) -> None:
    from tests.factories import ProgramFactory

    foreign = ProgramFactory(organisation=outsider.organisation)
    with pytest.raises(actions.DiscoveryError):
        actions.name_scout(organisation=organisation, member=young, by=admin, program=foreign)
    with pytest.raises(actions.DiscoveryError):
        actions.name_scout(organisation=organisation, member=outsider, by=admin)
    program = ProgramFactory(organisation=organisation)
    scout = actions.name_scout(organisation=organisation, member=young, by=admin, program=program)
    again = actions.name_scout(organisation=organisation, member=young, by=admin, program=program)
    assert scout.pk == again.pk
