"""The caller's copies of their own data: ``/me/exports``."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router

from mentoring.core.errors import NotFound
from mentoring.models import DataExport
from mentoring.privacy.schemas import ExportOut
from mentoring.privacy.selectors import exports as export_selectors
from mentoring.privacy.services.export import request_export

router = Router(tags=["privacy"])


def _payload(request: HttpRequest, export: DataExport) -> dict:
    out: dict = {"id": export.pk, "status": export.status}
    if export_selectors.downloadable(export, now=export_selectors.clock()):
        out["download_url"] = request.build_absolute_uri(
            reverse("privacy_download", kwargs={"export_id": export.pk})
        )
    return out


@router.post("/me/exports", response={202: ExportOut}, exclude_none=True)
def create_export(request):
    """Ask for a copy of all your data (a ZIP of JSON and a readable page), built in the
    background; you are e-mailed when it is ready. While one is being built, asking again
    answers that one (same id). Rate-limited (429 ``rate_limited``, ``Retry-After``)."""
    export, _ = request_export(user=request.auth)
    return 202, _payload(request, export)


@router.get("/me/exports/{export_id}", response=ExportOut, exclude_none=True)
def get_export(request, export_id: int):
    """One of your exports: ``pending``, ``ready`` (with ``download_url`` until it expires)
    or ``failed``. Anyone else's id answers 404."""
    export = export_selectors.own_export(user=request.auth, export_id=export_id)
    if export is None:
        raise NotFound("No such export.")
    return _payload(request, export)
