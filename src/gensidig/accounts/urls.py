from django.urls import path

from gensidig.accounts import security_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/done/", views.password_reset_complete, name="password_reset_complete"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("account/", views.account, name="account"),
    path("account/export/", views.export_data, name="export_data"),
    path("account/erase/", views.erase, name="erase"),
    path("o/<slug:org>/members/", views.members, name="members"),
    path("o/<slug:org>/members/invite/", views.invite, name="invite"),
    path("o/<slug:org>/members/<int:member_id>/", views.member_detail, name="member_detail"),
    path(
        "o/<slug:org>/members/<int:member_id>/remove/",
        views.remove_member,
        name="remove_member",
    ),
    path(
        "o/<slug:org>/members/<int:member_id>/reactivate/",
        views.reactivate_member,
        name="reactivate_member",
    ),
    path(
        "o/<slug:org>/members/<int:member_id>/activate/",
        views.send_activation,
        name="send_activation",
    ),
    path("o/<slug:org>/members/activate/", views.send_activations, name="send_activations"),
    path("o/<slug:org>/members/import/", views.import_members, name="import_members"),
    path("o/<slug:org>/members/import/<int:job_id>/", views.import_job, name="import_job"),
    path("o/<slug:org>/members/export.csv", views.export_members, name="export_members"),
    path("o/<slug:org>/security-log/", security_views.security_log, name="security_log"),
    path(
        "o/<slug:org>/security-log/export.csv",
        security_views.security_log_export,
        name="security_log_export",
    ),
    path(
        "o/<slug:org>/invitations/<int:invitation_id>/revoke/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
]
