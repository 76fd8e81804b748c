"""Making boards and choosing who sees a restricted one (cohort set-up, scenario groups)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from mentoring.models import Board, Cohort, User


@transaction.atomic
def create_board(
    *,
    cohort: Cohort,
    kind: str,
    title: str,
    description: str = "",
    restricted: bool = False,
    allowed_users: Iterable[User] | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> Board:
    """Create a board. A restricted board is seen only by ``allowed_users`` and the tutors;
    members see it from ``opens_at`` and nobody writes on it from ``closes_at``."""
    board = Board.objects.create(
        cohort=cohort,
        kind=kind,
        title=title,
        description=description,
        restricted=restricted,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    if allowed_users:
        board.allowed_users.set(list(allowed_users))
    return board


@transaction.atomic
def set_board_audience(*, board: Board, users: Iterable[User]) -> Board:
    """Restrict ``board`` to ``users`` (and the tutors), e.g. when a scenario group changes."""
    board.restricted = True
    board.save(update_fields=["restricted"])
    board.allowed_users.set(list(users))
    return board


@transaction.atomic
def set_board_window(
    *, boards: Iterable[Board], opens_at: datetime | None, closes_at: datetime | None
) -> int:
    """Open and close boards with whatever owns them (a scenario release changing its dates).

    Mentoring never looks at releases: their owner tells the boards when they are open.
    """
    ids = [board.pk for board in boards]
    return Board.objects.filter(pk__in=ids).update(opens_at=opens_at, closes_at=closes_at)
