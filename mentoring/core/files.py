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


def private_file_response(file: File, *, filename: str) -> HttpResponseBase:
    """A download of ``file`` (a stored FieldFile) as ``filename``; never cached by proxies."""
    prefix = settings.PRIVATE_MEDIA_ACCEL_REDIRECT
    if prefix:
        response: HttpResponseBase = HttpResponse(content_type="application/octet-stream")
        location = PurePosixPath(prefix.rstrip("/") or "/", file.name)
        response["X-Accel-Redirect"] = quote(str(location))
        # nginx keeps this header of the upstream response for the file it sends.
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        response = FileResponse(file.open("rb"), as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response
