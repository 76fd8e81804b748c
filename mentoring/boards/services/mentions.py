"""@mentions: ``@username`` in a post names someone who can see the thread, and tells them.

Who can be mentioned is who can see the thread (``mentoring.rules.visibility.thread_audience_q``):
nobody outside the cohort, on "Ask a tutor" only its author and the tutors. Anyone else's
``@name`` stays plain text, as do mentions past ``MAX_MENTIONS`` in one post (a flood notifies
nobody more). The notification is about the post, so retracting the post withdraws it, and an
edit notifies only people not already told about this post. It names the author as the
mentioned person may see them: an anonymous author stays "a member of this cohort" to peers.
Someone who muted the thread (or its board) is not told.
"""

from __future__ import annotations

from mentoring.boards.selectors import mentionable_users, muted_in
from mentoring.core.rendering import excerpt, mention_candidates
from mentoring.models import Notification, Post, Thread, User
from mentoring.notifications.services.notifications import Notice, notify_many
from mentoring.rules.permissions import is_tutor
from mentoring.rules.visibility import author_name_for


def mentionable(*, thread: Thread, body: str) -> tuple[dict[str, str], dict[str, User]]:
    """For rendering ``body`` in ``thread``: lower-cased username → shown name, and → user."""
    users = mentionable_users(thread=thread, usernames=mention_candidates(body))
    return {name: user.shown_name for name, user in users.items()}, users


def notify_mentioned(*, post: Post, thread: Thread, usernames: list[str], users: dict) -> int:
    """Tell the people ``post`` mentions (``usernames``, as rendered) who have not been told
    about this post yet; never its author. Returns how many were told."""
    already = set(
        Notification.objects.filter(post=post, kind=Notification.Kind.MENTION).values_list(
            "user_id", flat=True
        )
    )
    # Muting a thread (or its board) silences mentions in it too.
    muted = muted_in(thread=thread, user_ids={u.pk for u in users.values()})
    notices = []
    for username in usernames:
        user = users.get(username)
        if user is None or user.pk == post.author_id or user.pk in already | muted:
            continue
        already.add(user.pk)
        name = author_name_for(post, viewer=user, viewer_is_tutor=is_tutor(user, thread.cohort))
        notices.append(
            Notice(
                user=user,
                kind=Notification.Kind.MENTION,
                title=f"{name[:1].upper()}{name[1:]} mentioned you in “{thread.title}”",
                body=excerpt(post.body_html, 300),
                url=post.get_absolute_url(),
                cohort=thread.cohort,
                post=post,
            )
        )
    return len(notify_many(notices))
