"""Things people could do by accident (issue 13): submitting for the whole group, closing a
release and removing a member ask first, on a page that works without JavaScript."""

import pytest

from mentoring.core.errors import Conflict, ServiceError
from mentoring.models import Membership
from scenarios.models import Solution
from scenarios.services.solutions import save_solution, submit_solution
from tests.factories import signed_in

pytestmark = pytest.mark.django_db


def test_submitting_asks_first_showing_what_and_who_last_edited(group, members):
    save_solution(group=group, author=members[0], body="Meet them at the door.")
    save_solution(group=group, author=members[1], body="Meet them **at the door**.", base_version=1)
    client = signed_in(members[2])
    workspace = client.get(f"/scenarios/groups/{group.pk}/").content.decode()
    assert 'name="version" value="2"' in workspace
    response = client.post(f"/scenarios/groups/{group.pk}/submit/", {"version": 2})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Submit this solution for the whole group?" in html
    assert "<strong>at the door</strong>" in html and "Member 2" in html
    assert Solution.objects.get(group=group).status == Solution.Status.DRAFT
    response = client.post(f"/scenarios/groups/{group.pk}/submit/", {"version": 2, "confirm": 1})
    assert response.status_code == 302
    solution = Solution.objects.get(group=group)
    assert solution.is_submitted and solution.submitted_by == members[2]


def test_a_stale_copy_is_refused_at_either_step(group, members):
    save_solution(group=group, author=members[0], body="First")
    client = signed_in(members[2])
    save_solution(group=group, author=members[1], body="Second", base_version=1)
    for data in ({"version": 1}, {"version": 1, "confirm": 1}):
        response = client.post(f"/scenarios/groups/{group.pk}/submit/", data, follow=True)
        html = response.content.decode()
        assert "Member 2 saved a newer version (version 2" in html
        assert "nothing was submitted" in html
        assert Solution.objects.get(group=group).status == Solution.Status.DRAFT


def test_the_service_refuses_a_stale_version(group, members):
    save_solution(group=group, author=members[0], body="First")
    save_solution(group=group, author=members[1], body="Second", base_version=1)
    with pytest.raises(ServiceError) as error:
        submit_solution(group=group, by=members[0], version=1)
    assert error.value.code == "stale_copy" and isinstance(error.value, Conflict)
    assert submit_solution(group=group, by=members[0], version=2).is_submitted


def test_tutors_and_outsiders_cannot_reach_the_submit_step(group, members, tutor, outsider):
    save_solution(group=group, author=members[0], body="First")
    for user in (tutor, outsider):
        response = signed_in(user).post(f"/scenarios/groups/{group.pk}/submit/", {"version": 1})
        assert response.status_code == 404


def test_closing_a_release_asks_first_saying_what_follows(release, tutor):
    client = signed_in(tutor)
    response = client.post(f"/scenarios/releases/{release.pk}/close/")
    html = response.content.decode()
    assert response.status_code == 200 and "lose the scenario" in html
    release.refresh_from_db()
    assert release.status == "open"
    response = client.post(f"/scenarios/releases/{release.pk}/close/", {"confirm": 1})
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.status == "closed"


def test_removing_a_member_asks_first_saying_their_posts_stay(cohort, tutor, members):
    client = signed_in(tutor)
    url = f"/cohorts/{cohort.pk}/members/"
    response = client.post(url, {"remove": members[0].pk})
    html = response.content.decode()
    assert response.status_code == 200 and "Their posts stay" in html
    assert Membership.objects.filter(cohort=cohort, user=members[0]).exists()
    assert client.post(url, {"remove": members[0].pk, "confirm": 1}).status_code == 302
    assert not Membership.objects.filter(cohort=cohort, user=members[0]).exists()


def test_a_notification_about_a_closed_release_says_it_has_gone(release, members, tutor):
    from mentoring.models import Notification
    from scenarios.services.releases import close_release

    note = Notification.objects.filter(user=members[0], url__contains=str(release.pk)).first()
    assert note is not None, "releasing notifies the members"
    close_release(release=release, by=tutor)
    response = signed_in(members[0]).get(note.url.split("#")[0])
    assert response.status_code == 410
    assert "no longer available" in response.content.decode()
    note.refresh_from_db()
    assert note.read_at is not None
