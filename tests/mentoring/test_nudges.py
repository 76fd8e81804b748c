"""Nudges: who gets one, what it says, the 7-day rule, and whether the member posted after."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mentoring.boards.services import posts
from mentoring.core.errors import Conflict, Invalid, NotFound, ServiceError
from mentoring.models import Board, Membership, Notification, Nudge, Thread
from mentoring.participation.selectors.rows import member_rows, nudge_conversion
from mentoring.participation.services import counters as participation
from mentoring.participation.services.nudges import nudge_members, render_message
from tests.factories import UserFactory, make_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(db):
    tutor = UserFactory(username="tess", display_name="Tess Tutor")
    readers = [UserFactory(username=f"nqt{i}", display_name=f"NQT {i}") for i in (1, 2, 3)]
    cohort = make_cohort(name="Autumn NQTs", tutors=[tutor], members=readers)
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    thread = posts.create_thread(board=board, author=tutor, title="First week", body="How was it?")
    for reader in readers:
        participation.record_thread_read(user=reader, thread=thread)
    return cohort, tutor, readers, thread


def row(cohort, user):
    return next(m for m in member_rows(cohort=cohort) if m.user_id == user.pk)


def test_nudge_notifies_each_member_with_their_name_and_the_thread(
    setting, django_capture_on_commit_callbacks
):
    cohort, tutor, readers, thread = setting
    with django_capture_on_commit_callbacks(execute=True):
        outcome = nudge_members(
            cohort=cohort,
            tutor=tutor,
            user_ids=[readers[0].pk, readers[1].pk],
            message="Hello {name} of {cohort}: could you answer {thread}? {thread_url}",
            thread=thread,
        )
    assert [n.member for n in outcome.nudges] == readers[:2]
    note = Notification.objects.get(user=readers[0])
    assert note.kind == Notification.Kind.NUDGE
    assert note.body == (
        f"Hello NQT 1 of Autumn NQTs: could you answer “First week”? /threads/{thread.pk}/"
    )
    assert note.url == f"/threads/{thread.pk}/"
    assert "Tess Tutor" in note.title
    assert not Notification.objects.filter(user=readers[2]).exists()
    assert row(cohort, readers[0]).last_nudged_at == outcome.nudges[0].created_at
    assert Nudge.objects.filter(cohort=cohort).count() == 2


def test_default_message_is_the_cohorts_template(setting):
    cohort, tutor, readers, _ = setting
    cohort.nudge_template = "Dear {name}, {cohort} misses you. {unknown} stays as written."
    cohort.save()
    nudge_members(cohort=cohort, tutor=tutor, user_ids=[readers[0].pk])
    assert Notification.objects.get(user=readers[0]).body == (
        "Dear NQT 1, Autumn NQTs misses you. {unknown} stays as written."
    )


def test_render_message_survives_stray_braces(setting):
    cohort, _, readers, _ = setting
    text = render_message("{name} {oops} {", member=readers[0], cohort=cohort)
    assert text == "NQT 1 {oops} {"


def test_non_members_are_refused_by_id_without_their_names_and_nobody_is_nudged(setting):
    cohort, tutor, readers, _ = setting
    stranger = UserFactory(username="stranger")
    with pytest.raises(ServiceError) as refused:
        nudge_members(
            cohort=cohort, tutor=tutor, user_ids=[readers[0].pk, stranger.pk, tutor.pk, 999_999]
        )
    assert refused.value.code == "not_members"
    assert f"id {stranger.pk}" in refused.value.detail and "999999" in refused.value.detail
    assert f"id {tutor.pk}" in refused.value.detail  # tutors are not members either
    assert "stranger" not in refused.value.detail and "usernames" not in refused.value.extra
    assert not Nudge.objects.exists()
    assert not Notification.objects.exists()
    assert row(cohort, readers[0]).last_nudged_at is None


@pytest.mark.parametrize("message", ["", "   \n"])
def test_an_empty_message_is_refused(setting, message):
    cohort, tutor, readers, _ = setting
    with pytest.raises(ServiceError) as refused:
        nudge_members(cohort=cohort, tutor=tutor, user_ids=[readers[0].pk], message=message)
    assert refused.value.code == "empty_message"
    assert not Nudge.objects.exists()


def test_members_cannot_nudge(setting):
    cohort, _, readers, _ = setting
    with pytest.raises(NotFound):
        nudge_members(cohort=cohort, tutor=readers[0], user_ids=[readers[1].pk], message="Hi")


def test_not_nudged_twice_within_seven_days_unless_overridden(setting):
    cohort, tutor, readers, _ = setting
    six_days_ago = timezone.now() - timedelta(days=6)
    nudge_members(
        cohort=cohort, tutor=tutor, user_ids=[readers[0].pk], message="Hi", now=six_days_ago
    )
    outcome = nudge_members(
        cohort=cohort, tutor=tutor, user_ids=[readers[0].pk, readers[1].pk], message="Again"
    )
    assert [n.member for n in outcome.nudges] == [readers[1]]
    assert [m.user for m in outcome.skipped] == [readers[0]]
    with pytest.raises(ServiceError) as refused:
        nudge_members(cohort=cohort, tutor=tutor, user_ids=[readers[0].pk], message="Again")
    assert refused.value.code == "recently_nudged"
    assert isinstance(refused.value, Conflict)
    outcome = nudge_members(
        cohort=cohort,
        tutor=tutor,
        user_ids=[readers[0].pk],
        message="Again",
        override_cooldown=True,
    )
    assert [n.member for n in outcome.nudges] == [readers[0]]
    assert Notification.objects.filter(user=readers[0]).count() == 2


def test_nudge_after_eight_days_is_allowed(setting):
    cohort, tutor, readers, _ = setting
    nudge_members(
        cohort=cohort,
        tutor=tutor,
        user_ids=[readers[0].pk],
        message="Hi",
        now=timezone.now() - timedelta(days=8),
    )
    outcome = nudge_members(cohort=cohort, tutor=tutor, user_ids=[readers[0].pk], message="Hi")
    assert len(outcome.nudges) == 1


def test_a_private_thread_cannot_be_the_invitation(setting):
    cohort, tutor, readers, _ = setting
    private = Board.objects.get(cohort=cohort, kind=Board.Kind.PRIVATE)
    secret = posts.create_thread(board=private, author=readers[2], title="Help", body="Quietly")
    with pytest.raises(ServiceError) as refused:
        nudge_members(
            cohort=cohort, tutor=tutor, user_ids=[readers[0].pk], message="Hi", thread=secret
        )
    assert refused.value.code == "invalid_thread"


def test_posting_after_a_nudge_converts_it_and_retracting_unconverts(setting):
    cohort, tutor, readers, thread = setting
    nudge_members(cohort=cohort, tutor=tutor, user_ids=[r.pk for r in readers], message="Hi")
    assert nudge_conversion(cohort=cohort).rate == 0
    post = posts.create_post(thread=thread, author=readers[0], body="Thanks, it went well.")
    nudge = Nudge.objects.get(member=readers[0])
    assert nudge.converted_at == post.created_at
    assert row(cohort, readers[0]).posted_after_nudge is True
    assert row(cohort, readers[1]).posted_after_nudge is False
    conversion = nudge_conversion(cohort=cohort)
    assert (conversion.converted_members, conversion.nudged_members) == (1, 3)
    assert conversion.rate == pytest.approx(1 / 3)

    posts.retract_post(post=post, by=readers[0])  # the only post: no longer converted
    assert Nudge.objects.get(member=readers[0]).converted_at is None
    assert row(cohort, readers[0]).posted_after_nudge is False
    assert nudge_conversion(cohort=cohort).converted_members == 0


def test_a_post_before_the_nudge_does_not_convert_it(setting):
    cohort, tutor, readers, thread = setting
    posts.create_post(thread=thread, author=readers[0], body="Early bird.")
    nudge_members(cohort=cohort, tutor=tutor, user_ids=[readers[0].pk], message="Hi")
    assert Nudge.objects.get(member=readers[0]).converted_at is None
    assert row(cohort, readers[0]).posted_after_nudge is False


# --- The dashboard's nudge form -----------------------------------------------------------
def tutor_client(tutor) -> Client:
    client = Client()
    client.force_login(tutor)
    return client


def test_form_nudges_the_ticked_members_and_can_save_the_template(setting):
    cohort, tutor, readers, thread = setting
    response = tutor_client(tutor).post(
        f"/cohorts/{cohort.pk}/dashboard/nudges/",
        {
            "user_ids": [readers[0].pk, readers[2].pk],
            "message": "Hi {name}, would you reply?",
            "thread": thread.pk,
            "save_template": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Nudged 2 members." in response.content.decode()
    assert set(Nudge.objects.values_list("member__username", flat=True)) == {"nqt1", "nqt3"}
    cohort.refresh_from_db()
    assert cohort.nudge_template == "Hi {name}, would you reply?"


def test_a_rows_nudge_button_nudges_only_that_member(setting):
    cohort, tutor, readers, _ = setting
    tutor_client(tutor).post(
        f"/cohorts/{cohort.pk}/dashboard/nudges/",
        {"user_ids": [readers[0].pk], "only_user": readers[1].pk, "message": "Hi"},
    )
    assert list(Nudge.objects.values_list("member__username", flat=True)) == ["nqt2"]


def test_form_shows_errors_and_nudges_nobody(setting):
    cohort, tutor, readers, _ = setting
    client = tutor_client(tutor)
    response = client.post(
        f"/cohorts/{cohort.pk}/dashboard/nudges/", {"user_ids": [readers[0].pk], "message": ""}
    )
    assert response.status_code == 400
    assert "Write a message for the nudge." in response.content.decode()
    response = client.post(f"/cohorts/{cohort.pk}/dashboard/nudges/", {"message": "Hello"})
    assert response.status_code == 400
    assert "Tick at least one member." in response.content.decode()
    assert not Nudge.objects.exists()


def test_dashboard_lists_nudges_and_the_conversion_rate(setting):
    cohort, tutor, readers, thread = setting
    nudge_members(cohort=cohort, tutor=tutor, user_ids=[readers[0].pk, readers[1].pk], message="Hi")
    posts.create_post(thread=thread, author=readers[1], body="Here goes.")
    html = tutor_client(tutor).get(f"/cohorts/{cohort.pk}/dashboard/").content.decode()
    assert "<strong>1 of 2</strong>" in html
    assert "<strong data-conversion-rate>50%</strong>" in html
    assert html.count("data-nudge-id=") == 2
    assert Membership.objects.get(cohort=cohort, user=readers[1]).last_posted_at is not None


def test_nudge_threads_offered_are_open_threads_only(setting):
    cohort, tutor, readers, thread = setting
    private = Board.objects.get(cohort=cohort, kind=Board.Kind.PRIVATE)
    posts.create_thread(board=private, author=readers[2], title="Secret worry", body="Quietly")
    html = tutor_client(tutor).get(f"/cohorts/{cohort.pk}/dashboard/").content.decode()
    assert "First week" in html
    assert "Secret worry" not in html
    assert Thread.objects.filter(cohort=cohort).count() == 2


# --- Services name domain fields; the API and the forms map them ------------------------------
def test_a_thread_the_nudge_cannot_use_is_refused_by_its_domain_name(setting):
    cohort, tutor, readers, _ = setting
    private = Board.objects.get(cohort=cohort, kind=Board.Kind.PRIVATE)
    secret = posts.create_thread(board=private, author=readers[0], title="Help", body="quietly")
    with pytest.raises(ServiceError) as refused:
        nudge_members(cohort=cohort, tutor=tutor, user_ids=[readers[1].pk], thread=secret)
    assert refused.value.extra["field"] == "thread"


def test_the_api_names_the_refused_field_as_its_body_does(setting, api):
    cohort, tutor, readers, _ = setting
    private = Board.objects.get(cohort=cohort, kind=Board.Kind.PRIVATE)
    secret = posts.create_thread(board=private, author=readers[0], title="Help", body="quietly")
    response = api(tutor).post(
        f"/api/v1/cohorts/{cohort.pk}/nudges",
        {"user_ids": [readers[1].pk], "message": "Hi", "thread_id": secret.pk},
    )
    assert response.status_code == 400
    assert response.data["code"] == "invalid_thread" and response.data["field"] == "thread_id"


def test_a_refusal_naming_a_field_the_form_lacks_shows_above_the_form_not_a_500():
    from django import forms

    from mentoring.core.forms import ServiceErrorsMixin

    class Small(ServiceErrorsMixin, forms.Form):
        message = forms.CharField()

    form = Small({"message": "hi"})
    assert form.is_valid()
    form.add_service_error(Invalid("invalid", "Not that one.", field="thread_id"))
    assert form.non_field_errors() == ["Not that one."]
