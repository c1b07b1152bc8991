from __future__ import annotations

from django.urls import reverse

from gensidig.common.urls_for import url_for_each


def test_url_for_each_is_reverse_for_every_id() -> None:
    detail = url_for_each("discoveries:detail", "discovery_id", org="fjordlys-test")
    for pk in (1, 7, 10, 123456789):
        assert detail(pk) == reverse(
            "discoveries:detail", kwargs={"org": "fjordlys-test", "discovery_id": pk}
        )
