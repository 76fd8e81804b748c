"""Pages of the participation dashboard (tutors) and a member's own summary."""

from django.urls import path

from mentoring.participation import views as dashboard

app_name = "dashboard"

urlpatterns = [
    path("cohorts/<int:cohort_id>/dashboard/", dashboard.dashboard, name="cohort"),
    path("cohorts/<int:cohort_id>/dashboard/nudges/", dashboard.send_nudges, name="nudge"),
    path(
        "cohorts/<int:cohort_id>/dashboard/rows/",
        dashboard.member_rows_fragment,
        name="rows",
    ),
    path(
        "cohorts/<int:cohort_id>/dashboard/summary/",
        dashboard.summary_fragment,
        name="summary",
    ),
    path(
        "cohorts/<int:cohort_id>/dashboard/participation.csv",
        dashboard.participation_csv,
        name="csv",
    ),
    path(
        "cohorts/<int:cohort_id>/my-participation/",
        dashboard.my_participation,
        name="mine",
    ),
]
