from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from gensidig.matching import actions
from gensidig.matching.models import Round
from gensidig.programs.models import Program, State


@task()
def run_round_task(*, round_id: int) -> int:
    """Match a large cohort in the worker; the round page shows it as running meanwhile."""
    matching_round = Round.objects.select_related("program").get(pk=round_id)
    try:
        actions.run_round(matching_round=matching_round)
    except Exception as error:
        Round.objects.filter(pk=round_id).update(
            status=Round.Status.FAILED, error=str(error), finished_at=timezone.now()
        )
        raise
    return round_id


@task()
def remind_undecided_task(*, older_than_days: int = 3) -> int:
    """Remind everyone who has not answered a proposal for some days (run daily)."""
    return sum(
        actions.remind_undecided(program=program, older_than_days=older_than_days)
        for program in Program.objects.filter(state__in=[State.MATCHING, State.RUNNING])
    )
