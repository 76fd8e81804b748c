"""Cohort pages: creating a cohort and its settings (its members page is invitations')."""

from django.urls import path

from mentoring.cohorts import views

urlpatterns = [
    path("cohorts/new/", views.cohort_create, name="cohort_create"),
    path("cohorts/<int:cohort_id>/settings/", views.cohort_settings, name="cohort_settings"),
    path("cohorts/<int:cohort_id>/archive/", views.cohort_archive, name="cohort_archive"),
]
