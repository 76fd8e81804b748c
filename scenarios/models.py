"""Modules and scenarios (Wagtail pages), and what cohorts do with them.

A tutor *releases* a published scenario to a cohort; the release splits the cohort into
*groups*, each with its own board and one shared *solution* whose every save is kept as a
*version*. Tutors write *feedback*; each member may keep a private *reflection*.

Scenario pages are never public: ``ScenarioPage.serve`` answers 404 to everyone but editors,
the tutors of cohorts it is released to and members of cohorts with an open release.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from scenarios.access import ScenarioAccess
from scenarios.blocks import ScenarioStages

DEFAULT_GROUP_SIZE = 5
MIN_GROUP_SIZE = 2
MAX_GROUP_SIZE = 30
MAX_SOLUTION_LENGTH = 30_000


class ModulePage(Page):
    """A module of the programme (induction or masters) holding its scenarios."""

    introduction = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "ol", "ul"],
        help_text="What the module is about and how groups should work through it.",
    )

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["scenarios.ScenarioPage"]
    template = "scenarios/module_page.html"

    def get_sitemap_urls(self, request=None):
        return []  # Modules list scenarios, which are never public.

    def get_context(self, request, *args, **kwargs):
        """``request.scenarios`` comes from the ``before_serve_page`` hook (wagtail_hooks.py),
        which answers 404 to anyone who may see none of them."""
        context = super().get_context(request, *args, **kwargs)
        context["scenarios"] = getattr(request, "scenarios", None)
        if context["scenarios"] is None:
            if not getattr(request, "is_preview", False):
                raise Http404
            # Preview in the admin (Wagtail checked the editor may edit it): show them all.
            context["scenarios"] = (
                list(ScenarioPage.objects.child_of(self).specific()) if self.pk else []
            )
        return context


class ScenarioTopicTag(TaggedItemBase):
    content_object = ParentalKey(
        "scenarios.ScenarioPage", related_name="tagged_items", on_delete=models.CASCADE
    )


class ScenarioPage(Page):
    """A real-life teaching problem for a group to solve together (after Mtutor)."""

    class Phase(models.TextChoices):
        PRIMARY = "primary", "Primary"
        SECONDARY = "secondary", "Secondary"
        ALL = "all", "Primary and secondary"

    summary = models.TextField(
        help_text="Two or three sentences shown in lists of scenarios: the problem in brief."
    )
    phase = models.CharField(
        max_length=10,
        choices=Phase.choices,
        default=Phase.SECONDARY,
        help_text="The school phase the scenario is set in.",
    )
    expected_minutes = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(10), MaxValueValidator(600)],
        help_text="Roughly how long a group needs, in minutes, including discussion.",
    )
    tags = ClusterTaggableManager(
        through=ScenarioTopicTag,
        blank=True,
        help_text="Topics, e.g. 'behaviour', 'EAL', 'parents and carers'.",
    )
    body = StreamField(
        ScenarioStages(),
        help_text="The stages, in order: the situation, voices, evidence, questions, the task "
        "and the expert perspective (groups see it only after they submit).",
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("phase"), FieldPanel("expected_minutes")]),
                FieldPanel("tags"),
            ],
            heading="About this scenario",
        ),
        FieldPanel("body"),
    ]
    # Only Page's own fields (the title) are indexed: stage text, and the expert perspective
    # above all, must never leak through a site search to people who cannot open the page.
    search_fields = Page.search_fields
    parent_page_types = ["scenarios.ModulePage"]
    subpage_types: list[str] = []
    template = "scenarios/scenario_page.html"

    def get_sitemap_urls(self, request=None):
        return []

    def get_context(self, request, *args, **kwargs):
        """``request.scenario_access`` comes from the ``before_serve_page`` hook
        (wagtail_hooks.py), which answers 404 to anyone who may not open the scenario and counts
        a member's view."""
        context = super().get_context(request, *args, **kwargs)
        access = getattr(request, "scenario_access", None)
        if access is None:
            if not getattr(request, "is_preview", False):
                raise Http404
            # Wagtail's preview views have already checked the editor may edit this page
            # (which may not even be saved yet): show every stage.
            access = ScenarioAccess(is_editor=True)
        context["access"] = access
        context["module"] = self.get_parent() if self.pk else None
        context["expert_unlocked"] = access.expert_unlocked
        return context

    def document_ids(self) -> set[int]:
        """Documents referenced by the evidence stages (downloads are checked against this)."""
        ids: set[int] = set()
        for block in self.body:
            if block.block_type != "evidence":
                continue
            for item in block.value["items"]:
                if item.block_type == "document" and item.value["document"] is not None:
                    ids.add(item.value["document"].pk)
        return ids


class ReleaseQuerySet(models.QuerySet):
    def open_at(self, when=None):
        when = when or timezone.now()
        return self.filter(opens_at__lte=when).filter(
            Q(closes_at__isnull=True) | Q(closes_at__gt=when)
        )

    def not_closed(self, when=None):
        when = when or timezone.now()
        return self.filter(Q(closes_at__isnull=True) | Q(closes_at__gt=when))


