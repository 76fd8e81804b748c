"""Where a board belongs on the cohort page. Mentoring knows only boards; the app that made a
board (scenarios makes one per group of a release) says which heading it goes under, through
this small hook, so mentoring never imports it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from mentoring.models import Board


@dataclass
class BoardSection:
    """A heading on the cohort page (a scenario release) and the boards under it."""

    title: str
    url: str = ""
    note: str = ""
    boards: list[Board] = field(default_factory=list)


# finder(boards) → sections holding some of those boards; boards no finder claims stay on top.
SectionFinder = Callable[[Sequence[Board]], list[BoardSection]]
_finders: list[SectionFinder] = []


def register_section_finder(finder: SectionFinder) -> None:
    if finder not in _finders:
        _finders.append(finder)


def arrange_boards(boards: Sequence[Board]) -> tuple[list[Board], list[BoardSection]]:
    """The cohort's own boards, then one section per heading a finder gives."""
    sections: list[BoardSection] = []
    for finder in _finders:
        sections.extend(finder(boards))
    claimed = {board.pk for section in sections for board in section.boards}
    return [board for board in boards if board.pk not in claimed], sections
