# ruff: noqa: E501 - the table reads best one route per line
"""Who may call each route, and what everyone else gets: the access matrix's one table.

Keys are ``"METHOD /route"``: Django routes as the resolver spells them
(``GET /cohorts/<int:cohort_id>/members/``), API operations as the OpenAPI schema does
(``GET /api/v1/cohorts/{cohort_id}/boards``). Each value is ``expect(...)`` with the status per
caller (an int, or a tuple when several are right):

- ``anonymous``: not signed in (pages redirect to the login, the API answers 401);
- ``other_cohort``: a member of another cohort;
- ``other_group``: a member of the same cohort, in the other scenario group;
- ``member``: a member of the cohort, in the group that owns the objects, author of the post;
- ``tutor``: the cohort's tutor;
- ``staff``: site staff who tutors nothing;
- ``superuser``: a superuser who tutors nothing. Unless an entry says otherwise (``superuser=``),
  they get what ``staff`` gets: in a cohort they are nobody special (docs/privacy.md); they
  administer through /django-admin/ and Wagtail's admin.

Path parameters are filled from ``PARAMS`` (a new parameter name needs an entry there).
Writes send ``body`` (a dict, or a function of the world); each cell is rolled back.
Adding a route? Add its line here; ``test_every_route_has_an_entry`` names what is missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.security.world import World

# Vendor routes with their own permission systems (Wagtail's admin and page serving, Django's
# admin) are not ours to tabulate; our own views mounted under them are. Public image
# renditions (^media/images/…) are static files: tests/platform/test_private_files.py checks
# that they are the only uploads served and that documents never are.
SKIPPED_PREFIXES = (
    "api/v1/",
    "admin/",
    "django-admin/",
    "documents/",
    "_util/",
    "^((?:",
    "^media/",
)
OURS_UNDER_SKIPPED = ("admin/scenario_releases/",)


def skipped(route: str) -> bool:
    if route.startswith(OURS_UNDER_SKIPPED):
        return False
    return route.startswith(SKIPPED_PREFIXES) and not route.startswith(OURS_UNDER_SKIPPED)


def has_ours_under(prefix: str) -> bool:
    return any(ours.startswith(prefix) for ours in OURS_UNDER_SKIPPED)


PARAMS: dict[str, Callable[[World], Any]] = {
    "cohort_id": lambda w: w.cohort.pk,
    "board_id": lambda w: w.group_board.pk,
    "thread_id": lambda w: w.thread.pk,
    "post_id": lambda w: w.post_id,
    "kind": lambda w: "helpful",
    "flag_id": lambda w: w.flag.pk,
    "release_id": lambda w: w.release.pk,
    "group_id": lambda w: w.group.pk,
    # A version of group 1's solution (made here, in the world's transaction).
    "number": lambda w: _a_solution_version(w),
    "page_id": lambda w: w.scenario.pk,
    "scenario_id": lambda w: w.scenario.pk,
    "document_id": lambda w: w.document_id,
    "user_id": lambda w: w.users["member"].pk,
    # A notification of the tutor's: theirs alone to fetch (made here, in the world's transaction).
    "notification_id": lambda w: (
        w.users["tutor"]
        .notifications.get_or_create(kind="system", title="For the access matrix")[0]
        .pk
    ),
    "pk": lambda w: w.release.pk,
    "tag": lambda w: "behaviour",
    "uidb64": lambda w: "MQ",
    "token": lambda w: "set-password",
    # Invitations and join links: ids and tokens that do not exist (tutors get 404 too).
    "batch_id": lambda w: 999999,
    "invitation_id": lambda w: 999999,
    "request_id": lambda w: 999999,
    "signed": lambda w: "not-signed",
    "key": lambda w: "not-a-key",
    "uidb36": lambda w: "1",
    # Single sign-on: an identity provider that does not exist.
    "app_id": lambda w: 999999,
    "organization_slug": lambda w: "no-such-idp",
    "provider_id": lambda w: "no-such-idp",
    # A data export that is nobody's (each person's own are tested in tests/privacy).
    "export_id": lambda w: 999999,
    # An image attached to "member"'s post (made with the world; its file goes with it).
    "attachment_id": lambda w: world_attachment(w).pk,
    "name": lambda w: world_attachment(w).name,
}


def world_attachment(world: World):
    """An image on the world's post, stored like any upload (once per world, when it is built;
    ``test_access_matrix`` deletes its file with the world)."""
    if "attachment" not in world.extra:
        from django.core.files.uploadedfile import SimpleUploadedFile

        from mentoring.boards.services.posts import add_attachment
        from tests.mentoring.test_attachments import png

        world.extra["attachment"] = add_attachment(
            post=world.post_id,
            by=world.users["member"],
            file=SimpleUploadedFile("plan.png", png(), content_type="image/png"),
        )
    return world.extra["attachment"]


def _a_solution_version(world: World) -> int:
    from scenarios.models import SolutionVersion
    from scenarios.services.solutions import save_solution

    existing = SolutionVersion.objects.filter(solution__group=world.group).first()
    if existing is not None:
        return existing.number
    member = world.users["member"]
    return save_solution(group=world.group, author=member, body="A first plan").version


_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\{(\w+)\}")


def fill(route: str, world: World) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        if name not in PARAMS:
            raise AssertionError(
                f"{route}: no value for the path parameter {name!r}; add it to PARAMS in "
                "tests/security/access_table.py"
            )
        return str(PARAMS[name](world))

    return _PARAM.sub(value, route)


Status = int | tuple[int, ...]


@dataclass(frozen=True)
class Entry:
    expected: dict[str, Status]
    body: dict | Callable[[World], dict] | None = None


def expect(
    anonymous: Status,
    other_cohort: Status,
    other_group: Status,
    member: Status,
    tutor: Status,
    staff: Status,
    *,
    superuser: Status | None = None,
    body: dict | Callable[[World], dict] | None = None,
) -> Entry:
    return Entry(
        {
            "anonymous": anonymous,
            "other_cohort": other_cohort,
            "other_group": other_group,
            "member": member,
            "tutor": tutor,
            "staff": staff,
            "superuser": staff if superuser is None else superuser,
        },
        body,
    )


def as_set(status: Status) -> tuple[int, ...]:
    return status if isinstance(status, tuple) else (status,)


LOGIN = 302  # pages send anonymous callers to the login
OK_OR_BACK = (200, 302)  # a form page: re-shown with errors, or done and redirected back

ACCESS: dict[str, Entry] = {}

# fmt: off
ACCESS.update({
    # --- Platform and accounts ------------------------------------------------------------------
    "GET /healthz":                                    expect(200, 200, 200, 200, 200, 200),
    "GET /favicon.ico":                                expect(301, 301, 301, 301, 301, 301),
    "GET /privacy/":                                   expect(200, 200, 200, 200, 200, 200),
    "GET /accounts/login/":                            expect(200, 302, 302, 302, 302, 302),
    "POST /accounts/logout/":                          expect(302, 302, 302, 302, 302, 302),
    "GET /accounts/password/change/":                  expect(LOGIN, 200, 200, 200, 200, 200),
    "GET /accounts/password/reset/":                   expect(200, 200, 200, 200, 200, 200),
    "GET /accounts/password/reset/done/":              expect(200, 200, 200, 200, 200, 200),
    "GET /notifications/":                             expect(LOGIN, 200, 200, 200, 200, 200),
    "GET /settings/notifications/":                    expect(LOGIN, 200, 200, 200, 200, 200),
    "GET /notifications/<int:notification_id>/item/":  expect(LOGIN, 404, 404, 404, 200, 404),
    # --- Cohorts ---------------------------------------------------------------------------------
    "GET /cohorts/new/":                               expect(LOGIN, 404, 404, 404, 404, 200),
    "GET /cohorts/<int:cohort_id>/settings/":          expect(LOGIN, 404, 404, 404, 200, 404),
    "POST /cohorts/<int:cohort_id>/settings/":         expect(LOGIN, 404, 404, 404, OK_OR_BACK, 404, body={}),
    "GET /cohorts/<int:cohort_id>/archive/":           expect(LOGIN, 404, 404, 404, 200, 404),
    "POST /cohorts/<int:cohort_id>/archive/":          expect(LOGIN, 404, 404, 404, 200, 404, body={}),
    "GET /cohorts/<int:cohort_id>/records.zip":        expect(LOGIN, 404, 404, 404, 200, 404),
    "GET /cohorts/<int:cohort_id>/members/":           expect(LOGIN, 404, 404, 404, 200, 404),
    "POST /cohorts/<int:cohort_id>/members/":          expect(LOGIN, 404, 404, 404, OK_OR_BACK, 404, body={}),
    "GET /cohorts/<int:cohort_id>/":                   expect(LOGIN, 404, 200, 200, 200, 404),
    "GET /cohorts/<int:cohort_id>/ask-a-tutor/":       expect(LOGIN, 404, 302, 302, 302, 404),
    "GET /cohorts/<int:cohort_id>/tags/<str:tag>/":    expect(LOGIN, 404, 200, 200, 200, 404),
    "GET /cohorts/<int:cohort_id>/search/":            expect(LOGIN, 404, 200, 200, 200, 404),
    "GET /cohorts/<int:cohort_id>/moderation/":        expect(LOGIN, 404, 404, 404, 200, 404),
    # --- Boards, threads, posts (the group board of group 1; "member" wrote the post) -----------
    "GET /boards/<int:board_id>/":                     expect(LOGIN, 404, 404, 200, 200, 404),
    "GET /boards/<int:board_id>/threads/":             expect(LOGIN, 404, 404, 200, 200, 404),
    "POST /boards/<int:board_id>/preview/":            expect(LOGIN, 404, 404, 200, 200, 404, body={"body": "**Hi** #tag"}),
    "GET /attachments/<int:attachment_id>/<str:name>": expect(LOGIN, 404, 404, 200, 200, 404),
    "GET /threads/<int:thread_id>/unread/":            expect(LOGIN, 404, 404, 302, 302, 404),
    "GET /threads/<int:thread_id>/state/":             expect(LOGIN, 404, 404, 200, 200, 404),
    "GET /threads/<int:thread_id>/":                   expect(LOGIN, 404, 404, 200, 200, 404),
    "POST /threads/<int:thread_id>/moderate/":         expect(LOGIN, 404, 404, 404, 302, 404, body={"action": "pin"}),
    "GET /threads/<int:thread_id>/posts/<int:post_id>/fragment/":
                                                       expect(LOGIN, 404, 404, 200, 200, 404),
    "GET /posts/<int:post_id>/edit/":                  expect(LOGIN, 404, 404, 200, 302, 404),
    "GET /posts/<int:post_id>/retract/":               expect(LOGIN, 404, 404, 200, 302, 404),
    "POST /posts/<int:post_id>/retract/":              expect(LOGIN, 404, 404, 302, 302, 404, body={}),
    "POST /posts/<int:post_id>/flag/":                 expect(LOGIN, 404, 404, 302, 302, 404, body={}),
    "POST /posts/<int:post_id>/react/":                expect(LOGIN, 404, 404, 302, 302, 404, body={"kind": "helpful"}),
    "GET /threads/<int:thread_id>/mentions/":          expect(LOGIN, 404, 404, 200, 200, 404),
    "POST /threads/<int:thread_id>/subscription/":     expect(LOGIN, 404, 404, 302, 302, 404, body={"level": "watching"}),
    "POST /boards/<int:board_id>/subscription/":       expect(LOGIN, 404, 404, 302, 302, 404, body={"level": "muted"}),
    "POST /threads/<int:thread_id>/draft/":            expect(LOGIN, 404, 404, 200, 200, 404, body={"body": "Half a thought"}),
    "POST /boards/<int:board_id>/draft/":              expect(LOGIN, 404, 404, 200, 200, 404, body={"title": "T", "body": "B"}),
    "GET /posts/<int:post_id>/hide/":                  expect(LOGIN, 404, 404, 404, 200, 404),
    "POST /posts/<int:post_id>/hide/":                 expect(LOGIN, 404, 404, 404, OK_OR_BACK, 404,
                                                              body={"reason": "Off topic"}),
    # A member who sees the post is refused with a message and sent back to the thread.
    "POST /posts/<int:post_id>/unhide/":               expect(LOGIN, 404, 404, 302, 302, 404, body={}),
    "POST /flags/<int:flag_id>/resolve/":              expect(LOGIN, 404, 404, 404, 302, 404, body={}),
    # --- Scheduled prompts and the tutor's inbox ---------------------------------------------------
    "GET /cohorts/<int:cohort_id>/scheduled/":         expect(LOGIN, 404, 404, 404, 200, 404),
    "POST /cohorts/<int:cohort_id>/scheduled/":        expect(LOGIN, 404, 404, 404, (200, 302, 400), 404, body={}),
    # The world's thread is not scheduled: the tutor is told so, everyone else learns nothing.
    "POST /threads/<int:thread_id>/reschedule/":       expect(LOGIN, 404, 404, (302, 404), (302, 400, 404), 404, body={}),
    # The world's thread is published: its tutor is sent back to it, everyone else gets 404.
    "GET /threads/<int:thread_id>/cancel-schedule/":   expect(LOGIN, 404, 404, 404, 302, 404),
    "POST /threads/<int:thread_id>/cancel-schedule/":  expect(LOGIN, 404, 404, 404, 302, 404, body={}),
    "GET /cohorts/<int:cohort_id>/inbox/":             expect(LOGIN, 404, 404, 404, 200, 404),
    "POST /cohorts/<int:cohort_id>/inbox/dismiss/":    expect(LOGIN, 404, 404, 404, (302, 400), 404, body={}),
    "GET /cohorts/<int:cohort_id>/inbox/items/":       expect(LOGIN, 404, 404, 404, 200, 404),
    "GET /cohorts/<int:cohort_id>/inbox/count/":       expect(LOGIN, 404, 404, 404, 200, 404),
    # --- Participation ---------------------------------------------------------------------------
    "GET /cohorts/<int:cohort_id>/dashboard/":         expect(LOGIN, 404, 404, 404, 200, 404),
    "POST /cohorts/<int:cohort_id>/dashboard/nudges/": expect(LOGIN, 404, 404, 404, (200, 302, 400), 404, body={}),
    "GET /cohorts/<int:cohort_id>/dashboard/rows/":    expect(LOGIN, 404, 404, 404, 200, 404,
                                                              body=lambda w: {"user": w.users["member"].pk}),
    "GET /cohorts/<int:cohort_id>/dashboard/summary/": expect(LOGIN, 404, 404, 404, 200, 404),
    "GET /cohorts/<int:cohort_id>/dashboard/participation.csv":
                                                       expect(LOGIN, 404, 404, 404, 200, 404),
    "GET /cohorts/<int:cohort_id>/my-participation/":  expect(LOGIN, 404, 200, 200, 404, 404),
    # --- Scenarios -------------------------------------------------------------------------------
    "GET /scenarios/":                                 expect(LOGIN, 200, 200, 200, 200, 200),
    "GET /scenarios/cohorts/<int:cohort_id>/":         expect(LOGIN, 404, 200, 200, 200, 404),
    "POST /scenarios/cohorts/<int:cohort_id>/":        expect(LOGIN, 404, (403, 404), (403, 404), OK_OR_BACK, 404,
                                                              body={}),
    "GET /scenarios/releases/<int:release_id>/":       expect(LOGIN, 404, 200, 200, 200, 404),
    "POST /scenarios/releases/<int:release_id>/preview/":
                                                       expect(LOGIN, 404, 200, 200, 200, 404, body={"body": "**Hi**"}),
    "POST /scenarios/releases/<int:release_id>/reflection/":
                                                       expect(LOGIN, 404, OK_OR_BACK, OK_OR_BACK, 404, 404,
                                                              body={"body": "I learnt"}),
    "POST /scenarios/releases/<int:release_id>/move/": expect(LOGIN, 404, 404, 404, OK_OR_BACK, 404, body={}),
    "POST /scenarios/releases/<int:release_id>/groups/add/":
                                                       expect(LOGIN, 404, 404, 404, 302, 404, body={}),
    "POST /scenarios/releases/<int:release_id>/close/":
                                                       expect(LOGIN, 404, 404, 404, OK_OR_BACK, 404, body={}),
    "GET /scenarios/groups/<int:group_id>/":           expect(LOGIN, 404, 404, 200, 200, 404),
    "POST /scenarios/groups/<int:group_id>/solution/": expect(LOGIN, 404, 404, OK_OR_BACK, (400, 403, 404), 404,
                                                              body={"body": "Our plan"}),
    "GET /scenarios/groups/<int:group_id>/solution/newer/":
                                                       expect(LOGIN, 404, 404, 200, 200, 404, body={"version": "0"}),
    "POST /scenarios/groups/<int:group_id>/submit/":   expect(LOGIN, 404, 404, OK_OR_BACK, (302, 403, 404), 404,
                                                              body={}),
    # The live solution's history (issue 22): members and tutors read it; members keep and
    # restore versions (tutors are refused, 403); version 1 is made by ``PARAMS["number"]``.
    "GET /scenarios/groups/<int:group_id>/versions/":  expect(LOGIN, 404, 404, 200, 200, 404),
    "POST /scenarios/groups/<int:group_id>/versions/take/":
                                                       expect(LOGIN, 404, 404, 302, 302, 404, body={}),
    "GET /scenarios/groups/<int:group_id>/versions/<int:number>/":
                                                       expect(LOGIN, 404, 404, 200, 200, 404),
    "POST /scenarios/groups/<int:group_id>/versions/<int:number>/restore/":
                                                       expect(LOGIN, 404, 404, 302, 302, 404, body={}),
    "POST /scenarios/groups/<int:group_id>/feedback/": expect(LOGIN, 404, 404, (403, 404), (200, 302, 400), 404,
                                                              body={"body": "Well argued"}),
    "GET /scenarios/<int:page_id>/documents/<int:document_id>/":
                                                       expect(LOGIN, 404, 200, 200, 200, 404, superuser=200),
    # --- Our views in the Wagtail admin (the tutor is a scenario author) -------------------------
    # A superuser administers here (and sees scenarios and their documents, Wagtail's pages:
    # content, not what people wrote); in a cohort they are staff like any other.
    "GET /admin/scenario_releases/":                   expect(LOGIN, LOGIN, LOGIN, LOGIN, 200, LOGIN, superuser=200),
    "GET /admin/scenario_releases/results/":           expect(LOGIN, LOGIN, LOGIN, LOGIN, 200, LOGIN, superuser=200),
    "GET /admin/scenario_releases/new/":               expect(LOGIN, LOGIN, LOGIN, LOGIN, 200, LOGIN, superuser=200),
    "GET /admin/scenario_releases/edit/<int:pk>/":     expect(LOGIN, LOGIN, LOGIN, LOGIN, 200, LOGIN, superuser=200),
    "POST /admin/scenario_releases/edit/<int:pk>/":    expect(LOGIN, LOGIN, LOGIN, LOGIN, OK_OR_BACK, LOGIN,
                                                              superuser=OK_OR_BACK, body={"closes_at": "1999-01-01 09:00"}),
    "GET /admin/scenario_releases/delete/<int:pk>/":   expect(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, superuser=200),
    "GET /admin/scenario_releases/history/<int:pk>/":  expect(LOGIN, LOGIN, LOGIN, LOGIN, 200, LOGIN, superuser=200),
    "GET /admin/scenario_releases/history-results/<int:pk>/":
                                                       expect(LOGIN, LOGIN, LOGIN, LOGIN, 200, LOGIN, superuser=200),
    "GET /admin/scenario_releases/usage/<int:pk>/":    expect(LOGIN, LOGIN, LOGIN, LOGIN, 200, LOGIN, superuser=200),
    "GET /admin/scenario_releases/inspect/<int:pk>/":  expect(LOGIN, LOGIN, LOGIN, LOGIN, 200, LOGIN, superuser=200),
    # --- The JSON API ----------------------------------------------------------------------------
    "GET /api/v1/me":                                  expect(401, 200, 200, 200, 200, 200),
    "GET /api/v1/cohorts":                             expect(401, 200, 200, 200, 200, 200),
    "POST /api/v1/cohorts":                            expect(401, 403, 403, 403, 403, 201,
                                                              body={"name": "New", "tutors": ["w_tutor"]}),
    "GET /api/v1/cohorts/{cohort_id}":                 expect(401, 404, 200, 200, 200, 404),
    "PATCH /api/v1/cohorts/{cohort_id}":               expect(401, 404, (403, 404), (403, 404), 200, 404,
                                                              body={"reader_threshold": 2}),
    "POST /api/v1/cohorts/{cohort_id}/members":        expect(401, 404, (403, 404), (403, 404), 201, 404,
                                                              body={"usernames": ["w_staff"]}),
    "GET /api/v1/notifications":                       expect(401, 200, 200, 200, 200, 200),
    "POST /api/v1/notifications/read":                 expect(401, 200, 200, 200, 200, 200, body={}),
    "GET /api/v1/cohorts/{cohort_id}/boards":          expect(401, 404, 200, 200, 200, 404),
    "GET /api/v1/boards/{board_id}/threads":           expect(401, 404, 404, 200, 200, 404),
    "POST /api/v1/boards/{board_id}/threads":          expect(401, 404, 404, 201, 201, 404,
                                                              body={"title": "Plan B", "body": "Or else"}),
    "GET /api/v1/threads/{thread_id}":                 expect(401, 404, 404, 200, 200, 404),
    "POST /api/v1/threads/{thread_id}/posts":          expect(401, 404, 404, 201, 201, 404, body={"body": "Yes"}),
    "POST /api/v1/threads/{thread_id}/pin":            expect(401, 404, 404, 403, 204, 404),
    "DELETE /api/v1/threads/{thread_id}/pin":          expect(401, 404, 404, 403, 204, 404),
    "POST /api/v1/threads/{thread_id}/lock":           expect(401, 404, 404, 403, 204, 404),
    "DELETE /api/v1/threads/{thread_id}/lock":         expect(401, 404, 404, 403, 204, 404),
    "PATCH /api/v1/posts/{post_id}":                   expect(401, 404, 404, 200, 403, 404, body={"body": "Edited"}),
    "DELETE /api/v1/posts/{post_id}":                  expect(401, 404, 404, 204, 403, 404),
    "POST /api/v1/posts/{post_id}/flags":              expect(401, 404, 404, 201, 201, 404, body={"reason": "Look"}),
    # "member" wrote the post: nobody reacts to their own (403 own_post).
    "POST /api/v1/posts/{post_id}/reactions":          expect(401, 404, 404, 403, 201, 404, body={"kind": "helpful"}),
    "DELETE /api/v1/posts/{post_id}/reactions/{kind}": expect(401, 404, 404, 204, 204, 404),
    "GET /api/v1/threads/{thread_id}/subscription":    expect(401, 404, 404, 200, 200, 404),
    "PUT /api/v1/threads/{thread_id}/subscription":    expect(401, 404, 404, 200, 200, 404, body={"level": "muted"}),
    "GET /api/v1/boards/{board_id}/subscription":      expect(401, 404, 404, 200, 200, 404),
    "PUT /api/v1/boards/{board_id}/subscription":      expect(401, 404, 404, 200, 200, 404, body={"level": "watching"}),
    "GET /api/v1/threads/{thread_id}/draft":           expect(401, 404, 404, 204, 204, 404),
    "PUT /api/v1/threads/{thread_id}/draft":           expect(401, 404, 404, 200, 200, 404, body={"body": "Half"}),
    "GET /api/v1/boards/{board_id}/draft":             expect(401, 404, 404, 204, 204, 404),
    "PUT /api/v1/boards/{board_id}/draft":             expect(401, 404, 404, 200, 200, 404, body={"title": "T", "body": "B"}),
    # Attachments: no file sent, so whoever may upload gets 400 attachment_missing (nothing stored).
    "POST /api/v1/threads/{thread_id}/attachments":    expect(401, 404, 404, 400, 400, 404),
    "POST /api/v1/posts/{post_id}/attachments":        expect(401, 404, 404, 400, 403, 404),
    "DELETE /api/v1/posts/{post_id}/attachments/{attachment_id}":
                                                       expect(401, 404, 404, 204, 403, 404),
    "GET /api/v1/attachments/{attachment_id}":         expect(401, 404, 404, 200, 200, 404),
    "POST /api/v1/posts/{post_id}/hide":               expect(401, 404, 404, 403, 200, 404, body={"reason": "No"}),
    "DELETE /api/v1/posts/{post_id}/hide":             expect(401, 404, 404, 403, 200, 404),
    "GET /api/v1/cohorts/{cohort_id}/participation":   expect(401, 404, 404, 404, 200, 404),
    "POST /api/v1/cohorts/{cohort_id}/nudges":         expect(401, 404, 404, 404, 201, 404,
                                                              body=lambda w: {"user_ids": [w.users["member"].pk],
                                                                              "message": "How is it going?"}),
    "GET /api/v1/cohorts/{cohort_id}/scheduled-threads": expect(401, 404, 404, 404, 200, 404),
    "POST /api/v1/boards/{board_id}/scheduled-threads": expect(401, 404, 404, 403, 201, 404,
                                                              body={"prompts": [{"title": "Week 1", "body": "Go",
                                                                                 "publish_at": "2031-01-05T09:00:00Z"}]}),
    "DELETE /api/v1/threads/{thread_id}/schedule":     expect(401, 404, 404, 404, 400, 404),
    "PATCH /api/v1/threads/{thread_id}/schedule":      expect(401, 404, 404, (403, 404), (400, 404, 409), 404,
                                                              body={"publish_at": "2031-01-05T09:00:00Z"}),
    "GET /api/v1/cohorts/{cohort_id}/inbox":           expect(401, 404, 404, 404, 200, 404),
    "POST /api/v1/cohorts/{cohort_id}/inbox/dismissals": expect(401, 404, 404, 404, (204, 400, 404), 404,
                                                              body=lambda w: {"kind": "flag", "thread_id": w.thread.pk,
                                                                              "post_id": w.post_id}),
    "GET /api/v1/cohorts/{cohort_id}/scenarios":       expect(401, 404, 200, 200, 200, 404),
    "GET /api/v1/scenarios/{scenario_id}":             expect(401, 404, 200, 200, 200, 404, superuser=200),
    # Already released: the tutor passes the permission check and hears 409.
    "POST /api/v1/cohorts/{cohort_id}/releases":       expect(401, 404, 403, 403, 409, 404,
                                                              body=lambda w: {"scenario_id": w.scenario.pk}),
})
# fmt: on

# Sign-in (allauth), invitations and join links. allauth's two regex routes cannot be filled
# from PARAMS (they answer 404 here); tests/accounts follows their real links.
# fmt: off
ACCESS.update({
    "GET /accounts/profile/":                          expect(302, 200, 200, 200, 200, 200),
    "GET /accounts/profile/delete/":                   expect(302, 200, 200, 200, 200, 200),
    "GET /accounts/inactive/":                         expect(200, 200, 200, 200, 200, 200),
    "GET /accounts/signup/":                           expect(200, 302, 302, 302, 302, 302),
    "GET /accounts/reauthenticate/":                   expect(302, 200, 200, 200, 200, 200),
    "GET /accounts/email/":                            expect(302, 200, 200, 200, 200, 200),
    "GET /accounts/confirm-email/":                    expect(200, 200, 200, 200, 200, 200),
    "GET /accounts/password/set/":                     expect(302, 302, 302, 302, 302, 302),
    "GET /accounts/login/code/confirm/":               expect(302, 302, 302, 302, 302, 302),
    r"GET /accounts/^confirm-email/(?P<key>[-:\w]+)/$": expect(404, 404, 404, 404, 404, 404),
    "GET /accounts/password/reset/key/done/":          expect(200, 200, 200, 200, 200, 200),
    "GET /accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": expect(404, 404, 404, 404, 404, 404),
    # Single sign-on (mentoring.sso and allauth's socialaccount): no identity provider here.
    "POST /accounts/sso/":                             expect(400, 400, 400, 400, 400, 400),
    "POST /accounts/sso/start/":                       expect(404, 404, 404, 404, 404, 404),
    "GET /accounts/sso/link/":                         expect(410, 410, 410, 410, 410, 410),
    "GET /accounts/sso/signed-out/":                   expect(200, 200, 200, 200, 200, 200),
    "POST /accounts/sso/logout/<int:app_id>/":         expect(404, 404, 404, 404, 404, 404),
    "POST /accounts/saml/<str:organization_slug>/acs/": expect(302, 302, 302, 302, 302, 302),
    "GET /accounts/saml/<str:organization_slug>/acs/finish/": expect(404, 404, 404, 404, 404, 404),
    "GET /accounts/3rdparty/login/cancelled/":         expect(200, 200, 200, 200, 200, 200),
    "GET /accounts/3rdparty/login/error/":             expect(401, 401, 401, 401, 401, 401),
    "GET /accounts/3rdparty/signup/":                  expect(302, 302, 302, 302, 302, 302),
    "GET /accounts/3rdparty/":                         expect(302, 200, 200, 200, 200, 200),
    "GET /accounts/social/login/cancelled/":           expect(301, 301, 301, 301, 301, 301),
    "GET /accounts/social/login/error/":               expect(301, 301, 301, 301, 301, 301),
    "GET /accounts/social/signup/":                    expect(301, 301, 301, 301, 301, 301),
    "GET /accounts/social/connections/":               expect(301, 301, 301, 301, 301, 301),
    "POST /accounts/^saml/(?P<organization_slug>[^/]+)/acs/": expect(404, 404, 404, 404, 404, 404),
    "GET /accounts/^saml/(?P<organization_slug>[^/]+)/acs/finish/": expect(404, 404, 404, 404, 404, 404),
    "GET /accounts/^saml/(?P<organization_slug>[^/]+)/sls/": expect(404, 404, 404, 404, 404, 404),
    "GET /accounts/^saml/(?P<organization_slug>[^/]+)/metadata/": expect(404, 404, 404, 404, 404, 404),
    "GET /accounts/^saml/(?P<organization_slug>[^/]+)/login/": expect(404, 404, 404, 404, 404, 404),
    "GET /accounts/oidc/^(?P<provider_id>[^/]+)/login/": expect(404, 404, 404, 404, 404, 404),
    "GET /accounts/oidc/^(?P<provider_id>[^/]+)/login/callback/": expect(404, 404, 404, 404, 404, 404),
    "GET /accounts/2fa/":                              expect(302, 200, 200, 200, 200, 200),
    "GET /accounts/2fa/authenticate/":                 expect(302, 302, 302, 302, 302, 302),
    "GET /accounts/2fa/reauthenticate/":               expect(302, 302, 302, 302, 302, 302),
    "GET /accounts/2fa/totp/activate/":                expect(302, 302, 302, 302, 302, 302),
    "GET /accounts/2fa/totp/deactivate/":              expect(302, 404, 404, 404, 404, 404),
    "GET /accounts/2fa/recovery-codes/":               expect(302, 404, 404, 404, 404, 404),
    "GET /accounts/2fa/recovery-codes/generate/":      expect(302, 302, 302, 302, 302, 302),
    "GET /accounts/2fa/recovery-codes/download/":      expect(302, 404, 404, 404, 404, 404),
    "GET /cohorts/<int:cohort_id>/invite/":            expect(302, 405, 405, 405, 405, 405),
    "GET /cohorts/<int:cohort_id>/roster/":            expect(302, 404, 404, 404, 200, 404),
    "GET /cohorts/<int:cohort_id>/invitations/batches/<int:batch_id>/": expect(302, 404, 404, 404, 404, 404),
    "GET /cohorts/<int:cohort_id>/invitations/batches/<int:batch_id>/progress/":
                                                       expect(302, 404, 404, 404, 404, 404),
    "GET /cohorts/<int:cohort_id>/invitations/<int:invitation_id>/": expect(302, 405, 405, 405, 405, 405),
    "GET /cohorts/<int:cohort_id>/invitations/resend-pending/": expect(302, 405, 405, 405, 405, 405),
    "POST /cohorts/<int:cohort_id>/invitations/resend-pending/": expect(LOGIN, 404, 404, 404, 200, 404, body={}),
    "GET /cohorts/<int:cohort_id>/join-link/":         expect(302, 405, 405, 405, 405, 405),
    "GET /cohorts/<int:cohort_id>/join-requests/<int:request_id>/": expect(302, 405, 405, 405, 405, 405),
    "GET /invitations/<str:token>/":                   expect(404, 404, 404, 404, 404, 404),
    "GET /join/confirm/<str:signed>/":                 expect(404, 404, 404, 404, 404, 404),
    "GET /join/<str:token>/":                          expect(404, 404, 404, 404, 404, 404),
    "GET /api/v1/cohorts/{cohort_id}/invitations":     expect(401, 404, 403, 403, 200, 404),
    "GET /api/v1/cohorts/{cohort_id}/invitation-batches/{batch_id}": expect(401, 404, 403, 403, 404, 404),
    "DELETE /api/v1/invitations/{invitation_id}":      expect(401, 404, 404, 404, 404, 404),
    "DELETE /api/v1/cohorts/{cohort_id}/members/{user_id}": expect(401, 404, 403, 403, 204, 404),
    "POST /api/v1/cohorts/{cohort_id}/roster":         expect(401, 404, 403, 403, 400, 404, body={}),  # "{}" is no CSV: the report says why
    "POST /api/v1/cohorts/{cohort_id}/invitations":    expect(401, 404, 403, 403, 201, 404, body={"emails": ["new.person@uni.example"]}),
})
# fmt: on

# Members' data exports: everyone asks for their own; only its person downloads one.
# fmt: off
ACCESS.update({
    "GET /account/data/":                              expect(LOGIN, 200, 200, 200, 200, 200),
    "POST /account/data/":                             expect(LOGIN, 302, 302, 302, 302, 302, body={}),
    "GET /account/data/<int:export_id>/download/":     expect(LOGIN, 404, 404, 404, 404, 404),
    "POST /api/v1/me/exports":                         expect(401, 202, 202, 202, 202, 202, body={}),
    "GET /api/v1/me/exports/{export_id}":              expect(401, 404, 404, 404, 404, 404),
})
# fmt: on

# LTI 1.3 (mentoring/lti): what platforms call is public and refuses anything not a valid
# launch (403 naming the check); the instructor's pages need the launch in the session (400).
# fmt: off
ACCESS.update({
    "GET /lti/login/":                                 expect(403, 403, 403, 403, 403, 403),
    "POST /lti/login/":                                expect(403, 403, 403, 403, 403, 403, body={}),
    "POST /lti/launch/":                               expect(403, 403, 403, 403, 403, 403, body={}),
    "GET /lti/launch/":                                expect(405, 405, 405, 405, 405, 405),
    "POST /lti/deep-linking/":                         expect(403, 403, 403, 403, 403, 403, body={}),
    "GET /lti/jwks/":                                  expect(200, 200, 200, 200, 200, 200),
    "GET /lti/continue/<str:token>/":                  expect(410, 410, 410, 410, 410, 410),
    "POST /lti/continue/<str:token>/":                 expect(410, 410, 410, 410, 410, 410, body={}),
    "GET /lti/register/":                              expect(200, 200, 200, 200, 200, 200),
    "GET /lti/course/":                                expect(LOGIN, 400, 400, 400, 400, 400),
    "POST /lti/course/":                               expect(LOGIN, 400, 400, 400, 400, 400, body={}),
    "GET /lti/course/ready/":                          expect(LOGIN, 302, 302, 302, 302, 302),
    "GET /lti/pick/":                                  expect(LOGIN, 400, 400, 400, 400, 400),
    "POST /lti/pick/":                                 expect(LOGIN, 400, 400, 400, 400, 400, body={}),
})
# fmt: on
# The cohort's learning-platform page and its "sync now" (tutors only).
# fmt: off
ACCESS.update({
    "GET /cohorts/<int:cohort_id>/platform/":          expect(LOGIN, 404, 404, 404, 200, 404),
    "POST /cohorts/<int:cohort_id>/platform/sync/":    expect(LOGIN, 404, 404, 404, 302, 404, body={}),
    "POST /cohorts/<int:cohort_id>/platform/grades/":  expect(LOGIN, 404, 404, 404, OK_OR_BACK, 404, body={}),
})
# fmt: on
