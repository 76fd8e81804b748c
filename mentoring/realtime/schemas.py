"""The typed messages of the live streams (as Zulip's ``event_types.py``).

Every event is built through its schema, so a payload that does not match fails where it is
made; ``live_message`` validates the text actually sent (tests check every event with it).
Shapes shared with the API come from there: a post (``PostShape``), a participation row
(``ParticipantOut``) and a notification (``NotificationOut``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import TypeAdapter

from mentoring.boards.schemas import PostShape
from mentoring.notifications.schemas import NotificationOut
from mentoring.participation.schemas import ParticipantOut


class StreamMessage(Schema):
    # Set when the event is logged (``mentoring.realtime.log``); 0 only while being built.
    seq: int = Field(0, description="Position on its stream: one more than the message before.")


# --- /ws/threads/{id}/ ----------------------------------------------------------------------
class PostEvent(StreamMessage):
    type: Literal["post.created", "post.edited", "post.hidden"]
    post: PostShape


class RetractedPost(Schema):
    id: int
    thread_id: int
    retracted: Literal[True] = True
    tombstone: bool = Field(description="A tombstone stays (replies hang on it), or it is gone.")


class PostRetracted(StreamMessage):
    type: Literal["post.retracted"] = "post.retracted"
    post: RetractedPost


class ReactedPost(Schema):
    id: int
    thread_id: int


class PostReacted(StreamMessage):
    """Someone reacted to a post or took a reaction back: open thread pages fetch the post as
    their reader may see it. It names nobody and carries no counts (who may be named is the
    server's to decide, per reader)."""

    type: Literal["post.reacted"] = "post.reacted"
    post: ReactedPost


# --- /ws/cohorts/{id}/dashboard/ ------------------------------------------------------------
class MemberUpdated(StreamMessage):
    type: Literal["member.updated"] = "member.updated"
    member: ParticipantOut


class InboxUpdated(StreamMessage):
    """The cohort's tutor inbox changed: dashboards refetch it."""

    type: Literal["inbox.updated"] = "inbox.updated"
    cohort_id: int


# --- /ws/boards/{id}/ -----------------------------------------------------------------------
class BoardUpdated(StreamMessage):
    """A thread was published on the board: open board pages offer to show it. It names no
    thread, title or author: the page that follows is the server's, as the reader may see it,
    and nothing needs taking back from the log when a thread is retracted."""

    type: Literal["board.updated"] = "board.updated"
    board_id: int


# --- /ws/notifications/ ---------------------------------------------------------------------
class NotificationCreated(StreamMessage):
    type: Literal["notification"] = "notification"
    notification: NotificationOut


class NotificationWithdrawn(StreamMessage):
    type: Literal["notification.withdrawn"] = "notification.withdrawn"
    id: int


class SolutionSaved(StreamMessage):
    """A newer version of a group's shared solution (scenarios): its members' pages say so."""

    type: Literal["solution.saved"] = "solution.saved"
    group_id: int
    version: int
    author: str
    saved_at: datetime
    saved_at_display: str


# --- Control messages (every stream) --------------------------------------------------------
class Ready(StreamMessage):
    """First message on a socket: ``seq`` is where the client now stands (its ``since``, when the
    replay follows, else the stream's current seq)."""

    type: Literal["ready"] = "ready"


class Resync(StreamMessage):
    """What followed the client's ``since`` cannot be replayed: refetch, then carry on from
    ``seq``."""

    type: Literal["resync"] = "resync"


LiveMessage = Annotated[
    PostEvent
    | PostRetracted
    | PostReacted
    | MemberUpdated
    | InboxUpdated
    | BoardUpdated
    | NotificationCreated
    | NotificationWithdrawn
    | SolutionSaved
    | Ready
    | Resync,
    Field(discriminator="type"),
]
live_message: TypeAdapter[LiveMessage] = TypeAdapter(LiveMessage)
