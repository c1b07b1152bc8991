"""The pages of the load benchmark on the organisation `bench/load/build.py` made: who opens
them and their addresses (shared by the single-request timing and the locust file)."""

from __future__ import annotations

SLUG = "load-10000"
PROGRAM = 1  # the builder's program (a fresh database)


def participant_pages(pair_id: int, discovery_id: int) -> dict[str, str]:
    return {
        "overview": f"/o/{SLUG}/",
        "pair": f"/o/{SLUG}/pairs/{pair_id}/",
        "board": f"/o/{SLUG}/discoveries/",
        "discovery": f"/o/{SLUG}/discoveries/{discovery_id}/",
        "program": f"/o/{SLUG}/programs/{PROGRAM}/",
    }


ADMIN_PAGES = {
    "members": f"/o/{SLUG}/members/",
    "round": f"/o/{SLUG}/programs/{PROGRAM}/matching/",
    "pairs": f"/o/{SLUG}/programs/{PROGRAM}/pairs/",
    "insights": f"/o/{SLUG}/programs/{PROGRAM}/insights/",
}
FLOOR = {"landing": "/"}
# How often a participant opens each page in the locust traffic (its task weights).
PARTICIPANT_WEIGHTS = {
    "overview": 3,
    "pair": 3,
    "board": 2,
    "discovery": 1,
    "program": 1,
    "landing": 1,
}
