"""LTI 1.3: the endpoints platforms call, and the instructor's first-launch pages."""

from django.urls import path

from mentoring.lti import views

app_name = "lti"

urlpatterns = [
    # OIDC third-party initiation (no password: not a sign-in form, see docs/lti.md).
    path("lti/login/", views.oidc_initiation, name="oidc_initiation"),
    path("lti/launch/", views.launch, name="launch"),
    path("lti/deep-linking/", views.launch, name="deep_linking"),
    path("lti/continue/<str:token>/", views.handoff_continue, name="handoff"),
    path("lti/jwks/", views.jwks, name="jwks"),
    path("lti/register/", views.dynamic_registration, name="dynamic_registration"),
    path("lti/course/", views.course_setup, name="course_setup"),
    path("lti/course/ready/", views.after_setup, name="after_setup"),
    path("lti/pick/", views.pick, name="pick"),
    path("cohorts/<int:cohort_id>/platform/", views.cohort_platform, name="cohort_platform"),
    path("cohorts/<int:cohort_id>/platform/sync/", views.sync_now, name="sync_now"),
    path("cohorts/<int:cohort_id>/platform/grades/", views.gradebook, name="gradebook"),
]
