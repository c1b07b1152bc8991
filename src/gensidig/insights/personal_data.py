"""Personal data of insights: pulses. See `gensidig.common.personal_data`."""

from __future__ import annotations

from gensidig.common.personal_data import register, register_export
from gensidig.insights.queries import personal_data_of

register(
    "insights.PulseAnswer",
    purpose="Short survey answers, reported only in aggregate over at least "
    "GENSIDIG_MIN_GROUP people.",
    basis="Consent: answering is voluntary.",
    retention="With the program.",
    section="pulse_answers",
    exported="Program, point, question, answer and date.",
    erased="Kept on the detached enrolment: numbers without a name, so figures stay.",
)
register(
    "insights.PulseInvite",
    purpose="Who was asked a pulse and reminded once.",
    basis="Legitimate interest of the program.",
    retention="With the program.",
    section=None,
    exported="Not exported: the answers are.",
    erased="Kept on the detached enrolment (response rates stay).",
)
register_export("pulse_answers", lambda person: personal_data_of(person.user_id)["pulse_answers"])
