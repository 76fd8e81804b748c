"""The tutor inbox pages."""

from django.urls import path

from mentoring.inbox import views

app_name = "inbox"

urlpatterns = [
    path("cohorts/<int:cohort_id>/inbox/", views.inbox, name="cohort"),
    path("cohorts/<int:cohort_id>/inbox/items/", views.items, name="items"),
    path("cohorts/<int:cohort_id>/inbox/dismiss/", views.dismiss, name="dismiss"),
    path("cohorts/<int:cohort_id>/inbox/count/", views.count, name="count"),
]
