"""Boards, threads and posts. Thin: selectors read, services write, errors are the domain's."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import File, Query, Router, UploadedFile

from mentoring.boards import selectors
from mentoring.boards.schemas import (
    AttachmentOut,
    BoardOut,
    DraftIn,
    DraftOut,
    FlagIn,
    FlagOut,
    HideIn,
    PostIn,
    PostOut,
    PostPatch,
    ReactionIn,
    ReactionsOut,
    ReschedulePatch,
    ScheduledOut,
    SeriesIn,
    SubscriptionIn,
    SubscriptionOut,
    ThreadIn,
    ThreadOut,
    ThreadSummaryOut,
)
from mentoring.boards.services import (
    drafts,
    moderation,
    posts,
    reactions,
    scheduling,
    subscriptions,
)
from mentoring.cohorts.selectors import visible_cohort
from mentoring.core.api import (
    CURSOR_QUERY_DESCRIPTION,
    api_page,
    found,
    limit_query,
)
from mentoring.core.errors import Invalid, NotFound
from mentoring.core.files import private_file_response
from mentoring.core.pagination import PageSize, link_header, page_url
from mentoring.models import Post, PostAttachment, Thread
from mentoring.participation.services.counters import record_thread_read
from mentoring.rules.permissions import is_tutor
from mentoring.rules.visibility import thread_author_name
from mentoring.signals import thread_opened

router = Router(tags=["boards"])
# Optional in the schema so that who may upload is checked first (404), and a missing file is
# the service's 400 ``attachment_missing``, not a validation error before any check.
NO_FILE = File(None)


def post_out(post: Post) -> dict:
    """A decorated post (see ``mentoring.boards.selectors.decorate_post``) in the API's shape."""
    return {
        "id": post.pk,
        "thread_id": post.thread_id,
        "reply_to": post.reply_to_id,
        "author": post.shown_author,
        "author_id": post.author_id if post.author_visible else None,
        "anonymous": post.anonymous,
        "body_html": post.shown_html,
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "editable_until": post.editable_until,
        "retracted": post.is_retracted,
        "hidden": post.is_hidden,
        "hidden_reason": post.hidden_reason
        if post.is_hidden and (post.is_own or post.can_moderate)
        else "",
        "mine": post.is_own,
        "can_edit": post.can_edit,
        "reactions": post.reaction_counts,
        "my_reactions": post.my_reactions,
        "attachments": [attachment_out(a) for a in getattr(post, "attachments_shown", [])],
    }


def attachment_out(attachment: PostAttachment) -> dict:
    url = attachment.get_absolute_url()
    target = "!" if attachment.is_image else ""
    return {
        "id": attachment.pk,
        "post_id": attachment.post_id,
        "name": attachment.name,
        "kind": attachment.kind,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "width": attachment.width,
        "height": attachment.height,
        "url": url,
        "api_url": reverse("api-v1:attachment_file", kwargs={"attachment_id": attachment.pk}),
        "markdown": f"{target}[{attachment.name}]({url})",
    }


def _own_view(request: HttpRequest, post: Post) -> dict:
    return post_out(found(selectors.visible_post(user=request.user, post_id=post.pk)))


BOARDS_PAGE = PageSize(default=100, maximum=500)


@router.get("/cohorts/{cohort_id}/boards", response=list[BoardOut])
def list_boards(
    request: HttpRequest,
    response: HttpResponse,
    cohort_id: int,
    limit: int = limit_query(BOARDS_PAGE),
    cursor: str | None = Query(None, description=CURSOR_QUERY_DESCRIPTION),
):
    """The cohort's boards the caller can see, oldest first; paged (``Link: rel="next"``)."""
    cohort = found(visible_cohort(user=request.user, cohort_id=cohort_id))
    page, _ = api_page(
        request,
        response,
        selectors.visible_boards(user=request.user, cohort=cohort),
        order=["id"],
        size=BOARDS_PAGE,
        limit=limit,
        cursor=cursor,
    )
    return page.items