class Release(models.Model):
    """A scenario released to a cohort: open from ``opens_at`` until ``closes_at`` (if set)."""

    class Grouping(models.TextChoices):
        RANDOM = "random", "At random"
        MANUAL = "manual", "By hand"

    cohort = models.ForeignKey(
        "mentoring.Cohort", on_delete=models.CASCADE, related_name="scenario_releases"
    )
    scenario = models.ForeignKey(ScenarioPage, on_delete=models.PROTECT, related_name="releases")
    opens_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField(null=True, blank=True)
    group_size = models.PositiveSmallIntegerField(
        default=DEFAULT_GROUP_SIZE,
        validators=[MinValueValidator(MIN_GROUP_SIZE), MaxValueValidator(MAX_GROUP_SIZE)],
    )
    grouping = models.CharField(max_length=10, choices=Grouping.choices, default=Grouping.RANDOM)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "scenario"],
                name="one_release_per_cohort_scenario",
                violation_error_message="This scenario has already been released to this cohort.",
            ),
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="release_closes_after_it_opens",
                violation_error_message="A release must close after it opens.",
            ),
            models.CheckConstraint(
                condition=Q(group_size__gte=MIN_GROUP_SIZE),
                name="release_group_size_at_least_2",
                violation_error_message="Groups need at least 2 people.",
            ),
        ]
        indexes = [models.Index(fields=["cohort", "opens_at"])]

    def __str__(self) -> str:
        return f"{self.scenario.title} → {self.cohort}"

    def get_absolute_url(self) -> str:
        return reverse("scenarios:release", kwargs={"release_id": self.pk})

    def clean(self) -> None:
        if self.closes_at and self.opens_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": "A release must close after it opens."})

    def is_open(self, when=None) -> bool:
        when = when or timezone.now()
        return self.opens_at <= when and (self.closes_at is None or when < self.closes_at)

    @property
    def status(self) -> str:
        now = timezone.now()
        if self.opens_at > now:
            return "scheduled"
        if self.closes_at is not None and self.closes_at <= now:
            return "closed"
        return "open"


class ScenarioGroup(models.Model):
    """A group of a cohort working on one release, with its own restricted board."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="GroupMember", related_name="scenario_groups"
    )
    # CASCADE, not PROTECT: a board only goes with its cohort, and the group goes with it.
    board = models.OneToOneField(
        "mentoring.Board", on_delete=models.CASCADE, related_name="scenario_group"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["release", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "name"], name="group_names_unique_in_release"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.release})"

    def get_absolute_url(self) -> str:
        return reverse("scenarios:group", kwargs={"group_id": self.pk})


class GroupMember(models.Model):
    """A member's place in a group; ``release`` is repeated so one member has one group."""

    group = models.ForeignKey(ScenarioGroup, on_delete=models.CASCADE, related_name="placements")
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "user"], name="one_group_per_release")
        ]


class Solution(models.Model):
    """The group's shared answer to the task: a draft anyone in the group edits, then submits."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    group = models.OneToOneField(ScenarioGroup, on_delete=models.CASCADE, related_name="solution")
    body = models.TextField(blank=True, help_text="Markdown, as the group wrote it.")
    body_html = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The live document (issue 22, ``scenarios.services.coediting``): a Yjs update holding every
    # change already compacted; the changes since are ``SolutionUpdate`` rows. ``body`` follows
    # the document's ``solution`` text (debounced), for pages without JavaScript and exports.
    # (``db_default``s: code that predates these columns can still write the row.)
    crdt_snapshot = models.BinaryField(default=b"", db_default=b"", blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="submitted_solution_has_a_time",
            )
        ]

    def __str__(self) -> str:
        return f"Solution of {self.group}"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class SolutionUpdate(models.Model):
    """One change to a solution's live document, stored (committed) before anyone is told of
    it, with who made it. ``version`` is the version that first includes it: set when a version
    is taken; updates already in a version are compacted into ``Solution.crdt_snapshot``."""

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="updates")
    data = models.BinaryField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.ForeignKey(
        "scenarios.SolutionVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="updates",
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["solution", "id"])]


class SolutionVersion(models.Model):
    """A version of a solution, with who changed what since the one before: the group's
    history of its thinking. Taken after a pause in the typing, on demand, on a restore and on
    submission (``kind``); before the live document, every form save."""

    class Kind(models.TextChoices):
        SAVE = "save", "Saved"
        PAUSE = "pause", "After a pause"
        ON_DEMAND = "on_demand", "Taken by hand"
        RESTORE = "restore", "Restored"
        SUBMIT = "submit", "Submitted"

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(
        max_length=10, choices=Kind.choices, default=Kind.SAVE, db_default=Kind.SAVE
    )
    # Who changed what since the version before: [{"user_id", "inserted", "deleted"}], in
    # characters of the text, the biggest share first.
    contributions = models.JSONField(default=list, db_default=[], blank=True)

    class Meta:
        ordering = ["solution", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["solution", "number"], name="solution_version_unique")
        ]


class Feedback(models.Model):
    """A tutor's response to a submitted solution; the group's members are notified."""

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="feedback")
    # The version the group submitted, which the feedback is about.
    version = models.ForeignKey(
        SolutionVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback"
    )
    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "feedback"


class Reflection(models.Model):
    """A member's private reflection on a scenario: seen by its author and the cohort's tutors
    only. The start of an induction portfolio."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="reflections")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scenario_reflections"
    )
    body = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["release", "author"], name="one_reflection_per_release")
        ]
