"""What each program state allows, and in plain words why something is not possible.

`why_not` returns None when the step is allowed, else a translated sentence the UI shows
next to the disabled button; the actions raise `ProgramStateError` with the same sentence."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gensidig.programs.models import Enrolment, EnrolmentStatus, Program, Side, State

TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "open_enrolment": (frozenset({State.DRAFT}), State.ENROLLING),
    "start_matching": (frozenset({State.ENROLLING}), State.MATCHING),
    "start_running": (frozenset({State.MATCHING}), State.RUNNING),
    "close_program": (
        frozenset({State.DRAFT, State.ENROLLING, State.MATCHING, State.RUNNING}),
        State.CLOSED,
    ),
}

# The order in which the program page offers the transitions, with their button labels.
TRANSITION_LABELS: dict[str, Promise] = {
    "open_enrolment": _("Open enrolment"),
    "start_matching": _("Start matching"),
    "start_running": _("Start the meetings"),
    "close_program": _("Close the program"),
}


# The parts of the charter that decide who may be paired with whom. Once matching has
# started, proposals and pairs exist that were made under them; changing them then would
# leave those pairs breaking rules nobody saw, so they are fixed (see `why_not`).
PAIRING_RULE_FIELDS: tuple[str, ...] = (
    "mode",
    "capacity",
    "reporting_line_depth",
    "shared_language",
    "different_department",
    "exclude_same_manager",
    "forbid_repeat",
    "min_generation_gap",
)


class ProgramStateError(Exception):
    """A step the program's state does not allow; `reason` says why, translated."""

    def __init__(self, reason: Promise | str) -> None:
        super().__init__(str(reason))
        self.reason = reason


def enrolled_sides(program: Program) -> set[str]:
    return set(
        program.enrolments.filter(status=EnrolmentStatus.ENROLLED, member__isnull=False)
        .exclude(side="")
        .values_list("side", flat=True)
    )


def why_not(program: Program, step: str) -> Promise | None:
    """None when `step` is allowed in the program's current state, else the reason."""
    state = program.state
    if state == State.CLOSED and step != "view":
        return _("The program is closed.")
    if step in TRANSITIONS:
        allowed_from, _target = TRANSITIONS[step]
        if state not in allowed_from:
            return {
                "open_enrolment": _("Enrolment can only be opened while the program is a draft."),
                "start_matching": _("Matching can only start while enrolment is open."),
                "start_running": _("The meetings can only start after matching."),
            }.get(step, _("This step is not possible in the program's current state."))
        if step == "start_matching" and enrolled_sides(program) != {Side.YOUNG, Side.EXPERIENCED}:
            return _("Matching needs at least one enrolled participant on each side.")
        return None
    if step == "invite" and state not in {State.DRAFT, State.ENROLLING}:
        return _("Enrolment has closed: matching has started.")
    if step == "signup":
        if state == State.DRAFT:
            return _("Enrolment has not opened yet.")
        if state != State.ENROLLING:
            return _("Enrolment has closed: matching has started.")
    if step == "edit_pairing_rules" and state not in {State.DRAFT, State.ENROLLING}:
        return _(
            "The pairing rules are fixed once matching has started: the proposals and pairs "
            "were made under them."
        )
    if step == "edit_profile" and state not in {State.DRAFT, State.ENROLLING}:
        return _("Profiles are fixed once matching has started.")
    return None


def why_not_join(program: Program, enrolment: Enrolment | None) -> Promise | None:
    """None when a member with this enrolment (or none yet) may enrol themselves, by the
    program's page or its sign-up link, else the reason.

    Withdrawing someone is an administrator's decision (participants cannot withdraw
    themselves), so the sign-up link never undoes it: a withdrawn person does not come back
    on their own, neither mid-run nor while enrolment is open. Coming back is explicit: while
    the program is enrolling, an administrator invites them again (`invite_to_program` turns
    the withdrawal into an invitation) and they say yes; once matching has started nobody
    can be invited, so nobody returns mid-run."""
    if program.state == State.CLOSED:
        return why_not(program, "signup")
    if enrolment is not None and enrolment.status == EnrolmentStatus.WITHDRAWN:
        return _(
            "You were withdrawn from this program. To take part again, ask its administrators "
            "to invite you again."
        )
    # An invited person may still say yes while the program is a draft.
    invited = enrolment is not None and enrolment.status == EnrolmentStatus.INVITED
    return why_not(program, "invite" if invited else "signup")
