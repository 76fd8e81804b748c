"""Every page of the mentoring app, one include per feature folder."""

from django.urls import include, path

urlpatterns = [
    path("", include("mentoring.sso.urls")),
    path("", include("mentoring.accounts.urls")),
    path("", include("mentoring.notifications.urls")),
    path("", include("mentoring.cohorts.urls")),
    path("", include("mentoring.boards.urls")),
    path("", include("mentoring.participation.urls")),
    path("", include("mentoring.inbox.urls")),
    path("", include("mentoring.invitations.urls")),
    path("", include("mentoring.privacy.urls")),
    path("", include("mentoring.lti.urls")),
]
