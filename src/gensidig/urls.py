from django.urls import include, path

from gensidig.api.urls import api_urls

urlpatterns = [
    path("", include("gensidig.common.urls")),
    path("", include("gensidig.ops.urls")),
    path("", include("gensidig.accounts.urls")),
    path("", include("gensidig.programs.urls")),
    path("", include("gensidig.matching.urls")),
    path("", include("gensidig.meetings.urls")),
    path("", include("gensidig.discoveries.urls")),
    path("", include("gensidig.insights.urls")),
    path("", include("gensidig.api.urls")),
    *api_urls,
    path("", include("gensidig.identity.urls")),
    path("account/passkeys/", include("gensidig.identity.passkey_urls")),
    path("scim/v2/", include("gensidig.identity.scim.urls")),
]

handler403 = "gensidig.common.views.error_403"
handler404 = "gensidig.common.views.error_404"
handler500 = "gensidig.common.views.error_500"
