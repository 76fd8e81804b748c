"""A group's shared solution (versions, submission), tutors' feedback and members' reflections."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as date_format

from mentoring.core.errors import Conflict, Forbidden, Invalid, NotFound
from mentoring.core.rendering import render_markdown
from mentoring.models import Membership, Notification, User
from mentoring.notifications.services.notifications import Notice, notify_many
from mentoring.rules.permissions import is_tutor, refuse_unless_cohort_writable
from mentoring.signals import solution_graded
from scenarios import events
from scenarios.models import (
    MAX_SOLUTION_LENGTH,
    Feedback,
    GroupMember,
    Reflection,
    Release,
    ScenarioGroup,
    Solution,
    SolutionVersion,
)
from scenarios.services import coediting


def _clean_text(text: str | None, *, field: str, what: str, limit: int = MAX_SOLUTION_LENGTH):
    text = (text or "").strip()
    if not text:
        raise Invalid("invalid", f"Write something before saving the {what}.", field=field)
    if len(text) > limit:
        raise Invalid("invalid", f"The {what} can be at most {limit:,} characters.", field=field)
    return text


def _locked_solution_for_member(*, group: ScenarioGroup, user: User) -> Solution:
    solution = (
        Solution.objects.select_for_update(of=("self",))
        .select_related("group__release__cohort", "group__release__scenario")
        .get(group=group)
    )
    release = solution.group.release
    if not GroupMember.objects.filter(group=group, user=user).exists():
        if is_tutor(user, release.cohort):
            raise Forbidden("forbidden", "Only the group's members write its solution.")
        raise NotFound("There is no such group.")
    refuse_unless_cohort_writable(release.cohort)
    if not release.is_open():
        raise Invalid("release_closed", "This scenario is closed: it can't be changed now.")
    return solution


@transaction.atomic
def save_solution(
    *, group: ScenarioGroup, author: User, body: str, base_version: int | None = None
) -> Solution:
    """Save the group's draft; every save is kept as a version with its author.

    ``base_version`` is the version the author started from: if someone else in the group
    saved since, the save is refused (``Conflict``) rather than silently overwriting their words.
    """
    solution = _locked_solution_for_member(group=group, user=author)
    if solution.is_submitted:
        raise Conflict("already_submitted", "Your group has already submitted its solution.")
    body = _clean_text(body, field="body", what="solution")
    if base_version is not None and base_version != solution.version:
        last = solution.updated_by.shown_name if solution.updated_by else "someone"
        raise Conflict(
            "edit_conflict",
            f"{last} saved the solution while you were editing (version {solution.version}). "
            "Your text was not saved: copy it, reload the page and merge the two.",
            current_version=solution.version,
        )
    if body == solution.body:
        return solution
    # A change of the live document like any typed one (those typed meanwhile are kept), and
    # a version of it at once, as a save always was.
    coediting.store_text(solution, user=author, new_text=body)
    version = coediting.take_version_now(solution, kind=SolutionVersion.Kind.SAVE, by=author)
    now = version.created_at
    events.solution_saved(
        user_ids=list(group.members.values_list("pk", flat=True)),
        payload={
            "group_id": group.pk,
            "version": solution.version,
            "author": author.shown_name,
            "saved_at": now.isoformat(),
            # The page's own format for dates, so the live notice reads like the page.
            "saved_at_display": date_format(timezone.localtime(now), "j M Y, H:i"),
        },
    )
    return solution


@transaction.atomic
def submit_solution(*, group: ScenarioGroup, by: User, version: int | None = None) -> Solution:
    """Submit the group's solution (once): the expert perspective opens for the group and the
    tutors are told.

    ``version`` is the version the submitter has seen: if someone saved a newer one since, the
    submission is refused, so nobody submits for the whole group words they have not read.
    """
    solution = _locked_solution_for_member(group=group, user=by)
    if not solution.is_submitted:
        # What was typed since the last version becomes one now: if that is newer than what
        # the submitter confirmed, they have not read it.
        coediting.version_for_submission(solution, by=by)
    if version is not None and version != solution.version and not solution.is_submitted:
        raise stale_copy_error(solution)
    if solution.is_submitted:
        when = timezone.localtime(solution.submitted_at).strftime("%-d %B at %H:%M")
        who = solution.submitted_by.shown_name if solution.submitted_by else "your group"
        raise Conflict(
            "already_submitted",
            f"Your group's solution was already submitted on {when} by {who}.",
        )
    if not solution.body.strip():
        raise Invalid("empty_solution", "Write and save your solution before submitting.")
    solution.status = Solution.Status.SUBMITTED
    solution.submitted_at = timezone.now()
    solution.submitted_by = by
    solution.save(update_fields=["status", "submitted_at", "submitted_by"])
    events.solution_locked(group_id=group.pk)  # open editors become read-only
    release = solution.group.release
    tutors = User.objects.filter(
        memberships__cohort=release.cohort, memberships__role=Membership.Role.TUTOR
    )
    notify_many(
        Notice(
            user=tutor,
            kind=Notification.Kind.SYSTEM,
            title=f"{solution.group.name} submitted its solution to “{release.scenario.title}”",
            url=release.get_absolute_url(),
            cohort=release.cohort,
        )
        for tutor in tutors
    )
    _send_to_gradebook(solution)
    return solution


def _send_to_gradebook(solution: Solution, comment: str = "") -> None:
    """Tell the LTI gradebook (if the cohort has one) the group's solution is in."""
    release = solution.group.release
    solution_graded.send(
        sender=Solution,
        cohort=release.cohort,
        users=list(solution.group.members.all()),
        key=f"release:{release.pk}",
        label=release.scenario.title,
        comment=comment,
    )


