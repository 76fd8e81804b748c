"""The group's shared solution, submitting it, tutor feedback and private reflections."""

import pytest

from mentoring.core.errors import Conflict, Forbidden, NotFound, ServiceError
from mentoring.models import Notification
from scenarios import selectors
from scenarios.models import Reflection, Release, Solution, SolutionVersion
from scenarios.services.releases import close_release
from scenarios.services.solutions import (
    give_feedback,
    save_reflection,
    save_solution,
    submit_solution,
)
from tests.factories import UserFactory, signed_in

pytestmark = pytest.mark.django_db


def test_every_save_is_kept_with_its_author(group, members):
    save_solution(group=group, author=members[0], body="Meet them at the door.")
    solution = save_solution(
        group=group,
        author=members[1],
        body="Meet them at the door.\n\n- Do Now task",
        base_version=1,
    )
    assert solution.version == 2 and solution.updated_by == members[1]
    assert "<li>Do Now task</li>" in solution.body_html
    history = list(SolutionVersion.objects.filter(solution=solution).order_by("number"))
    assert [(v.number, v.author) for v in history] == [(1, members[0]), (2, members[1])]
    assert history[0].body == "Meet them at the door."


def test_a_stale_save_is_refused_rather_than_overwriting(group, members):
    save_solution(group=group, author=members[0], body="First")
    save_solution(group=group, author=members[1], body="Second", base_version=1)
    with pytest.raises(ServiceError) as error:
        save_solution(group=group, author=members[2], body="Third", base_version=1)
    assert error.value.code == "edit_conflict" and isinstance(error.value, Conflict)
    assert Solution.objects.get(group=group).body == "Second"


def test_solution_html_is_sanitised(group, members):
    solution = save_solution(
        group=group, author=members[0], body="<script>alert(1)</script> [x](javascript:alert(1))"
    )
    assert "<script" not in solution.body_html and "&lt;script&gt;" in solution.body_html
    assert "href" not in solution.body_html


def test_outsiders_and_tutors_cannot_write_the_solution(group, tutor, outsider):
    with pytest.raises(ServiceError) as error:
        save_solution(group=group, author=outsider, body="Hi")
    assert isinstance(error.value, NotFound)
    with pytest.raises(ServiceError) as error:
        save_solution(group=group, author=tutor, body="Hi")
    assert isinstance(error.value, Forbidden)


def test_submit_once_then_a_clear_error(group, members, tutor):
    with pytest.raises(ServiceError) as error:
        submit_solution(group=group, by=members[0])
    assert error.value.code == "empty_solution"
    save_solution(group=group, author=members[0], body="Our plan")
    solution = submit_solution(group=group, by=members[1])
    assert solution.is_submitted and solution.submitted_by == members[1]
    assert Notification.objects.filter(user=tutor, title__contains="submitted").exists()
    with pytest.raises(ServiceError) as error:
        submit_solution(group=group, by=members[2])
    assert error.value.code == "already_submitted" and isinstance(error.value, Conflict)
    assert "already submitted" in error.value.detail and members[1].shown_name in error.value.detail
    with pytest.raises(ServiceError) as error:
        save_solution(group=group, author=members[0], body="Changed my mind")
    assert error.value.code == "already_submitted"
    assert Solution.objects.get(group=group).body == "Our plan"


def test_closed_release_cannot_be_changed(release, group, members, tutor):
    close_release(release=release, by=tutor)
    with pytest.raises(ServiceError) as error:
        save_solution(group=group, author=members[0], body="Late")
    assert error.value.code == "release_closed"


def test_feedback_needs_a_submission_and_notifies_each_member(group, members, tutor):
    save_solution(group=group, author=members[0], body="Our plan")
    with pytest.raises(ServiceError) as error:
        give_feedback(solution=group.solution, tutor=tutor, body="Good start")
    assert error.value.code == "not_submitted"
    submit_solution(group=group, by=members[0])
    feedback = give_feedback(solution=group.solution, tutor=tutor, body="**Specific** and clear.")
    assert "<strong>Specific</strong>" in feedback.body_html
    notified = Notification.objects.filter(kind=Notification.Kind.FEEDBACK)
    assert sorted(n.user_id for n in notified) == sorted(m.pk for m in members)
    with pytest.raises(ServiceError) as error:
        give_feedback(solution=group.solution, tutor=members[0], body="Me too")
    assert isinstance(error.value, NotFound)


