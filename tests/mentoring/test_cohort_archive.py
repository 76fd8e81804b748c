"""Cohort year end: tutors archive a cohort (asking first), and from then on it is read-only
for everyone, refused once in the services (``cohort_archived``), with a notice on its pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from mentoring.boards.services import moderation, posts, reactions, scheduling
from mentoring.cohorts.services import archive_cohort, enrol_members, update_cohort_settings
from mentoring.core.errors import Forbidden
from mentoring.invitations.services import invitations
from mentoring.models import Cohort, Membership, Post
from mentoring.participation.services.nudges import nudge_members
from tests.factories import ApiClient, UserFactory, make_cohort, signed_in
from tests.mentoring.boards_helpers import general_board

pytestmark = pytest.mark.django_db

ARCHIVED_AT = datetime(2025, 7, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def world():
    tutor = UserFactory(username="tutor_archive")
    member, other, newcomer = (UserFactory(username=n) for n in ("anna", "ben", "cara"))
    cohort = make_cohort(name="Year 2025", tutors=[tutor], members=[member, other])
    board = general_board(cohort)
    thread = posts.create_thread(board=board, author=member, title="Behaviour", body="Help")
    own = thread.first_post
    reply = posts.create_post(thread=thread, author=other, body="Me too")
    reactions.add_reaction(post=reply, by=member, kind="helpful")
    link = invitations.configure_join_link(cohort=cohort, by=tutor, enabled=True)
    return {
        "tutor": tutor,
        "member": member,
        "other": other,
        "newcomer": newcomer,
        "cohort": cohort,
        "board": board,
        "thread": thread,
        "own": own,
        "reply": reply,
        "link": link,
    }


WRITES = {
    "create_thread": lambda w: posts.create_thread(
        board=w["board"], author=w["member"], title="New", body="Text"
    ),
    "create_post": lambda w: posts.create_post(thread=w["thread"], author=w["member"], body="x"),
    "edit_post": lambda w: posts.edit_post(post=w["own"], by=w["member"], body="changed"),
    "retract_post": lambda w: posts.retract_post(post=w["own"], by=w["member"]),
    "add_reaction": lambda w: reactions.add_reaction(post=w["reply"], by=w["tutor"], kind="me_too"),
    "remove_reaction": lambda w: reactions.remove_reaction(
        post=w["reply"], by=w["member"], kind="helpful"
    ),
    "flag_post": lambda w: moderation.flag_post(post=w["reply"], by=w["member"]),
    "hide_post": lambda w: moderation.hide_post(post=w["reply"], by=w["tutor"], reason="r"),
    "schedule_thread": lambda w: scheduling.schedule_thread(
        board=w["board"],
        author=w["tutor"],
        title="Later",
        body="Soon",
        publish_at=timezone.now() + timedelta(days=1),
    ),
    "nudge": lambda w: nudge_members(
        cohort=w["cohort"], tutor=w["tutor"], user_ids=[w["member"].pk]
    ),
    "invite": lambda w: invitations.invite_emails(
        cohort=w["cohort"], by=w["tutor"], emails="new@example.org"
    ),
    "roster_import": lambda w: invitations.import_roster(
        cohort=w["cohort"], by=w["tutor"], data=b"email\nroster@example.org\n", dry_run=False
    ),
    "join_link": lambda w: invitations.configure_join_link(
        cohort=w["cohort"], by=w["tutor"], enabled=False
    ),
    "join": lambda w: invitations.join_cohort(link=w["link"], user=w["newcomer"]),
    "enrol": lambda w: enrol_members(cohort=w["cohort"], usernames=["cara"], by=w["tutor"]),
    "settings": lambda w: update_cohort_settings(cohort=w["cohort"], by=w["tutor"], name="New"),
    "archive_again": lambda w: archive_cohort(cohort=w["cohort"], by=w["tutor"]),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_write_into_an_archived_cohort_is_refused(world, write):
    archive_cohort(cohort=world["cohort"], by=world["tutor"], now=ARCHIVED_AT)
    world["cohort"].refresh_from_db()
    posts_before = Post.objects.count()
    members_before = Membership.objects.count()
    with pytest.raises(Forbidden) as refused:
        write(world)
    assert refused.value.code == "cohort_archived"
    assert "archived (read-only) since 20 July 2025" in refused.value.detail
    assert Post.objects.count() == posts_before
    assert Membership.objects.count() == members_before


@pytest.mark.parametrize("write", ["create_post", "add_reaction", "join", "nudge"])
def test_the_same_writes_work_before_archiving(world, write):
    WRITES[write](world)


def test_only_the_cohorts_tutors_archive_it(world):
    with pytest.raises(Forbidden):
        archive_cohort(cohort=world["cohort"], by=world["member"], now=ARCHIVED_AT)
    cohort = archive_cohort(cohort=world["cohort"], by=world["tutor"], now=ARCHIVED_AT)
    assert cohort.archived_at == ARCHIVED_AT


def test_archiving_asks_first_on_a_page_of_its_own(world):
    tutor, cohort = world["tutor"], world["cohort"]
    client = signed_in(tutor)
    settings_page = client.get(f"/cohorts/{cohort.pk}/settings/").content.decode()
    assert f'href="/cohorts/{cohort.pk}/archive/"' in settings_page
    page = client.get(f"/cohorts/{cohort.pk}/archive/")
    assert page.status_code == 200
    assert "Archive Year 2025?" in page.content.decode()
    assert 'name="confirm" value="1"' in page.content.decode()
    # A POST without the confirmation only asks again.
    assert client.post(f"/cohorts/{cohort.pk}/archive/", {}).status_code == 200
    assert Cohort.objects.get(pk=cohort.pk).archived_at is None
    done = client.post(f"/cohorts/{cohort.pk}/archive/", {"confirm": "1"})
    assert done.status_code == 302
    assert Cohort.objects.get(pk=cohort.pk).archived_at is not None
    # Members cannot archive (nor see the page).
    assert (
        signed_in(world["member"])
        .post(f"/cohorts/{cohort.pk}/archive/", {"confirm": "1"})
        .status_code
        == 404
    )


def test_pages_of_an_archived_cohort_show_the_notice_and_no_write_forms(world):
    cohort, member, thread = world["cohort"], world["member"], world["thread"]
    client = signed_in(member)
    before = client.get(f"/threads/{thread.pk}/").content.decode()
    assert 'id="reply"' in before and "cohort-archived" not in before
    archive_cohort(cohort=cohort, by=world["tutor"], now=ARCHIVED_AT)
    notice = "This cohort is archived (read-only) since 20 July 2025."
    thread_page = client.get(f"/threads/{thread.pk}/").content.decode()
    assert notice in thread_page
    assert 'id="reply"' not in thread_page and "Flag for a tutor" not in thread_page
    board_page = client.get(f"/boards/{world['board'].pk}/").content.decode()
    assert notice in board_page and 'id="new-thread"' not in board_page
    assert notice in client.get(f"/cohorts/{cohort.pk}/").content.decode()
    settings_page = signed_in(world["tutor"]).get(f"/cohorts/{cohort.pk}/settings/")
    assert notice in settings_page.content.decode()
    assert "Save settings" not in settings_page.content.decode()


def test_the_api_refuses_with_the_code(world):
    archive_cohort(cohort=world["cohort"], by=world["tutor"], now=ARCHIVED_AT)
    refused = ApiClient(world["member"]).post(
        f"/api/v1/threads/{world['thread'].pk}/posts", {"body": "late"}
    )
    assert refused.status_code == 403 and refused.data["code"] == "cohort_archived"
