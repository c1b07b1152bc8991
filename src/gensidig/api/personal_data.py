"""Personal data of the API: tokens and webhook subscriptions (who created them). See
`gensidig.common.personal_data`. Registered by h14a when the registry landed; the API's
owners refine it."""

from __future__ import annotations

from typing import Any

from gensidig.api.models import ApiToken, WebhookSubscription
from gensidig.common.personal_data import Person, exclude, register, register_export


def export_tokens(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "organisation": token.organisation.name,
            "name": token.name,
            "created": token.created_at.isoformat(),
            "last_used": token.last_used_at.isoformat() if token.last_used_at else None,
            "revoked": token.revoked_at.isoformat() if token.revoked_at else None,
        }
        for token in ApiToken.objects.filter(created_by_id__in=person.member_ids).select_related(
            "organisation"
        )
    ]


def export_webhooks(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "organisation": hook.organisation.name,
            "address": hook.url,
            "created": hook.created_at.isoformat(),
        }
        for hook in WebhookSubscription.objects.filter(
            created_by_id__in=person.member_ids
        ).select_related("organisation")
    ]


register(
    "api.ApiToken",
    purpose="Let an organisation's systems call the API, acting as the member who created the "
    "token.",
    basis="Legitimate interest of the organisation; created by an administrator.",
    retention="Until revoked or expired.",
    section="api_tokens",
    exported="Name and dates of the tokens the person created; never the token.",
    erased="Kept for the organisation with its creator empty (SET_NULL).",
)
register(
    "api.WebhookSubscription",
    purpose="Send the organisation's events to its own systems.",
    basis="Legitimate interest of the organisation; created by an administrator.",
    retention="Until deleted by the organisation.",
    section="webhook_subscriptions",
    exported="Address and date of the subscriptions the person created.",
    erased="Kept for the organisation with its creator empty (SET_NULL).",
)
register(
    "api.IdempotencyKey",
    purpose="Answer a retried API call with the first answer instead of a second object.",
    basis="Legitimate interest: no duplicates.",
    retention="One day.",
    section=None,
    exported="Not exported: a cached API answer for the calling system.",
    erased="Expires within a day.",
)
exclude(
    "api.WebhookDelivery",
    "Holds the event sent (ids, states and dates of objects) and the receiver's answer; "
    "no names or text.",
)
register_export("api_tokens", export_tokens)
register_export("webhook_subscriptions", export_webhooks)
