"""Threads and posts: writing, editing and retracting within the grace period.

The grace period is the research's answer to a board that "prohibited rather than liberated"
discussion: an author may take back what they wrote for ``cohort.edit_grace_seconds``. The
server alone decides whether that time is over, with the post's row locked, so an edit and a
retraction racing at the boundary get exactly one outcome each and never both win.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.postgres.search import SearchVector
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, Value
from django.urls import reverse
from django.utils import timezone

from mentoring.boards import events
from mentoring.boards.selectors import visible_board, visible_thread
from mentoring.boards.services import attachments, mentions, reactions, subscriptions
from mentoring.boards.services import drafts as draft_store
from mentoring.core.errors import Forbidden, Invalid, NotFound
from mentoring.core.ratelimit import check_rate
from mentoring.core.rendering import ShownImage, excerpt, render_post
from mentoring.core.uploads import CleanFile
from mentoring.inbox.services import inbox
from mentoring.models import (
    MAX_POST_LENGTH,
    Board,
    Notification,
    Nudge,
    Post,
    PostAttachment,
    PostFlag,
    PostRevision,
    Thread,
    User,
)
from mentoring.notifications import events as notification_events
from mentoring.notifications.services.notifications import notify, withdraw_notifications_about
from mentoring.participation.services import counters as participation
from mentoring.rules.permissions import is_tutor, refuse_unless_cohort_writable
from mentoring.rules.search import SEARCH_CONFIG
from mentoring.rules.visibility import author_name_for

GRACE_PERIOD_OVER = "grace_period_over"
MAX_TITLE_LENGTH = 200


def tag_url(cohort_id: int, tag: str) -> str:
    """The tag search a hashtag links to (baked into the rendered HTML at write time)."""
    return reverse("tag_search", kwargs={"cohort_id": cohort_id, "tag": tag})


def visible_thread_or_404(*, user: User, thread_id: int) -> Thread:
    thread = visible_thread(user=user, thread_id=thread_id)
    if thread is None:
        raise NotFound("There is no such thread, or you cannot see it.")
    return thread


BOARD_CLOSED = "board_closed"
THREAD_LOCKED = "thread_locked"


def _refuse_unless_writable(board_or_thread: Board | Thread) -> None:
    """A board outside its window (e.g. a scenario group's, after the release closed) is
    read-only; the selectors set ``writable`` from ``rules.visibility.board_writable``. An
    archived cohort's boards are all read-only (``cohort_archived``)."""
    refuse_unless_cohort_writable(board_or_thread.cohort)
    if not board_or_thread.writable:
        raise Forbidden(BOARD_CLOSED, "This board is closed: you can read it, but not add to it.")


def _clean_body(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise Invalid("invalid", "Write something before posting.", field="body")
    if len(body) > MAX_POST_LENGTH:
        raise Invalid(
            "invalid",
            f"A post can be at most {MAX_POST_LENGTH:,} characters; this one has {len(body):,}.",
            field="body",
        )
    return body


def clean_title(title: str | None) -> str:
    """A thread title on one line, present and not too long (also for scheduled threads)."""
    return _clean_title(title)


def clean_body(body: str | None) -> str:
    """A post's text, present and not too long (scheduling checks a series with it first)."""
    return _clean_body(body)


def _clean_title(title: str | None) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise Invalid("invalid", "Give the thread a title.", field="title")
    if len(title) > MAX_TITLE_LENGTH:
        raise Invalid(
            "invalid", f"A title can be at most {MAX_TITLE_LENGTH} characters.", field="title"
        )
    return title


def _apply_body(
    post: Post, body: str, *, thread: Thread, files: Sequence[PostAttachment] = ()
) -> list[str]:
    """Render ``body`` onto the post; returns whom it mentions (usernames, lower-cased), for
    ``_notify_mentions`` once the post is saved. ``files``: the post's attachments, the only
    images ``![alt](url)`` shows."""
    shown, users = mentions.mentionable(thread=thread, body=body)
    images = {
        a.pk: ShownImage(url=a.get_absolute_url(), width=a.width, height=a.height)
        for a in files
        if a.is_image
    }
    rendered = render_post(
        body, tag_url=lambda tag: tag_url(post.cohort_id, tag), mentionable=shown, images=images
    )
    post.body = body
    post.body_html = rendered.html
    post.hashtags = rendered.hashtags
    post.mentioned_users = users
    return rendered.mentions


def _notify_mentions(post: Post, thread: Thread, usernames: list[str]) -> None:
    if usernames:
        mentions.notify_mentioned(
            post=post, thread=thread, usernames=usernames, users=post.mentioned_users
        )


def _update_search_vector(post: Post, *, title: str = "") -> None:
    """Index the post's text (and its thread's title, for a thread's first post)."""
    vector = SearchVector("body", weight="B", config=SEARCH_CONFIG)
    if title:
        vector = SearchVector(Value(title), weight="A", config=SEARCH_CONFIG) + vector
    Post.objects.filter(pk=post.pk).update(search_vector=vector)


def _locked_own_post(*, post: Post | int, by: User) -> tuple[Post, datetime]:
    """Lock the author's post and read the clock after the lock is held.

    The lock serialises an edit and a retraction (or two of either) of the same post, and the
    time is taken once we hold it: whichever request gets the row decides against the same
    ``editable_until`` the other will see, so at the boundary there is exactly one outcome.
    """
    post_id = post.pk if isinstance(post, Post) else post
    locked = (
        Post.objects.select_for_update(of=("self",))
        .select_related("thread", "cohort", "author")
        .filter(pk=post_id, retracted_at__isnull=True)
        .first()
    )
    if locked is None:
        raise NotFound("There is no such post, or it was retracted.")
    # Someone who cannot see the thread (not even its author, once they have left the cohort)
    # learns nothing about the post: NotFound, not Forbidden.
    locked.thread = visible_thread_or_404(user=by, thread_id=locked.thread_id)
    if locked.author_id != by.pk:
        raise Forbidden("not_author", "Only its author can edit or retract a post.")
    now = timezone.now()
    if not locked.within_grace(now):
        raise Forbidden(
            GRACE_PERIOD_OVER,
            "The time to edit or retract this post is over: it ended at "
            f"{timezone.localtime(locked.editable_until):%H:%M on %d %b %Y}.",
        )
    return locked, now


@dataclass(frozen=True)
class NewThread:
    """A thread to start: its title, its opening post and, for a scheduled one, when."""

    title: str
    body: str
    publish_at: datetime | None = None


@transaction.atomic
def create_thread(
    *,
    board: Board,
    author: User,
    title: str,
    body: str,
    anonymous: bool = False,
    publish_at: datetime | None = None,
    files: Iterable[UploadedFile] = (),
) -> Thread:
    """Start a thread with its first post. On "ask a tutor" only the author and tutors see it.

    With ``publish_at`` the thread is scheduled: only tutors see it until then (checks and the
    publishing itself are in ``mentoring.boards.services.scheduling``, which passes it).
    ``files``: uploads to attach to the opening post (``boards.services.attachments``).
    """
    draft = NewThread(title=title, body=body, publish_at=publish_at)
    return create_threads(
        board=board, author=author, drafts=[draft], anonymous=anonymous, files=files
    )[0]


@transaction.atomic
def create_threads(
    *,
    board: Board,
    author: User,
    drafts: list[NewThread],
    anonymous: bool = False,
    files: Iterable[UploadedFile] = (),
) -> list[Thread]:
    """Start several threads on one board as one action (a term of scheduled prompts): all of
    them, or (any refused) none. Everything is checked before the rate limit counts the action,
    once, whatever the number of threads: a refused attempt costs nothing."""
    checked = visible_board(user=author, board_id=board.pk)
    if checked is None:
        raise NotFound("There is no such board, or you cannot see it.")
    _refuse_unless_writable(checked)
    cleaned = [(_clean_title(d.title), _clean_body(d.body), d.publish_at) for d in drafts]
    _refuse_anonymous(
        cohort=checked.cohort, anonymous=anonymous, author_is_tutor=checked.viewer_is_tutor
    )
    new_files = attachments.clean_files(files)
    if new_files and len(drafts) != 1:
        raise Invalid("attachment_too_many", "Attach files to one thread at a time.")
    _check_upload_rate(author, new_files)
    check_rate("post", user=author)
    draft_store.discard(user=author, board=checked, thread=None)  # it is posted
    with attachments.files_undone_on_error():
        return [
            _start_thread(
                board=checked,
                author=author,
                title=title,
                body=body,
                anonymous=anonymous,
                publish_at=publish_at,
                new_files=new_files,
            )
            for title, body, publish_at in cleaned
        ]


def _check_upload_rate(user: User, new_files: list[CleanFile]) -> None:
    if new_files:
        check_rate("upload", user=user, cost=len(new_files))


def _start_thread(
    *,
    board: Board,
    author: User,
    title: str,
    body: str,
    anonymous: bool,
    publish_at: datetime | None,
    new_files: list[CleanFile] = (),
) -> Thread:
    now = timezone.now()
    thread = Thread.objects.create(
        board=board,
        cohort_id=board.cohort_id,
        author=author,
        anonymous=anonymous,
        title=title,
        created_at=now,
        last_activity_at=now,
        state=Thread.State.SCHEDULED if publish_at else Thread.State.PUBLISHED,
        publish_at=publish_at,
    )
    thread.cohort, thread.viewer_is_tutor = board.cohort, board.viewer_is_tutor
    _add_post(
        thread=thread,
        author=author,
        body=body,
        reply_to=None,
        anonymous=anonymous,
        opening=True,
        new_files=new_files,
    )
    if thread.state == Thread.State.PUBLISHED:  # a scheduled one is announced when it goes out
        events.thread_published(thread)
    return thread


@transaction.atomic
def create_post(
    *,
    thread: Thread,
    author: User,
    body: str,
    reply_to: Post | int | None = None,
    anonymous: bool = False,
    files: Iterable[UploadedFile] = (),
    attachment_ids: Iterable[int] = (),
) -> Post:
    """Add a post (or a reply to one of the thread's posts) to a thread the author can see.

    ``files``: uploads to attach; ``attachment_ids``: the author's own uploads to this thread
    waiting for a post (``upload_attachment``, the API's way)."""
    if getattr(thread, "checked_for", None) != author.pk:  # not already read for them
        thread = visible_thread_or_404(user=author, thread_id=thread.pk)
    _refuse_unless_writable(thread)
    if thread.locked_at is not None:
        raise Forbidden(THREAD_LOCKED, "This thread is locked: a tutor has closed it to replies.")
    body = _clean_body(body)
    parent = None
    if reply_to is not None:
        parent_id = reply_to.pk if isinstance(reply_to, Post) else reply_to
        parent = Post.objects.select_related("author").filter(pk=parent_id).first()
        if parent is None or parent.thread_id != thread.pk:
            raise Invalid(
                "invalid_reply_to", "You can only reply to a post in this thread.", field="reply_to"
            )
        if parent.is_retracted:
            raise Invalid(
                "invalid_reply_to", "That post was retracted by its author.", field="reply_to"
            )
    _refuse_anonymous(
        cohort=thread.cohort, anonymous=anonymous, author_is_tutor=thread.viewer_is_tutor
    )
    claimed = attachments.pending(ids=attachment_ids, thread=thread, by=author)
    new_files = attachments.clean_files(files, already=len(claimed))
    _check_upload_rate(author, new_files)
    check_rate("post", user=author)  # last: a refused post costs nothing
    draft_store.discard(user=author, board=thread.board_id, thread=thread)  # it is posted
    with attachments.files_undone_on_error():
        return _add_post(
            thread=thread,
            author=author,
            body=body,
            reply_to=parent,
            anonymous=anonymous,
            new_files=new_files,
            claimed=claimed,
        )


@transaction.atomic
def upload_attachment(
    *, thread: Thread | int, by: User, file: UploadedFile | None
) -> PostAttachment:
    """Upload a file for a post not yet written in ``thread`` (the API: upload, then post with
    its id, and ``![alt](url)`` in the text shows an image where it is written). Only its
    uploader sees it until then; unused, it is deleted a day later."""
    thread_id = thread.pk if isinstance(thread, Thread) else thread
    checked = visible_thread_or_404(user=by, thread_id=thread_id)
    _refuse_unless_writable(checked)
    if checked.locked_at is not None:
        raise Forbidden(THREAD_LOCKED, "This thread is locked: a tutor has closed it to replies.")
    waiting = PostAttachment.objects.filter(
        uploaded_by=by, thread=checked, post__isnull=True
    ).count()
    new_files = attachments.clean_files([_present(file)], already=waiting)
    _check_upload_rate(by, new_files)
    attachments.forget_stale(by=by)
    with attachments.files_undone_on_error():
        return attachments.store(new_files, thread=checked, by=by)[0]


def _present(file: UploadedFile | None) -> UploadedFile:
    if file is None:
        raise Invalid("attachment_missing", "Choose a file to attach.", field="attachments")
    return file


@transaction.atomic
def add_attachment(*, post: Post | int, by: User, file: UploadedFile | None) -> PostAttachment:
    """Attach one more file to the author's post within its grace period (the API's way for a
    thread's opening post); ``edit_post`` with ``files`` on the pages."""
    post_id = post.pk if isinstance(post, Post) else post
    locked, _ = _locked_own_post(post=post_id, by=by)
    before = set(PostAttachment.objects.filter(post=locked).values_list("pk", flat=True))
    edit_post(post=locked.pk, by=by, body=None, files=[_present(file)])
    return PostAttachment.objects.filter(post=locked).exclude(pk__in=before).get()


def _refuse_anonymous(*, cohort, anonymous: bool, author_is_tutor: bool) -> None:
    if anonymous and not cohort.allow_anonymous_to_peers:
        raise Invalid(
            "anonymous_not_allowed",
            "This cohort does not allow anonymous posts.",
            field="anonymous",
        )
    if anonymous and author_is_tutor:
        raise Invalid(
            "anonymous_not_allowed", "Tutors post under their own name.", field="anonymous"
        )


def _add_post(
    *,
    thread: Thread,
    author: User,
    body: str,
    reply_to: Post | None,
    anonymous: bool,
    opening: bool = False,
    new_files: Sequence[CleanFile] = (),
    claimed: Sequence[PostAttachment] = (),
) -> Post:
    cohort = thread.cohort
    author_is_tutor = getattr(thread, "viewer_is_tutor", None)
    if author_is_tutor is None:
        author_is_tutor = is_tutor(author, cohort)
    _refuse_anonymous(cohort=cohort, anonymous=anonymous, author_is_tutor=author_is_tutor)
    # Replies are one level deep: a reply to a reply hangs on the post that started it.
    root = reply_to
    if root is not None and root.reply_to_id is not None:
        root = Post.objects.select_related("author").get(pk=root.reply_to_id)
    now = timezone.now()
    # A scheduled thread's author can edit it until its grace period after publication.
    editable_from = max(now, thread.publish_at) if thread.publish_at else now
    post = Post(
        thread=thread,
        cohort=cohort,
        author=author,
        reply_to=root,
        anonymous=anonymous,
        created_at=now,
        editable_until=editable_from + cohort.grace_period,
    )
    files = list(claimed)
    if anonymous:  # an upload's own name can say who wrote it
        for number, attachment in enumerate(files, start=1):
            attachment.name = attachments.neutral_name(attachment, number)
    files += attachments.store(
        list(new_files), thread=thread, by=author, anonymous=anonymous, numbered_from=len(files) + 1
    )
    mentioned = _apply_body(post, body, thread=thread, files=files)
    post.save()
    for attachment in files:
        attachment.post = post
    PostAttachment.objects.bulk_update(files, ["post", "name"])
    post.posted_with_files = bool(files)  # the answer reads them back only if there are any
    if opening:  # stored before anything downstream asks "is this the opening post?"
        thread.first_post = post
    # The opening post also indexes the thread's title.
    _update_search_vector(post, title=thread.title if opening else "")
    Thread.objects.filter(pk=thread.pk).update(
        last_activity_at=now, first_post_id=thread.first_post_id
    )
    participation.post_added(post=post)
    _notify_reply(post=post, thread=thread, replied_to=reply_to)
    inbox.post_added(post=post, thread=thread, author_is_tutor=author_is_tutor)
    _notify_mentions(post, thread, mentioned)
    # Who starts or replies to a thread watches it (unless they chose a level for it); then
    # everyone watching hears of the post, once, if nothing above told them already.
    subscriptions.watch_by_default(user=author, thread=thread)
    subscriptions.tell_watchers(post=post, thread=thread)
    events.post_created(post)
    return post


def _notify_reply(*, post: Post, thread: Thread, replied_to: Post | None) -> None:
    """Tell the author of the post replied to, and the thread's author, about a reply.

    The notification carries ``post`` so that retracting the reply withdraws it, and its email
    is not due before the reply's grace period ends.
    """
    recipients: dict[int, str] = {}
    if replied_to is not None and replied_to.author_id != post.author_id:
        recipients[replied_to.author_id] = "your post"
    if thread.author_id != post.author_id and thread.author_id not in recipients:
        recipients[thread.author_id] = "your thread"
    # Nothing about a thread reaches someone who muted it (or its board).
    for user_id in set(recipients) - subscriptions.without_muted(
        thread=thread, user_ids=set(recipients)
    ):
        del recipients[user_id]
    if not recipients:
        return
    users = User.objects.in_bulk(list(recipients))
    for user_id, what in recipients.items():
        user = users[user_id]
        name = author_name_for(post, viewer=user, viewer_is_tutor=is_tutor(user, post.cohort))
        notify(
            user=user,
            kind=Notification.Kind.REPLY,
            title=f"{name[:1].upper()}{name[1:]} replied to {what} in “{thread.title}”",
            body=excerpt(post.body_html, 300),
            url=post.get_absolute_url(),
            cohort=post.cohort,
            post=post,
        )


@transaction.atomic
def edit_post(
    *,
    post: Post | int,
    by: User,
    body: str | None,
    files: Iterable[UploadedFile] = (),
    remove: Iterable[int] = (),
) -> Post:
    """Change a post's text within its grace period; the earlier text is kept as a revision
    (until the post is retracted). ``files`` are attached, the attachments ``remove`` names
    are deleted (row and file); ``body=None`` keeps the text."""
    post, now = _locked_own_post(post=post, by=by)
    _refuse_unless_writable(post.thread)
    body = post.body if body is None else _clean_body(body)
    current = list(PostAttachment.objects.filter(post=post))
    remove = {int(pk) for pk in remove}
    removing = [a for a in current if a.pk in remove]
    if len(removing) != len(remove):
        raise Invalid(
            "attachment_unknown", "That attachment is not one of this post's.", field="remove"
        )
    new_files = attachments.clean_files(files, already=len(current) - len(removing))
    if body == post.body and not new_files and not removing:
        return post
    _check_upload_rate(by, new_files)
    with attachments.files_undone_on_error():
        return _apply_edit(post, body, now=now, current=current, remove=remove, new_files=new_files)


def _apply_edit(
    post: Post,
    body: str,
    *,
    now: datetime,
    current: list[PostAttachment],
    remove: set[int],
    new_files: list[CleanFile],
) -> Post:
    kept = [a for a in current if a.pk not in remove]
    for attachment in current:
        if attachment.pk in remove:
            attachment.delete()
    kept += attachments.store(
        new_files,
        thread=post.thread,
        by=post.author,
        post=post,
        anonymous=post.anonymous,
        numbered_from=len(current) + 1,
    )
    if body != post.body:
        PostRevision.objects.create(post=post, body=post.body, replaced_at=now)
    mentioned = _apply_body(post, body, thread=post.thread, files=kept)
    post.edited_at = now
    post.save(update_fields=["body", "body_html", "hashtags", "edited_at"])
    opening = post.pk == post.thread.first_post_id
    _update_search_vector(post, title=post.thread.title if opening else "")
    _requote(post)
    _notify_mentions(post, post.thread, mentioned)  # only people not told about it before
    events.post_edited(post)
    return post


def rewrite_scheduled_opening(*, thread: Thread, body: str | None) -> Post | None:
    """A scheduled thread's opening text, rewritten by one of its tutors before it goes out
    (``scheduling.reschedule_thread`` checked who and when, and holds the thread's lock), and
    re-indexed under the thread's current title. ``None`` keeps the text.

    Nobody but its tutors has read it yet, so no revision is kept and it is not marked edited;
    the rest is an edit's: the same sanitising renderer, the notifications that quote it, and
    the thread's live log rewritten, so a replay after publication shows only the new text."""
    opening = (
        Post.objects.select_for_update(of=("self",))
        .select_related("cohort")
        .filter(pk=thread.first_post_id, retracted_at__isnull=True)
        .first()
    )
    if opening is None:
        return None
    if body is not None:
        body = _clean_body(body)
        if body != opening.body:
            mentioned = _apply_body(opening, body, thread=thread)
            opening.save(update_fields=["body", "body_html", "hashtags"])
            _requote(opening)
            _notify_mentions(opening, thread, mentioned)  # tutors only, while it is scheduled
            events.post_edited(opening)
    _update_search_vector(opening, title=thread.title)
    return opening


# Notifications whose body is an excerpt of the post they are about (a flag's is its reason,
# when the member gave one).
QUOTING_KINDS = (
    Notification.Kind.REPLY,
    Notification.Kind.QUESTION,
    Notification.Kind.PROMPT,
    Notification.Kind.FLAG,
    Notification.Kind.MENTION,
)


def _requote(post: Post) -> None:
    """Notifications quote the post: keep them, and the live log's copies of them, in step
    with what the author now says (words edited away are nowhere to be read again)."""
    quoting = list(
        Notification.objects.filter(post=post, kind__in=QUOTING_KINDS).exclude(
            kind=Notification.Kind.FLAG, body__startswith="Reason: "
        )
    )
    quoted = excerpt(post.body_html, 300)
    for notification in quoting:
        notification.body = quoted
    Notification.objects.bulk_update(quoting, ["body"])
    for notification in quoting:
        notification_events.notification_rewritten(notification)


@transaction.atomic
def retract_post(*, post: Post | int, by: User) -> Post | None:
    """Take a post back within its grace period: its text goes for good.

    Body, rendered HTML, hashtags, search data, earlier revisions and every notification about
    it (so any email not yet sent) are deleted. A tombstone stays only where replies hang on
    the post; otherwise the row goes too (and a thread left with no posts goes with it).
    Returns the tombstone, or None when nothing remains.
    """
    post, now = _locked_own_post(post=post, by=by)
    refuse_unless_cohort_writable(post.cohort)
    return _retract(post, now)


@transaction.atomic
def retract_for_erasure(*, post_id: int) -> bool:
    """Retract a post of an account being erased (``mentoring.privacy.services.erasure``),
    exactly as its author would, whatever the grace period: the text goes from every table and
    the live log; a tombstone stays only where replies hang. False when it was already gone
    (the erasure runs again after a crash)."""
    post = (
        Post.objects.select_for_update(of=("self",))
        .select_related("thread", "cohort", "author")
        .filter(pk=post_id, retracted_at__isnull=True)
        .first()
    )
    if post is None:
        return False
    _retract(post, timezone.now())
    return True


def _retract(post: Post, now: datetime) -> Post | None:
    participation.post_removed(post=post)
    inbox.post_removed(post=post)
    withdraw_notifications_about(post=post)
    reactions.post_retracted(post=post)
    attachments.post_retracted(post=post)
    PostRevision.objects.filter(post=post).delete()
    PostFlag.objects.filter(post=post).delete()
    has_replies = Post.objects.filter(reply_to=post).exists()
    thread_id, post_id = post.thread_id, post.pk
    if post.pk == post.thread.first_post_id:
        _forget_thread_title(thread_id=thread_id)
    if has_replies:
        post.body = ""
        post.body_html = ""
        post.hashtags = []
        post.search_vector = None
        post.retracted_at = now
        post.save(update_fields=["body", "body_html", "hashtags", "search_vector", "retracted_at"])
        events.post_retracted(post_id=post_id, thread_id=thread_id, tombstone=True)
        return post
    post.delete()
    if not Post.objects.filter(thread_id=thread_id).exists():
        Thread.objects.filter(pk=thread_id).delete()
    events.post_retracted(post_id=post_id, thread_id=thread_id, tombstone=False)
    return None


RETRACTED_THREAD_TITLE = "A thread whose opening post was retracted"


def _forget_thread_title(*, thread_id: int) -> None:
    """The title is the opening post's author's words too: it goes with the post, from the
    thread, from the notifications that quote it and from the nudges that invited to it.

    What quotes it is found by id (the notifications about the thread or one of its posts, the
    nudges inviting to it), never by searching for the text: a notification's title is cut to
    200 characters and may hold only the title's beginning (``without_title``)."""
    thread = Thread.objects.select_for_update().get(pk=thread_id)
    if thread.title == RETRACTED_THREAD_TITLE:
        return
    title = thread.title
    quoting = list(
        Notification.objects.filter(Q(post__thread_id=thread_id) | Q(thread_id=thread_id))
    )
    for notification in quoting:
        notification.title = without_title(notification.title, title, cut_at=200)
        notification.body = without_title(notification.body, title)
    Notification.objects.bulk_update(quoting, ["title", "body"])
    # A nudge inviting members to the thread quoted its title in the tutor's message.
    nudges = list(Nudge.objects.filter(thread_id=thread_id))
    for nudge in nudges:
        nudge.message = without_title(nudge.message, title)
    Nudge.objects.bulk_update(nudges, ["message"])
    thread.title = RETRACTED_THREAD_TITLE
    thread.save(update_fields=["title"])
    for notification in quoting:  # and from the live log's copies of them
        notification_events.notification_rewritten(notification)


def without_title(text: str, title: str, *, cut_at: int | None = None) -> str:
    """``text`` with a retracted thread's quoted “title” replaced by the quoted
    ``RETRACTED_THREAD_TITLE``: wherever it appears whole, and at the end where ``text`` was cut
    to ``cut_at`` characters inside it (“Sam replied in “The first 150 characters of…)."""
    replacement = f"“{RETRACTED_THREAD_TITLE}”"
    text = text.replace(f"“{title}”", replacement)
    if cut_at is None:
        return text
    if len(text) >= cut_at:
        for kept in range(min(len(title), len(text) - 1), 0, -1):
            if text.endswith("“" + title[:kept]):
                text = text[: len(text) - kept - 1] + replacement
                break
    return text[:cut_at]
