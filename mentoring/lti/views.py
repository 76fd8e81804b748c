"""The LTI 1.3 endpoints platforms call (login initiation, launch, key set) and the pages an
instructor sees on a first launch (linking the course to a cohort, picking a deep link).

A refused launch answers a page naming the check that failed and logs it; it signs nobody in
and counts against the client's address like a failed sign-in."""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from mentoring.cohorts.selectors import visible_cohort
from mentoring.core import ratelimit
from mentoring.core.addresses import client_address
from mentoring.core.errors import ServiceError
from mentoring.lti import selectors
from mentoring.lti.forms import CourseSetupForm, GradebookForm, PlacementForm
from mentoring.lti.services import arrival as arrivals
from mentoring.lti.services import courses, deep_linking, grades, handoff, roster
from mentoring.lti.services import dynamic_registration as dynamic
from mentoring.lti.services import launch as launches
from mentoring.lti.services.people import role_for
from mentoring.models import Membership, User
from mentoring.rules.permissions import is_tutor

logger = logging.getLogger("mentoring.lti")
SESSION_LAUNCH = selectors.LAUNCH_SESSION_KEY
SESSION_CONTEXT = "lti_context_id"
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _refused(request: HttpRequest, refusal: ServiceError, *, status: int = 403) -> HttpResponse:
    return render(
        request,
        "mentoring/lti/refused.html",
        {"code": refusal.code, "check": refusal.extra.get("check", ""), "detail": refusal.detail},
        status=status,
    )


