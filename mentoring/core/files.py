"""Private files (scenario documents, members' data exports) leave the server only through a
checked view, by one of two routes.

In development (and wherever ``PRIVATE_MEDIA_ACCEL_REDIRECT`` is empty) the view streams the
file itself. Behind nginx the view answers with an empty body and ``X-Accel-Redirect`` naming
the file under an ``internal`` location, and nginx sends it: no Python process is tied up by a
large download, and that location cannot be requested from outside (platform/deploy/nginx.conf).
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.core.files import File
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.utils.http import content_disposition_header


def private_file_response(
    file: File, *, filename: str, inline: bool = False, content_type: str | None = None
) -> HttpResponseBase:
    """A download of ``file`` (a stored FieldFile) as ``filename``; never cached by proxies.

    ``inline`` (an attachment's image, shown in a post): displayed rather than saved, as
    ``content_type`` (which the caller has checked is what the file is). Either way the
    response may run nothing: ``Content-Security-Policy: sandbox`` and no sniffing."""
    prefix = settings.PRIVATE_MEDIA_ACCEL_REDIRECT
    if prefix:
        response: HttpResponseBase = HttpResponse(
            content_type=content_type or "application/octet-stream"
        )
        location = PurePosixPath(prefix.rstrip("/") or "/", file.name)
        response["X-Accel-Redirect"] = quote(str(location))
        # nginx keeps this header of the upstream response for the file it sends.
        response["Content-Disposition"] = content_disposition_header(not inline, filename)
    else:
        response = FileResponse(
            file.open("rb"), as_attachment=not inline, filename=filename, content_type=content_type
        )
    response["Cache-Control"] = "private, no-store"
    if inline:
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["X-Content-Type-Options"] = "nosniff"
    return response
