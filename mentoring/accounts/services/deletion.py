"""A member asks for their account to be deleted; signing in again before it is done cancels.

Asking only records the request (an ``ErasureRequest`` waiting ``COOLING_OFF``) and signs the
person out everywhere, so that using Staffroom again means signing in, which cancels it. The
erasure itself belongs to ``mentoring.privacy.services.erasure``, which hears of the request
through ``mentoring.signals.erasure_requested`` (accounts sits below every feature and imports
none of them).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from mentoring.core.errors import Invalid
from mentoring.models import COOLING_OFF, ErasureRequest, User
from mentoring.realtime import events
from mentoring.signals import erasure_requested

# The one account an erased member's remaining posts are handed to (privacy.services.erasure).
FORMER_MEMBER_USERNAME = "staffroom-former-member"
OPEN_STATES = (ErasureRequest.State.WAITING, ErasureRequest.State.RUNNING)


def open_request(user: User) -> ErasureRequest | None:
    """The account's waiting or running erasure, if any."""
    return ErasureRequest.objects.filter(user=user, state__in=OPEN_STATES).first()


def refuse_former_member(user: User) -> None:
    if user.username == FORMER_MEMBER_USERNAME:
        raise Invalid("not_erasable", "This account holds erased members' kept posts.")


@transaction.atomic
def request_deletion(*, user: User, now: datetime | None = None) -> ErasureRequest:
    """Record the request: the account is erased ``COOLING_OFF`` from now unless its owner signs
    in before then. Every session of theirs ends now. A second request answers the open one."""
    now = now or timezone.now()
    refuse_former_member(user)
    User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time
    existing = open_request(user)
    if existing is not None:
        return existing
    request = ErasureRequest.objects.create(
        user=user, origin=ErasureRequest.Origin.MEMBER, created_at=now, due_at=now + COOLING_OFF
    )
    end_sessions(user)
    events.sessions_invalidated(user_id=user.pk)
    transaction.on_commit(lambda: erasure_requested.send(ErasureRequest, request=request))
    return request


def cancel_on_sign_in(*, user: User, now: datetime | None = None) -> bool:
    """Signing in during the cooling-off period cancels the request. True if it did."""
    return bool(
        ErasureRequest.objects.filter(user=user, state=ErasureRequest.State.WAITING).update(
            state=ErasureRequest.State.CANCELLED, cancelled_at=now or timezone.now()
        )
    )


def end_sessions(user: User) -> int:
    """Delete every session signed in as ``user`` (found by decoding: sessions have no user
    column), and with them the sign-in state allauth keeps there. Returns how many."""
    ended = []
    for session in Session.objects.iterator():
        try:
            data = session.get_decoded()
        except Exception:  # noqa: BLE001 - an unreadable session belongs to nobody
            continue
        if str(data.get("_auth_user_id")) == str(user.pk):
            ended.append(session.session_key)
    for key in ended:
        events.session_ended(session_key=key)
    return Session.objects.filter(session_key__in=ended).delete()[0]