def _too_many(request: HttpRequest, wait: int) -> HttpResponse:
    response = render(
        request,
        "mentoring/lti/refused.html",
        {
            "code": "rate_limited",
            "check": "rate_limited",
            "detail": "Too many refused launches from here: try again in a few minutes.",
        },
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


def _refuse_launch(request: HttpRequest, refusal: launches.LaunchRefused) -> HttpResponse:
    address = client_address(request)
    ratelimit.record_failure("lti", address)
    logger.warning(
        "LTI launch refused: check=%s detail=%r address=%s", refusal.check, refusal.detail, address
    )
    return _refused(request, refusal)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def oidc_initiation(request: HttpRequest) -> HttpResponse:
    """OIDC third-party login initiation: send the browser to the platform's authorisation
    endpoint with a fresh state and nonce."""
    address = client_address(request)
    wait = ratelimit.failure_wait("lti", address)
    if wait:
        return _too_many(request, wait)
    params = request.POST if request.method == "POST" else request.GET
    urls = selectors.tool_urls()
    target = params.get("target_link_uri") or ""
    redirect_uri = target if target in urls["redirect_uris"] else urls["launch_url"]
    try:
        start = launches.start_login(request, redirect_uri=redirect_uri)
    except launches.LaunchRefused as refusal:
        return _refuse_launch(request, refusal)
    storage_target = params.get("lti_storage_target")
    if storage_target:
        # The platform keeps the state for us (postMessage): no cookie needed in its iframe.
        launches.remember_storage_state(
            start.state, origin=_origin(start.auth_url), target=storage_target
        )
        response = render(
            request,
            "mentoring/lti/storage_login.html",
            {
                "auth_url": start.auth_url,
                "state": start.state,
                "nonce": start.nonce,
                "target": storage_target,
                "origin": _origin(start.auth_url),
                "new_window_url": _new_window_url(params),
            },
        )
    elif request.headers.get("Sec-Fetch-Dest") == "iframe" and not params.get(NEW_WINDOW):
        # In an iframe with no storage offered: continue only if this browser keeps our
        # cookies here, otherwise offer a new window.
        response = render(
            request,
            "mentoring/lti/cookie_check.html",
            {"auth_url": start.auth_url, "new_window_url": _new_window_url(params)},
        )
        response.set_cookie(
            COOKIE_CHECK,
            "1",
            max_age=300,
            secure=request.is_secure(),
            samesite="None" if request.is_secure() else "Lax",
        )
    else:
        response = HttpResponseRedirect(start.auth_url)
    return start.set_cookies(response)


NEW_WINDOW = "lti1p3_new_window"
COOKIE_CHECK = "lti_cookie_check"
LOGIN_PARAMETERS = (
    "iss",
    "login_hint",
    "target_link_uri",
    "lti_message_hint",
    "lti_deployment_id",
    "client_id",
)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _new_window_url(params) -> str:
    kept = {name: params[name] for name in LOGIN_PARAMETERS if params.get(name)}
    return (
        selectors.absolute(reverse("lti:oidc_initiation"))
        + "?"
        + urlencode({**kept, NEW_WINDOW: "1"})
    )


@csrf_exempt
@require_http_methods(["POST"])
def launch(request: HttpRequest) -> HttpResponse:
    """The resource-link and deep-linking launch (the platform's form post of the id_token)."""
    address = client_address(request)
    wait = ratelimit.failure_wait("lti", address)
    if wait:
        return _too_many(request, wait)
    storage_checked = request.POST.get("lti_storage_checked") == "1"
    try:
        lti_launch = launches.validate_launch(request, storage_checked=storage_checked)
    except launches.LaunchRefused as refusal:
        state = request.POST.get("state")
        storage = launches.storage_for(state) if refusal.check == "state" else None
        if storage and not storage_checked:
            # No state cookie in the platform's iframe: read the state back from the
            # platform's storage, then post the launch again.
            return render(
                request,
                "mentoring/lti/storage_launch.html",
                {
                    "id_token": request.POST.get("id_token", ""),
                    "state": state,
                    "action": request.path,
                    "target": storage["target"],
                    "origin": storage["origin"],
                },
            )
        return _refuse_launch(request, refusal)
    try:
        arrival = arrivals.arrive(lti_launch)
    except ServiceError as refusal:
        logger.info("LTI launch stopped: %s", refusal.code)
        return _refused(request, refusal)
    except (AttributeError, TypeError, KeyError, ValueError, DataError) as error:
        # Signed by the platform but shaped wrongly (a context that is no object, a name
        # longer than any column): refused like any bad launch, never a 500.
        return _refuse_launch(
            request,
            launches.LaunchRefused(
                "claims", f"The launch's claims are malformed ({type(error).__name__})."
            ),
        )
    context_id = arrival.context.pk if arrival.context is not None else None
    _sign_in(request, arrival.user, lti_launch.get_launch_id(), context_id)
    logger.info(
        "LTI launch: user=%s role=%s next=%s", arrival.user.pk, arrival.role, arrival.next.value
    )
    landing = {
        arrivals.Next.LAND: lambda: arrival.url,
        arrivals.Next.PICK: lambda: reverse("lti:pick"),
        arrivals.Next.SET_UP: lambda: reverse("lti:course_setup"),
    }.get(arrival.next)
    if landing is not None and storage_checked:
        # The state cookie never came back (the platform's storage vouched for the state):
        # the session cookie may not live here either. The page goes on if a cookie set like
        # it is kept, otherwise offers a window of our own, signed in by a one-time hand-off.
        return _session_check(request, arrival.user, lti_launch, context_id, landing())
    if landing is not None:
        return redirect(landing())
    if arrival.next == arrivals.Next.NOT_SET_UP:
        return render(request, "mentoring/lti/not_set_up.html", status=200)
    return render(request, "mentoring/lti/no_course.html", status=200)


def _sign_in(request: HttpRequest, user, launch_id: str, context_id: int | None) -> None:
    """A fresh session for ``user`` (``login`` cycles the session key: no fixation) that
    remembers the launch and its course."""
    login(request, user, backend=LOGIN_BACKEND)
    request.session[SESSION_LAUNCH] = launch_id
    if context_id is not None:
        request.session[SESSION_CONTEXT] = context_id


SESSION_CHECK = "lti_session_check"


def _session_check(request, user, lti_launch, context_id: int | None, url: str) -> HttpResponse:
    token = handoff.issue(
        user_id=user.pk, launch_id=lti_launch.get_launch_id(), context_id=context_id, url=url
    )
    response = render(
        request,
        "mentoring/lti/session_check.html",
        {"url": url, "handoff_url": reverse("lti:handoff", args=[token])},
    )
    secure = request.is_secure()
    response.set_cookie(
        SESSION_CHECK, "1", max_age=300, secure=secure, samesite="Lax" if not secure else "None"
    )
    if secure:  # as the session cookie (LtiCookieMiddleware): partitioned per platform site
        response.cookies[SESSION_CHECK]["samesite"] = "None; Partitioned"
    return response


@require_http_methods(["GET", "POST"])
def handoff_continue(request: HttpRequest, token: str) -> HttpResponse:
    """A launch continued in a window of Staffroom's own (see ``services/handoff.py``): GET
    says who will be signed in; the POST (CSRF-checked, so no other site can sign a visitor in
    as someone else) takes the token, once, and signs in with a fresh session."""
    try:
        found = handoff.take(token) if request.method == "POST" else handoff.peek(token)
    except ServiceError as error:
        return _refused(request, error, status=410)
    user = User.objects.filter(pk=found.user_id, is_active=True).first()
    if user is None:
        return _refused(request, handoff.invalid(), status=410)
    if request.method == "GET":
        return render(request, "mentoring/lti/handoff.html", {"person": user})
    _sign_in(request, user, found.launch_id, found.context_id)
    logger.info("LTI launch handed off to a new window: user=%s", user.pk)
    return redirect(found.url)


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The tool's public keys (the current one and superseded ones still in their overlap)."""
    return JsonResponse(selectors.jwks())


@xframe_options_exempt
@require_GET
def dynamic_registration(request: HttpRequest) -> HttpResponse:
    """LTI Dynamic Registration, opened by the platform's admin page (in its iframe) with
    ``openid_configuration`` and ``registration_token``; without them, how to register by hand.
    What it registers stays inactive until a site administrator activates it."""
    openid_configuration = request.GET.get("openid_configuration")
    if not openid_configuration:
        return render(
            request, "mentoring/lti/register.html", {"config": selectors.tool_configuration()}
        )
    address = client_address(request)
    wait = ratelimit.failure_wait("lti", address)
    if wait:
        return _too_many(request, wait)
    try:
        registered = dynamic.register(
            openid_configuration=openid_configuration,
            registration_token=request.GET.get("registration_token", ""),
        )
    except ServiceError as error:
        ratelimit.record_failure("lti", address)
        logger.warning("LTI dynamic registration refused: %s %r", error.code, error.detail)
        response = _refused(request, error, status=400)
        response._csp_update = {"frame-ancestors": [_origin(openid_configuration)]}
        return response
    logger.info(
        "LTI dynamic registration of %s (client %s), inactive until activated",
        registered.registration.issuer,
        registered.registration.client_id,
    )
    response = render(
        request,
        "mentoring/lti/registered.html",
        {"registration": registered.registration, "deployment_id": registered.deployment_id},
    )
    response._csp_update = {"frame-ancestors": [registered.platform_origin]}
    return response


def _session_launch(request: HttpRequest):
    launch_id = request.session.get(SESSION_LAUNCH)
    if not launch_id:
        return None
    return launches.restore_launch(request, launch_id)


def _instructor_context(request: HttpRequest):
    """The launch in this session and its course, when the signed-in person is its
    instructor; None otherwise."""
    lti_launch = _session_launch(request)
    if lti_launch is None or request.session.get(SESSION_CONTEXT) is None:
        return None, None
    if role_for(lti_launch.roles_claim) != Membership.Role.TUTOR:
        return None, None
    try:
        context = lti_launch.context
    except Exception:  # the context row is gone
        return None, None
    if context.pk != request.session.get(SESSION_CONTEXT):
        return None, None
    return lti_launch, context


@login_required
@require_http_methods(["GET", "POST"])
def course_setup(request: HttpRequest) -> HttpResponse:
    """An instructor's first launch from a course with no cohort: create one, or link one."""
    lti_launch, context = _instructor_context(request)
    if context is None:
        return _refused(
            request,
            ServiceError("lti_no_launch", "Launch Staffroom from your course first."),
            status=400,
        )
    if selectors.course_for(context) is not None:
        return redirect("lti:after_setup")
    form = CourseSetupForm(
        request.POST or None,
        cohorts=selectors.cohorts_tutored_by(request.user),
        course_title=context.title,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == CourseSetupForm.LINK:
                courses.link_course(context=context, cohort=data["cohort"], by=request.user)
            else:
                courses.create_cohort_for_course(
                    context=context, by=request.user, name=data["name"]
                )
        except ServiceError as error:
            form.add_error(None, error.detail)
        else:
            return redirect("lti:after_setup")
    return render(request, "mentoring/lti/course_setup.html", {"form": form, "course": context})


@login_required
@require_GET
def after_setup(request: HttpRequest) -> HttpResponse:
    """Once the course has its cohort: on to the deep-link picker (when that is what the
    platform asked) or the cohort."""
    lti_launch, context = _instructor_context(request)
    course = selectors.course_for(context) if context is not None else None
    if course is None:
        return redirect("lti:course_setup")
    if lti_launch.is_deep_link_launch:
        return redirect("lti:pick")
    return redirect("cohort_home", course.cohort_id)


@login_required
@require_http_methods(["GET", "POST"])
def pick(request: HttpRequest) -> HttpResponse:
    """Deep linking: the instructor picks what the platform's link opens."""
    lti_launch, context = _instructor_context(request)
    if lti_launch is None or not lti_launch.is_deep_link_launch:
        return _refused(
            request,
            ServiceError(
                "lti_unrequested_deep_linking",
                "No deep-linking request from your platform is open here: add Staffroom to "
                "your course from the platform again.",
            ),
            status=400,
        )
    course = selectors.course_for(context)
    if course is None:
        return redirect("lti:course_setup")
    found = selectors.placements(course.cohort)
    form = PlacementForm(request.POST or None, placements=found)
    if request.method == "POST" and form.is_valid():
        chosen = next(p for p in found if p.key == form.cleaned_data["target"])
        try:
            response = deep_linking.respond(launch=lti_launch, chosen=chosen)
        except ServiceError as error:
            return _refused(request, error, status=400)
        del request.session[SESSION_LAUNCH]  # one response per request
        page = render(
            request,
            "mentoring/lti/deep_link_return.html",
            {"return_url": response.return_url, "jwt": response.jwt},
        )
        parts = urlsplit(response.return_url)
        page._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}
        return page
    return render(
        request,
        "mentoring/lti/pick.html",
        {"form": form, "course": context, "cohort": course.cohort},
    )


# --- The cohort's learning-platform page (tutors) -------------------------------------------------
def _tutored_cohort(request: HttpRequest, cohort_id: int):
    cohort = visible_cohort(user=request.user, cohort_id=cohort_id)
    if cohort is None or not is_tutor(request.user, cohort):
        raise Http404
    return cohort


@login_required
@require_GET
def cohort_platform(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The courses this cohort runs in, their last roster sync, and a "sync now" button."""
    cohort = _tutored_cohort(request, cohort_id)
    return _platform_page(request, cohort)


def _platform_page(request: HttpRequest, cohort, form: GradebookForm | None = None):
    book = grades.gradebook_of(cohort)
    if form is None:
        form = GradebookForm(
            initial={
                "send_participation": book.send_participation,
                "send_solutions": book.send_solutions,
            },
            scores=book.participation_scores,
        )
    return render(
        request,
        "mentoring/lti/cohort_platform.html",
        {
            "cohort": cohort,
            "courses": selectors.courses_of(cohort),
            "form": form,
            "grade_counts": grades.grade_counts(cohort),
            "failed_grades": grades.failed_grades(cohort),
        },
    )


@login_required
@require_http_methods(["POST"])
def gradebook(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Change what goes to the courses' gradebooks."""
    cohort = _tutored_cohort(request, cohort_id)
    book = grades.gradebook_of(cohort)
    form = GradebookForm(request.POST, scores=book.participation_scores)
    if not form.is_valid():
        return _platform_page(request, cohort, form)
    try:
        grades.update_gradebook(
            cohort=cohort,
            by=request.user,
            send_participation=form.cleaned_data["send_participation"],
            send_solutions=form.cleaned_data["send_solutions"],
            participation_scores=form.scores(),
        )
    except ServiceError as error:
        form.add_error(None, error.detail)
        return _platform_page(request, cohort, form)
    messages.success(request, "Saved what goes to the gradebook.")
    return redirect("lti:cohort_platform", cohort.pk)


@login_required
@require_http_methods(["POST"])
def sync_now(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Sync every course of the cohort now, and say what changed."""
    cohort = _tutored_cohort(request, cohort_id)
    found = selectors.courses_of(cohort)
    if not found:
        messages.error(request, "This cohort is not linked to a course on a learning platform.")
    for course in found:
        report = roster.sync_roster(course=course)
        grades.record_participation(course=course)
        if report.error:
            messages.error(request, f"{course.context}: {report.error}")
        else:
            messages.success(
                request,
                f"{course.context}: {len(report.enrolled)} joined, {len(report.removed)} left, "
                f"{len(report.role_changed)} changed role.",
            )
    return redirect("lti:cohort_platform", cohort.pk)
