"""The notifications page and the email preference."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from mentoring.core.errors import ServiceError
from mentoring.core.pagination import page_for_template
from mentoring.notifications.forms import EmailPreferenceForm
from mentoring.notifications.selectors import notification_of, notifications_page, tutored_cohorts
from mentoring.notifications.services.notifications import mark_read, set_email_preference


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        count = mark_read(user=request.user)
        messages.success(request, f"Marked {count} notification(s) as read.")
        return redirect("notifications")
    page, notifications_pager = page_for_template(request, notifications_page, user=request.user)
    return render(
        request,
        "mentoring/notifications.html",
        {"notifications": page.items, "pager": notifications_pager},
    )


@login_required
@require_GET
def notification_item(request: HttpRequest, notification_id: int) -> HttpResponse:
    """One of the caller's notifications as the lists render it, its date included: the live
    lists (notifications.js) put this in place rather than build an item's markup themselves,
    so a live item reads exactly like one the page came with."""
    notification = notification_of(user=request.user, notification_id=notification_id)
    if notification is None:
        raise Http404("No such notification.")
    return render(request, "mentoring/includes/notification.html", {"n": notification})


@login_required
def email_preference(request: HttpRequest) -> HttpResponse:
    form = EmailPreferenceForm(
        request.POST or None, initial={"preference": request.user.email_preference}
    )
    if request.method == "POST" and form.is_valid():
        try:
            set_email_preference(user=request.user, preference=form.cleaned_data["preference"])
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Your email preference is saved.")
            return redirect("email_preference")
    tutored = tutored_cohorts(user=request.user)
    return render(
        request, "mentoring/email_preference.html", {"form": form, "tutored_cohorts": tutored}
    )
