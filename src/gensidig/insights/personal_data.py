"""Personal data of insights: pulses. See `gensidig.common.personal_data`."""

from __future__ import annotations

from gensidig.common.personal_data import exclude, register, register_export
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
exclude(
    "insights.Tally",
    "A program's running counts for its dashboard (topics learned per side and topic, goals "
    "per progress, pairs per balance bucket, ...) with the number of people behind each: "
    "counts of a program, no person, name or text.",
)
register(
    "insights.TallyShare",
    purpose="What one enrolment's or one pair's rows add to the program's dashboard counts "
    "(how often each topic was learned, goals per progress, self-assessment sums, "
    "cancellations), so that a change moves the counts by the difference.",
    basis="Legitimate interest of the program: its figures, reported only in aggregate.",
    retention="With the enrolment or the pair.",
    section=None,
    exported="Not exported: derived from the reflections, goals and self-assessments the "
    "export holds.",
    erased="Kept on the detached enrolment: counts without a name, so the figures stay "
    "(as the self-assessments).",
)