@router.get("/boards/{board_id}/threads", response=list[ThreadSummaryOut])
def list_threads(
    request: HttpRequest,
    response: HttpResponse,
    board_id: int,
    limit: int = limit_query(selectors.THREADS_PAGE),
    cursor: str | None = Query(None, description=CURSOR_QUERY_DESCRIPTION),
):
    """Threads, pinned first, then newest activity; paged (``Link: rel="next"``)."""
    board = found(selectors.visible_board(user=request.user, board_id=board_id))
    page, _ = api_page(
        request,
        response,
        selectors.board_threads(user=request.user, board=board),
        order=selectors.THREAD_ORDER,
        size=selectors.THREADS_PAGE,
        limit=limit,
        cursor=cursor,
    )
    selectors.decorate_threads(page.items, user=request.user, board=board)
    return [
        {
            "id": t.pk,
            "title": t.title,
            "board_id": t.board_id,
            "author": t.shown_author,
            "created_at": t.created_at,
            "last_activity_at": t.last_activity_at,
            "post_count": t.post_count,
            "unread": t.unread,
            "pinned": t.is_pinned,
            "locked": t.is_locked,
        }
        for t in page.items
    ]


@router.post("/boards/{board_id}/threads", response={201: ThreadOut})
def start_thread(request: HttpRequest, board_id: int, data: ThreadIn):
    board = found(selectors.visible_board(user=request.user, board_id=board_id))
    if data.publish_at is not None:
        if data.anonymous:
            raise Invalid("anonymous_not_allowed", "Tutors post under their own name.")
        thread = scheduling.schedule_thread(
            board=board,
            author=request.user,
            title=data.title,
            body=data.body,
            publish_at=data.publish_at,
        )
    else:
        thread = posts.create_thread(
            board=board,
            author=request.user,
            title=data.title,
            body=data.body,
            anonymous=data.anonymous,
        )
    thread = found(selectors.visible_thread(user=request.user, thread_id=thread.pk))
    page = selectors.thread_posts_page(
        user=request.user, thread=thread, limit=selectors.POSTS_API_PAGE.default
    )
    return 201, _thread_out(thread, page.items, None)


def _scheduled_out(thread) -> dict:
    return {
        "id": thread.pk,
        "title": thread.title,
        "body": thread.first_post.body if thread.first_post_id else "",
        "board_id": thread.board_id,
        "publish_at": thread.publish_at,
        # Only tutors list scheduled threads, and tutors see every author.
        "author": thread_author_name(thread, viewer=None, viewer_is_tutor=True),
    }


SCHEDULED_PAGE = PageSize(default=100, maximum=500)


@router.get("/cohorts/{cohort_id}/scheduled-threads", response=list[ScheduledOut])
def list_scheduled(
    request: HttpRequest,
    response: HttpResponse,
    cohort_id: int,
    limit: int = limit_query(SCHEDULED_PAGE),
    cursor: str | None = Query(None, description=CURSOR_QUERY_DESCRIPTION),
):
    """The cohort's scheduled threads, soonest first (its tutors only); paged
    (``Link: rel="next"``)."""
    cohort = found(visible_cohort(user=request.user, cohort_id=cohort_id))
    if not is_tutor(request.user, cohort):
        raise NotFound()
    page, _ = api_page(
        request,
        response,
        scheduling.scheduled_queryset(cohort=cohort),
        order=scheduling.SCHEDULE_ORDER,
        size=SCHEDULED_PAGE,
        limit=limit,
        cursor=cursor,
    )
    return [_scheduled_out(t) for t in page.items]


@router.post("/boards/{board_id}/scheduled-threads", response={201: list[ScheduledOut]})
def schedule_series(request: HttpRequest, board_id: int, data: SeriesIn):
    """A term's worth of prompts at once (tutors): all scheduled, or none."""
    board = found(selectors.visible_board(user=request.user, board_id=board_id))
    threads = scheduling.schedule_series(
        board=board,
        author=request.user,
        prompts=[scheduling.Prompt(p.title, p.body, p.publish_at) for p in data.prompts],
    )
    return 201, [_scheduled_out(t) for t in threads]


