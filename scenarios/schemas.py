"""Shapes of the scenarios API (``scenarios.api``), and the live ``solution.saved`` event."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from mentoring.core.validation import DateTimeIn, Id, InputSchema, Int32, Text
from mentoring.realtime.schemas import StreamMessage


class GroupOut(Schema):
    id: int
    name: str
    board_id: int
    members: list[str]
    solution_status: str


class MyGroupOut(Schema):
    id: int
    name: str
    board_id: int
    solution_status: str


class ScenarioFields(Schema):
    id: int = Field(..., description="The scenario page's id.")
    title: str
    url: str = Field(..., description="The scenario's page on the site.")
    summary: str
    phase: str
    expected_minutes: int
    tags: list[str]


class ReleasedScenarioOut(ScenarioFields):
    release_id: int
    opens_at: datetime
    closes_at: datetime | None
    status: str = Field(..., description="scheduled, open or closed (members see only open).")
    group: MyGroupOut | None


class StageOut(Schema):
    type: str
    id: str | None
    locked: bool = False
    value: Any


class ScenarioOut(ScenarioFields):
    expert_unlocked: bool
    stages: list[StageOut]
    releases: list[ReleasedScenarioOut]


class ReleaseIn(InputSchema):
    scenario_id: Id
    opens_at: DateTimeIn | None = Field(None, description="Within 5 years of now.")
    closes_at: DateTimeIn | None = Field(None, description="Within 5 years of now.")
    group_size: Int32 = 5
    grouping: Text(20) = "random"
    groups: list[list[Text(150)]] | None = Field(
        None, description="With grouping=manual: the groups, as lists of usernames."
    )


class ReleaseOut(Schema):
    id: int
    cohort_id: int
    scenario_id: int
    title: str
    url: str
    opens_at: datetime
    closes_at: datetime | None
    group_size: int
    grouping: str
    status: str
    groups: list[GroupOut]


# --- Live events: on each group member's /ws/notifications/ ---------------------------------
class SolutionSaved(StreamMessage):
    """A newer version of a group's shared solution: its members' pages say so."""

    type: Literal["solution.saved"] = "solution.saved"
    group_id: int
    version: int
    author: str
    saved_at: datetime
    saved_at_display: str
