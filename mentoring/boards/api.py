"""Boards, threads and posts. Thin: selectors read, services write, errors are ApiErrors."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from mentoring.boards import moderation, posts, scheduling, selectors
from mentoring.boards.schemas import (
    BoardOut,
    FlagIn,
    FlagOut,
    HideIn,
    PostIn,
    PostOut,
    PostPatch,
    ReschedulePatch,
    ScheduledOut,
    SeriesIn,
    ThreadIn,
    ThreadOut,
    ThreadSummaryOut,
)
from mentoring.cohorts.selectors import visible_cohort
from mentoring.core.api import ApiError, found
from mentoring.core.errors import NotFound
from mentoring.models import Post
from mentoring.participation.services import record_thread_read
from mentoring.rules.permissions import is_tutor

router = Router(tags=["boards"])


def post_out(post: Post) -> dict:
    """A decorated post (see ``selectors.boards.decorate_post``) in the API's shape."""
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
    }


def _own_view(request: HttpRequest, post: Post) -> dict:
    return post_out(found(selectors.visible_post(user=request.user, post_id=post.pk)))


@router.get("/cohorts/{cohort_id}/boards", response=list[BoardOut])
def list_boards(request: HttpRequest, cohort_id: int):
    cohort = found(visible_cohort(user=request.user, cohort_id=cohort_id))
    return list(selectors.visible_boards(user=request.user, cohort=cohort))


@router.get("/boards/{board_id}/threads", response=list[ThreadSummaryOut])
def list_threads(request: HttpRequest, board_id: int):
    board = found(selectors.visible_board(user=request.user, board_id=board_id))
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
        }
        for t in selectors.board_threads(user=request.user, board=board)
    ]


@router.post("/boards/{board_id}/threads", response={201: ThreadOut})
def start_thread(request: HttpRequest, board_id: int, data: ThreadIn):
    board = found(selectors.visible_board(user=request.user, board_id=board_id))
    if data.publish_at is not None:
        if data.anonymous:
            raise ApiError("anonymous_not_allowed", "Tutors post under their own name.")
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
    return 201, _thread_out(found(selectors.thread_page(user=request.user, thread_id=thread.pk)))


def _scheduled_out(thread) -> dict:
    return {
        "id": thread.pk,
        "title": thread.title,
        "board_id": thread.board_id,
        "publish_at": thread.publish_at,
        "author": thread.author.shown_name,
    }


@router.get("/cohorts/{cohort_id}/scheduled-threads", response=list[ScheduledOut])
def list_scheduled(request: HttpRequest, cohort_id: int):
    """The cohort's scheduled threads, soonest first (its tutors only)."""
    cohort = found(visible_cohort(user=request.user, cohort_id=cohort_id))
    if not is_tutor(request.user, cohort):
        raise NotFound()
    return [_scheduled_out(t) for t in scheduling.scheduled_threads(cohort=cohort)]


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


def _thread_out(page: selectors.ThreadPage) -> dict:
    thread = page.thread
    return {
        "id": thread.pk,
        "title": thread.title,
        "board_id": thread.board_id,
        "cohort_id": thread.cohort_id,
        "author": thread.shown_author,
        "created_at": thread.created_at,
        "posts": [post_out(post) for post in page.posts],
    }


@router.get("/threads/{thread_id}", response=ThreadOut)
def get_thread(request: HttpRequest, thread_id: int):
    page = found(selectors.thread_page(user=request.user, thread_id=thread_id))
    record_thread_read(user=request.user, thread=page.thread)
    return _thread_out(page)


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
    return 201, _own_view(request, post)


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
