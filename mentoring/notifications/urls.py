"""The notifications page."""

from django.urls import path

from mentoring.notifications import views

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
]
