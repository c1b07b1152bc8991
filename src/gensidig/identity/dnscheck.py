"""Looks up the TXT records that prove an organisation owns an email domain (dnspython,
with a short timeout). Tests replace `txt_records`; they never reach a real DNS server."""

from __future__ import annotations

import dns.exception
import dns.resolver

# Seconds for the whole lookup: an owner waits for the answer on the settings page.
TIMEOUT_SECONDS = 4.0


class LookupFailed(Exception):
    """The DNS servers could not be asked or did not answer in time."""


def txt_records(name: str) -> list[str]:
    """The TXT strings published at `name`; an empty list when there are none."""
    resolver = dns.resolver.Resolver()
    resolver.lifetime = TIMEOUT_SECONDS
    resolver.timeout = TIMEOUT_SECONDS
    try:
        answer = resolver.resolve(name, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.DNSException, OSError) as error:
        raise LookupFailed(type(error).__name__) from error
    return [
        b"".join(record.strings).decode("utf-8", errors="replace")
        for record in answer
        if hasattr(record, "strings")
    ]
