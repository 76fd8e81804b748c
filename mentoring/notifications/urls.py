"""The notifications page and the email preference."""

from django.urls import path

from mentoring.notifications import views

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path(
        "notifications/<int:notification_id>/item/",
        views.notification_item,
        name="notification_item",
    ),
    path("settings/notifications/", views.email_preference, name="email_preference"),
]