@router.patch("/threads/{thread_id}/schedule", response=ScheduledOut)
def reschedule(request: HttpRequest, thread_id: int, data: ReschedulePatch):
    """Edit a scheduled thread in place (its tutors): its time, title or text, before it is
    published (then 400 ``already_published``)."""
    found(selectors.visible_thread(user=request.user, thread_id=thread_id))
    thread = scheduling.reschedule_thread(
        thread=thread_id,
        by=request.user,
        publish_at=data.publish_at,
        title=data.title,
        body=data.body,
    )
    return _scheduled_out(thread)


@router.delete("/threads/{thread_id}/schedule", response={204: None})
def cancel_scheduled(request: HttpRequest, thread_id: int):
    """Cancel a scheduled thread before it goes out (its tutors): it is deleted. 404 to anyone
    else; 400 ``already_published`` once it is out."""
    scheduling.cancel_scheduled_thread(thread=thread_id, by=request.user)
    return 204, None


def _thread_out(thread, posts: list[Post], next_url: str | None) -> dict:
    return {
        "id": thread.pk,
        "title": thread.title,
        "board_id": thread.board_id,
        "cohort_id": thread.cohort_id,
        "author": thread.shown_author,
        "created_at": thread.created_at,
        "pinned": thread.is_pinned,
        "locked": thread.is_locked,
        "posts": [post_out(post) for post in posts],
        "next": next_url,
    }


@router.get("/threads/{thread_id}", response=ThreadOut)
def get_thread(
    request: HttpRequest,
    response: HttpResponse,
    thread_id: int,
    limit: int = limit_query(selectors.POSTS_API_PAGE),
    cursor: str | None = Query(None, description=CURSOR_QUERY_DESCRIPTION),
):
    """The thread and a page of its posts, oldest first; ``next`` (and ``Link: rel="next"``)
    is the next page. Counts as the caller reading the thread."""
    thread = found(selectors.visible_thread(user=request.user, thread_id=thread_id))
    limit = selectors.POSTS_API_PAGE.parse(limit)
    page = selectors.thread_posts_page(user=request.user, thread=thread, limit=limit, cursor=cursor)
    next_url = page_url(request, page.next_cursor)
    for name, value in link_header(next_url).items():
        response[name] = value
    record_thread_read(user=request.user, thread=thread)
    thread_opened.send(sender=Thread, reader=request.user, thread=thread)
    return _thread_out(thread, page.items, next_url)


@router.post("/threads/{thread_id}/posts", response={201: PostOut})
def add_post(request: HttpRequest, thread_id: int, data: PostIn):
    thread = found(selectors.visible_thread(user=request.user, thread_id=thread_id))
    post = posts.create_post(
        thread=thread,
        author=request.user,
        body=data.body,
        reply_to=data.reply_to,
        anonymous=data.anonymous,
        attachment_ids=data.attachments,
    )
    return 201, post_out(selectors.new_post_view(post, viewer=request.user))


@router.post("/threads/{thread_id}/attachments", response={201: AttachmentOut})
def upload_attachment(request: HttpRequest, thread_id: int, file: UploadedFile | None = NO_FILE):
    """Upload one file (multipart, field ``file``) for a post you are about to write in the
    thread; then post with ``"attachments": [id]``. Only you see it until then; unused, it is
    deleted after a day. 400 ``attachment_*`` with the reason when refused (nothing stored)."""
    attachment = posts.upload_attachment(thread=thread_id, by=request.user, file=file)
    return 201, attachment_out(attachment)


@router.post("/posts/{post_id}/attachments", response={201: AttachmentOut})
def add_attachment(request: HttpRequest, post_id: int, file: UploadedFile | None = NO_FILE):
    """Attach one more file (multipart, ``file``) to your post, within its grace period (a
    thread's opening post gets its files this way)."""
    attachment = posts.add_attachment(post=post_id, by=request.user, file=file)
    return 201, attachment_out(attachment)


