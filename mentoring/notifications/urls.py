"""The notifications page and the email preference."""

from django.urls import path

from mentoring.notifications import views

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("settings/notifications/", views.email_preference, name="email_preference"),
]
