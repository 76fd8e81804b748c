"""Small helpers shared by the boards tests."""

from __future__ import annotations

from mentoring.models import Board, Cohort


def general_board(cohort: Cohort) -> Board:
    return Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)


def private_board(cohort: Cohort) -> Board:
    return Board.objects.get(cohort=cohort, kind=Board.Kind.PRIVATE)
