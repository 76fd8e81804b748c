"""Cohort pages: creating a cohort, its settings and its members."""

from django.urls import path

from mentoring.cohorts import views

urlpatterns = [
    path("cohorts/new/", views.cohort_create, name="cohort_create"),
    path("cohorts/<int:cohort_id>/settings/", views.cohort_settings, name="cohort_settings"),
    path("cohorts/<int:cohort_id>/members/", views.cohort_members, name="cohort_members"),
]
