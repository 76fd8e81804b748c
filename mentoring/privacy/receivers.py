"""Privacy's receivers, connected in ``MentoringConfig.ready``: a member's request to delete
their account (recorded by ``mentoring.accounts``) is queued to run when its cooling-off ends,
and a tutor opening a member's question on "Ask a tutor" (``thread_opened``, sent by boards)
or exporting the participation table (``participation_exported``) is written to the members'
access log: the features that do it need not know the log."""

from __future__ import annotations

from mentoring.models import AccessLogEntry
from mentoring.privacy.services import erasure
from mentoring.privacy.services.access_log import record_access_many, record_private_question_read
from mentoring.signals import erasure_requested, participation_exported, thread_opened


def queue_requested_erasure(sender, request, **kwargs) -> None:
    erasure.enqueue(request)


def log_private_question_read(sender, reader, thread, **kwargs) -> None:
    record_private_question_read(reader=reader, thread=thread)


def log_participation_export(sender, actor, cohort, subject_ids, **kwargs) -> None:
    record_access_many(
        actor=actor,
        subject_ids=subject_ids,
        action=AccessLogEntry.Action.PARTICIPATION_EXPORTED,
        cohort=cohort,
        detail="participation.csv",
    )


def connect() -> None:
    participation_exported.connect(log_participation_export, dispatch_uid="staffroom-log-csv")
    thread_opened.connect(log_private_question_read, dispatch_uid="staffroom-log-question-read")
    erasure_requested.connect(queue_requested_erasure, dispatch_uid="staffroom-queue-erasure")
