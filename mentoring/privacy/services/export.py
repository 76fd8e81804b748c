"""Build a person's data export: a ZIP with every registered provider's part, as JSON and as a
readable HTML page.

A member asks on /account/data/ (or ``POST /api/v1/me/exports``); staff may ask on a member's
behalf (a subject access request, from the user's page in /django-admin/). The request stores a
``DataExport`` row and queues only its id; the background worker (django-tasks' database queue)
asks each provider of ``mentoring.core.privacy`` for its part, writes the ZIP
under MEDIA_ROOT at an unguessable path (never served from MEDIA_URL: only the checked download
view hands it out, to the person whose data it is), and e-mails them that it is ready. The
download works for ``EXPORT_LIFETIME`` (7 days); then it answers 410 and the file is removed.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from mentoring.core.privacy import registered
from mentoring.core.ratelimit import check_rate
from mentoring.models import DataExport, User
from mentoring.models.privacy import EXPORT_LIFETIME
from mentoring.privacy.selectors.exports import pending_export

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "staffroom-data-export/1"
JSON_NAME = "staffroom-data.json"
HTML_NAME = "index.html"
CSS_NAME = "style.css"  # index.html's look, a file beside it (no inline style anywhere)
# A build that started this long ago and never finished (a worker killed mid-way) is taken up
# again by the next request's task rather than blocking the member for good.
STALE_BUILD = timedelta(hours=1)


def request_export(
    *, user: User, requested_by: User | None = None, now: datetime | None = None
) -> tuple[DataExport, bool]:
    """Ask for ``user``'s data; returns the export and whether it is new.

    While one is pending (queued or being built) that one is the answer: asking again neither
    queues a second build nor counts against the rate limit. A new request counts against the
    ``export`` rate of whoever asks (``requested_by``, else the member).
    """
    now = now or timezone.now()
    existing = pending_export(user=user)
    if existing is not None:
        return existing, False
    check_rate("export", user=requested_by or user)
    try:
        with transaction.atomic():
            export = DataExport.objects.create(user=user, requested_by=requested_by, created_at=now)
            build_export.enqueue(export.pk)
    except IntegrityError:  # two requests at once: the other one's export is the answer
        existing = pending_export(user=user)
        if existing is None:
            raise
        return existing, False
    return export, True


def collect(user: User, *, now: datetime) -> dict[str, Any]:
    """Everything about ``user``, one section per registered provider."""
    sections = {}
    for provider in registered():
        sections[provider.name] = dict(provider.export(user, now))
    return {
        "format": EXPORT_FORMAT,
        "generated_at": now,
        "subject": {"id": user.pk, "username": user.username},
        "sections": sections,
    }


# --- The readable page ------------------------------------------------------------------------
def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _node(value: Any) -> dict[str, Any]:
    """A value as the HTML template draws it: text, a list, a definition list or a table."""
    if isinstance(value, dict):
        return {"kind": "fields", "items": [(_label(k), _node(v)) for k, v in value.items()]}
    if isinstance(value, list | tuple):
        if not value:
            return {"kind": "text", "text": "None"}
        if all(isinstance(item, dict) for item in value):
            columns = list(dict.fromkeys(key for item in value for key in item))
            return {
                "kind": "table",
                "columns": [_label(c) for c in columns],
                "rows": [[_node(item.get(c)) for c in columns] for item in value],
            }
        return {"kind": "list", "items": [_node(item) for item in value]}
    if value is None or value == "":
        return {"kind": "text", "text": "—"}
    if isinstance(value, bool):
        return {"kind": "text", "text": "Yes" if value else "No"}
    if isinstance(value, datetime):
        return {"kind": "text", "text": f"{timezone.localtime(value):%Y-%m-%d %H:%M}"}
    return {"kind": "text", "text": str(value)}


def render_index(data: dict[str, Any]) -> str:
    sections = []
    for provider in registered():
        parts = data["sections"].get(provider.name, {})
        sections.append(
            {
                "name": provider.name,
                "title": provider.title,
                "description": provider.description,
                "parts": [
                    (f"{provider.name}-{key}", provider.parts.get(key, _label(key)), _node(value))
                    for key, value in parts.items()
                ],
            }
        )
    return render_to_string(
        "mentoring/privacy/export_index.html",
        {"data": data, "sections": sections, "json_name": JSON_NAME},
    )


def build_zip(data: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            JSON_NAME, json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        )
        archive.writestr(HTML_NAME, render_index(data))
        archive.writestr(CSS_NAME, render_to_string("mentoring/privacy/export_index.css"))
    return buffer.getvalue()


def download_name(export: DataExport) -> str:
    return f"staffroom-data-{export.user.username}-{export.created_at:%Y-%m-%d}.zip"


# --- The worker's tasks -------------------------------------------------------------------------
def _claim(export_id: int, now: datetime) -> DataExport | None:
    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=export_id, status=DataExport.Status.PENDING)
            .first()
        )
        if export is None:  # built already, or its person was deleted
            return None
        if export.started_at is not None and export.started_at > now - STALE_BUILD:
            return None  # another worker is at it
        export.started_at = now
        export.save(update_fields=["started_at"])
        return export


@task()
def build_export(export_id: int) -> str:
    """Build export ``export_id`` and e-mail its person; returns its status (or "skipped")."""
    now = timezone.now()
    purge_expired_exports(now=now)
    export = _claim(export_id, now)
    if export is None:
        return "skipped"
    try:
        content = build_zip(collect(export.user, now=now))
        export.file.save(download_name(export), ContentFile(content), save=False)
    except Exception:
        logger.exception("data export %s failed", export_id)
        DataExport.objects.filter(pk=export_id).update(
            status=DataExport.Status.FAILED, finished_at=timezone.now()
        )
        return DataExport.Status.FAILED
    export.status = DataExport.Status.READY
    export.finished_at = timezone.now()
    export.expires_at = export.finished_at + EXPORT_LIFETIME
    export.size = len(content)
    export.save(update_fields=["file", "status", "finished_at", "expires_at", "size"])
    send_export_ready_mail.enqueue(export.pk)
    return DataExport.Status.READY


@task()
def send_export_ready_mail(export_id: int) -> bool:
    """Tell the person their copy is ready (the link leads to the signed-in data page)."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status != DataExport.Status.READY or not export.user.email:
        return False
    link = f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{reverse('privacy_data')}"
    body = render_to_string(
        "mentoring/privacy/export_ready_email.txt",
        {"user": export.user, "export": export, "link": link},
    )
    send_mail(
        subject="[Staffroom] Your copy of your data is ready",
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[export.user.email],
    )
    return True


def purge_expired_exports(*, now: datetime) -> int:
    """Delete the files of exports past their expiry (the rows stay, as a record of the
    request); returns how many files went."""
    expired = DataExport.objects.filter(expires_at__lte=now).exclude(file="")
    count = 0
    for export in expired:
        export.file.delete(save=False)
        DataExport.objects.filter(pk=export.pk).update(file="", size=0)
        count += 1
    return count
