"""The Wagtail admin: releases under "Scenario releases", and scenario documents kept private.

Creating a release in the admin goes through ``releases.release_scenario`` like the UI and the
API do, so groups and their boards are formed the same way and bad input is refused the same.
Every release view (listing, inspect, edit, history, usage, delete) sees only the releases of
cohorts the user tutors: another cohort's release answers 404, as everywhere else.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.model import ModelViewSet

from mentoring.core.errors import ServiceError
from mentoring.core.validation import SaneInputFormMixin
from mentoring.models import Cohort, Membership
from mentoring.notifications.services.notifications import mark_read_for_target
from scenarios.models import ModulePage, Release, ScenarioPage
from scenarios.selectors import scenario_access, scenarios_in_module_for
from scenarios.services import releases
from scenarios.services.permissions import SCENARIOS_COLLECTION, allow_authoring_in
from scenarios.services.resources import record_scenario_view


def _manageable_cohorts(user):
    if user.is_superuser:
        return Cohort.objects.all()
    return Cohort.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.TUTOR
    ).distinct()


class CohortScopedMixin:
    """For views of one release: another cohort's release does not exist for this user."""

    def get_object(self, *args, **kwargs):
        release = super().get_object(*args, **kwargs)
        if not _manageable_cohorts(self.request.user).filter(pk=release.cohort_id).exists():
            raise Http404
        return release


class ServiceRefusalMixin:
    """A refused service call becomes a field error and an admin message, never a 500 (Wagtail's
    ``form_invalid`` expects ``produced_error_message`` to be set by ``is_valid``)."""

    service_fields: dict[str, str] = {}

    def refuse(self, form, error: ServiceError):
        field = error.extra.get("field")
        field = self.service_fields.get(field, field)
        form.add_error(field if field in form.fields else None, error.detail)
        self.produced_error_code = "validation_error"
        self.produced_error_message = error.detail
        return self.form_invalid(form)


class ReleaseCreateForm(SaneInputFormMixin, WagtailAdminModelForm):
    class Meta:
        model = Release
        fields = ["cohort", "scenario", "opens_at", "closes_at", "group_size", "grouping"]
        help_texts = {
            "cohort": "Only cohorts you tutor are listed.",
            "scenario": "Only published scenarios can be released.",
            "opens_at": "When members can open it. Now, unless you choose a later time.",
            "closes_at": "Optional: after this, members no longer see it.",
            "group_size": "The cohort is split into groups of about this size (at least 2).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None:
            self.fields["cohort"].queryset = _manageable_cohorts(self.for_user)
        self.fields["scenario"].queryset = ScenarioPage.objects.live().order_by("title")
        self.fields["opens_at"].required = False  # empty: open it now

    def validate_unique(self):
        pass  # the service refuses a second release with a clear message


class ReleaseEditForm(SaneInputFormMixin, WagtailAdminModelForm):
    class Meta:
        model = Release
        fields = ["closes_at"]
        help_texts = {"closes_at": "Empty: open until you close it."}


class ReleaseCreateView(ServiceRefusalMixin, generic.CreateView):
    service_fields: dict[str, str] = {}  # the service names the admin form's fields

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            self.object = releases.release_scenario(
                cohort=data["cohort"],
                scenario=data["scenario"],
                by=self.request.user,
                opens_at=data.get("opens_at"),
                closes_at=data.get("closes_at"),
                group_size=data["group_size"],
                grouping=data["grouping"],
            )
        except ServiceError as error:
            return self.refuse(form, error)
        self.form = form
        return self.save_action()


class ReleaseEditView(CohortScopedMixin, ServiceRefusalMixin, generic.EditView):
    def form_valid(self, form):
        try:
            self.object = releases.change_closing(
                release=self.object, by=self.request.user, closes_at=form.cleaned_data["closes_at"]
            )
        except ServiceError as error:
            return self.refuse(form, error)
        self.form = form
        return self.save_action()


class ReleaseInspectView(CohortScopedMixin, generic.InspectView):
    pass


class ReleaseHistoryView(CohortScopedMixin, HistoryView):
    pass


class ReleaseUsageView(CohortScopedMixin, UsageView):
    pass


class ReleaseDeleteView(CohortScopedMixin, generic.DeleteView):
    pass


class ReleaseIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .filter(cohort__in=_manageable_cohorts(self.request.user))
            .select_related("cohort", "scenario")
        )


class ReleaseViewSet(ModelViewSet):
    model = Release
    icon = "calendar-alt"
    menu_label = "Scenario releases"
    menu_order = 250
    add_to_admin_menu = True
    index_view_class = ReleaseIndexView
    add_view_class = ReleaseCreateView
    edit_view_class = ReleaseEditView
    inspect_view_class = ReleaseInspectView
    history_view_class = ReleaseHistoryView
    usage_view_class = ReleaseUsageView
    delete_view_class = ReleaseDeleteView
    list_display = ["__str__", "cohort", "opens_at", "closes_at", "group_size"]
    inspect_view_enabled = True
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return ReleaseEditForm if for_update else ReleaseCreateForm


release_viewset = ReleaseViewSet("scenario_releases")


@hooks.register("register_admin_viewset")
def register_release_viewset():
    return release_viewset


@hooks.register("after_create_page")
def let_authors_write_in_new_modules(request, page):
    if isinstance(page.specific, ModulePage):
        allow_authoring_in(module=page)


@hooks.register("before_delete_page")
def keep_released_scenarios(request, page):
    """A released scenario holds groups' solutions and members' reflections: unpublish it
    instead of deleting it (and the module that contains it)."""
    released = Release.objects.filter(scenario__path__startswith=page.path)
    if not released.exists():
        return None
    messages.error(
        request,
        f"“{page.title}” cannot be deleted: it has been released to cohorts, and their groups' "
        "solutions and reflections depend on it. Unpublish it instead.",
    )
    return redirect("wagtailadmin_pages:edit", page.pk)


@hooks.register("before_serve_document")
def keep_scenario_documents_private(document, request):
    """Scenario evidence is downloaded through ``scenarios:document``, which checks who may
    open the scenario and counts the download; Wagtail's own public URL is for editors only."""
    if document.collection.name != SCENARIOS_COLLECTION:
        return None
    if request.user.is_authenticated and request.user.has_perm("wagtailadmin.access_admin"):
        return None
    raise Http404


@hooks.register("before_serve_page")
def guard_module_and_scenario_pages(page, request, serve_args, serve_kwargs):
    """Who may open a module or scenario page, and counting a member's view of a scenario.

    The entry point for Wagtail's page serving: the page models stay below the selectors and
    services they would otherwise import. What a page hands its template is put on ``request``.
    A signed-out visitor (a bookmark) signs in and comes back.
    """
    if not isinstance(page, ModulePage | ScenarioPage):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if isinstance(page, ModulePage):
        scenarios = scenarios_in_module_for(user=request.user, module=page)
        if not scenarios and not page.permissions_for_user(request.user).can_edit():
            raise Http404
        request.scenarios = scenarios
    elif isinstance(page, ScenarioPage):
        access = scenario_access(user=request.user, page=page)
        if not access.can_view:
            raise Http404
        record_scenario_view(user=request.user, page=page, access=access)
        mark_read_for_target(user=request.user, path=request.path)
        request.scenario_access = access
    return None
