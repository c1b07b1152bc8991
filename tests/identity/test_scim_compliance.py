"""scim2-tester's compliance run against our /scim/v2/ on 127.0.0.1 (the live server)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from gensidig.identity import actions


@pytest.mark.django_db(transaction=True)
def test_scim_compliance_run_has_no_failures(live_server: Any) -> None:
    from tests.factories import MemberFactory, OrganisationFactory

    organisation = OrganisationFactory(name="Fjordlys SCIM", slug="fjordlys-scim")
    owner = MemberFactory(organisation=organisation, role="owner")
    _token, raw = actions.create_scim_token(organisation=organisation, by=owner, name="tester")
    http = httpx2.Client(
        base_url=f"{live_server.url}/scim/v2",
        headers={"Authorization": f"Bearer {raw}"},
        timeout=30,
    )
    results = check_server(SyncSCIMClient(http))
    bad = [
        (r.title, r.status.name, r.reason)
        for r in results
        if r.status in {Status.ERROR, Status.CRITICAL}
    ]
    for item in bad:
        print(item)
    assert bad == []
    assert sum(r.status == Status.SUCCESS for r in results) > 10
