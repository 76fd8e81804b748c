"""The notifications page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mentoring.notifications.selectors import notifications_for
from mentoring.notifications.services import mark_read


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        count = mark_read(user=request.user)
        messages.success(request, f"Marked {count} notification(s) as read.")
        return redirect("notifications")
    return render(
        request,
        "mentoring/notifications.html",
        {"notifications": notifications_for(user=request.user, limit=100)},
    )
