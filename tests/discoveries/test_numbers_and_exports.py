"""Danish numbers: every decimal field reads the comma and the point, refuses what could be
read two ways, shows values with the language's separator; exports write them the same way."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from gensidig.common.exports import excel_csv
from gensidig.common.numbers import LocalDecimalField, Unclear, format_number, parse_decimal
from gensidig.discoveries import actions
from gensidig.discoveries.forms import EffectForm
from gensidig.discoveries.models import Stage
from tests.discoveries.helpers import try_plan


@pytest.fixture(autouse=True)
def _same_language_after() -> Any:
    # A request in one language leaves it active in this thread; later tests expect the one
    # that was active before.
    before = translation.get_language()
    yield
    translation.activate(before)


# Every decimal field of every form, by (form, field name): a new one must be added here.
DECIMAL_FIELDS = [
    (EffectForm, "hours_saved_per_month"),
    (EffectForm, "cost_per_month"),
]


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("da", "12,5", Decimal("12.5")),
        ("da", "12.5", Decimal("12.5")),
        ("en", "12,5", Decimal("12.5")),
        ("en", "12.5", Decimal("12.5")),
        ("da", " 7 ", Decimal("7")),
        ("da", "0,125", Decimal("0.125")),
        ("da", ",5", Decimal("0.5")),
        ("da", "1.234,5", Decimal("1234.5")),
        ("en", "1,234.5", Decimal("1234.5")),
        ("da", "1.234.567", Decimal("1234567")),
        ("da", "1 234,5", Decimal("1234.5")),
        ("da", "-3,5", Decimal("-3.5")),
    ],
)
def test_parse_decimal_reads_both_marks(language: str, text: str, expected: Decimal) -> None:
    with translation.override(language):
        assert parse_decimal(text) == expected


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("da", "1.234"),
        ("en", "1,234"),
        ("da", "1,234.5"),
        ("en", "1.234,5"),
        ("da", "1.23.4"),
        ("da", "1,2,3"),
    ],
)
def test_parse_decimal_refuses_what_reads_two_ways(language: str, text: str) -> None:
    with translation.override(language), pytest.raises(Unclear):
        parse_decimal(text)


@pytest.mark.parametrize("text", ["12,5 timer", "²", "1e3", "12,", "--1", "NaN", "∞"])
def test_parse_decimal_refuses_what_is_no_number(text: str) -> None:
    with pytest.raises(ValueError):
        parse_decimal(text)


def test_format_number_follows_language() -> None:
    with translation.override("da"):
        assert format_number(Decimal("34.5")) == "34,5"
        assert format_number(0.33) == "0,33"
        assert format_number(1234567) == "1234567"
    with translation.override("en"):
        assert format_number(Decimal("34.5")) == "34.5"


@pytest.mark.parametrize(("form_class", "name"), DECIMAL_FIELDS)
@pytest.mark.parametrize(
    ("language", "typed", "expected"),
    [("da", "12,5", Decimal("12.5")), ("en", "12.5", Decimal("12.5")), ("en", "12,5", None)],
)
def test_decimal_field_reads_comma_never_times_ten(
    form_class: Any, name: str, language: str, typed: str, expected: Decimal | None
) -> None:
    field = form_class.base_fields[name]
    assert isinstance(field, LocalDecimalField)
    with translation.override(language):
        form = form_class(data={name: typed})
        valid = form.is_valid()
        places = field.decimal_places
        if places == 0:
            # A whole-number field refuses decimals instead of rounding them away.
            assert not valid
            assert name in form.errors
        else:
            assert valid, form.errors
            assert form.cleaned_data[name] == (expected or Decimal("12.5"))
            assert form.cleaned_data[name] != Decimal("125")


@pytest.mark.parametrize(("form_class", "name"), DECIMAL_FIELDS)
@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        ("da", "1.234", "“1.234” er uklart"),
        ("en", "1,234", "“1,234” is unclear"),
        ("da", "tolv", "Skriv et tal, fx 1234"),
        ("en", "twelve", "Write a number, such as 1234"),
    ],
)
def test_decimal_field_refuses_unclear_input_with_translated_message(
    form_class: Any, name: str, language: str, typed: str, message: str
) -> None:
    with translation.override(language):
        form = form_class(data={name: typed})
        assert not form.is_valid()
        assert message in form.errors[name][0]


@pytest.mark.parametrize(("form_class", "name"), DECIMAL_FIELDS)
def test_decimal_field_shows_value_with_language_separator(form_class: Any, name: str) -> None:
    places = form_class.base_fields[name].decimal_places
    value = Decimal("12.5") if places else Decimal("1200")
    with translation.override("da"):
        html = str(form_class(initial={name: value})[name])
        assert 'inputmode="decimal"' in html
        assert 'type="text"' in html
        assert f'value="{"12,5" if places else "1200"}"' in html
    with translation.override("en"):
        html = str(form_class(initial={name: value})[name])
        assert f'value="{"12.5" if places else "1200"}"' in html


@pytest.fixture
def adopted(discovery: Any, admin: Any, experienced: Any, young: Any) -> Any:
    actions.move_discovery(
        discovery=discovery, by=admin, to=Stage.TRYING, **try_plan(experienced, young)
    )
    actions.move_discovery(discovery=discovery, by=experienced, to=Stage.ADOPTED)
    return discovery


def effect_url(discovery: Any) -> str:
    return reverse(
        "discoveries:effect",
        kwargs={"org": discovery.organisation.slug, "discovery_id": discovery.pk},
    )


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["da", "en"])
def test_effect_view_saves_danish_comma_as_decimal(
    login: Any, adopted: Any, experienced: Any, language: str
) -> None:
    client = login(experienced)
    response = client.post(
        effect_url(adopted),
        {"hours_saved_per_month": "12,5", "cost_per_month": "300", "effect_notes": ""},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 302
    adopted.refresh_from_db()
    assert adopted.hours_saved_per_month == Decimal("12.5")
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE=language).content.decode()
    shown = "12,5" if language == "da" else "12.5"
    assert f"<dd>{shown}</dd>" in page
    assert f'name="hours_saved_per_month" value="{shown}"' in page


@pytest.mark.django_db
def test_effect_view_refuses_unclear_number_and_saves_nothing(
    login: Any, adopted: Any, experienced: Any
) -> None:
    response = login(experienced).post(
        effect_url(adopted),
        {"hours_saved_per_month": "1.234", "cost_per_month": "", "effect_notes": "x"},
        HTTP_ACCEPT_LANGUAGE="da",
    )
    assert response.status_code == 400
    assert "“1.234” er uklart" in response.content.decode()
    adopted.refresh_from_db()
    assert adopted.hours_saved_per_month is None
    assert adopted.effect_notes == ""


def rows_of(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_excel_csv_writes_decimals_in_the_export_language() -> None:
    with translation.override("da"):
        rows = rows_of(excel_csv(filename="x.csv", header=["a", "b"], rows=[[Decimal("34.5"), -2]]))
    assert rows == [["a", "b"], ["34,5", "-2"]]
    with translation.override("en"):
        rows = rows_of(excel_csv(filename="x.csv", header=["a", "b"], rows=[[Decimal("34.5"), 1]]))
    assert rows == [["a", "b"], ["34.5", "1"]]


def test_excel_csv_refuses_two_columns_with_one_header() -> None:
    with pytest.raises(ValueError, match="share a header"):
        excel_csv(filename="x.csv", header=["Opdagelser", "opdagelser"], rows=[])


@pytest.mark.django_db
def test_discovery_export_writes_danish_decimal_comma(
    login: Any, adopted: Any, admin: Any, experienced: Any
) -> None:
    actions.record_effect(
        discovery=adopted,
        by=experienced,
        hours_saved_per_month=Decimal("34.5"),
        cost_per_month=Decimal("1200"),
        notes="",
    )
    url = reverse("discoveries:export", kwargs={"org": adopted.organisation.slug})
    rows = rows_of(login(admin).get(url, HTTP_ACCEPT_LANGUAGE="da"))
    header, row = rows[0], rows[1]
    assert row[header.index("Timer sparet om måneden")] == "34,5"
    assert len(set(header)) == len(header)


@pytest.mark.django_db
def test_member_export_translates_side_and_role(
    login: Any, organisation: Any, admin: Any, young: Any
) -> None:
    young.side = "young"
    young.save()
    url = reverse("accounts:export_members", kwargs={"org": organisation.slug})
    da = rows_of(login(admin).get(url, HTTP_ACCEPT_LANGUAGE="da"))
    by_name = {row[0]: row for row in da[1:]}
    assert by_name["Ida Ung"][4] == "Ung"
    assert by_name["Ida Ung"][7] == "Deltager"
    assert by_name["Anne Admin"][7] == "Ejer"
    en = rows_of(login(admin).get(url, HTTP_ACCEPT_LANGUAGE="en"))
    by_name = {row[0]: row for row in en[1:]}
    assert by_name["Ida Ung"][4] == "Young"
    assert by_name["Anne Admin"][7] == "Owner"
    assert len(set(da[0])) == len(da[0])
