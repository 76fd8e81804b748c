"""What LTI does when other features tell it something (mentoring.signals)."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from lti_tool.models import LtiRegistration

from mentoring.lti.selectors import FRAME_ANCESTORS_CACHE_KEY
from mentoring.lti.services import grades
from mentoring.signals import solution_graded


def _solution_graded(sender, *, cohort, users, key, label, comment="", **kwargs) -> None:
    grades.record_solution(cohort=cohort, users=users, key=key, label=label, comment=comment)


def _registrations_changed(sender, **kwargs) -> None:
    cache.delete(FRAME_ANCESTORS_CACHE_KEY)


def connect() -> None:
    solution_graded.connect(_solution_graded, dispatch_uid="mentoring.lti.solution_graded")
    for signal in (post_save, post_delete):
        signal.connect(
            _registrations_changed, sender=LtiRegistration, dispatch_uid=f"lti.origins.{signal}"
        )
