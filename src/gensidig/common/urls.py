from django.urls import path

from gensidig.common import views

app_name = "common"

urlpatterns = [
    path("", views.home, name="home"),
    path("organisations/", views.organisations, name="organisations"),
    path("o/<slug:org>/", views.dashboard, name="dashboard"),
    path("language/", views.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("email/stop/<str:token>/", views.email_opt_out, name="email_opt_out"),
    path("email/start/<slug:kind>/", views.email_opt_in, name="email_opt_in"),
]
