"""The Celery app Misago's tasks are sent through (as its devproject sets one up)."""

from celery import Celery

app = Celery("misago_bench")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
