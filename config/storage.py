"""Where uploads are stored: unguessable paths for documents.

Scenario documents are private (served only by ``scenarios:document`` after a permission check),
but a file that sits under a guessable name is one misconfigured web server away from public.
Every upload under ``documents/`` (and ``attachments/``, posts' files) gets a random directory
of its own (``documents/<24 hex digits>/<original name>``), so its path cannot be guessed, and
the original name is kept for the download; deleting the file deletes that directory too.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import secrets

from django.core.files.storage import FileSystemStorage

PRIVATE_UPLOAD_DIRECTORIES = ("documents", "attachments")


class MediaStorage(FileSystemStorage):
    def generate_filename(self, filename: str) -> str:
        filename = super().generate_filename(filename)
        directory, name = posixpath.split(filename)
        if directory.split("/", 1)[0] in PRIVATE_UPLOAD_DIRECTORIES:
            return posixpath.join(directory, secrets.token_hex(12), name)
        return filename

    def delete(self, name: str) -> None:
        """Delete the file, and its random directory with it when that is left empty."""
        super().delete(name)
        directory = posixpath.dirname(name)
        if directory.split("/", 1)[0] in PRIVATE_UPLOAD_DIRECTORIES and directory.count("/") == 1:
            with contextlib.suppress(OSError):  # not empty, or already gone
                os.rmdir(self.path(directory))
