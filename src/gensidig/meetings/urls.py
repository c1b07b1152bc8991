from django.urls import path

from gensidig.meetings import views

app_name = "meetings"

PAIR = "o/<slug:org>/pairs/<int:pair_id>/"
MEETING = f"{PAIR}meetings/<int:meeting_id>/"

urlpatterns = [
    path(PAIR, views.pair_home, name="pair"),
    path(f"{PAIR}meetings/new/", views.propose, name="propose"),
    path(f"{MEETING}change/", views.change, name="change"),
    path(f"{MEETING}reflection/", views.reflect, name="reflect"),
    path(f"{MEETING}<slug:verb>/", views.meeting_step, name="meeting_step"),
    path(f"{PAIR}goals/", views.add_goal, name="add_goal"),
    path(f"{PAIR}goals/<int:goal_id>/progress/", views.mark_goal, name="mark_goal"),
    path(f"{PAIR}goals/<int:goal_id>/change/", views.change_goal, name="change_goal"),
    path(f"{PAIR}assessment/<slug:phase>/", views.assessment, name="assessment"),
    path(f"{PAIR}end/", views.end, name="end"),
    path(f"{PAIR}closing/", views.closing, name="closing"),
    path("o/<slug:org>/calendar/", views.calendar_page, name="calendar"),
    path("o/<slug:org>/calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("calendar/<str:feed_token>.ics", views.feed, name="feed"),
    path(
        "o/<slug:org>/programs/<int:program_id>/pairs/", views.program_pairs, name="program_pairs"
    ),
    path(
        "o/<slug:org>/programs/<int:program_id>/pairs/<int:pair_id>/check-in/",
        views.check_in,
        name="check_in",
    ),
    path(
        "o/<slug:org>/programs/<int:program_id>/pairs/<int:pair_id>/end/",
        views.end_form,
        name="end_form",
    ),
]
