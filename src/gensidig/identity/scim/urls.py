from django.urls import path

from gensidig.identity.scim import views

app_name = "scim"

urlpatterns = [
    path("", views.root, name="root"),
]
