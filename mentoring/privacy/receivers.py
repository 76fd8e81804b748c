"""Privacy's receivers, connected in ``MentoringConfig.ready``: a member's request to delete
their account (recorded by ``mentoring.accounts``) is queued to run when its cooling-off ends."""

from __future__ import annotations

from mentoring.privacy.services import erasure
from mentoring.signals import erasure_requested


def queue_requested_erasure(sender, request, **kwargs) -> None:
    erasure.enqueue(request)


def connect() -> None:
    erasure_requested.connect(queue_requested_erasure, dispatch_uid="staffroom-queue-erasure")
