"""API and SCIM tokens share one model base (accounts.models.HashedToken) with one hash and
one new-key function, and tokens made before it still work."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from gensidig.accounts import models as account_models
from gensidig.accounts.models import HashedToken, hash_token
from gensidig.api import actions
from gensidig.api.models import ApiToken, Scope
from gensidig.identity import actions as identity_actions
from gensidig.identity.models import ScimToken


def test_api_and_scim_tokens_share_the_hashed_token_base() -> None:
    assert issubclass(ApiToken, HashedToken) and issubclass(ScimToken, HashedToken)
    fields = {"name", "token_hash", "prefix", "created_by", "created_at", "last_used_at"}
    for model in (ApiToken, ScimToken):
        assert fields | {"revoked_at"} <= {field.name for field in model._meta.fields}


@pytest.mark.django_db
def test_both_tokens_use_the_one_new_token_and_hash_token(admin: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(account_models, "new_token", lambda: "FAST-SECRET")
    monkeypatch.setattr("gensidig.api.models.new_token", account_models.new_token)
    monkeypatch.setattr("gensidig.identity.models.new_token", account_models.new_token)
    api_token, api_raw = actions.create_token(by=admin, name="HR", scopes=[Scope.READ])
    scim_token, scim_raw = identity_actions.create_scim_token(
        organisation=admin.organisation, by=admin, name="Entra"
    )
    assert api_raw == f"gsd_{api_token.prefix}_FAST-SECRET"
    assert scim_raw == "gss_FAST-SECRET"
    assert api_token.token_hash == hash_token(api_raw)
    assert scim_token.token_hash == hash_token(scim_raw)
    assert ApiToken.matching(api_raw).get() == api_token
    assert ScimToken.matching(" " + scim_raw).get() == scim_token


@pytest.mark.django_db
def test_revoke_is_once_and_last_use_is_recorded_at_most_a_minute_apart(admin: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    token, _raw = actions.create_token(by=admin, name="HR", scopes=[Scope.READ])
    now = timezone.now()
    token.record_use(now)
    token.record_use(now + timedelta(seconds=30))
    assert ApiToken.objects.get().last_used_at == now
    token.record_use(now + timedelta(minutes=2))
    assert ApiToken.objects.get().last_used_at == now + timedelta(minutes=2)
    assert token.revoke() is True
    assert token.revoke() is False


@pytest.mark.django_db
def test_a_scim_token_stored_before_the_shared_base_still_authenticates(
    client: Client, admin: Any
) -> None:
    raw = "gss_" + secrets.token_urlsafe(32)
    ScimToken.objects.create(
        organisation=admin.organisation,
        name="Entra",
        token_hash=hashlib.sha256(raw.encode()).hexdigest(),
        prefix=raw[:10],
        created_by=admin,
    )
    response = client.get(reverse("scim:users"), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_an_api_token_made_before_the_migration_still_authenticates(client: Client) -> None:
    """api.0003 renamed key_hash to token_hash: a token stored under 0002 (hashed the way
    the API did then) answers after the migration."""
    from tests.factories import MemberFactory

    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    before = [("api", "0002_webhook_language")]
    executor.migrate(before)
    try:
        old_apps = executor.loader.project_state(before).apps
        member = MemberFactory(role="owner")
        raw = f"gsd_0a1b2c3d_{secrets.token_urlsafe(32)}"
        old_apps.get_model("api", "ApiToken").objects.create(
            organisation_id=member.organisation_id,
            name="Made before",
            prefix="0a1b2c3d",
            key_hash=hashlib.sha256(raw.encode()).hexdigest(),
            scopes=["read"],
            created_by_id=member.pk,
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
    response = client.get("/api/v1/members", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200, response.content
    assert ApiToken.objects.get().last_used_at is not None
