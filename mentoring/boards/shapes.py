"""Output shapes shared by the boards API and the live ``post.*`` events: importing only
ninja, so the events layer can use them without pulling in the API's imports."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


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
