"""Boards, threads and posts. Thin: selectors read, services write, errors are the domain's."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from mentoring.boards import selectors
from mentoring.boards.schemas import (
    BoardOut,
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
    ThreadIn,
    ThreadOut,
    ThreadSummaryOut,
)
from mentoring.boards.services import moderation, posts, reactions, scheduling
from mentoring.cohorts.selectors import visible_cohort
from mentoring.core.api import (
    CURSOR_QUERY_DESCRIPTION,
    api_page,
    found,
    limit_query,
)
from mentoring.core.errors import Invalid, NotFound
from mentoring.core.pagination import PageSize, link_header, page_url
from mentoring.models import Post, Thread
from mentoring.participation.services.counters import record_thread_read
from mentoring.rules.permissions import is_tutor
from mentoring.rules.visibility import thread_author_name
from mentoring.signals import thread_opened

router = Router(tags=["boards"])


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
    """Move or retitle a scheduled thread (its tutors)."""
    found(selectors.visible_thread(user=request.user, thread_id=thread_id))
    thread = scheduling.reschedule_thread(
        thread=thread_id, by=request.user, publish_at=data.publish_at, title=data.title
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
    )
    return 201, post_out(selectors.new_post_view(post, viewer=request.user))


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
