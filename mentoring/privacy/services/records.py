"""A cohort's records for the university, at year end: one ZIP a tutor downloads.

It holds the participation table (``participation.csv``, the dashboard's CSV) and every board
as a page of HTML (``boards/<id>.html``): threads with their posts as the tutors see them
(anonymous authors named, retracted posts as tombstones whose text is gone).

Built inline, on the tutor's request, into a temporary file that is streamed and then dropped:
a cohort's boards are a few thousand posts at most, and nothing kept means nothing for
retention to delete later. Tutors of the cohort only (``cohort_records`` returns None for
anyone else, which the view answers with 404). Every member named in the table sees, in their
access log, that it was exported.
"""

from __future__ import annotations

import tempfile
import zipfile
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone

from mentoring.boards.selectors import cohort_record_boards
from mentoring.models import AccessLogEntry, Cohort, User
from mentoring.participation.selectors.rows import member_rows, participation_csv_lines
from mentoring.privacy.services.access_log import record_access_many
from mentoring.rules.permissions import is_tutor

SPOOL_BYTES = 8 * 1024 * 1024  # kept in memory up to this size, then in a temporary file
BOARD_TEMPLATE = "mentoring/privacy/records_board.html"
INDEX_TEMPLATE = "mentoring/privacy/records_index.html"


def records_name(cohort: Cohort, now: datetime) -> str:
    return f"cohort-{cohort.pk}-records-{timezone.localdate(now).isoformat()}.zip"


def cohort_records(*, cohort: Cohort, by: User, now: datetime | None = None):
    """The records ZIP of ``cohort`` as an open file positioned at its start, or None when
    ``by`` does not tutor the cohort."""
    if not is_tutor(by, cohort):
        return None
    now = now or timezone.now()
    rows = member_rows(cohort=cohort, now=now)
    record_access_many(
        actor=by,
        subject_ids=rows.values_list("user_id", flat=True),
        action=AccessLogEntry.Action.PARTICIPATION_EXPORTED,
        cohort=cohort,
        detail="The cohort's records (year end)",
        now=now,
    )
    boards = cohort_record_boards(tutor=by, cohort=cohort)
    context = {"cohort": cohort, "generated_at": now}
    file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (the response closes it)
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("participation.csv", "".join(participation_csv_lines(rows)))
        archive.writestr(
            "index.html", render_to_string(INDEX_TEMPLATE, context | {"boards": boards})
        )
        for board in boards:
            archive.writestr(
                f"boards/{board.pk}.html",
                render_to_string(BOARD_TEMPLATE, context | {"board": board}),
            )
    file.seek(0)
    return file
