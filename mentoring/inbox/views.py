"""The tutor inbox page: thin views over the inbox selectors and services."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from mentoring.core.errors import ServiceError
from mentoring.core.pagination import page_for_template
from mentoring.core.validation import SaneInputFormMixin
from mentoring.inbox import selectors
from mentoring.inbox.services import inbox as services
from mentoring.models import Cohort


class DismissForm(SaneInputFormMixin, forms.Form):
    kind = forms.ChoiceField(choices=[(k, k) for k in selectors.KINDS])
    thread_id = forms.IntegerField(min_value=1)
    post_id = forms.IntegerField(min_value=1, required=False)


def _tutored_or_404(request: HttpRequest, cohort_id: int) -> Cohort:
    cohort = selectors.inbox_cohort(user=request.user, cohort_id=cohort_id)
    if cohort is None:
        raise Http404("No such inbox.")
    return cohort


def _list_context(request: HttpRequest, cohort: Cohort) -> dict[str, object]:
    """What ``includes/inbox_list.html`` draws for this request's page (its cursor): the page
    and its fragment alike. The pager's links open the page, not the fragment."""
    now = timezone.now()
    page, inbox_pager = page_for_template(
        request,
        selectors.inbox_page,
        size=selectors.INBOX_PAGE,
        path=reverse("inbox:cohort", args=[cohort.pk]),
        cohort=cohort,
        now=now,
    )
    return {
        "cohort": cohort,
        "items": page.items,
        "waiting": selectors.inbox_count(cohort=cohort, now=now),
        "pager": inbox_pager,
        "now": now,
    }


@login_required
@require_GET
def inbox(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """What waits for a tutor, oldest first, a page at a time; refreshed live by
    ``inbox.updated`` (the script fetches ``items`` for the page it shows)."""
    cohort = _tutored_or_404(request, cohort_id)
    return render(request, "mentoring/inbox.html", _list_context(request, cohort))


@login_required
@require_GET
def items(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The inbox's list region (count, items, pager) for the same ``?cursor=`` as the page, as
    the page renders it: after ``inbox.updated`` the live page swaps it in rather than
    refetching the whole page or drawing an item itself."""
    cohort = _tutored_or_404(request, cohort_id)
    return render(request, "mentoring/includes/inbox_list.html", _list_context(request, cohort))


@login_required
@require_POST
def dismiss(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _tutored_or_404(request, cohort_id)
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That item could not be dismissed.")
        return redirect("inbox:cohort", cohort_id=cohort.pk)
    try:
        services.dismiss(cohort=cohort, by=request.user, **form.cleaned_data)
    except ServiceError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, "Taken out of the inbox.")
    return redirect("inbox:cohort", cohort_id=cohort.pk)


@login_required
@require_GET
def count(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """ "Inbox: N waiting" as the home page renders it, for the home page to fetch again when a
    question, a flag or an unanswered thread is notified (notifications.js)."""
    cohort = _tutored_or_404(request, cohort_id)
    return render(
        request,
        "mentoring/includes/inbox_count.html",
        {"inbox_count": selectors.inbox_count(cohort=cohort), "cohort_id": cohort.pk},
    )
