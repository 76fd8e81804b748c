"""Boards' signal receivers, connected in ``MentoringConfig.ready``.

A new cohort gets its two boards here rather than in cohorts' create service, so cohorts need
not know boards exist (boards sit above cohorts: they know cohorts, never the reverse).
"""

from __future__ import annotations

from django.db.models.signals import post_delete

from mentoring.boards.services.attachments import delete_file
from mentoring.boards.services.setup import create_board
from mentoring.models import Board, Cohort, PostAttachment
from mentoring.signals import cohort_created


def make_cohort_boards(sender, cohort: Cohort, **kwargs) -> None:
    """Every cohort has a general board and an "Ask a tutor" board, made in its creating
    transaction (``cohort_created`` is sent inside it)."""
    create_board(
        cohort=cohort,
        kind=Board.Kind.GENERAL,
        title="General discussion",
        description="Talk about anything to do with the module.",
    )
    create_board(
        cohort=cohort,
        kind=Board.Kind.PRIVATE,
        title="Ask a tutor",
        description="Questions only you and the cohort's tutors can see.",
    )


def connect() -> None:
    cohort_created.connect(make_cohort_boards, dispatch_uid="mentoring.boards.cohort_boards")
    # However an attachment's row goes (a retraction, an erasure, a cascade), its file goes.
    post_delete.connect(
        delete_file, sender=PostAttachment, dispatch_uid="mentoring.boards.attachment_file"
    )
