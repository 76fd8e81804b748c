"""The sockets of boards: a thread's posts (``/ws/threads/{id}/``) and a board's new threads
(``/ws/boards/{id}/``), on the streams ``mentoring.boards.events`` names."""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.urls import path

from mentoring.boards.events import board_group, thread_group
from mentoring.boards.selectors import visible_board, visible_thread
from mentoring.realtime.consumers import LiveConsumer, Subscription
from mentoring.rules.permissions import is_tutor
from mentoring.rules.visibility import board_lists_threads_to_members


@database_sync_to_async
def _thread_access(user, thread_id: int) -> tuple[int, bool] | None:
    """(the thread's cohort, whether the user tutors it), or None when they may not see it."""
    thread = visible_thread(user=user, thread_id=thread_id)
    if thread is None:
        return None
    return thread.cohort_id, is_tutor(user, thread.cohort)


class ThreadConsumer(LiveConsumer):
    async def authorize(self, user) -> Subscription | None:
        thread_id = int(self.scope["url_route"]["kwargs"]["thread_id"])
        access = await _thread_access(user, thread_id)
        if access is None:
            return None
        cohort_id, tutor = access
        return Subscription(thread_group(thread_id), "tutor" if tutor else "member", cohort_id)


@database_sync_to_async
def _board_access(user, board_id: int) -> int | None:
    """The board's cohort, or None when the user may not see the board or its stream carries
    nothing for them ("ask a tutor")."""
    board = visible_board(user=user, board_id=board_id)
    if board is None or not board_lists_threads_to_members(board):
        return None
    return board.cohort_id


class BoardConsumer(LiveConsumer):
    async def authorize(self, user) -> Subscription | None:
        board_id = int(self.scope["url_route"]["kwargs"]["board_id"])
        cohort_id = await _board_access(user, board_id)
        if cohort_id is None:
            return None
        return Subscription(board_group(board_id), "member", cohort_id)


websocket_urlpatterns = [
    path("ws/threads/<int:thread_id>/", ThreadConsumer.as_asgi()),
    path("ws/boards/<int:board_id>/", BoardConsumer.as_asgi()),
]
