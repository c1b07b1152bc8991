from django.urls import path

from gensidig.matching import views

app_name = "matching"

PROGRAM = "o/<slug:org>/programs/<int:program_id>/"

urlpatterns = [
    path(f"{PROGRAM}matching/", views.rounds, name="rounds"),
    path(f"{PROGRAM}matching/start/", views.start_round, name="start_round"),
    path(f"{PROGRAM}matching/swap/", views.swap, name="swap"),
    path(f"{PROGRAM}matching/pair-by-hand/", views.pair_by_hand, name="pair_by_hand"),
    path(f"{PROGRAM}matching/rounds/<int:round_id>/publish/", views.publish, name="publish"),
    path(
        f"{PROGRAM}matching/rounds/<int:round_id>/status/", views.round_status, name="round_status"
    ),
    path(
        f"{PROGRAM}matching/proposals/<int:proposal_id>/<slug:change>/",
        views.change_proposal,
        name="change_proposal",
    ),
    path(
        f"{PROGRAM}matching/proposals/<int:proposal_id>/review/<slug:decision>/",
        views.resolve,
        name="resolve",
    ),
    path(f"{PROGRAM}my-match/", views.my_match, name="my_match"),
    path(
        f"{PROGRAM}my-match/<int:proposal_id>/<slug:choice>/",
        views.answer,
        name="answer",
    ),
]