@router.delete("/posts/{post_id}/attachments/{attachment_id}", response={204: None})
def remove_attachment(request: HttpRequest, post_id: int, attachment_id: int):
    """Take a file off your post within its grace period (the row and the file go)."""
    posts.edit_post(post=post_id, by=request.user, body=None, remove=[attachment_id])
    return 204, None


@router.get("/attachments/{attachment_id}", url_name="attachment_file")
def attachment_file(request: HttpRequest, attachment_id: int):
    """The file itself, to whoever may read its post's text (404 for everyone else)."""
    attachment = found(selectors.visible_attachment(user=request.user, attachment_id=attachment_id))
    if not attachment.file or not attachment.file.storage.exists(attachment.file.name):
        raise NotFound("There is no such attachment, or you cannot see it.")
    return private_file_response(
        attachment.file,
        filename=attachment.name,
        inline=attachment.is_image,
        content_type=attachment.content_type,
    )


@router.patch("/posts/{post_id}", response=PostOut)
def edit_post(request: HttpRequest, post_id: int, data: PostPatch):
    post = posts.edit_post(post=post_id, by=request.user, body=data.body)
    return _own_view(request, post)


@router.delete("/posts/{post_id}", response={204: None})
def retract_post(request: HttpRequest, post_id: int):
    posts.retract_post(post=post_id, by=request.user)
    return 204, None


@router.post("/posts/{post_id}/flags", response={201: FlagOut})
def flag_post(request: HttpRequest, post_id: int, data: FlagIn):
    flag = moderation.flag_post(post=post_id, by=request.user, reason=data.reason)
    return 201, {
        "id": flag.pk,
        "post_id": flag.post_id,
        "reason": flag.reason,
        "created_at": flag.created_at,
        "resolved": flag.resolved_at is not None,
    }


@router.post("/posts/{post_id}/hide", response=PostOut)
def hide_post(request: HttpRequest, post_id: int, data: HideIn):
    post = moderation.hide_post(post=post_id, by=request.user, reason=data.reason)
    return _own_view(request, post)


@router.delete("/posts/{post_id}/hide", response=PostOut)
def unhide_post(request: HttpRequest, post_id: int):
    post = moderation.unhide_post(post=post_id, by=request.user)
    return _own_view(request, post)


@router.post("/threads/{thread_id}/pin", response={204: None})
def pin_thread(request: HttpRequest, thread_id: int):
    """Pin a thread to the top of its board (the cohort's tutors)."""
    moderation.pin_thread(thread=thread_id, by=request.user)
    return 204, None


@router.delete("/threads/{thread_id}/pin", response={204: None})
def unpin_thread(request: HttpRequest, thread_id: int):
    moderation.unpin_thread(thread=thread_id, by=request.user)
    return 204, None


@router.post("/threads/{thread_id}/lock", response={204: None})
def lock_thread(request: HttpRequest, thread_id: int):
    """Lock a thread: nobody adds a post (``403 thread_locked``) until a tutor unlocks it."""
    moderation.lock_thread(thread=thread_id, by=request.user)
    return 204, None


@router.delete("/threads/{thread_id}/lock", response={204: None})
def unlock_thread(request: HttpRequest, thread_id: int):
    moderation.unlock_thread(thread=thread_id, by=request.user)
    return 204, None


def _reactions_out(request: HttpRequest, post_id: int) -> dict:
    post = found(selectors.visible_post(user=request.user, post_id=post_id))
    return {
        "post_id": post.pk,
        "reactions": post.reaction_counts,
        "my_reactions": post.my_reactions,
    }


@router.post("/posts/{post_id}/reactions", response={201: ReactionsOut})
def react(request: HttpRequest, post_id: int, data: ReactionIn):
    """React to a post the caller can see (not their own): ``helpful``, ``me_too`` or
    ``thank_you``. Reacting again with the same kind changes nothing."""
    reactions.add_reaction(post=post_id, by=request.user, kind=data.kind, anonymous=data.anonymous)
    return 201, _reactions_out(request, post_id)


