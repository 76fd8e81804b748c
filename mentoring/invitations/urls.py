"""The members page, invitation, roster and join-link pages."""

from django.urls import path

from mentoring.invitations import views

urlpatterns = [
    path("cohorts/<int:cohort_id>/members/", views.cohort_members, name="cohort_members"),
    path("cohorts/<int:cohort_id>/invite/", views.invite, name="cohort_invite"),
    path("cohorts/<int:cohort_id>/roster/", views.roster, name="cohort_roster"),
    path(
        "cohorts/<int:cohort_id>/invitations/batches/<int:batch_id>/",
        views.batch_progress,
        name="invitation_batch",
    ),
    path(
        "cohorts/<int:cohort_id>/invitations/batches/<int:batch_id>/progress/",
        views.batch_progress_fragment,
        name="invitation_batch_progress",
    ),
    path(
        "cohorts/<int:cohort_id>/invitations/resend-pending/",
        views.resend_pending,
        name="invitation_resend_pending",
    ),
    path(
        "cohorts/<int:cohort_id>/invitations/<int:invitation_id>/",
        views.invitation_action,
        name="invitation_action",
    ),
    path("cohorts/<int:cohort_id>/join-link/", views.join_link_settings, name="join_link_settings"),
    path(
        "cohorts/<int:cohort_id>/join-requests/<int:request_id>/",
        views.join_request_decision,
        name="join_request_decision",
    ),
    path("invitations/<str:token>/", views.accept, name="invitation_accept"),
    path("join/confirm/<str:signed>/", views.join_confirm, name="join_confirm"),
    path("join/<str:token>/", views.join, name="join"),
]
