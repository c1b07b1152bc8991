from __future__ import annotations

from typing import Any

import pytest

from gensidig.discoveries import actions


@pytest.fixture
def discovery(organisation: Any, young: Any) -> Any:
    """A spotted discovery found by the young participant."""
    return actions.submit_discovery(
        organisation=organisation,
        by=young,
        title="Canva-skabeloner til opslag",
        kind="tool",
        smarter_work="Opslag på sociale medier, for marketing.",
        link="https://www.canva.com/",
    )
