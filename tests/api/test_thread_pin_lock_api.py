"""Pin and lock through the API: tutors 204; members 403 for threads they see, 404 otherwise;
a locked thread's posts are 403 ``thread_locked``."""

from __future__ import annotations

import pytest

from mentoring.models import Board, Thread

pytestmark = pytest.mark.django_db


def _start(api, user, board):
    response = api(user).post(f"/api/v1/boards/{board.pk}/threads", {"title": "T", "body": "b"})
    assert response.status_code == 201
    return response.data["id"]


def test_tutors_pin_and_lock_members_cannot(api, cohort, tutor, members, outsider):
    general = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    private = Board.objects.get(cohort=cohort, kind=Board.Kind.PRIVATE)
    thread_id = _start(api, members[0], general)
    asked = _start(api, members[0], private)
    for what in ("pin", "lock"):
        url = f"/api/v1/threads/{thread_id}/{what}"
        assert api(members[1]).post(url).status_code == 403
        assert api(outsider).post(url).status_code == 404
        assert api(members[1]).post(f"/api/v1/threads/{asked}/{what}").status_code == 404
        assert api(tutor).post(url).status_code == 204
    listed = api(members[1]).get(f"/api/v1/boards/{general.pk}/threads").data[0]
    assert listed["pinned"] is True and listed["locked"] is True
    read = api(members[1]).get(f"/api/v1/threads/{thread_id}").data
    assert read["pinned"] is True and read["locked"] is True
    refused = api(members[1]).post(f"/api/v1/threads/{thread_id}/posts", {"body": "More"})
    assert refused.status_code == 403 and refused.data["code"] == "thread_locked"
    assert api(tutor).post(f"/api/v1/threads/{thread_id}/posts", {"body": "Me"}).status_code == 403
    for what in ("pin", "lock"):
        assert api(tutor).delete(f"/api/v1/threads/{thread_id}/{what}").status_code == 204
    stored = Thread.objects.get(pk=thread_id)
    assert not stored.is_pinned and not stored.is_locked
    assert (
        api(members[1]).post(f"/api/v1/threads/{thread_id}/posts", {"body": "M"}).status_code == 201
    )
