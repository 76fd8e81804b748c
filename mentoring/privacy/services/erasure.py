"""Erasing an account: a member's own request (after a cooling-off period) or staff's, at once.

Afterwards the person's username, e-mail addresses, names and sign-in traces are in no row of
any table: the account row itself is deleted. What they wrote follows each cohort's
``post_policy``: ``remove`` retracts every post exactly as the author would
(``boards.services.posts.retract_for_erasure``: tombstones only where replies hang), ``keep``
leaves the posts up under the one shared "a former member" account. Either way what remains
of their posts and threads (tombstones, kept posts, threads others replied in) is handed to
that account, so nothing of theirs points at an id that goes.

The work runs in the background in steps (``ErasureRequest.Step``). Each step runs in one
transaction that holds the request's row lock and moves ``step`` on when it commits, and every
step can run again from the start (it works from what is still there): a worker killed half-way
leaves the request ``running`` at the step it was in, and ``resume_interrupted`` (every worker
calls it when it starts) queues it again. Two workers on one request take turns at the lock.

The memberships go with the account, and with them the member's participation counters: the
cohort's dashboard then counts its remaining members, whose own counters do not change.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult
from lti_tool.models import LtiUser

from mentoring.accounts.services.deletion import (
    FORMER_MEMBER_USERNAME,
    end_sessions,
    open_request,
    refuse_former_member,
)
from mentoring.boards import events as board_events
from mentoring.boards.services.attachments import neutral_name
from mentoring.boards.services.posts import retract_for_erasure
from mentoring.models import (
    Board,
    Cohort,
    Draft,
    ErasureRequest,
    Invitation,
    JoinConfirmation,
    JoinRequest,
    LiveEvent,
    Membership,
    Notification,
    Nudge,
    OutgoingMail,
    Post,
    PostAttachment,
    PostFlag,
    PostRevision,
    ReadEvent,
    ResourceView,
    Subscription,
    Thread,
    ThreadReadState,
    User,
)
from mentoring.notifications import events as notification_events
from mentoring.realtime import events

logger = logging.getLogger(__name__)

FORMER_MEMBER_NAME = "a former member"

State, Step = ErasureRequest.State, ErasureRequest.Step
STEPS = [Step.REVOKE, Step.POSTS, Step.ACTIVITY, Step.TRACES, Step.ACCOUNT]

# Queued work that names one of the person's rows (task args are ids only): task → the ids.
_TASK_PATHS = {
    "notification": "mentoring.notifications.services.tasks.send_notification_email",
    "digest": "mentoring.notifications.services.tasks.send_daily_digest",
    "mail": "mentoring.accounts.services.mail.send_account_mail",
    "invitation": "mentoring.invitations.services.tasks.send_invitation",
    "confirmation": "mentoring.invitations.services.tasks.send_join_confirmation",
}


# --- Asking (a member's own request: ``mentoring.accounts.services.deletion``) ----------------
@transaction.atomic
def erase_now(*, user: User, now: datetime | None = None) -> ErasureRequest:
    """Staff erase the account at once: a waiting request starts now, a running one is
    answered as it is. The caller runs it (``run_erasure``) or leaves it to the worker."""
    now = now or timezone.now()
    refuse_former_member(user)
    User.objects.select_for_update().filter(pk=user.pk).first()
    request = open_request(user)
    if request is not None and request.state == State.RUNNING:
        return request
    if request is None:
        request = ErasureRequest(user=user, origin=ErasureRequest.Origin.STAFF, created_at=now)
    request.state, request.due_at, request.started_at = State.RUNNING, now, now
    request.save()
    enqueue(request)
    return request


def enqueue(request: ErasureRequest) -> None:
    run_after = request.due_at if request.state == State.WAITING else None
    queued = erase_account.using(run_after=run_after) if run_after else erase_account
    transaction.on_commit(lambda: queued.enqueue(request.pk))


def resume_interrupted(now: datetime | None = None) -> list[int]:
    """Queue every erasure a dead worker left running, and every one overdue (its queued task
    lost): a worker calls this when it starts. A duplicate is harmless (steps take turns at the
    row lock and each can run again); returns the request ids queued."""
    now = now or timezone.now()
    ids = list(
        ErasureRequest.objects.filter(
            Q(state=State.RUNNING) | Q(state=State.WAITING, due_at__lte=now)
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        erase_account.enqueue(pk)
    return ids


# --- Running ----------------------------------------------------------------------------------
@task()
def erase_account(request_id: int) -> str:
    """Background: run the erasure's remaining steps; returns the state it ends in."""
    return run_erasure(request_id).state


