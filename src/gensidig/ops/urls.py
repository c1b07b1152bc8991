from django.urls import path

from gensidig.ops import views

app_name = "ops"

urlpatterns = [
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
]