def test_reflections_are_private_to_their_author_and_the_tutors(release, members, tutor, outsider):
    save_reflection(release=release, author=members[0], body="I do what Sam does.")
    save_reflection(release=release, author=members[0], body="I do what Sam does, and worse.")
    save_reflection(release=release, author=members[1], body="Leah is me at school.")
    assert Reflection.objects.count() == 2
    own = selectors.reflections_visible_to(user=members[0], release=release)
    assert [r.body for r in own] == ["I do what Sam does, and worse."]
    assert selectors.reflections_visible_to(user=tutor, release=release).count() == 2
    assert not selectors.reflections_visible_to(user=outsider, release=release).exists()
    with pytest.raises(ServiceError):
        save_reflection(release=release, author=outsider, body="Let me in")
    # And in the pages: the other member's words never reach this member's screen.
    html = signed_in(members[0]).get(f"/scenarios/releases/{release.pk}/").content.decode()
    assert "and worse" in html and "Leah is me" not in html
    tutor_html = signed_in(tutor).get(f"/scenarios/releases/{release.pk}/").content.decode()
    assert "and worse" in tutor_html and "Leah is me" in tutor_html


# --- Pages ----------------------------------------------------------------------------------
def test_group_workspace_save_submit_and_feedback_through_the_pages(group, members, tutor):
    member = signed_in(members[0])
    url = f"/scenarios/groups/{group.pk}/"
    assert member.get(url).status_code == 200
    response = member.post(url + "solution/", {"body": "", "base_version": 0})
    assert response.status_code == 400 and "Write something" in response.content.decode()
    response = member.post(url + "solution/", {"body": "Plan **A**", "base_version": 0})
    assert response.status_code == 302
    stale = signed_in(members[1]).post(url + "solution/", {"body": "Plan B", "base_version": 0})
    assert stale.status_code == 400 and "saved the solution while you were editing" in (
        stale.content.decode()
    )
    assert member.post(url + "submit/", {"version": 1, "confirm": 1}).status_code == 302
    again = member.post(url + "submit/", {"version": 1}, follow=True)
    assert "already submitted" in again.content.decode()
    page = signed_in(tutor).get(url).content.decode()
    assert "Plan <strong>A</strong>" in page and "Send feedback" in page
    assert signed_in(tutor).post(url + "feedback/", {"body": "Clear plan."}).status_code == 302
    assert "Clear plan." in member.get(url).content.decode()


def test_workspace_is_404_for_other_groups_and_outsiders(release, members, tutor, outsider):
    group = release.groups.get()
    assert signed_in(outsider).get(f"/scenarios/groups/{group.pk}/").status_code == 404
    assert (
        signed_in(outsider)
        .post(f"/scenarios/groups/{group.pk}/solution/", {"body": "x"})
        .status_code
        == 404
    )
    stranger = UserFactory(username="not_in_group")
    assert signed_in(stranger).get(f"/scenarios/releases/{release.pk}/").status_code == 404


def test_tutor_releases_through_the_page_with_field_errors(cohort, scenario, tutor, members):
    tutor_client = signed_in(tutor)
    url = f"/scenarios/cohorts/{cohort.pk}/"
    response = tutor_client.post(
        url, {"scenario": scenario.pk, "group_size": 1, "grouping": "random"}
    )
    assert response.status_code == 400
    # The form bounds the size before the service sees it; the error sits on the field.
    assert "greater than or equal to 2" in response.content.decode()
    assert not Release.objects.filter(cohort=cohort).exists()
    response = tutor_client.post(
        url, {"scenario": scenario.pk, "group_size": 2, "grouping": "random"}
    )
    assert response.status_code == 302
    assert signed_in(members[0]).post(url, {"scenario": scenario.pk}).status_code == 404


def test_the_newer_version_notice_is_the_servers_sentence(group, members, outsider):
    """The live workspace swaps this in on ``solution.saved`` (solution.js): who saved which
    version and when, in the page's words and date format; nothing when the page is current."""
    from django.utils import timezone

    save_solution(group=group, author=members[0], body="Meet them at the door.")
    client = signed_in(members[0])
    url = f"/scenarios/groups/{group.pk}/solution/newer/"
    current = client.get(url, {"version": 1}).content.decode().strip()
    assert current == '<span id="solution-newer-text"></span>'
    # The page holds the same empty notice, inside its polite status region.
    page = client.get(f"/scenarios/groups/{group.pk}/").content.decode()
    assert current in page and 'data-newer-url="' + url + '"' in page

    solution = save_solution(group=group, author=members[1], body="And a Do Now.", base_version=1)
    newer = client.get(url, {"version": 1}).content.decode()
    stamp = timezone.localtime(solution.updated_at).strftime("%-d %b %Y, %H:%M")
    assert '<span id="solution-newer-text" data-version="2">' in newer
    assert "Member 2 saved a newer version (version 2, <time datetime=" in newer
    assert f">{stamp}</time>)" in newer
    assert "data-reload" in newer
    assert client.get(url, {"version": "two"}).status_code == 400
    assert signed_in(outsider).get(url, {"version": 1}).status_code == 404