def run_erasure(request_id: int, *, now: datetime | None = None) -> ErasureRequest:
    """Run what is left of the request, one committed step at a time. A waiting request not yet
    due, or a cancelled one, is left as it is."""
    while True:
        with transaction.atomic():
            request = ErasureRequest.objects.select_for_update().get(pk=request_id)
            current = now or timezone.now()
            if request.state == State.WAITING and request.due_at <= current:
                request.state, request.started_at = State.RUNNING, current
                request.save(update_fields=["state", "started_at"])
            if request.state != State.RUNNING:
                return request
            step = Step(request.step)
            counts = _STEP_WORK[step](request, request.user) if request.user_id else {}
            summary = Counter(request.summary)
            summary.update({k: v for k, v in counts.items() if v})
            request.summary = dict(summary)
            following = STEPS.index(step) + 1
            request.step = STEPS[following] if following < len(STEPS) else Step.DONE
            if request.step == Step.DONE:
                request.state, request.finished_at, request.user = State.DONE, current, None
            request.save()
            logger.info("erasure %s: %s done", request.pk, step)
        if request.state == State.DONE:
            return request


def _revoke(request: ErasureRequest, user: User) -> dict:
    """Nothing works for them any more: sign-in, sessions, API tokens, open sockets (4403)."""
    request.cohort_ids = sorted(
        set(Membership.objects.filter(user=user).values_list("cohort_id", flat=True))
        | set(Post.objects.filter(author=user).values_list("cohort_id", flat=True))
    )
    user.is_active = False
    user.set_unusable_password()
    # The save's receiver (mentoring.accounts.receivers) closes every socket of theirs (4403).
    user.save(update_fields=["is_active", "password"])
    live = user.staffroom_tokens.filter(revoked_at__isnull=True)
    tokens = list(live.values_list("pk", flat=True))
    user.staffroom_tokens.filter(pk__in=tokens).update(revoked_at=timezone.now())
    for token_id in tokens:
        events.token_revoked(token_id=token_id)
    return {"api_tokens_revoked": len(tokens), "sessions_ended": end_sessions(user)}