@router.delete("/posts/{post_id}/reactions/{kind}", response={204: None})
def unreact(request: HttpRequest, post_id: int, kind: str):
    """Take a reaction back (at any time); 204 whether or not there was one."""
    reactions.remove_reaction(post=post_id, by=request.user, kind=kind)
    return 204, None


# --- Watching, tracking, muting; drafts ---------------------------------------------------------
def _following_out(following) -> dict:
    return {"level": following.level, "source": following.source, "chosen": following.chosen}


@router.get("/threads/{thread_id}/subscription", response=SubscriptionOut)
def get_thread_subscription(request: HttpRequest, thread_id: int):
    """How closely the caller follows a thread: its own level, else its board's, else
    ``tracking``. 404 for a thread the caller cannot see."""
    _, following = subscriptions.thread_level(user=request.user, thread_id=thread_id)
    return _following_out(following)


@router.put("/threads/{thread_id}/subscription", response=SubscriptionOut)
def set_thread_subscription(request: HttpRequest, thread_id: int, data: SubscriptionIn):
    """Watch (every new post), track (unread counts; replies and mentions), normal (replies
    and mentions) or mute (nothing) a thread the caller can see."""
    following = subscriptions.set_thread_level(
        user=request.user, thread_id=thread_id, level=data.level
    )
    return _following_out(following)


@router.get("/boards/{board_id}/subscription", response=SubscriptionOut)
def get_board_subscription(request: HttpRequest, board_id: int):
    """How closely the caller follows a board (``tracking`` unless they chose)."""
    _, following = subscriptions.board_level(user=request.user, board_id=board_id)
    return _following_out(following)


@router.put("/boards/{board_id}/subscription", response=SubscriptionOut)
def set_board_subscription(request: HttpRequest, board_id: int, data: SubscriptionIn):
    """The caller's level for a board: its threads without a level of their own follow it."""
    following = subscriptions.set_board_level(
        user=request.user, board_id=board_id, level=data.level
    )
    return _following_out(following)


def _draft_out(draft) -> dict:
    return {
        "body": draft.body,
        "title": draft.title,
        "reply_to": draft.reply_to_id,
        "updated_at": draft.updated_at,
    }


@router.get("/threads/{thread_id}/draft", response={200: DraftOut, 204: None})
def get_reply_draft(request: HttpRequest, thread_id: int):
    """The caller's unsent reply to a thread (204 when there is none)."""
    thread = found(selectors.visible_thread(user=request.user, thread_id=thread_id))
    draft = selectors.draft_for(user=request.user, board=thread.board, thread=thread)
    return (200, _draft_out(draft)) if draft else (204, None)


@router.put("/threads/{thread_id}/draft", response={200: DraftOut, 204: None})
def save_reply_draft(request: HttpRequest, thread_id: int, data: DraftIn):
    """Keep the caller's unsent reply (an empty body forgets it: 204). Rate-limited."""
    draft = drafts.save_reply_draft(
        user=request.user, thread_id=thread_id, body=data.body, reply_to=data.reply_to
    )
    return (200, _draft_out(draft)) if draft else (204, None)


@router.get("/boards/{board_id}/draft", response={200: DraftOut, 204: None})
def get_thread_draft(request: HttpRequest, board_id: int):
    """The caller's unsent new thread on a board (204 when there is none)."""
    board = found(selectors.visible_board(user=request.user, board_id=board_id))
    draft = selectors.draft_for(user=request.user, board=board, thread=None)
    return (200, _draft_out(draft)) if draft else (204, None)


@router.put("/boards/{board_id}/draft", response={200: DraftOut, 204: None})
def save_thread_draft(request: HttpRequest, board_id: int, data: DraftIn):
    """Keep the caller's unsent new thread (title and body both empty forget it: 204)."""
    draft = drafts.save_thread_draft(
        user=request.user, board_id=board_id, title=data.title, body=data.body
    )
    return (200, _draft_out(draft)) if draft else (204, None)
