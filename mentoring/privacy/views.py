"""/account/data/: ask for a copy of your data, see how it is going, download it.

The download is the only way the ZIP leaves the server: for the person whose data it is (signed
in, or with their API token as ``Authorization: Bearer``), while it has not expired (410 after).
Anyone else's export answers 404, as if it did not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from mentoring.accounts.auth import BearerTokenAuth
from mentoring.core.errors import ServiceError
from mentoring.core.files import private_file_response
from mentoring.core.privacy import registered
from mentoring.core.refusals import refused_page, with_headers
from mentoring.models import Cohort, DataExport
from mentoring.models.privacy import EXPORT_LIFETIME
from mentoring.privacy.selectors import exports as export_selectors
from mentoring.privacy.services.export import download_name, request_export
from mentoring.privacy.services.records import cohort_records, records_name
from mentoring.privacy.services.retention import policy as retention_policy

TEMPLATE = "mentoring/privacy/export.html"


def _context(request: HttpRequest) -> dict:
    now = export_selectors.clock()
    exports = export_selectors.exports_of(user=request.user)
    return {
        "exports": [(export, export_selectors.downloadable(export, now=now)) for export in exports],
        "pending": any(e.status == DataExport.Status.PENDING for e in exports),
        "sections": registered(),
        "lifetime_days": EXPORT_LIFETIME.days,
        "now": now,
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def data_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            _, created = request_export(user=request.user)
        except ServiceError as error:
            messages.error(request, error.detail)
            return refused_page(request, TEMPLATE, _context(request), error)
        if created:
            messages.success(
                request, "We are preparing your copy. We will e-mail you when it is ready."
            )
        else:
            messages.info(request, "Your copy is already being prepared.")
        return redirect("privacy_data")
    return render(request, TEMPLATE, _context(request))


def _requester(request: HttpRequest):
    """The signed-in person, or the owner of the bearer token the request carries."""
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return BearerTokenAuth()(request)
    return request.user if request.user.is_authenticated else None


@require_http_methods(["GET", "HEAD"])
def download(request: HttpRequest, export_id: int) -> HttpResponseBase:
    try:
        user = _requester(request)
    except ServiceError as error:
        return with_headers(HttpResponse(error.detail, status=429), error)
    if user is None:
        return redirect_to_login(request.get_full_path())
    export = export_selectors.own_export(user=user, export_id=export_id)
    if export is None or export.status != DataExport.Status.READY:
        raise Http404("No such export.")
    if not export_selectors.downloadable(export, now=export_selectors.clock()):
        return render(request, "mentoring/privacy/export_gone.html", status=410)
    return private_file_response(export.file, filename=download_name(export))


@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """What Staffroom keeps, for how long and who sees it: the periods come from the settings
    ``apply_retention`` deletes by, so the page cannot drift from what the job does."""
    return render(request, "mentoring/privacy/notice.html", {"retention": retention_policy()})


@login_required
@require_GET
def cohort_records_download(request: HttpRequest, cohort_id: int) -> HttpResponseBase:
    """The cohort's records ZIP (``privacy.services.records``), for its tutors; 404 for anyone
    else, as if the cohort did not exist."""
    cohort = Cohort.objects.filter(pk=cohort_id).first()
    file = None if cohort is None else cohort_records(cohort=cohort, by=request.user)
    if file is None:
        raise Http404
    response = FileResponse(file, as_attachment=True, filename=records_name(cohort, timezone.now()))
    response["Content-Type"] = "application/zip"
    response["Cache-Control"] = "private, no-store"
    return response
