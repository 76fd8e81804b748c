"""What one user may do with one scenario page (worked out by ``selectors.scenario_access``).

A plain value with no imports of the app at run time, so the page models can use it for a
preview without importing the selectors above them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mentoring.models import Cohort
    from scenarios.models import Release, ScenarioGroup


@dataclass
class ScenarioAccess:
    """What one user may do with one scenario page, worked out once per request."""

    is_editor: bool = False
    tutor_releases: list[Release] = field(default_factory=list)
    member_releases: list[Release] = field(default_factory=list)  # open releases only
    groups: dict[int, ScenarioGroup] = field(default_factory=dict)  # by release id

    @property
    def can_view(self) -> bool:
        return self.is_editor or bool(self.tutor_releases) or bool(self.member_releases)

    @property
    def is_tutor(self) -> bool:
        return bool(self.tutor_releases)

    @property
    def member_cohorts(self) -> list[Cohort]:
        """The cohorts through which a member sees the scenario (each counts a view)."""
        return [release.cohort for release in self.member_releases]

    @property
    def release(self) -> Release | None:
        """The release the page shows its group work for: the member's first open one."""
        if self.member_releases:
            return self.member_releases[0]
        return self.tutor_releases[0] if self.tutor_releases else None

    @property
    def group(self) -> ScenarioGroup | None:
        release = self.release
        return self.groups.get(release.pk) if release is not None else None

    @property
    def expert_unlocked(self) -> bool:
        """Tutors and editors always see it; a member once their group has submitted."""
        if self.is_editor or self.tutor_releases:
            return True
        return any(
            group.solution.is_submitted
            for group in self.groups.values()
            if hasattr(group, "solution")
        )
