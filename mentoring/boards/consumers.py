"""The sockets of boards: a thread's posts (``/ws/threads/{id}/``) and a board's new threads
(``/ws/boards/{id}/``), on the streams ``mentoring.boards.events`` names."""

from __future__ import annotations

from django.urls import path

from mentoring.boards.events import board_group, thread_group
from mentoring.boards.selectors import board_access, thread_access
from mentoring.core.batching import Batched
from mentoring.realtime.consumers import LiveConsumer, Subscription
from mentoring.rules.visibility import board_lists_threads_to_members

# (user, thread id) → (the thread's cohort, whether the user tutors it), or None when they may
# not see it: the sockets opening together are checked in one trip (``Batched``).
_thread_access = Batched(thread_access)


class ThreadConsumer(LiveConsumer):
    async def authorize(self, user) -> Subscription | None:
        thread_id = int(self.scope["url_route"]["kwargs"]["thread_id"])
        access = await _thread_access((user, thread_id))
        if access is None:
            return None
        cohort_id, tutor = access
        return Subscription(thread_group(thread_id), "tutor" if tutor else "member", cohort_id)


_board_access = Batched(board_access)


class BoardConsumer(LiveConsumer):
    async def authorize(self, user) -> Subscription | None:
        board_id = int(self.scope["url_route"]["kwargs"]["board_id"])
        board = await _board_access((user, board_id))
        # Nothing for them when they may not see the board, or its stream carries nothing for
        # them ("ask a tutor").
        if board is None or not board_lists_threads_to_members(board):
            return None
        return Subscription(board_group(board_id), "member", board.cohort_id)


websocket_urlpatterns = [
    path("ws/threads/<int:thread_id>/", ThreadConsumer.as_asgi()),
    path("ws/boards/<int:board_id>/", BoardConsumer.as_asgi()),
]
