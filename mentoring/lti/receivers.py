"""What LTI does when other features tell it something (mentoring.signals)."""

from __future__ import annotations

from mentoring.lti.services import grades
from mentoring.signals import solution_graded


def _solution_graded(sender, *, cohort, users, key, label, comment="", **kwargs) -> None:
    grades.record_solution(cohort=cohort, users=users, key=key, label=label, comment=comment)


def connect() -> None:
    solution_graded.connect(_solution_graded, dispatch_uid="mentoring.lti.solution_graded")
