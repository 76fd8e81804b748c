"""Reactions: "Helpful", "Me too", "Thank you" — one click, the first step beyond reading.

Most members of the Edge Hill module read and never posted, for fear of seeming inadequate; a
reaction costs nothing and takes nothing back from anyone, so it can be given and taken back at
any time (no grace period). The reacted post's row is locked while a reaction changes, so two
clicks racing give one outcome, and the reactor's counter on ``Membership`` changes in the same
transaction.

Privacy (``mentoring.rules.visibility.reactor_visible``): a reactor is named to peers unless
they asked to be anonymous (where the cohort allows it) or have written anonymously in the
thread; tutors always see who. Nobody reacts to their own post: that would name an anonymous
author by what they reacted to.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction

from mentoring.boards import events
from mentoring.boards.selectors import visible_thread
from mentoring.core.errors import Forbidden, Invalid, NotFound
from mentoring.core.ratelimit import check_rate
from mentoring.models import Post, Reaction, User
from mentoring.participation.services import counters as participation
from mentoring.rules.permissions import refuse_unless_cohort_writable
from mentoring.rules.visibility import anonymous_writers

KINDS = tuple(Reaction.Kind.values)


def clean_kind(kind: str | None) -> str:
    if kind not in KINDS:
        raise Invalid(
            "invalid_reaction",
            f"A reaction is one of: {', '.join(KINDS)}.",
            field="kind",
        )
    return kind


def _locked_visible_post(*, post: Post | int, by: User) -> Post:
    """The post, locked, if ``by`` may see it (NotFound otherwise: nothing is learnt)."""
    post_id = post.pk if isinstance(post, Post) else post
    locked = Post.objects.select_for_update(of=("self",)).filter(pk=post_id).first()
    thread = None if locked is None else visible_thread(user=by, thread_id=locked.thread_id)
    if thread is None:
        raise NotFound("There is no such post, or you cannot see it.")
    locked.thread, locked.cohort = thread, thread.cohort
    return locked


def _refuse_unless_reactable(post: Post, *, by: User) -> None:
    if post.is_retracted:
        raise Forbidden("post_retracted", "That post was retracted by its author.")
    if post.is_hidden:
        raise Forbidden("post_hidden", "That post is hidden by a tutor.")
    refuse_unless_cohort_writable(post.thread.cohort)
    if not post.thread.writable:
        raise Forbidden("board_closed", "This board is closed: you can read it, but not react.")
    if post.author_id == by.pk:
        raise Forbidden("own_post", "You cannot react to your own post.")


@transaction.atomic
def add_reaction(
    *, post: Post | int, by: User, kind: str, anonymous: bool = False
) -> tuple[Reaction, bool]:
    """React to a post the caller can see (again: nothing changes). Returns the reaction and
    whether it is new. ``anonymous``: not named to peers (where the cohort allows anonymity)."""
    kind = clean_kind(kind)
    post = _locked_visible_post(post=post, by=by)
    _refuse_unless_reactable(post, by=by)
    cohort = post.cohort
    if anonymous and (not cohort.allow_anonymous_to_peers or post.thread.viewer_is_tutor):
        raise Invalid(
            "anonymous_not_allowed",
            "Tutors react under their own name."
            if post.thread.viewer_is_tutor
            else "This cohort does not allow anonymous reactions.",
            field="anonymous",
        )
    existing = Reaction.objects.filter(post=post, user=by, kind=kind).first()
    if existing is not None:
        return existing, False
    check_rate("react", user=by)  # last: a refused or repeated reaction costs nothing
    reaction = Reaction.objects.create(
        post=post,
        cohort_id=post.cohort_id,
        user=by,
        kind=kind,
        # Sticky: someone who wrote anonymously here stays unnamed even if that post goes.
        anonymous=anonymous or by.pk in anonymous_writers(post.thread),
    )
    participation.reactions_changed(cohort_id=post.cohort_id, changes={by.pk: 1})
    events.post_reacted(post_id=post.pk, thread_id=post.thread_id)
    return reaction, True


@transaction.atomic
def remove_reaction(*, post: Post | int, by: User, kind: str) -> bool:
    """Take a reaction back, at any time (even on a closed board or a hidden post), but not
    in an archived cohort. True if there was one."""
    kind = clean_kind(kind)
    post = _locked_visible_post(post=post, by=by)
    refuse_unless_cohort_writable(post.thread.cohort)
    removed, _ = Reaction.objects.filter(post=post, user=by, kind=kind).delete()
    if removed:
        participation.reactions_changed(cohort_id=post.cohort_id, changes={by.pk: -removed})
        events.post_reacted(post_id=post.pk, thread_id=post.thread_id)
    return bool(removed)


@transaction.atomic
def toggle_reaction(*, post: Post | int, by: User, kind: str) -> bool:
    """The page's one click: react, or take the reaction back. True when now reacted."""
    kind = clean_kind(kind)
    post_id = post.pk if isinstance(post, Post) else post
    if Reaction.objects.filter(post_id=post_id, user=by, kind=kind).exists():
        remove_reaction(post=post_id, by=by, kind=kind)
        return False
    add_reaction(post=post_id, by=by, kind=kind)
    return True


def post_retracted(*, post: Post) -> None:
    """In the retraction's transaction: the post's reactions go with its text (and off their
    reactors' counters); its author's other reactions in the thread stay anonymous to peers if
    the retracted post was anonymous, so taking it back never names them."""
    given = Counter(Reaction.objects.filter(post=post).values_list("user_id", flat=True))
    Reaction.objects.filter(post=post).delete()
    participation.reactions_changed(
        cohort_id=post.cohort_id, changes={user_id: -n for user_id, n in given.items()}
    )
    if post.anonymous:
        Reaction.objects.filter(post__thread_id=post.thread_id, user_id=post.author_id).update(
            anonymous=True
        )
