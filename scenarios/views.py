"""Scenario pages outside Wagtail's tree: releases for tutors, the group's workspace (solution,
submit, feedback), private reflections and document downloads.

Thin: selectors read, services write; what the caller may not see is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from wagtail.documents import get_document_model

from mentoring.cohorts.selectors import cohorts_for, visible_cohort
from mentoring.core.errors import NotFound, ServiceError
from mentoring.core.rendering import render_markdown
from mentoring.models import Cohort
from mentoring.notifications.decorators import reads_notifications
from mentoring.rules.coediting import SolutionAccess
from mentoring.rules.permissions import is_tutor
from scenarios import selectors
from scenarios.files import private_file_response
from scenarios.forms import FeedbackForm, MoveMemberForm, ReflectionForm, ReleaseForm, SolutionForm
from scenarios.models import Release, ScenarioGroup, ScenarioPage, SolutionVersion
from scenarios.services import coediting, groups, releases, resources, solutions


def _found(obj):
    if obj is None:
        raise Http404
    return obj


def _refused(request: HttpRequest, error: ServiceError, to: str) -> HttpResponse:
    if isinstance(error, NotFound):
        raise error  # the 404 page (mentoring.core.refusals)
    messages.error(request, error.detail)
    return redirect(to)


def _release_or_404(request: HttpRequest, release_id: int) -> Release:
    return _found(selectors.visible_release(user=request.user, release_id=release_id))


def _tutored_release_or_404(request: HttpRequest, release_id: int) -> Release:
    release = _release_or_404(request, release_id)
    if not is_tutor(request.user, release.cohort):
        raise Http404
    return release


@login_required
def my_scenarios(request: HttpRequest) -> HttpResponse:
    """Every scenario the user can work on now, by cohort; tutors also see scheduled ones."""
    releases = list(selectors.releases_for_user(user=request.user))
    memberships = list(cohorts_for(user=request.user))
    return render(
        request,
        "scenarios/my_scenarios.html",
        {
            "releases": releases,
            "tutored": [m.cohort for m in memberships if m.role == "tutor"],
            "reflections": list(selectors.reflections_for_author(user=request.user)[:20]),
        },
    )


@login_required
def cohort_releases(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """A cohort's scenarios; its tutors release new ones here."""
    cohort: Cohort = _found(visible_cohort(user=request.user, cohort_id=cohort_id))
    tutor = is_tutor(request.user, cohort)
    form = ReleaseForm(request.POST or None) if tutor else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                release = releases.release_scenario(
                    cohort=cohort,
                    scenario=data["scenario"],
                    by=request.user,
                    opens_at=data["opens_at"],
                    closes_at=data["closes_at"],
                    group_size=data["group_size"],
                    grouping=data["grouping"],
                )
            except ServiceError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request,
                    f"Released “{release.scenario.title}” to {cohort.name} in "
                    f"{release.groups.count()} groups.",
                )
                return redirect("scenarios:release", release_id=release.pk)
    released = list(selectors.releases_for_cohort(user=request.user, cohort=cohort))
    return render(
        request,
        "scenarios/cohort_releases.html",
        {"cohort": cohort, "is_tutor": tutor, "releases": released, "form": form},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@reads_notifications
def release_detail(request: HttpRequest, release_id: int) -> HttpResponse:
    """Tutors: the groups and their solutions. Members: their group's workspace."""
    release = _release_or_404(request, release_id)
    if is_tutor(request.user, release.cohort):
        return render(
            request,
            "scenarios/release_tutor.html",
            {
                "release": release,
                "cohort": release.cohort,
                "groups": selectors.groups_of_release(release=release),
                "move_form": MoveMemberForm(release=release),
                "reflections": list(
                    selectors.reflections_visible_to(user=request.user, release=release)
                ),
            },
        )
    group = selectors.group_of(user=request.user, release=release)
    if group is None:  # a member not (yet) placed: still show the scenario and reflection
        return _workspace(request, release=release, group=None)
    return _workspace(request, release=release, group=group)


def _workspace(
    request: HttpRequest,
    *,
    release: Release,
    group: ScenarioGroup | None,
    solution_form: SolutionForm | None = None,
    reflection_form: ReflectionForm | None = None,
    feedback_form: FeedbackForm | None = None,
    status: int = 200,
) -> HttpResponse:
    tutor = is_tutor(request.user, release.cohort)
    solution = selectors.solution_with_history(group=group) if group is not None else None
    if solution_form is None and solution is not None:
        solution_form = SolutionForm(
            initial={"body": solution.body, "base_version": solution.version}
        )
    reflection = None
    if not tutor:
        reflection = selectors.reflections_visible_to(user=request.user, release=release).first()
        if reflection_form is None:
            reflection_form = ReflectionForm(
                initial={"body": reflection.body if reflection else ""}
            )
    if tutor and feedback_form is None:
        feedback_form = FeedbackForm()
    return render(
        request,
        "scenarios/group_workspace.html",
        {
            "release": release,
            "cohort": release.cohort,
            "scenario": release.scenario,
            "group": group,
            "members": list(group.members.all()) if group is not None else [],
            "solution": solution,
            "solution_form": solution_form,
            "is_tutor": tutor,
            "feedback_form": feedback_form,
            "reflection": reflection,
            "reflection_form": reflection_form,
            "versions": selectors.solution_versions(solution=solution) if solution else [],
            "may_write": group is not None and _may_write(request, group),
        },
        status=status,
    )


def _group_or_404(request: HttpRequest, group_id: int) -> ScenarioGroup:
    return _found(selectors.visible_group(user=request.user, group_id=group_id))


@login_required
@reads_notifications
def group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    group = _group_or_404(request, group_id)
    return _workspace(request, release=group.release, group=group)


@login_required
@require_POST
def save_solution(request: HttpRequest, group_id: int) -> HttpResponse:
    group = _group_or_404(request, group_id)
    form = SolutionForm(request.POST)
    if form.is_valid():
        try:
            solutions.save_solution(
                group=group,
                author=request.user,
                body=form.cleaned_data["body"],
                base_version=form.cleaned_data["base_version"],
            )
        except NotFound:
            raise  # the 404 page (mentoring.core.refusals)
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Solution saved.")
            return redirect("scenarios:group", group_id=group.pk)
    return _workspace(request, release=group.release, group=group, solution_form=form, status=400)


@login_required
@require_GET
def solution_newer(request: HttpRequest, group_id: int) -> HttpResponse:
    """What the workspace says of a newer version than ``?version=N`` (the page's), as the
    server words and dates it: the live page swaps it in on ``solution.saved`` rather than
    building the sentence from the event. Empty when there is none newer."""
    group = _group_or_404(request, group_id)
    try:
        shown = int(request.GET.get("version", ""))
    except ValueError:
        raise BadRequest("?version= takes the version the page shows (a whole number).") from None
    solution = selectors.solution_with_history(group=group)
    return render(
        request,
        "scenarios/includes/solution_newer.html",
        {"group": group, "solution": solution, "newer": solution.version > shown},
    )


@login_required
@require_POST
def submit_solution(request: HttpRequest, group_id: int) -> HttpResponse:
    """Two steps, no JavaScript needed: the first POST shows what will be submitted for the
    whole group and who last edited it; the second (``confirm``) submits that version only."""
    group = _group_or_404(request, group_id)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    if not group.members.filter(pk=request.user.pk).exists():
        raise Http404  # only the group's members submit its solution
    solution = selectors.solution_with_history(group=group)
    if version is None:
        messages.error(request, "Reload the page and try again: the form was incomplete.")
        return redirect("scenarios:group", group_id=group.pk)
    if "confirm" not in request.POST and not solution.is_submitted:
        if version != solution.version:
            return _refused(request, solutions.stale_copy_error(solution), group.get_absolute_url())
        try:  # what was typed live since that version becomes the one to confirm
            coediting.take_version(
                group_id=group.pk, kind=SolutionVersion.Kind.ON_DEMAND, by=request.user
            )
        except ServiceError as error:
            return _refused(request, error, group.get_absolute_url())
        solution = selectors.solution_with_history(group=group)
        return render(
            request,
            "scenarios/submit_confirm.html",
            {
                "group": group,
                "release": group.release,
                "scenario": group.release.scenario,
                "cohort": group.release.cohort,
                "solution": solution,
                "version": selectors.solution_version(solution=solution, number=solution.version),
                "shares": coediting.shares_of(solution),
                "members": list(group.members.all()),
            },
        )
    try:
        solutions.submit_solution(group=group, by=request.user, version=version)
    except ServiceError as error:
        return _refused(request, error, group.get_absolute_url())
    messages.success(
        request, "Solution submitted. The expert perspective is now open to your group."
    )
    return redirect("scenarios:group", group_id=group.pk)


# --- History of the live solution (issue 22) --------------------------------------------------
def _may_write(request: HttpRequest, group: ScenarioGroup) -> bool:
    return coediting.access_to(request.user, group.pk)[0] is SolutionAccess.WRITE


@login_required
@require_GET
def solution_history(request: HttpRequest, group_id: int) -> HttpResponse:
    """Every version with who changed what since the one before (``?fragment=1``: the list
    alone, for the live page to swap in)."""
    group = _group_or_404(request, group_id)
    solution = selectors.solution_with_history(group=group)
    context = {
        "group": group,
        "release": group.release,
        "scenario": group.release.scenario,
        "cohort": group.release.cohort,
        "solution": solution,
        "versions": selectors.solution_versions(solution=solution),
        "may_write": _may_write(request, group),
    }
    if request.GET.get("fragment"):
        return render(request, "scenarios/includes/solution_history.html", context)
    return render(request, "scenarios/solution_history.html", context)


@login_required
@require_POST
def take_solution_version(request: HttpRequest, group_id: int) -> HttpResponse:
    """A version now (on demand) of what was typed since the last one."""
    group = _group_or_404(request, group_id)
    try:
        version = coediting.take_version(
            group_id=group.pk, kind=SolutionVersion.Kind.ON_DEMAND, by=request.user
        )
    except ServiceError as error:
        return _refused(request, error, reverse("scenarios:history", args=[group.pk]))
    if version is None:
        messages.info(request, "Nothing has changed since the last version.")
    else:
        messages.success(request, f"Version {version.number} kept.")
    return redirect("scenarios:history", group_id=group.pk)


@login_required
@require_GET
def solution_version(request: HttpRequest, group_id: int, number: int) -> HttpResponse:
    """One version's text, who changed what, and its differences from the one before (or from
    ``?against=N``)."""
    group = _group_or_404(request, group_id)
    solution = selectors.solution_with_history(group=group)
    version = _found(selectors.solution_version(solution=solution, number=number))
    try:
        against_number = int(request.GET.get("against", number - 1))
    except ValueError:
        raise BadRequest("?against= takes a version number (a whole number).") from None
    against = selectors.solution_version(solution=solution, number=against_number)
    shares = next(
        (v.shares for v in selectors.solution_versions(solution=solution) if v.pk == version.pk),
        [],
    )
    return render(
        request,
        "scenarios/solution_version.html",
        {
            "group": group,
            "release": group.release,
            "scenario": group.release.scenario,
            "cohort": group.release.cohort,
            "solution": solution,
            "version": version,
            "version_html": render_markdown(version.body),
            "shares": shares,
            "against": against,
            "diff": selectors.text_diff(against.body if against else "", version.body),
            "may_write": _may_write(request, group),
        },
    )


@login_required
@require_POST
def restore_solution_version(request: HttpRequest, group_id: int, number: int) -> HttpResponse:
    """Bring a version's text back as a new change (nothing of the history is rewritten)."""
    group = _group_or_404(request, group_id)
    try:
        restored = coediting.restore_version(group=group, user=request.user, number=number)
    except NotFound:
        raise
    except ServiceError as error:
        return _refused(request, error, reverse("scenarios:history", args=[group.pk]))
    messages.success(request, f"Version {number} restored as version {restored.number}.")
    return redirect("scenarios:history", group_id=group.pk)


@login_required
@require_POST
def give_feedback(request: HttpRequest, group_id: int) -> HttpResponse:
    group = _group_or_404(request, group_id)
    if not is_tutor(request.user, group.release.cohort):
        raise Http404
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            solutions.give_feedback(
                solution=group.solution, tutor=request.user, body=form.cleaned_data["body"]
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Feedback sent to {group.name}.")
            return redirect("scenarios:group", group_id=group.pk)
    return _workspace(request, release=group.release, group=group, feedback_form=form, status=400)


@login_required
@require_POST
def save_reflection(request: HttpRequest, release_id: int) -> HttpResponse:
    release = _release_or_404(request, release_id)
    if is_tutor(request.user, release.cohort):
        raise Http404
    form = ReflectionForm(request.POST)
    group = selectors.group_of(user=request.user, release=release)
    if form.is_valid():
        try:
            solutions.save_reflection(
                release=release, author=request.user, body=form.cleaned_data["body"]
            )
        except NotFound:
            raise  # the 404 page (mentoring.core.refusals)
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Reflection saved. Only you and your tutors can read it.")
            return redirect("scenarios:release", release_id=release.pk)
    return _workspace(request, release=release, group=group, reflection_form=form, status=400)


@login_required
@require_POST
def move_member(request: HttpRequest, release_id: int) -> HttpResponse:
    release = _tutored_release_or_404(request, release_id)
    form = MoveMemberForm(request.POST, release=release)
    if not form.is_valid():
        messages.error(request, "Choose a member and a group.")
        return redirect("scenarios:release", release_id=release.pk)
    try:
        group = groups.move_member(
            release=release,
            user=form.cleaned_data["user"],
            to_group=form.cleaned_data["group"],
            by=request.user,
        )
    except ServiceError as error:
        return _refused(request, error, release.get_absolute_url())
    messages.success(request, f"Moved {form.cleaned_data['user'].shown_name} to {group.name}.")
    return redirect("scenarios:release", release_id=release.pk)


@login_required
@require_POST
def add_group(request: HttpRequest, release_id: int) -> HttpResponse:
    release = _tutored_release_or_404(request, release_id)
    group = groups.add_group(release=release, by=request.user)
    messages.success(request, f"Added {group.name}. Move members into it below.")
    return redirect("scenarios:release", release_id=release.pk)


@login_required
@require_POST
def close_release(request: HttpRequest, release_id: int) -> HttpResponse:
    """Asks first (a page, no JavaScript needed): closing takes the scenario from every member."""
    release = _tutored_release_or_404(request, release_id)
    if "confirm" not in request.POST:
        return render(
            request,
            "scenarios/close_confirm.html",
            {"release": release, "cohort": release.cohort, "groups": release.groups.count()},
        )
    releases.close_release(release=release, by=request.user)
    messages.success(request, f"Closed “{release.scenario.title}” for {release.cohort.name}.")
    return redirect("scenarios:cohort", cohort_id=release.cohort_id)


@login_required
def download_document(request: HttpRequest, page_id: int, document_id: int) -> HttpResponse:
    """A scenario's evidence document, for those who may open the scenario; counts as a view."""
    page = _found(ScenarioPage.objects.live().filter(pk=page_id).first())
    access = selectors.scenario_access(user=request.user, page=page)
    if not access.can_view or document_id not in page.document_ids():
        raise Http404
    document = _found(get_document_model().objects.filter(pk=document_id).first())
    resources.record_document_download(user=request.user, document_id=document.pk, access=access)
    return private_file_response(document.file, filename=document.filename)
