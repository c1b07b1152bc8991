from django.urls import path

from gensidig.identity.scim import views

app_name = "scim"

urlpatterns = [
    path("", views.root, name="root"),
    path("Users", views.users, name="users"),
    path("Users/.search", views.search, name="search"),
    path(".search", views.search, name="root_search"),
    path("Users/<str:user_id>", views.user, name="user"),
    path(
        "ServiceProviderConfig",
        views.service_provider_config_view,
        name="service_provider_config",
    ),
    path("ResourceTypes", views.resource_types_view, name="resource_types"),
    path("ResourceTypes/<str:name>", views.resource_type_view, name="resource_type"),
    path("Schemas", views.schemas_view, name="schemas"),
    path("Schemas/<str:schema_id>", views.schema_view, name="schema"),
    path("<path:rest>", views.unknown, name="unknown"),
]
