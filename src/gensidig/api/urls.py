from django.urls import path

from gensidig.api import views
from gensidig.api.api import api

app_name = "api_pages"

urlpatterns = [
    path("o/<slug:org>/api-tokens/", views.tokens, name="tokens"),
    path("o/<slug:org>/api-tokens/<int:token_id>/revoke/", views.revoke, name="token_revoke"),
    path("o/<slug:org>/webhooks/", views.webhooks, name="webhooks"),
    path(
        "o/<slug:org>/webhooks/<int:subscription_id>/",
        views.webhook_detail,
        name="webhook_detail",
    ),
]

api_urls = [path("api/v1/", api.urls)]
