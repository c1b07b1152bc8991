from django.urls import path

from gensidig.discoveries import views

app_name = "discoveries"

BASE = "o/<slug:org>/discoveries/"
ONE = f"{BASE}<int:discovery_id>/"

urlpatterns = [
    path(BASE, views.board, name="board"),
    path(f"{BASE}new/", views.submit, name="new"),
    path(f"{BASE}similar/", views.similar, name="similar"),
    path(f"{BASE}export.csv", views.export, name="export"),
    path(f"{BASE}scouts/", views.scouts, name="scouts"),
    path(f"{BASE}scouts/<int:scout_id>/remove/", views.remove_scout, name="remove_scout"),
    path(f"{BASE}finds/<int:member_id>/", views.finds, name="finds"),
    path(ONE, views.detail, name="detail"),
    path(f"{ONE}move/<slug:stage>/", views.move, name="move"),
    path(f"{ONE}sponsor/", views.sponsor, name="sponsor"),
    path(f"{ONE}effect/", views.effect, name="effect"),
    path(f"{ONE}comment/", views.comment, name="comment"),
    path(f"{ONE}support/", views.support, name="support"),
]
