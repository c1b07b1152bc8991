"""Pair by hand in a large program: each partner's select offers at most PARTNER_CHOICES
people and a search by name finds the others (a plain GET form, or htmx swapping one
select); a POST may still name anyone enrolled (issue 17: two selects of 10,000 options)."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from gensidig.matching.forms import PARTNER_CHOICES, ManualPairForm
from gensidig.programs.models import Enrolment


def by_hand_url(program: Any) -> str:
    return reverse(
        "matching:pair_by_hand",
        kwargs={"org": program.organisation.slug, "program_id": program.pk},
    )


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select is not None
    return re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select.group(0))


def test_pair_by_hand_selects_offer_at_most_partner_choices(
    login: Any, admin: Any, scaled: Any
) -> None:
    program = scaled(PARTNER_CHOICES + 10)
    html = login(admin).get(by_hand_url(program)).content.decode()
    assert len(options(html, "a")) == PARTNER_CHOICES
    assert len(options(html, "b")) == PARTNER_CHOICES
    assert html.count(f"Kun de første {PARTNER_CHOICES} vises") == 2 or (
        html.count(f"Only the first {PARTNER_CHOICES} are shown") == 2
    )


def test_pair_by_hand_search_finds_a_person_beyond_the_first(
    login: Any, admin: Any, scaled: Any
) -> None:
    program = scaled(PARTNER_CHOICES + 10)
    last_young = f"Person {2 * (PARTNER_CHOICES + 9):05d}"  # young are the even numbers
    html = login(admin).get(by_hand_url(program), {"qa": last_young}).content.decode()
    assert options(html, "a") == [last_young]
    assert len(options(html, "b")) == PARTNER_CHOICES


def test_pair_by_hand_htmx_search_gets_only_that_select(
    login: Any, admin: Any, scaled: Any
) -> None:
    program = scaled(PARTNER_CHOICES + 10)
    response = login(admin).get(
        by_hand_url(program),
        {"qb": "Person 00001"},
        headers={"HX-Request": "true", "HX-Target": "partner-b"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="partner-b"')
    assert "<html" not in html and 'name="a"' not in html
    assert options(html, "b") == ["Person 00001"]


def test_pair_by_hand_post_may_name_anyone_enrolled(scaled: Any) -> None:
    program = scaled(PARTNER_CHOICES + 10)
    young = Enrolment.objects.filter(program=program, side="young").order_by("-pk").first()
    old = Enrolment.objects.filter(program=program, side="experienced").order_by("-pk").first()
    assert young is not None and old is not None
    form = ManualPairForm({"a": young.pk, "b": old.pk, "reason": ""}, program=program)
    assert form.is_valid(), form.errors
    # The chosen people stay selectable when the page is shown again (e.g. with a warning).
    assert young.pk in [value for value, _label in form.fields["a"].widget.choices]


def test_pair_by_hand_post_with_a_superscript_digit_is_invalid_not_an_error(
    scaled: Any,
) -> None:
    # The fuzz test found "²" answering 500: str.isdigit() accepts it, int() does not.
    program = scaled(2)
    form = ManualPairForm({"a": "²", "b": "²", "reason": ""}, program=program)
    assert not form.is_valid()
    assert "a" in form.errors


def test_pair_by_hand_search_refused_to_participant_and_outsider(
    login: Any, young: Any, outsider: Any, scaled: Any
) -> None:
    program = scaled(3)
    target = {"HX-Request": "true", "HX-Target": "partner-a"}
    assert login(young).get(by_hand_url(program), {"qa": "P"}, headers=target).status_code == 403
    assert login(outsider).get(by_hand_url(program), {"qa": "P"}, headers=target).status_code == 404


def test_pair_by_hand_post_with_no_id_is_a_form_error(login: Any, admin: Any, scaled: Any) -> None:
    program = scaled(3)
    for bad in ("²", str(2**70), "abc"):
        response = login(admin).post(by_hand_url(program), {"a": bad, "b": bad, "reason": ""})
        assert response.status_code == 200
