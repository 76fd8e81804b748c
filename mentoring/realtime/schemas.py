"""The typed messages of the live streams (as Zulip's ``event_types.py``): the base every event
extends, the control messages of every stream, and the check of a sent text against its type.

Each feature declares its own events in its ``schemas.py`` (``post.*`` and ``board.updated`` in
boards, ``member.updated`` in participation, ``notification*`` in notifications,
``inbox.updated`` in inbox, ``solution.saved`` in scenarios), as a ``StreamMessage`` with a
``type`` literal. Defining the class registers its types here: ``live_message`` validates any
sent text by its ``type`` (tests check every event with it), and two classes cannot claim one
type. This module knows no feature.
"""

from __future__ import annotations

import json
import typing
from typing import Any, Literal

from ninja import Field, Schema


class StreamMessage(Schema):
    # Set when the event is logged (``mentoring.realtime.log``); 0 only while being built.
    seq: int = Field(0, description="Position on its stream: one more than the message before.")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        field = cls.model_fields.get("type")
        if field is not None:
            _register(cls, typing.get_args(field.annotation))


# ``type`` → the class that message is validated by, filled as feature schemas are defined.
_registry: dict[str, type[StreamMessage]] = {}


def _register(cls: type[StreamMessage], kinds: tuple) -> None:
    if not kinds or not all(isinstance(kind, str) for kind in kinds):
        raise TypeError(f"{cls.__qualname__}.type must be a Literal of strings")
    for kind in kinds:
        known = _registry.get(kind)
        same = known is not None and (known.__module__, known.__qualname__) == (
            cls.__module__,
            cls.__qualname__,
        )
        if known is not None and not same:
            raise TypeError(
                f"live message type {kind!r} is claimed by {known.__module__}."
                f"{known.__qualname__} and {cls.__module__}.{cls.__qualname__}"
            )
        _registry[kind] = cls


def message_types() -> dict[str, type[StreamMessage]]:
    """Every registered ``type`` and its class (those of the feature schemas imported so far)."""
    return dict(_registry)


class _LiveMessages:
    """The validation hook: a sent text, checked against the schema its ``type`` names."""

    def validate_json(self, text: str | bytes) -> StreamMessage:
        kind = json.loads(text).get("type")
        cls = _registry.get(kind)
        if cls is None:
            raise ValueError(f"no live message has the type {kind!r}: {text!r}")
        return cls.model_validate_json(text)


live_message = _LiveMessages()


# --- Control messages (every stream) --------------------------------------------------------
class Ready(StreamMessage):
    """First message on a socket: ``seq`` is where the client now stands (its ``since``, when the
    replay follows, else the stream's current seq)."""

    type: Literal["ready"] = "ready"


class Resync(StreamMessage):
    """What followed the client's ``since`` cannot be replayed: refetch, then carry on from
    ``seq``."""

    type: Literal["resync"] = "resync"
