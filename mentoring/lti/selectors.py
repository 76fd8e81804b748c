"""Reads for LTI: the tool's own URLs, the course a launch came from, and the places in a
cohort a link may point at (placements)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django.db.models import QuerySet
from django.urls import reverse
from lti_tool.models import Key, LtiContext, LtiRegistration

from mentoring.core.privacy import Provider
from mentoring.models import Board, Cohort, LtiCourse, Membership, User

# The custom parameter a placement's link carries (deep linking puts it there; Moodle and Canvas
# send it back in each launch's custom claim).
TARGET_PARAMETER = "staffroom_target"
CUSTOM_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/custom"


def absolute(path: str) -> str:
    """``path`` under the base platforms are given (``LTI_TOOL_BASE_URL``)."""
    return settings.LTI_TOOL_BASE_URL + path


def tool_urls() -> dict[str, str]:
    """The tool's URLs as a platform is configured with them (absolute)."""
    launch = absolute(reverse("lti:launch"))
    deep_linking = absolute(reverse("lti:deep_linking"))
    return {
        "login_url": absolute(reverse("lti:oidc_initiation")),
        "launch_url": launch,
        "deep_linking_url": deep_linking,
        "jwks_url": absolute(reverse("lti:jwks")),
        "dynamic_registration_url": absolute(reverse("lti:dynamic_registration")),
        "redirect_uris": [launch, deep_linking],
    }


SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
]


def tool_configuration() -> dict:
    """Everything an administrator pastes into a platform, as ``lti_tool_config`` prints it."""
    urls = tool_urls()
    return {
        "title": "Staffroom",
        "description": "Mentoring and problem-based learning for teacher education.",
        **urls,
        "target_link_uri": urls["launch_url"],
        "domain": settings.LTI_TOOL_BASE_URL.split("://", 1)[-1].split("/", 1)[0],
        "scopes": SCOPES,
        "messages": ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"],
        "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
        "custom_parameters": {},
        "privacy_level": "public",
    }


def jwks() -> dict:
    """The tool's public keys: the current one and any superseded one still in its overlap."""
    return Key.objects.as_jwks()


def platform_origins() -> list[str]:
    """The origins of every active registered platform (``scheme://host[:port]``), the only
    pages that may frame Staffroom's LTI pages."""
    origins: set[str] = set()
    for registration in LtiRegistration.objects.active().only("issuer", "auth_url"):
        for url in (registration.issuer, registration.auth_url):
            parts = url.split("/", 3)
            if len(parts) >= 3 and parts[0] in ("https:", "http:") and parts[2]:
                origins.add(f"{parts[0]}//{parts[2]}")
    return sorted(origins)


LAUNCH_SESSION_KEY = "lti_launch_id"


