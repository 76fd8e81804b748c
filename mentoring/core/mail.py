"""Development e-mail: one file per message in a folder (``make run`` writes to ``var/mail/``).

Django's file backend writes every message sent over one connection into the same file, named
to the second, so a digest run or ``send_mass_mail`` would pile several e-mails into one file.
Here each message gets a file of its own, so a developer (or a test) can count, open and delete
them one by one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence

from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend
from django.core.mail.message import EmailMessage
from django.utils import timezone


class FilePerMessageBackend(FileEmailBackend):
    """Writes each message to its own ``<timestamp>-<random>.eml`` file in ``EMAIL_FILE_PATH``."""

    def _get_filename(self) -> str:
        if self._fname is None:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
            self._fname = os.path.join(self.file_path, f"{stamp}-{uuid.uuid4().hex[:8]}.eml")
        return self._fname

    def write_message(self, message: EmailMessage) -> None:
        # A whole file per message: no separator line, so the file is a valid .eml.
        self.stream.write(message.message().as_bytes())

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            # The parent keeps one file open per connection: start a new one per message.
            self.close()
            self._fname = None
            sent += super().send_messages([message])
        self.close()
        return sent