def stale_copy_error(solution: Solution) -> Conflict:
    who = solution.updated_by.shown_name if solution.updated_by else "Someone in your group"
    when = timezone.localtime(solution.updated_at).strftime("%-d %b %Y, %H:%M")
    return Conflict(
        "stale_copy",
        f"{who} saved a newer version (version {solution.version}, {when}) after you opened "
        "the solution. Read it before submitting; nothing was submitted.",
        current_version=solution.version,
    )


@transaction.atomic
def give_feedback(*, solution: Solution, tutor: User, body: str) -> Feedback:
    """A tutor's feedback on a submitted solution; each member of the group is notified."""
    solution = (
        Solution.objects.select_for_update(of=("self",))
        .select_related("group__release__cohort", "group__release__scenario")
        .get(pk=solution.pk)
    )
    release = solution.group.release
    if not is_tutor(tutor, release.cohort):
        raise NotFound("There is no such solution.")
    refuse_unless_cohort_writable(release.cohort)
    if not solution.is_submitted:
        raise Invalid(
            "not_submitted", "Feedback can be given once the group has submitted its solution."
        )
    body = _clean_text(body, field="body", what="feedback", limit=20_000)
    feedback = Feedback.objects.create(
        solution=solution,
        tutor=tutor,
        body=body,
        body_html=render_markdown(body),
        # The version the group submitted (nothing changes after a submission: the last one).
        version=solution.versions.order_by("-number").first(),
    )
    notify_many(
        Notice(
            user=member,
            kind=Notification.Kind.FEEDBACK,
            title=f"Feedback on your group's solution to “{release.scenario.title}”",
            body=body[:300],
            url=release.get_absolute_url() + "#feedback",
            cohort=release.cohort,
        )
        for member in solution.group.members.all()
    )
    _send_to_gradebook(solution, comment=body)
    return feedback


# --- Reflections ------------------------------------------------------------------------------
@transaction.atomic
def save_reflection(*, release: Release, author: User, body: str) -> Reflection:
    """A member's private reflection on a scenario (one per release, kept up to date)."""
    if not Membership.objects.filter(
        cohort=release.cohort, user=author, role=Membership.Role.MEMBER
    ).exists():
        raise NotFound("There is no such scenario.")
    if release.opens_at > timezone.now():
        raise NotFound("There is no such scenario.")
    refuse_unless_cohort_writable(release.cohort)
    body = _clean_text(body, field="body", what="reflection")
    now = timezone.now()
    reflection, created = Reflection.objects.select_for_update().get_or_create(
        release=release,
        author=author,
        defaults={
            "body": body,
            "body_html": render_markdown(body),
            "created_at": now,
            "updated_at": now,
        },
    )
    if not created:
        reflection.body = body
        reflection.body_html = render_markdown(body)
        reflection.updated_at = now
        reflection.save(update_fields=["body", "body_html", "updated_at"])
    return reflection
