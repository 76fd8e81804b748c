"""Misago as an ASGI app, so uvicorn serves it as it serves Staffroom."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.misago_project.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

from tests.bench.misago_project.celery_app import app as celery_app  # noqa: E402, F401

application = get_asgi_application()
