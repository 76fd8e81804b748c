"""Health check for load balancers and operators: the database and the channel layer."""

from __future__ import annotations

import platform

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # Report, don't raise: this is what health checks are for.
        return {"ok": False, "error": exc.__class__.__name__}


def _channel_layer_state() -> dict:
    layer = get_channel_layer()
    if layer is None:
        return {"ok": False, "backend": None}
    state = {"ok": True, "backend": f"{layer.__class__.__module__}.{layer.__class__.__name__}"}
    try:
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.send)(channel, {"type": "health.ping"})
        received = async_to_sync(layer.receive)(channel)
        state["ok"] = received.get("type") == "health.ping"
    except Exception as exc:
        state.update(ok=False, error=exc.__class__.__name__)
    return state


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database = _database_state()
    layer = _channel_layer_state()
    status = 200 if database["ok"] else 503
    return JsonResponse(
        {
            "status": "ok" if status == 200 and layer["ok"] else "degraded",
            "database": database,
            "channel_layer": layer,
            # The standard library's platform module, not our platform/ folder
            # (see docs/operations.md).
            "python": platform.python_implementation(),
        },
        status=status,
    )
