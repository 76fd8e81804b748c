"""The cohort page (issue 13): group boards sit under their release, not one card per group;
cards show thread and unread counts; the tutor is not told it is "your group's space"."""

import pytest

from mentoring.boards.services.posts import create_post, create_thread
from mentoring.models import Board
from scenarios.services.releases import release_scenario
from tests.factories import UserFactory, signed_in

pytestmark = pytest.mark.django_db


def test_group_boards_under_their_release_with_counts(cohort, scenario, tutor, members):
    extra = [UserFactory(username=f"extra{i}") for i in range(3)]
    from mentoring.cohorts.services import add_membership

    for user in extra:
        add_membership(cohort=cohort, user=user, role="member")
    release = release_scenario(cohort=cohort, scenario=scenario, by=tutor, group_size=3)
    groups = list(release.groups.order_by("name"))
    assert len(groups) == 2
    general = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    thread = create_thread(board=general, author=members[0], title="Hello", body="Hi")
    create_post(thread=thread, author=members[1], body="Hi back")

    page = signed_in(tutor).get(f"/cohorts/{cohort.pk}/").content.decode()
    assert page.count('class="card board-card') == 2  # general and "Ask a tutor" only
    assert "Scenario group boards" in page and scenario.title in page
    assert f'href="/boards/{groups[0].board_id}/">Group 1</a>' in page
    assert f'href="/boards/{groups[1].board_id}/">Group 2</a>' in page
    assert "Your group" not in page
    assert "1 thread · <strong>1 with new posts</strong>" in page

    member = groups[0].members.first()
    mine = signed_in(member).get(f"/cohorts/{cohort.pk}/").content.decode()
    assert f'href="/boards/{groups[0].board_id}/">Your group\'s board (Group 1)</a>' in mine
    assert f"/boards/{groups[1].board_id}/" not in mine
