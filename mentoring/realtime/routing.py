from django.urls import path

from mentoring.realtime import consumers

websocket_urlpatterns = [
    path("ws/notifications/", consumers.NotificationConsumer.as_asgi()),
    path("ws/threads/<int:thread_id>/", consumers.ThreadConsumer.as_asgi()),
    path("ws/boards/<int:board_id>/", consumers.BoardConsumer.as_asgi()),
    path("ws/cohorts/<int:cohort_id>/dashboard/", consumers.DashboardConsumer.as_asgi()),
]
