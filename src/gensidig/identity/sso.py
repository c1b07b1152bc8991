"""Single sign-on with OpenID Connect, one provider per organisation, through Authlib's
Django client. Authlib does the protocol: discovery, the authorization-code flow with PKCE
(S256), a state bound to the session, a nonce, and the id_token's signature (from the
provider's published keys), issuer, audience, expiry and nonce. We only decide who the
verified person is here (actions.sign_in_with_provider)."""

from __future__ import annotations

from typing import Any

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.http import HttpRequest
from joserfc.errors import BadSignatureError, ClaimError, JoseError

from gensidig.identity import crypto
from gensidig.identity.models import IdentityProvider

SCOPE = "openid email profile"


def client_for(provider: IdentityProvider) -> DjangoOAuth2App:
    """A fresh client per request: providers change in the settings page at any time."""
    oauth = OAuth()
    client = oauth.register(
        name=f"gensidig-{provider.organisation_id}",
        client_id=provider.client_id,
        client_secret=crypto.decrypt(provider.secret_encrypted),
        server_metadata_url=provider.discovery_url,
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "timeout": 10},
    )
    assert isinstance(client, DjangoOAuth2App)
    return client


def refusal_reason(error: Exception) -> str:
    """A short code for the security log and the refusal page (never the token itself)."""
    if isinstance(error, MismatchingStateError):
        return "state"
    if isinstance(error, WrongIssuer):
        return "issuer"
    if isinstance(error, ClaimError):
        return {
            "iss": "issuer",
            "aud": "audience",
            "azp": "audience",
            "exp": "expired",
            "nonce": "nonce",
        }.get(error.claim, "claims")
    if isinstance(error, BadSignatureError):
        return "signature"
    if isinstance(error, JoseError):
        return "token"
    if isinstance(error, OAuthError):
        return "provider-error"
    if isinstance(error, requests.RequestException):
        return "unreachable"
    return "token"


# What the callback may raise while talking to the provider and checking its answer.
PROTOCOL_ERRORS: tuple[type[Exception], ...] = (
    OAuthError,
    JoseError,
    requests.RequestException,
    ValueError,
    KeyError,
)


class WrongIssuer(JoseError):
    """The discovery document names another issuer than the one the owner configured."""


def expected_issuer(provider: IdentityProvider) -> str:
    return provider.issuer.split("/.well-known/")[0].rstrip("/")


def verified_claims(
    client: DjangoOAuth2App, provider: IdentityProvider, request: HttpRequest
) -> dict[str, Any]:
    """Exchange the code (state and PKCE checked by Authlib) and validate the id_token. The
    audience is checked explicitly: Authlib alone accepts a token for another audience when
    its `azp` names us, which OpenID Connect forbids."""
    metadata = client.load_server_metadata()
    issuer = str(metadata.get("issuer", ""))
    if issuer.rstrip("/") != expected_issuer(provider):
        raise WrongIssuer("discovery issuer")
    token = client.authorize_access_token(
        request,
        claims_options={
            "iss": {"essential": True, "values": [issuer]},
            "aud": {"essential": True, "values": [provider.client_id]},
        },
    )
    claims = token.get("userinfo")
    if not claims:
        # Authlib validates the id_token only when one came back; no id_token, no login.
        raise OAuthError(error="missing_id_token")
    return dict(claims)
