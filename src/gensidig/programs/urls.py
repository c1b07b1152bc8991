from django.urls import path

from gensidig.programs import import_views, views

app_name = "programs"

urlpatterns = [
    path("o/<slug:org>/programs/", views.program_list, name="list"),
    path("o/<slug:org>/programs/new/", views.program_create, name="create"),
    path("o/<slug:org>/programs/<int:program_id>/", views.program_detail, name="detail"),
    path("o/<slug:org>/programs/<int:program_id>/edit/", views.program_edit, name="edit"),
    path("o/<slug:org>/programs/<int:program_id>/state/", views.program_state, name="state"),
    path("o/<slug:org>/programs/<int:program_id>/join/", views.program_join, name="join"),
    path(
        "o/<slug:org>/programs/<int:program_id>/signup-link/",
        views.signup_reset,
        name="signup_reset",
    ),
    path(
        "o/<slug:org>/programs/<int:program_id>/enrolments/",
        views.enrolments,
        name="enrolments",
    ),
    path(
        "o/<slug:org>/programs/<int:program_id>/enrolments/<int:enrolment_id>/withdraw/",
        views.enrolment_withdraw,
        name="enrolment_withdraw",
    ),
    path(
        "o/<slug:org>/programs/<int:program_id>/import/",
        import_views.import_participants,
        name="import",
    ),
    path("o/<slug:org>/programs/<int:program_id>/profile/", views.profile, name="profile"),
    path(
        "o/<slug:org>/programs/<int:program_id>/profile/<slug:step>/",
        views.profile_step,
        name="profile_step",
    ),
    path("o/<slug:org>/join/<str:token>/", views.signup, name="signup"),
    path("o/<slug:org>/topics/", views.topics, name="topics"),
    path("o/<slug:org>/topics/<int:topic_id>/", views.topic_edit, name="topic_edit"),
]
