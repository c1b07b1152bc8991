"""Numbers as Danes and the English write them: reading a typed decimal (the comma and the
point both mark decimals; a thousands separator only in the language's own style) and
writing one in the active language (a comma in Danish) for pages, PDFs and CSV files.

A browser's `<input type="number">` follows the browser's locale, not the page's, and a
Chromium set to English drops the comma of "12,5" and sends "125": decimal fields are
therefore plain text inputs with `inputmode="decimal"` (the phone's number keyboard) that
the server reads here."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Spaces people (and spreadsheets) put into numbers: space, no-break space, thin spaces.
SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")
DIGITS = re.compile(r"[0-9]+")


class Unclear(ValueError):
    """The text could be read as two different numbers."""


def decimal_separator() -> str:
    return "," if (get_language() or "da").startswith("da") else "."


def grouping_separator() -> str:
    return "." if decimal_separator() == "," else ","


def parse_decimal(text: str) -> Decimal:
    """The number in `text`, read in the active language.

    Accepted: "12,5" and "12.5" (either mark before decimals), "-3", and whole thousands
    grouped in the language's own style ("1.234,5" in Danish, "1,234.5" in English).
    Refused with `Unclear`: a lone separator before exactly three digits ("1.234" is 1234 to
    a Dane and 1.234 to an Englishman), and grouping in the other language's style.
    Refused with `ValueError`: anything that is not a number."""
    text = SPACES.sub("", text)
    sign = ""
    if text[:1] in {"-", "+", "\u2212"}:
        sign, text = ("-" if text[0] != "+" else ""), text[1:]
    if not text or any(char not in "0123456789.," for char in text):
        raise ValueError(text)
    separators = [char for char in text if char in ".,"]
    parts = re.split(r"[.,]", text)
    if not all(DIGITS.fullmatch(part) for part in parts):
        # An empty part: a separator at the start, the end or doubled (",5", "12,", "1,,2").
        if len(separators) == 1 and text[0] in ".," and DIGITS.fullmatch(text[1:]):
            return Decimal(f"{sign}0.{text[1:]}")
        raise ValueError(text)
    if not separators:
        return Decimal(sign + text)
    if len(separators) == 1:
        whole, decimals = parts
        if len(decimals) == 3 and whole.lstrip("0"):
            raise Unclear(text)
        return Decimal(f"{sign}{whole}.{decimals}")
    # Two or more separators: only the language's own grouping is clear.
    group, mark = grouping_separator(), decimal_separator()
    if mark in separators:
        if separators[-1] != mark or separators.count(mark) > 1:
            raise Unclear(text)
        whole_text, decimals = text.rsplit(mark, 1)
    else:
        whole_text, decimals = text, ""
    groups = whole_text.split(group)
    if (
        any(char != group for char in separators[: len(groups) - 1])
        or not 1 <= len(groups[0]) <= 3
        or any(len(g) != 3 for g in groups[1:])
    ):
        raise Unclear(text)
    return Decimal(f"{sign}{''.join(groups)}.{decimals or '0'}")


def format_number(value: Any, decimals: int | None = None) -> str:
    """`value` (int, float or Decimal) in the active language, without thousands grouping:
    "34,5" in Danish, "34.5" in English. `decimals` rounds; None keeps a Decimal's own
    places and writes a float with at most two."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return str(value)
    if decimals is None and isinstance(value, float):
        decimals = 0 if value == int(value) else (1 if round(value, 1) == round(value, 2) else 2)
    return formats.number_format(value, decimals, use_l10n=True, force_grouping=False)


def format_signed(value: Any, decimals: int = 1) -> str:
    text = format_number(value, decimals)
    return text if text.startswith("-") else f"+{text}"


class LocalDecimalField(forms.DecimalField):
    """A decimal typed as text in the language of the page (see the module's note)."""

    default_error_messages = {
        "invalid": _("Write a number, such as %(example)s."),
        "unclear": _(
            "“%(value)s” is unclear: it could be read as two different numbers. Write it "
            "without a thousands separator, such as %(example)s."
        ),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)
        self.widget.input_type = "text"
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def example(self) -> str:
        places = self.decimal_places if self.decimal_places is not None else 1
        return format_number(Decimal("1234.5"), min(places, 1))

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        text = str(value).strip()
        if not text:
            return None
        try:
            number = parse_decimal(text)
        except Unclear:
            raise ValidationError(
                self.error_messages["unclear"],
                code="unclear",
                params={"value": text[:40], "example": self.example()},
            ) from None
        except (ValueError, InvalidOperation):
            raise ValidationError(
                self.error_messages["invalid"],
                code="invalid",
                params={"example": self.example()},
            ) from None
        if not number.is_finite():
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"example": self.example()}
            )
        return number

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        # No `step`, `min` or `max`: those belong to number inputs, which this is not.
        for key in ("step", "min", "max"):
            attrs.pop(key, None)
        return attrs
