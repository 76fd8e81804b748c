"""Running a cohort: staff create it; its tutors change its settings.

The members page (enrol, remove, invite, join link) is in ``mentoring.invitations.views``: its
invitation panel is invitations' own, and invitations sit above cohorts."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from mentoring.cohorts import services as cohort_services
from mentoring.cohorts.forms import CohortCreateForm, CohortSettingsForm
from mentoring.cohorts.selectors import visible_cohort
from mentoring.core.errors import ServiceError
from mentoring.models import Cohort
from mentoring.rules.permissions import can_create_cohorts, is_tutor


def _tutored_cohort(request: HttpRequest, cohort_id: int) -> Cohort:
    cohort = visible_cohort(user=request.user, cohort_id=cohort_id)
    if cohort is None or not is_tutor(request.user, cohort):
        raise Http404
    return cohort


@login_required
def cohort_create(request: HttpRequest) -> HttpResponse:
    if not can_create_cohorts(request.user):
        raise Http404
    form = CohortCreateForm(request.POST or None, creator=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cohort = cohort_services.create_cohort(
                name=data["name"],
                tutors=list(data["tutors"]),
                kind=data["kind"],
                created_by=request.user,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
        except ServiceError as error:
            form.add_service_error(error, default="tutors")
        else:
            messages.success(request, f"Created {cohort.name}.")
            return redirect("cohort_home", cohort.pk)
    return render(request, "mentoring/cohort_new.html", {"form": form})


@login_required
def cohort_settings(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _tutored_cohort(request, cohort_id)
    form = CohortSettingsForm(request.POST or None, instance=Cohort.objects.get(pk=cohort.pk))
    if request.method == "POST" and form.is_valid():
        try:
            cohort_services.update_cohort_settings(
                cohort=cohort, by=request.user, **form.changed_settings()
            )
        except ServiceError as error:
            # The form speaks minutes where the service speaks seconds.
            if error.extra.get("field") == "edit_grace_seconds":
                error.extra["field"] = "edit_grace_minutes"
            form.add_service_error(error)
        else:
            messages.success(request, "Settings saved.")
            return redirect("cohort_settings", cohort.pk)
    return render(
        request,
        "mentoring/cohort_settings.html",
        {
            "cohort": cohort,
            "form": form,
            "archived_cohort_days": settings.RETENTION_ARCHIVED_COHORT_DAYS,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cohort_archive(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Cohort year end: asks first, on this page of its own (works without JavaScript), then
    archives the cohort (``cohort_services.archive_cohort``)."""
    cohort = _tutored_cohort(request, cohort_id)
    if request.method == "POST" and request.POST.get("confirm") == "1":
        try:
            cohort_services.archive_cohort(cohort=cohort, by=request.user)
        except ServiceError as error:
            messages.error(request, error.detail)
        else:
            messages.success(request, f"{cohort.name} is archived: it is read-only from now on.")
        return redirect("cohort_settings", cohort.pk)
    return render(
        request,
        "mentoring/cohort_archive_confirm.html",
        {"cohort": cohort, "retention_days": settings.RETENTION_ARCHIVED_COHORT_DAYS},
    )
