"""ASGI entry point: HTTP through Django, websockets through Channels with our auth."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Build the Django app first: it sets up the app registry the routing below imports from.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from mentoring.accounts.auth import BrowserOriginValidator, StaffroomAuthMiddlewareStack  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": BrowserOriginValidator(
            StaffroomAuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