def former_member() -> User:
    """The one account every erased member's remaining posts and threads belong to. It cannot
    sign in, and is shown as "a former member" to everyone, tutors included."""
    user, created = User.objects.get_or_create(
        username=FORMER_MEMBER_USERNAME,
        defaults={"display_name": FORMER_MEMBER_NAME, "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _posts(request: ErasureRequest, user: User) -> dict:
    """Each post as its cohort says: retracted (``remove``) or kept as a former member's."""
    keep = set(
        Cohort.objects.filter(post_policy=Cohort.PostPolicy.KEEP).values_list("pk", flat=True)
    )
    counts: Counter = Counter()
    # Replies first: a post of theirs whose only replies were theirs leaves no tombstone.
    removing = (
        Post.objects.filter(author=user, retracted_at__isnull=True)
        .exclude(cohort_id__in=keep)
        .order_by(F("reply_to_id").desc(nulls_last=True), "-created_at")
        .values_list("pk", flat=True)
    )
    for post_id in list(removing):
        retract_for_erasure(post_id=post_id)
        counts["posts_removed"] += 1
    # Edits' earlier texts are theirs too, and not what the kept post says.
    counts["revisions_deleted"] = PostRevision.objects.filter(post__author=user).delete()[0]
    stand_in = former_member()
    kept = list(Post.objects.filter(author=user, retracted_at__isnull=True))
    counts["tombstones"] = Post.objects.filter(author=user, retracted_at__isnull=False).update(
        author=stand_in
    )
    Post.objects.filter(pk__in=[p.pk for p in kept]).update(author=stand_in)
    for post in kept:  # the live log's copies (and open pages) name the former member now
        post.author = stand_in
        board_events.post_edited(post)
    counts["posts_kept"] = len(kept)
    # Removed posts took their attachments (rows and files) with them; uploads no post took go
    # now (the files with the rows); a kept post keeps its files, as the former member's.
    counts["attachments_deleted"] = PostAttachment.objects.filter(
        uploaded_by=user, post__isnull=True
    ).delete()[0]
    kept_files = list(PostAttachment.objects.filter(uploaded_by=user).order_by("pk"))
    for number, attachment in enumerate(kept_files, start=1):  # its own name may be theirs
        attachment.uploaded_by = stand_in
        attachment.name = neutral_name(attachment, number)
    PostAttachment.objects.bulk_update(kept_files, ["uploaded_by", "name"])
    counts["attachments_kept"] = len(kept_files)
    counts["threads_handed_over"] = Thread.objects.filter(author=user).update(author=stand_in)
    return counts


def _activity(request: ErasureRequest, user: User) -> dict:
    """Memberships (and their counters), their reading, flags, nudges, notifications, what
    they watched or muted, their drafts, join requests, e-mails waiting to go, and the queued
    tasks for any of these."""
    counts: Counter = Counter()
    memberships = list(Membership.objects.filter(user=user).values_list("pk", "cohort_id"))
    notification_ids = list(Notification.objects.filter(user=user).values_list("pk", flat=True))
    mail_ids = list(
        OutgoingMail.objects.filter(Q(user=user) | _email_q("to", user)).values_list(
            "pk", flat=True
        )
    )
    counts["queued_tasks_deleted"] = _delete_tasks("notification", notification_ids)
    counts["queued_tasks_deleted"] += _delete_tasks("mail", mail_ids)
    counts["queued_tasks_deleted"] += _delete_tasks("digest", [user.pk])
    counts["notifications"] = Notification.objects.filter(pk__in=notification_ids).delete()[0]
    counts["outgoing_mail"] = OutgoingMail.objects.filter(pk__in=mail_ids).delete()[0]
    counts["flags"] = PostFlag.objects.filter(flagged_by=user).delete()[0]
    counts["nudges"] = Nudge.objects.filter(member=user).delete()[0]
    counts["read_states"] = ThreadReadState.objects.filter(user=user).delete()[0]
    counts["subscriptions"] = Subscription.objects.filter(user=user).delete()[0]
    counts["drafts"] = Draft.objects.filter(user=user).delete()[0]
    counts["read_events"] = ReadEvent.objects.filter(user=user).delete()[0]
    counts["resource_views"] = ResourceView.objects.filter(user=user).delete()[0]
    counts["join_requests"] = JoinRequest.objects.filter(user=user).delete()[0]
    Board.allowed_users.through.objects.filter(user_id=user.pk).delete()
    Membership.objects.filter(user=user).delete()
    counts["memberships"] = len(memberships)
    for _, cohort_id in memberships:
        events.membership_ended(user_id=user.pk, cohort_id=cohort_id)
    return counts


def _traces(request: ErasureRequest, user: User) -> dict:
    """Wherever their name or address was copied: invitations to them, join confirmations,
    other people's notifications and nudges quoting them, the live log, the admin's log,
    sessions. Found by id where there is one, by the words themselves where there is not."""
    counts: Counter = Counter()
    invitations = Invitation.objects.filter(Q(accepted_by=user) | _email_q("email", user))
    names = _identifiers(user) | {i.invitee_name for i in invitations if len(i.invitee_name) >= 3}
    confirmations = JoinConfirmation.objects.filter(_email_q("email", user))
    counts["queued_tasks_deleted"] = _delete_tasks(
        "invitation", list(invitations.values_list("pk", flat=True))
    ) + _delete_tasks("confirmation", list(confirmations.values_list("pk", flat=True)))
    counts["invitations"] = invitations.delete()[0]
    counts["join_confirmations"] = confirmations.delete()[0]
    counts["notifications_rewritten"] = _rewrite(Notification, ("title", "body"), names)
    counts["nudges_rewritten"] = _rewrite(Nudge, ("message",), names)
    counts["live_events"] = _forget_live_events(user, names)
    user_type = ContentType.objects.get_for_model(User)
    counts["admin_log_entries"] = LogEntry.objects.filter(
        Q(content_type=user_type, object_id=str(user.pk)) | _any_q("object_repr", names)
    ).delete()[0]
    counts["sessions_ended"] = end_sessions(user)
    return counts


def _account(request: ErasureRequest, user: User) -> dict:
    """Last: addresses, two-factor (TOTP secret, recovery codes) and the account row, whose
    deletion takes the rest with it (group places, reflections, permissions, profiles)."""
    counts = {
        "email_addresses": EmailAddress.objects.filter(user=user).delete()[0],
        "authenticators": Authenticator.objects.filter(user=user).delete()[0],
        # What learning platforms said of them (LTI: name, address, id on the platform).
        "platform_identities": LtiUser.objects.filter(auth_user=user).delete()[0],
    }
    request.user = None
    request.save(update_fields=["user"])
    user.delete()
    counts["accounts"] = 1
    return counts


_STEP_WORK: dict[str, Callable[[ErasureRequest, User], dict]] = {
    Step.REVOKE: _revoke,
    Step.POSTS: _posts,
    Step.ACTIVITY: _activity,
    Step.TRACES: _traces,
    Step.ACCOUNT: _account,
}


# --- Helpers ----------------------------------------------------------------------------------
def _identifiers(user: User) -> set[str]:
    """The words that name them: username, names, every address they had."""
    words = {user.username, user.email, user.display_name, user.first_name, user.last_name}
    words.add(user.get_full_name())
    words.update(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    return {word.strip() for word in words if word and len(word.strip()) >= 3}


def _emails(user: User) -> set[str]:
    found = set(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    return {email.lower() for email in found | {user.email} if email}


def _email_q(field: str, user: User) -> Q:
    query = Q(pk__in=[])
    for email in _emails(user):
        query |= Q(**{f"{field}__iexact": email})
    return query


def _any_q(field: str, words: set[str]) -> Q:
    query = Q(pk__in=[])
    for word in words:
        query |= Q(**{f"{field}__icontains": word})
    return query


def _rewrite(model, fields: tuple[str, ...], names: set[str]) -> int:
    """Replace their names in other people's rows with "a former member" (whole words)."""
    if not names:
        return 0
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)({alternatives})(?!\w)", re.IGNORECASE)
    query = Q(pk__in=[])
    for field in fields:
        query |= _any_q(field, names)
    rows = list(model.objects.filter(query))

    def former(match: re.Match) -> str:
        return FORMER_MEMBER_NAME.capitalize() if match.start() == 0 else FORMER_MEMBER_NAME

    for row in rows:
        for field in fields:
            setattr(row, field, pattern.sub(former, getattr(row, field)))
    model.objects.bulk_update(rows, list(fields))
    for row in rows:
        if isinstance(row, Notification):
            notification_events.notification_rewritten(row)
    return len(rows)


def _forget_live_events(user: User, names: set[str]) -> int:
    """Delete the live log's entries of their own stream, about them or naming them. A socket
    replaying across the gap is told to resync (``realtime.log.forget``)."""
    query = Q(stream=notification_events.user_group(user.pk))
    for name in names:
        query |= Q(member_text__icontains=name) | Q(tutor_text__icontains=name)
    deleted = LiveEvent.objects.filter(query).delete()[0]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {LiveEvent._meta.db_table} WHERE "
            "(member_text::jsonb #>> '{post,author_id}') = %s "
            "OR (tutor_text IS NOT NULL AND (tutor_text::jsonb #>> '{post,author_id}') = %s)",
            [str(user.pk), str(user.pk)],
        )
        deleted += cursor.rowcount
    return deleted


def _delete_tasks(kind: str, ids: list[int]) -> int:
    """Delete the queued (not yet run) tasks for these rows: nothing runs for them later."""
    if not ids:
        return 0
    return DBTaskResult.objects.filter(
        task_path=_TASK_PATHS[kind], status="READY", args_kwargs__args__0__in=ids
    ).delete()[0]
