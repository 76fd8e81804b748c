"""Whose name a reader sees on a post or a thread: the one privacy rule for author names.

Every page, API response, websocket payload, notification, email and CSV asks here. A post (or
a thread) written anonymously to peers shows ``ANONYMOUS_NAME`` to everyone but its author and
the cohort's tutors.
"""

from __future__ import annotations

from mentoring.models import Post, User

ANONYMOUS_NAME = "a member of this cohort"


def author_name_for(post: Post, *, viewer: User | None, viewer_is_tutor: bool) -> str:
    """The author as ``viewer`` may see them: anonymous posts hide the name from peers only."""
    if post.anonymous and not viewer_is_tutor and (viewer is None or viewer.pk != post.author_id):
        return ANONYMOUS_NAME
    return post.author.shown_name
