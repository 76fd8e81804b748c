"""The member's data page and the checked download of their export."""

from django.urls import path

from mentoring.privacy import views

urlpatterns = [
    path("privacy/", views.privacy_notice, name="privacy_notice"),
    path("account/data/", views.data_page, name="privacy_data"),
    path("account/data/<int:export_id>/download/", views.download, name="privacy_download"),
    path(
        "cohorts/<int:cohort_id>/records.zip",
        views.cohort_records_download,
        name="cohort_records",
    ),
]