def framed_by_platforms(request, response) -> bool:
    """Whether a platform may frame this HTML response: an LTI page, or any page of a session
    that came by a launch (only those are ever shown inside a platform)."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    if request.path_info.startswith("/lti/"):
        return True
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(LAUNCH_SESSION_KEY))


def lti_frame_ancestors() -> list[str]:
    """``platform_origins`` for a page's CSP. Read afresh each time (one query on a table of a
    few rows, for HTML pages only): a cache per process would keep framing refused, or allowed,
    after a registration changed in another process. With the database away, only 'self'
    (framing is refused, the page itself still answers)."""
    try:
        return platform_origins()
    except DatabaseError:
        return []


def course_for(context: LtiContext) -> LtiCourse | None:
    return (
        LtiCourse.objects.select_related("cohort").filter(context=context).first()
        if context.pk
        else None
    )


def courses_of(cohort: Cohort) -> list[LtiCourse]:
    """The platform courses ``cohort`` runs in, with their last roster sync."""
    return list(
        LtiCourse.objects.filter(cohort=cohort)
        .select_related("context", "context__deployment__registration")
        .order_by("linked_at", "pk")
    )


def cohorts_tutored_by(user: User) -> QuerySet[Cohort]:
    """Cohorts ``user`` tutors that are not archived: those a course may be linked to."""
    return Cohort.objects.filter(
        memberships__user=user,
        memberships__role=Membership.Role.TUTOR,
        archived_at__isnull=True,
    ).order_by("name", "id")


# --- Placements --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Placement:
    """A place in a cohort a platform link may open: ``key`` is what the link carries."""

    key: str
    title: str
    url: str


# Other apps add theirs (scenarios: released scenarios) with ``register_placement_finder``:
# mentoring never imports them.
PlacementFinder = Callable[[Cohort], list[Placement]]
_FINDERS: list[PlacementFinder] = []


def register_placement_finder(finder: PlacementFinder) -> None:
    if finder not in _FINDERS:
        _FINDERS.append(finder)


def placements(cohort: Cohort) -> list[Placement]:
    """Where a link to ``cohort`` may land: its home, its boards (not scenario groups'), its
    participation dashboard, and what other apps add."""
    found = [
        Placement("cohort", f"{cohort.name}: home", reverse("cohort_home", args=[cohort.pk])),
        Placement(
            "dashboard",
            f"{cohort.name}: participation dashboard",
            reverse("dashboard:cohort", args=[cohort.pk]),
        ),
    ]
    boards = Board.objects.filter(cohort=cohort, restricted=False).exclude(kind=Board.Kind.SCENARIO)
    found += [
        Placement(f"board:{board.pk}", f"Board: {board.title}", reverse("board", args=[board.pk]))
        for board in boards.order_by("id")
    ]
    for finder in _FINDERS:
        found += finder(cohort)
    return found


def placement(cohort: Cohort, key: str | None) -> Placement | None:
    """The placement ``key`` names in ``cohort``; None for one that is not there (any more)."""
    if not key:
        return None
    return next((p for p in placements(cohort) if p.key == key), None)


# --- A person's data export --------------------------------------------------------------------
def export_lti(user: User, now) -> dict:
    """What learning platforms told Staffroom about the person, and what went back to them."""
    from lti_tool.models import LtiUser

    from mentoring.models import LtiGrade, LtiRosterEntry

    identities = LtiUser.objects.filter(auth_user=user).select_related("registration")
    return {
        "platform_accounts": [
            {
                "platform": identity.registration.issuer,
                "user_id_on_platform": identity.sub,
                "name": identity.name,
                "given_name": identity.given_name,
                "family_name": identity.family_name,
                "email": identity.email,
            }
            for identity in identities.order_by("pk")
        ],
        "courses": [
            {
                "course": str(entry.course.context),
                "cohort": entry.course.cohort.name,
                "role": entry.role,
                "added_at": entry.added_at,
            }
            for entry in LtiRosterEntry.objects.filter(user=user)
            .select_related("course__context", "course__cohort")
            .order_by("added_at", "pk")
        ],
        "courses_linked": [
            {"course": str(course.context), "cohort": course.cohort.name, "at": course.linked_at}
            for course in LtiCourse.objects.filter(linked_by=user)
            .select_related("context", "cohort")
            .order_by("linked_at", "pk")
        ],
        "grades": [
            {
                "column": grade.item_label,
                "score": grade.score,
                "comment": grade.comment,
                "status": grade.status,
                "sent_at": grade.sent_at,
            }
            for grade in LtiGrade.objects.filter(user=user).order_by("updated_at", "pk")
        ],
    }


PRIVACY = Provider(
    name="learning_platforms",
    title="From your learning platform (LTI)",
    covers={
        "mentoring.LtiRosterEntry": ("user",),
        "mentoring.LtiGrade": ("user",),
        "mentoring.LtiCourse": ("linked_by",),
    },
    export=export_lti,
    parts={
        "platform_accounts": "Your accounts on learning platforms",
        "courses": "Courses that brought you into cohorts",
        "courses_linked": "Courses you linked to cohorts",
        "grades": "Scores sent to course gradebooks",
    },
)
