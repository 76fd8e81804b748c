"""Opening what a notification points to reads it: views that are notification targets say so."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse

from mentoring.notifications.services.notifications import mark_read_for_target


def reads_notifications(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark the viewer's notifications about this page read before it renders, so the page's
    own header counter already leaves them out."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "GET":
            mark_read_for_target(user=request.user, path=request.path)
        return view(request, *args, **kwargs)

    return wrapped
