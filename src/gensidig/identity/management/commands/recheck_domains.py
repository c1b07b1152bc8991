from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand

from gensidig.identity import actions, queries


class Command(BaseCommand):
    help = (
        "Look up the TXT record of every verified email domain again (run daily; the "
        "scheduler does). The owners are warned the first day a record is gone; after "
        "GENSIDIG_DOMAIN_GRACE_DAYS without it the domain is no longer verified."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        outcomes = Counter(
            actions.recheck_domain(claim=claim) for claim in queries.domains_to_recheck()
        )
        self.stdout.write(
            ", ".join(f"{outcome} {outcomes[outcome]}" for outcome in sorted(outcomes))
            or "No verified domains."
        )
