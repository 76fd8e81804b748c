"""LTI 1.3: what Staffroom adds to django-lti's records (``lti_tool``: registrations,
deployments, keys, and the users, courses and resource links launches describe).

A platform's course (``lti_tool.LtiContext``) runs in one cohort (``LtiCourse``); the people
the course brought in are remembered (``LtiRosterEntry``) so that roster syncs remove only
them, never members who came by invitation or CSV. Each launch's nonce is kept until its
token expires (``LtiNonce``), so an ``id_token`` is accepted once."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from mentoring.models.accounts import User
from mentoring.models.cohorts import Cohort


class LtiCourse(models.Model):
    """A course on a platform, tied to the cohort it runs in (many courses may share one)."""

    context = models.OneToOneField(
        "lti_tool.LtiContext", on_delete=models.CASCADE, related_name="staffroom_course"
    )
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="lti_courses")
    linked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)
    # The last roster sync (Names and Role Provisioning): when, and what it changed.
    synced_at = models.DateTimeField(null=True, blank=True)
    sync_report = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "LTI course"

    def __str__(self) -> str:
        return f"{self.context} → {self.cohort}"


class LtiRosterEntry(models.Model):
    """Someone the course enrolled in its cohort (by a launch or a roster sync): roster syncs
    remove only these."""

    course = models.ForeignKey(LtiCourse, on_delete=models.CASCADE, related_name="roster")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="one_lti_roster_entry")
        ]


class LtiNonce(models.Model):
    """A launch's nonce, kept until its token has expired: a replayed ``id_token`` is refused."""

    issuer = models.CharField(max_length=255)
    nonce = models.CharField(max_length=255)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "nonce"], name="lti_nonce_used_once")
        ]


def default_participation_scores() -> dict[str, float]:
    return {"contributor": 1.0, "reader": 0.5, "resource_only": 0.25, "inactive": 0.0}


class LtiGradebook(models.Model):
    """What a cohort's tutors send to the courses' gradebooks (Assignment and Grade Services):
    participation (a score per status) and/or each scenario's group solution (submitted = 1,
    the tutor's feedback as the comment)."""

    cohort = models.OneToOneField(Cohort, on_delete=models.CASCADE, related_name="lti_gradebook")
    send_participation = models.BooleanField(default=False)
    participation_scores = models.JSONField(default=default_participation_scores)
    send_solutions = models.BooleanField(default=False)


class LtiGrade(models.Model):
    """One person's score on one gradebook column (a line item, made once on the platform),
    and whether it reached the platform."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    course = models.ForeignKey(LtiCourse, on_delete=models.CASCADE, related_name="grades")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    # "participation" or "release:<id>": the line item's tag on the platform.
    item_key = models.CharField(max_length=50)
    item_label = models.CharField(max_length=255)
    line_item = models.ForeignKey(
        "lti_tool.LtiLineItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.FloatField()
    comment = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "user", "item_key"], name="one_lti_grade")
        ]
