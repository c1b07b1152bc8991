from django.urls import path

from gensidig.insights import views

app_name = "insights"

PROGRAM = "o/<slug:org>/programs/<int:program_id>/insights/"

urlpatterns = [
    path(PROGRAM, views.dashboard, name="dashboard"),
    path(f"{PROGRAM}export.csv", views.export, name="export"),
    path(f"{PROGRAM}report.pdf", views.report_pdf, name="report_pdf"),
    path("o/<slug:org>/programs/<int:program_id>/pulse/<slug:point>/", views.pulse, name="pulse"),
]
