"""A notification whose target has gone (a closed release, a thread one lost access to) says so
instead of leading to a bare 404."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mentoring.notifications.selectors import notification_pointing_at


class GoneNotificationTargetMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.method == "GET"
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
            and not request.path.startswith("/api/")
        ):
            notification = notification_pointing_at(user=request.user, path=request.path)
            if notification is not None:
                return render(
                    request,
                    "mentoring/notification_gone.html",
                    {"notification": notification},
                    status=410,
                )
        return response
