"""Nudges: a tutor's personal invitation to members who read but do not post.

In the Edge Hill module 72% of 1,100 NQTs read without posting; a nudge names the member and,
ideally, one thread where their experience would help. Each nudge is an in-app notification
(live, emailed per the member's preference) and a ``Nudge`` row whose ``converted_at`` the
participation service sets when the member next posts, so tutors see whether it worked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from mentoring.core.errors import Conflict, Invalid, NotFound
from mentoring.core.ratelimit import check_rate
from mentoring.models import (
    NUDGE_PLACEHOLDERS,
    Board,
    Cohort,
    Membership,
    Notification,
    Nudge,
    Thread,
    User,
)
from mentoring.notifications.services.notifications import Notice, notify_many
from mentoring.participation import events
from mentoring.rules.permissions import can_view_participation, refuse_unless_cohort_writable

# A member is not nudged again within this time unless the tutor overrides: being chased
# every day is the quickest way to make a quiet reader stop reading too.
NUDGE_COOLDOWN = timedelta(days=settings.NUDGE_COOLDOWN_DAYS)
MAX_MESSAGE_LENGTH = 5000
_PLACEHOLDER = re.compile(r"\{(" + "|".join(NUDGE_PLACEHOLDERS) + r")\}")


@dataclass
class NudgeOutcome:
    """Who was nudged, and who was left out because a tutor nudged them recently."""

    nudges: list[Nudge] = field(default_factory=list)
    skipped: list[Membership] = field(default_factory=list)


def render_message(
    template: str,
    *,
    member: User,
    cohort: Cohort,
    thread: Thread | None = None,
    reactions: int = 0,
) -> str:
    """Fill ``{name}``, ``{cohort}``, ``{thread}``, ``{thread_url}`` and ``{reactions}`` (how
    many reactions the member has given, to thank a reader who reacts); other braces stay as
    written, so a tutor's stray ``{`` never breaks sending (unlike ``str.format``)."""
    values = {
        "reactions": str(reactions),
        "name": member.shown_name,
        "cohort": cohort.name,
        "thread": f"“{thread.title}”" if thread else "",
        "thread_url": thread.get_absolute_url() if thread else "",
    }
    text = _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)
    return re.sub(r"[ \t]+", " ", text).strip()


def _check_tutor(cohort: Cohort, tutor: User) -> None:
    if not can_view_participation(tutor, cohort):
        raise NotFound()
    refuse_unless_cohort_writable(cohort)


def _thread_for_nudge(cohort: Cohort, thread: Thread | int | None) -> Thread | None:
    """The thread the nudge invites members to: one every member of the cohort can open."""
    if thread is None:
        return None
    thread_id = thread.pk if isinstance(thread, Thread) else thread
    found = (
        Thread.objects.select_related("board")
        .filter(pk=thread_id, cohort=cohort, board__restricted=False)
        .exclude(board__kind=Board.Kind.PRIVATE)
        .first()
    )
    if found is None:
        raise Invalid(
            "invalid_thread",
            "Choose a thread on one of this cohort's open boards.",
            field="thread",
        )
    return found


@transaction.atomic
def update_nudge_template(*, cohort: Cohort, tutor: User, template: str) -> Cohort:
    """Save the cohort's nudge template, as edited by one of its tutors."""
    _check_tutor(cohort, tutor)
    template = (template or "").strip()
    if not template:
        raise Invalid("empty_message", "The template cannot be empty.", field="template")
    cohort.nudge_template = template[:MAX_MESSAGE_LENGTH]
    cohort.save(update_fields=["nudge_template"])
    return cohort


@transaction.atomic
def nudge_members(
    *,
    cohort: Cohort,
    tutor: User,
    user_ids: Iterable[int],
    message: str | None = None,
    thread: Thread | int | None = None,
    override_cooldown: bool = False,
    now: datetime | None = None,
) -> NudgeOutcome:
    """Nudge members of ``cohort``: all the named users, or (if any is not a member) nobody.

    ``message`` defaults to the cohort's template; placeholders are filled per member. Members
    nudged within ``NUDGE_COOLDOWN`` are skipped unless ``override_cooldown``; if that leaves
    nobody, the request is refused so the tutor learns why nothing was sent.
    """
    _check_tutor(cohort, tutor)
    wanted = list(dict.fromkeys(int(pk) for pk in user_ids))
    if not wanted:
        raise Invalid("no_members", "Choose at least one member to nudge.", field="user_ids")
    template = cohort.nudge_template if message is None else message
    if not (template or "").strip():
        raise Invalid("empty_message", "Write a message for the nudge.", field="message")
    if len(template) > MAX_MESSAGE_LENGTH:
        raise Invalid(
            "message_too_long",
            f"Keep the message under {MAX_MESSAGE_LENGTH} characters.",
            field="message",
        )
    invite_to = _thread_for_nudge(cohort, thread)
    check_rate("nudge", user=tutor)

    # Locked so two tutors nudging the same reader at once cannot both get past the cooldown.
    memberships = {
        m.user_id: m
        for m in Membership.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(cohort=cohort, role=Membership.Role.MEMBER, user_id__in=wanted)
    }
    outsiders = [pk for pk in wanted if pk not in memberships]
    if outsiders:
        # By id only: looking up who they are would tell a tutor the names of people outside
        # the cohort (and whether an id exists at all).
        described = ", ".join(f"id {pk}" for pk in outsiders)
        raise Invalid(
            "not_members",
            f"Not members of this cohort: {described}. Nobody was nudged.",
            user_ids=outsiders,
        )

    now = now or timezone.now()
    outcome = NudgeOutcome()
    to_nudge = []
    for pk in wanted:
        membership = memberships[pk]
        recent = membership.last_nudged_at and now - membership.last_nudged_at < NUDGE_COOLDOWN
        (outcome.skipped if recent and not override_cooldown else to_nudge).append(membership)
    if not to_nudge:
        names = ", ".join(m.user.username for m in outcome.skipped)
        raise Conflict(
            "recently_nudged",
            f"Already nudged in the last {NUDGE_COOLDOWN.days} days: {names}. "
            "Tick “nudge again anyway” to send it regardless.",
            user_ids=[m.user_id for m in outcome.skipped],
        )

    link = (
        invite_to.get_absolute_url()
        if invite_to
        else reverse("dashboard:mine", kwargs={"cohort_id": cohort.pk})
    )
    notices: list[Notice] = []
    for membership in to_nudge:
        text = render_message(
            template,
            member=membership.user,
            cohort=cohort,
            thread=invite_to,
            reactions=membership.reactions,
        )
        outcome.nudges.append(
            Nudge(
                cohort=cohort,
                member=membership.user,
                tutor=tutor,
                message=text,
                thread=invite_to,
                created_at=now,
            )
        )
        notices.append(
            Notice(
                user=membership.user,
                kind=Notification.Kind.NUDGE,
                title=f"A message from {tutor.shown_name}, your tutor in {cohort.name}",
                body=text,
                url=link,
                cohort=cohort,
                thread=invite_to,
            )
        )
    notify_many(notices)
    Nudge.objects.bulk_create(outcome.nudges)
    Membership.objects.filter(pk__in=[m.pk for m in to_nudge]).update(last_nudged_at=now)
    events.members_updated([m.pk for m in to_nudge], cohort.pk)
    return outcome
