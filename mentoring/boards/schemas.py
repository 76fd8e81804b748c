"""Request and response shapes of the boards API (django-ninja), and the live events of the
thread and board streams (``post.*``, ``board.updated``), which share the post's shape with the
API. Below the services: importing only ninja, models and the live events' base."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from mentoring.core.validation import DateTimeIn
from mentoring.models import MAX_POST_LENGTH, MAX_PROMPTS
from mentoring.realtime.schemas import StreamMessage


class PostShape(Schema):
    """A post as anyone watching may see it: the API's post and the live ``post.*`` events."""

    id: int
    thread_id: int
    reply_to: int | None
    author: str = Field(description="The author as the caller may see them.")
    author_id: int | None = Field(description="Null when the author is anonymous to the caller.")
    anonymous: bool
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    editable_until: datetime
    retracted: bool
    hidden: bool


class BoardOut(Schema):
    id: int
    title: str
    kind: str
    description: str
    cohort_id: int


class ThreadSummaryOut(Schema):
    id: int
    title: str
    board_id: int
    author: str
    created_at: datetime
    last_activity_at: datetime
    post_count: int
    unread: int
    pinned: bool = Field(False, description="A tutor pinned it: it lists first.")
    locked: bool = Field(False, description="A tutor locked it: no new posts.")


class AttachmentOut(Schema):
    """A file attached to a post (or uploaded for one not yet written: ``post_id`` null, seen
    only by its uploader). Never names the uploader: an anonymous post's files are anonymous."""

    id: int
    post_id: int | None
    name: str = Field(
        description="The download's name (neutral, e.g. image-1.jpg, when anonymous)."
    )
    kind: Literal["image", "file"]
    content_type: str = Field(description="What the stored file is (sniffed; images re-encoded).")
    size: int = Field(description="Bytes.")
    width: int | None = None
    height: int | None = None
    url: str = Field(
        description="The file on the site (signed-in browsers): /attachments/{id}/{name}."
    )
    api_url: str = Field(
        description="The file through the API (a token): /api/v1/attachments/{id}."
    )
    markdown: str = Field(description="What to write in a post to show or link it there.")


class PostOut(PostShape):
    attachments: list[AttachmentOut] = Field(
        default_factory=list, description="Files and images attached (none when text is hidden)."
    )
    hidden_reason: str = ""
    mine: bool
    can_edit: bool
    reactions: dict[str, int] = Field(
        description="How many of each reaction (helpful, me_too, thank_you) the post has."
    )
    my_reactions: list[str] = Field(description="The kinds the caller has given this post.")


class ReactionIn(Schema):
    # Checked by the service (400 ``invalid_reaction``), so the API and the page say the same.
    kind: str = Field(..., max_length=50, description="helpful, me_too or thank_you")
    anonymous: bool = Field(
        False, description="Not named to peers (only where the cohort allows anonymity)."
    )


class ReactionsOut(Schema):
    post_id: int
    reactions: dict[str, int]
    my_reactions: list[str]


class ThreadOut(Schema):
    id: int
    title: str
    board_id: int
    cohort_id: int
    author: str
    created_at: datetime
    pinned: bool = False
    locked: bool = Field(False, description="A tutor locked it: no new posts until unlocked.")
    posts: list[PostOut]
    next: str | None = Field(
        None, description="The URL of the next page of posts, or null on the last page."
    )


class ThreadIn(Schema):
    # Length limits are checked by the service, so that the API and the forms say the same.
    title: str = Field(..., max_length=1000)
    body: str = Field(..., max_length=MAX_POST_LENGTH * 2)
    anonymous: bool = False
    publish_at: DateTimeIn | None = Field(
        None,
        description="Tutors only: schedule the thread; members see nothing of it before then.",
    )


class PostIn(Schema):
    body: str = Field(..., max_length=MAX_POST_LENGTH * 2)
    reply_to: int | None = None
    anonymous: bool = False
    attachments: list[int] = Field(
        default_factory=list,
        max_length=20,
        description="Ids of your uploads to this thread (POST /threads/{id}/attachments) to "
        "attach; ![alt](their url) in the body shows an image there.",
    )


class PostPatch(Schema):
    body: str = Field(..., max_length=MAX_POST_LENGTH * 2)


class HideIn(Schema):
    reason: str = Field(..., max_length=500)


class FlagIn(Schema):
    reason: str = Field("", max_length=500)


class FlagOut(Schema):
    id: int
    post_id: int
    reason: str
    created_at: datetime
    resolved: bool


class ScheduledOut(Schema):
    id: int
    title: str
    body: str = Field(description="The opening post's text (Markdown), as it will go out.")
    board_id: int
    publish_at: datetime
    author: str


class PromptIn(Schema):
    title: str = Field(..., max_length=1000)
    body: str = Field(..., max_length=MAX_POST_LENGTH * 2)
    publish_at: DateTimeIn


class SeriesIn(Schema):
    prompts: list[PromptIn] = Field(..., min_length=1, max_length=MAX_PROMPTS)


class ReschedulePatch(Schema):
    """Any of them; what is left out stays as it was."""

    title: str | None = Field(None, max_length=1000)
    # Checked by the service like any post's text (400 ``invalid``), so the page says the same.
    body: str | None = Field(None, max_length=MAX_POST_LENGTH * 2)
    publish_at: DateTimeIn | None = None


# --- Live events: /ws/threads/{id}/ ---------------------------------------------------------
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


class ModeratedThread(Schema):
    id: int
    board_id: int
    pinned: bool
    locked: bool


class ThreadModerated(StreamMessage):
    """A tutor pinned, unpinned, locked or unlocked a thread, on its stream and (once it is
    published, on a board that lists threads to members) its board's: open pages fetch the
    thread's state or the board's list as their reader may see it."""

    type: Literal["thread.moderated"] = "thread.moderated"
    thread: ModeratedThread


# --- Live events: /ws/boards/{id}/ ----------------------------------------------------------
class ReactedPost(Schema):
    id: int
    thread_id: int


class PostReacted(StreamMessage):
    """Someone reacted to a post or took a reaction back: open thread pages fetch the post as
    their reader may see it. It names nobody and carries no counts (who may be named is the
    server's to decide, per reader)."""

    type: Literal["post.reacted"] = "post.reacted"
    post: ReactedPost


class BoardUpdated(StreamMessage):
    """A thread was published on the board: open board pages offer to show it. It names no
    thread, title or author: the page that follows is the server's, as the reader may see it,
    and nothing needs taking back from the log when a thread is retracted."""

    type: Literal["board.updated"] = "board.updated"
    board_id: int


class SubscriptionIn(Schema):
    # Checked by the service (400 ``invalid_level``), so the API and the page say the same.
    level: str = Field(..., max_length=20, description="watching, tracking, normal or muted")


class SubscriptionOut(Schema):
    level: Literal["watching", "tracking", "normal", "muted"] = Field(
        description="The level in force for the caller."
    )
    source: Literal["thread", "board", "default"] = Field(
        description="Where it comes from: the thread's own level, its board's, or the default "
        "(tracking)."
    )
    chosen: bool = Field(
        description="The caller chose it (false for the default: a thread they started or "
        "replied to is watched until they choose)."
    )


class DraftIn(Schema):
    # Lengths are checked by the service (400 ``too_long``), as for the page's autosave.
    body: str = ""
    title: str = Field("", description="A new thread's title (ignored for a reply).")
    reply_to: int | None = Field(None, description="A post of the thread the reply answers.")


class DraftOut(Schema):
    body: str
    title: str
    reply_to: int | None
    updated_at: datetime
