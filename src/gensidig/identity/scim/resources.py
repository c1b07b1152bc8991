"""Members as SCIM Users, typed with scim2-models.

We publish a User schema with only the attributes Gensidig keeps (RFC 7643 lets a service
provider describe its own subset), so a directory sees exactly what it can rely on:
userName, name, displayName, title, emails, active and the enterprise extension's department
and manager. Requests are parsed with the full standard models, so a directory that sends
more (phone numbers, addresses…) is accepted and the extra attributes are not stored."""

from __future__ import annotations

from typing import Any

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    ETag,
    Filter,
    Meta,
    Patch,
    ResourceType,
    Schema,
    ServiceProviderConfig,
    Sort,
    User,
)

ScimUser = User[EnterpriseUser]
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
MAX_RESULTS = 200

# The attributes (and sub-attributes) of each schema that Gensidig keeps.
KEPT = {
    USER_SCHEMA: {
        "userName": None,
        "name": {"formatted", "familyName", "givenName"},
        "displayName": None,
        "title": None,
        "emails": {"value", "type", "primary"},
        "active": None,
    },
    ENTERPRISE_SCHEMA: {"department": None, "manager": {"value", "$ref", "displayName"}},
}


def reduced_schema(model: Any, schema_id: str) -> Schema:
    schema = model.to_schema()
    kept = KEPT[schema_id]
    attributes = []
    for attribute in schema.attributes or []:
        if attribute.name not in kept:
            continue
        children = kept[attribute.name]
        if attribute.name == "emails":
            # Gensidig's accounts are email addresses: a user without one cannot be made.
            attribute.required = True
            for sub in attribute.sub_attributes or []:
                if sub.name == "value":
                    sub.required = True
        if children is not None and attribute.sub_attributes:
            attribute.sub_attributes = [a for a in attribute.sub_attributes if a.name in children]
        attributes.append(attribute)
    schema.attributes = attributes
    return schema


def schemas(base: str) -> list[Schema]:
    result = []
    for model, schema_id in ((User, USER_SCHEMA), (EnterpriseUser, ENTERPRISE_SCHEMA)):
        schema = reduced_schema(model, schema_id)
        schema.meta = Meta(resource_type="Schema", location=f"{base}Schemas/{schema_id}")
        result.append(schema)
    return result


def resource_types(base: str) -> list[ResourceType]:
    resource_type = ResourceType.from_resource(ScimUser)
    resource_type.meta = Meta(resource_type="ResourceType", location=f"{base}ResourceTypes/User")
    return [resource_type]


def service_provider_config(base: str) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Bearer token",
                description="A token an owner creates on the organisation's sign-in page.",
                primary=True,
            )
        ],
        meta=Meta(resource_type="ServiceProviderConfig", location=f"{base}ServiceProviderConfig"),
    )


def dump(resource: Any, context: Context) -> dict[str, Any]:
    return dict(resource.model_dump(scim_ctx=context))
