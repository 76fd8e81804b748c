"""The small world the access matrix and schemathesis run in, built through the public surface.

Cohort A has a tutor, two members in two scenario groups and a thread on group 1's board;
cohort B has its own tutor and member; ``staff`` is site staff who tutors nothing, and
``superuser`` a superuser who tutors nothing (docs/privacy.md: no more than staff in a cohort).
Objects are made through the API and the scenario services, so the world survives internal moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mentoring.models import Board, Cohort, PostFlag, Thread, User
from scenarios.models import Release, ScenarioGroup, ScenarioPage
from scenarios.services.permissions import grant_scenario_authoring
from scenarios.services.releases import release_scenario
from tests.factories import ApiClient, UserFactory, make_cohort
from tests.scenarios.helpers import make_module, make_scenario

ROLES = ("anonymous", "other_cohort", "other_group", "member", "tutor", "staff", "superuser")


@dataclass
class World:
    users: dict[str, User | None]
    cohort: Cohort
    other_cohort: Cohort
    general_board: Board
    group_board: Board
    thread: Thread
    general_thread: Thread
    post_id: int
    flag: PostFlag
    release: Release
    group: ScenarioGroup
    scenario: ScenarioPage
    document_id: int
    extra: dict[str, Any] = field(default_factory=dict)

    def user(self, role: str) -> User | None:
        return self.users[role]


def _wagtail_root() -> None:
    """The page tree's root, its locale and a default site (as the ``wagtail_root`` fixture)."""
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page, Site

    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
    if not Site.objects.exists():
        Site.objects.create(hostname="localhost", root_page=root, is_default_site=True)


def build_world() -> World:
    _wagtail_root()
    tutor = UserFactory(username="w_tutor", display_name="Wren Tutor")
    member = UserFactory(username="w_member", display_name="Mina Member")
    other_group = UserFactory(username="w_other_group", display_name="Otto Othergroup")
    other_cohort_member = UserFactory(username="w_elsewhere", display_name="Elsa Elsewhere")
    staff = UserFactory(username="w_staff", display_name="Stan Staff", is_staff=True)
    superuser = UserFactory(
        username="w_superuser", display_name="Sue Superuser", is_staff=True, is_superuser=True
    )
    cohort = make_cohort(name="World cohort", tutors=[tutor], members=[member, other_group])
    other = make_cohort(
        name="Other world cohort",
        tutors=[UserFactory(username="w_other_tutor")],
        members=[other_cohort_member],
    )
    scenario = make_scenario(make_module())
    grant_scenario_authoring(user=tutor)
    release = release_scenario(
        cohort=cohort,
        scenario=scenario,
        by=tutor,
        group_size=2,
        grouping=Release.Grouping.MANUAL,
        groups=[[member], [other_group]],
    )
    group = ScenarioGroup.objects.get(release=release, members=member)
    general = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    client = ApiClient(member)
    created = client.post(
        f"/api/v1/boards/{group.board_id}/threads",
        {"title": "Group thread", "body": "Our plan #behaviour"},
    )
    assert created.status_code == 201, created.content
    thread = Thread.objects.get(pk=created.data["id"])
    general_created = client.post(
        f"/api/v1/boards/{general.pk}/threads",
        {"title": "General thread", "body": "Hello all #behaviour"},
    )
    assert general_created.status_code == 201, general_created.content
    post_id = thread.posts.order_by("id").first().pk
    flag = PostFlag.objects.create(post_id=post_id, flagged_by=other_group, reason="check")
    return World(
        users={
            "anonymous": None,
            "other_cohort": other_cohort_member,
            "other_group": other_group,
            "member": member,
            "tutor": tutor,
            "staff": staff,
            "superuser": superuser,
        },
        cohort=cohort,
        other_cohort=other,
        general_board=general,
        group_board=group.board,
        thread=thread,
        general_thread=Thread.objects.get(pk=general_created.data["id"]),
        post_id=post_id,
        flag=flag,
        release=release,
        group=group,
        scenario=scenario,
        document_id=next(iter(scenario.document_ids())),
    )
