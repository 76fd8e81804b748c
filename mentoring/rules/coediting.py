"""Who may open a group's shared solution live (issue 22), and whether they may write.

The facts come from the caller (``scenarios.selectors.solution_facts`` reads them): ``mentoring``
never imports ``scenarios``, so the rule is a function of plain facts, the same for the
websocket (``scenarios.consumers``), the store (``scenarios.services.coediting``, which asks
again, in the transaction that writes) and the pages.

- the group's members (still members of the cohort) write while the release is open, the
  solution a draft and the cohort not archived; after that they read;
- the cohort's tutors read, always (they never write into a group's solution);
- nobody else opens it, nor a member before the release opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SolutionAccess(StrEnum):
    WRITE = "write"
    READ = "read"
    NONE = "none"


@dataclass(frozen=True)
class SolutionFacts:
    """What the rule needs to know of one user and one group's solution."""

    is_group_member: bool  # in the group and still a member of its cohort
    is_tutor: bool  # tutors the group's cohort
    release_opened: bool
    release_open: bool  # opened and not closed
    submitted: bool
    cohort_writable: bool


def solution_access(facts: SolutionFacts) -> SolutionAccess:
    if facts.is_tutor:
        return SolutionAccess.READ
    if not facts.is_group_member or not facts.release_opened:
        return SolutionAccess.NONE
    if facts.release_open and not facts.submitted and facts.cohort_writable:
        return SolutionAccess.WRITE
    return SolutionAccess.READ
