"""The live-update log: what each websocket stream sent recently, so nothing is silently lost.

A stream is one channel-layer group (a thread, a cohort's dashboard, a user's notifications).
Every message on it gets the next ``seq``; a socket reconnecting with ``?since=N`` is replayed
what followed N from here, and a process that missed messages (a full channel, a Redis outage)
notices the gap and reads them back. Old rows are trimmed per stream
(``mentoring.realtime.log.KEEP``).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

# No logged event is older than a day (``mentoring.realtime.log`` trims them; retention and the
# privacy notice say so): a page away that long reloads anyway.
KEEP_SECONDS = 24 * 3600


class LiveStream(models.Model):
    """The last ``seq`` handed out on a stream; bumped in the statement that logs the event."""

    name = models.CharField(max_length=100, primary_key=True)
    seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.seq}"


class LiveEvent(models.Model):
    """One message of a stream, encoded once per audience (without its ``seq``, spliced in on
    sending): members' version, and tutors' where it differs (an anonymous author's name)."""

    stream = models.CharField(max_length=100)
    seq = models.BigIntegerField()
    member_text = models.TextField()
    tutor_text = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stream", "seq"], name="live_event_stream_seq")
        ]

    def __str__(self) -> str:
        return f"{self.stream} #{self.seq}"
