from __future__ import annotations

from datetime import date
from typing import Any


def try_plan(sponsor: Any, owner: Any) -> dict[str, Any]:
    return {
        "sponsor": sponsor,
        "owner": owner,
        "plan_what": "Ti opslag med skabeloner.",
        "plan_until": date(2027, 3, 1),
        "plan_success": "Halv tid per opslag.",
    }
