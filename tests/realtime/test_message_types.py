"""Each feature declares its live events in its own ``schemas.py``; defining one registers its
``type`` with ``mentoring.realtime.schemas``, which validates every sent text by it (the
``live_events_match_their_schemas`` fixture) and lets no two classes claim one type."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import ValidationError

from mentoring.realtime.schemas import StreamMessage, live_message, message_types

# The public surface: every message type a socket may receive, and who declares it.
DECLARED_BY = {
    "ready": "mentoring.realtime.schemas",
    "resync": "mentoring.realtime.schemas",
    "post.created": "mentoring.boards.schemas",
    "post.edited": "mentoring.boards.schemas",
    "post.hidden": "mentoring.boards.schemas",
    "post.retracted": "mentoring.boards.schemas",
    "post.reacted": "mentoring.boards.schemas",
    "board.updated": "mentoring.boards.schemas",
    "thread.moderated": "mentoring.boards.schemas",
    "notification": "mentoring.notifications.schemas",
    "notification.withdrawn": "mentoring.notifications.schemas",
    "member.updated": "mentoring.participation.schemas",
    "inbox.updated": "mentoring.inbox.schemas",
    "solution.saved": "scenarios.schemas",
}


def test_every_message_type_is_declared_by_the_feature_that_sends_it():
    import config.routing  # noqa: F401  (every socket, and through them the features' events)
    import mentoring.inbox.events  # noqa: F401
    import scenarios.events  # noqa: F401

    assert {kind: cls.__module__ for kind, cls in message_types().items()} == DECLARED_BY


def test_a_sent_text_is_validated_by_the_class_its_type_names():
    import mentoring.inbox.schemas  # noqa: F401

    message = live_message.validate_json('{"seq":3,"type":"inbox.updated","cohort_id":7}')
    assert (type(message).__name__, message.seq, message.cohort_id) == ("InboxUpdated", 3, 7)
    with pytest.raises(ValidationError):
        live_message.validate_json('{"seq":3,"type":"inbox.updated"}')  # no cohort_id
    with pytest.raises(ValueError, match="no live message has the type 'nobody.sends.this'"):
        live_message.validate_json('{"seq":3,"type":"nobody.sends.this"}')


def test_two_classes_cannot_claim_one_type():
    import mentoring.inbox.schemas  # noqa: F401

    with pytest.raises(TypeError, match="'inbox.updated' is claimed by mentoring.inbox.schemas"):

        class Impostor(StreamMessage):
            type: Literal["inbox.updated"] = "inbox.updated"

    assert message_types()["inbox.updated"].__module__ == "mentoring.inbox.schemas"
