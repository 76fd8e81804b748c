"""Someone removed from a cohort hears nothing more of it: no notification, no email (not even
one queued before), no digest line, no live notice; what they had about it goes with them.

Unread notifications about the cohort are deleted at removal (with their live-log copies),
and every delivery path also checks current membership, for what was queued before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from mentoring.boards.services import moderation, posts
from mentoring.cohorts.services import remove_membership
from mentoring.inbox.services.digest import send_weekly_digest
from mentoring.models import LiveEvent, Membership, Notification, User
from mentoring.notifications import events
from mentoring.notifications.services.notifications import Notice, notify, notify_many
from mentoring.notifications.services.tasks import send_daily_digest, send_notification_email
from mentoring.realtime import log
from tests.factories import UserFactory, make_cohort
from tests.mentoring.boards_helpers import general_board, private_board

pytestmark = pytest.mark.django_db

SECRET = "okapiwordsofthecohort"


@pytest.fixture
def world(db):
    tutor = UserFactory(username="tess", email_preference="immediate")
    leaver = UserFactory(username="lee", email_preference="immediate")
    stayer = UserFactory(username="sam", email_preference="immediate")
    cohort = make_cohort(name="Left", tutors=[tutor], members=[leaver, stayer])
    other = make_cohort(name="Still in", tutors=[tutor], members=[leaver])
    return cohort, other, tutor, leaver, stayer


def _due_now(notification_ids) -> None:
    """Past the grace period: the queued emails are due."""
    Notification.objects.filter(pk__in=notification_ids).update(
        email_due_at=timezone.now() - timedelta(seconds=1)
    )


def test_a_reply_to_a_removed_members_old_post_does_not_notify_them(
    world, django_capture_on_commit_callbacks
):
    cohort, _, tutor, leaver, stayer = world
    thread = posts.create_thread(
        board=general_board(cohort), author=leaver, title="My question", body="Anyone?"
    )
    old_post = thread.posts.get()
    remove_membership(cohort=cohort, user=leaver)
    with django_capture_on_commit_callbacks(execute=True):
        posts.create_post(thread=thread, author=stayer, body=SECRET, reply_to=old_post)
    assert not Notification.objects.filter(user=leaver).exists()
    assert not LiveEvent.objects.filter(stream=events.user_group(leaver.pk)).exists()


@pytest.mark.parametrize("kind", Notification.Kind.values)
@pytest.mark.parametrize("about", ["cohort", "post", "thread"])
def test_no_notification_of_any_kind_about_a_cohort_reaches_someone_who_left_it(world, kind, about):
    cohort, other, tutor, leaver, stayer = world
    thread = posts.create_thread(
        board=general_board(cohort), author=stayer, title="Plans", body="Words"
    )
    remove_membership(cohort=cohort, user=leaver)
    remove_membership(cohort=cohort, user=tutor)
    concerns = {
        "cohort": {"cohort": cohort},
        "post": {"post": thread.posts.get()},
        "thread": {"thread": thread},
    }[about]
    for user in (leaver, tutor):
        assert notify(user=user, kind=kind, title=SECRET, **concerns) is None
    created = notify_many(
        [
            Notice(user=leaver, kind=kind, title=SECRET, **concerns),
            Notice(user=stayer, kind=kind, title=SECRET, **concerns),
            Notice(user=leaver, kind=kind, title="Elsewhere", cohort=other),
            Notice(user=leaver, kind=kind, title="About no cohort"),
        ]
    )
    assert [(n.user, n.title) for n in created] == [
        (stayer, SECRET),
        (leaver, "Elsewhere"),
        (leaver, "About no cohort"),
    ]


def test_their_notifications_about_the_cohort_go_at_removal_with_the_live_logs_copies(
    world, django_capture_on_commit_callbacks
):
    cohort, other, tutor, leaver, stayer = world
    with django_capture_on_commit_callbacks(execute=True):
        thread = posts.create_thread(
            board=general_board(cohort), author=leaver, title="Mine", body="Words"
        )
        posts.create_post(thread=thread, author=stayer, body=SECRET)
        notify(user=leaver, kind="system", title="Elsewhere", cohort=other)
    stream = events.user_group(leaver.pk)
    assert any(SECRET in e.member_text for e in LiveEvent.objects.filter(stream=stream))
    with django_capture_on_commit_callbacks(execute=True):
        remove_membership(cohort=cohort, user=leaver)
    assert list(Notification.objects.filter(user=leaver).values_list("title", flat=True)) == [
        "Elsewhere"
    ]
    _, replayed = log.events_after(stream, 0)
    assert replayed is not None and all(SECRET not in e.member_text for e in replayed)


def test_an_email_queued_before_removal_sends_nothing(world, django_capture_on_commit_callbacks):
    cohort, _, _, leaver, stayer = world
    thread = posts.create_thread(
        board=general_board(cohort), author=leaver, title="Mine", body="Words"
    )
    posts.create_post(thread=thread, author=stayer, body=SECRET)
    queued = Notification.objects.get(user=leaver)
    _due_now([queued.pk])
    remove_membership(cohort=cohort, user=leaver)
    mail.outbox.clear()
    assert send_notification_email.call(queued.pk) is False
    assert mail.outbox == []


def test_an_email_whose_user_left_by_any_path_sends_nothing(world):
    """Even were the notification still there (the membership row removed by other means),
    the send checks membership when it runs."""
    cohort, _, _, leaver, stayer = world
    thread = posts.create_thread(
        board=general_board(cohort), author=leaver, title="Mine", body="Words"
    )
    posts.create_post(thread=thread, author=stayer, body=SECRET)
    queued = Notification.objects.get(user=leaver)
    _due_now([queued.pk])
    Membership.objects.filter(cohort=cohort, user=leaver).delete()
    mail.outbox.clear()
    assert send_notification_email.call(queued.pk) is False
    assert mail.outbox == []
    queued.refresh_from_db()
    assert queued.emailed_at is None


def test_a_daily_digest_after_removal_leaves_that_cohort_out(world):
    cohort, other, _, leaver, stayer = world
    User.objects.filter(pk=leaver.pk).update(email_preference=User.EmailPreference.DAILY)
    leaver.refresh_from_db()
    thread = posts.create_thread(
        board=general_board(cohort), author=leaver, title="Mine", body="Words"
    )
    posts.create_post(thread=thread, author=stayer, body=SECRET)
    notify(user=leaver, kind="system", title="News from the other cohort", cohort=other)
    # Were a notification about the cohort still there, the digest would skip it as well.
    kept = Notification.objects.create(
        user=leaver, kind="system", title=f"Kept {SECRET}", cohort=cohort
    )
    Membership.objects.filter(cohort=cohort, user=leaver).delete()
    mail.outbox.clear()
    assert send_daily_digest.call(leaver.pk) == 1
    (digest,) = mail.outbox
    assert "News from the other cohort" in digest.body and SECRET not in digest.body
    kept.refresh_from_db()
    assert kept.emailed_at is None


def test_a_removed_tutor_gets_no_weekly_digest_of_the_cohort(world):
    cohort, _, tutor, leaver, _ = world
    other_tutor = UserFactory(username="tom", email_preference="daily")
    Membership.objects.create(cohort=cohort, user=other_tutor, role=Membership.Role.TUTOR)
    posts.create_thread(board=general_board(cohort), author=leaver, title=SECRET, body="Help")
    remove_membership(cohort=cohort, user=tutor)
    mail.outbox.clear()
    assert send_weekly_digest.call(cohort.pk) == 1
    assert [m.to for m in mail.outbox] == [[other_tutor.email]]


def test_a_removed_tutor_is_told_of_no_flag_question_or_unanswered_thread(world):
    cohort, _, tutor, leaver, stayer = world
    thread = posts.create_thread(
        board=general_board(cohort), author=stayer, title="Plans", body=SECRET
    )
    remove_membership(cohort=cohort, user=tutor)
    moderation.flag_post(post=thread.posts.get(), by=stayer, reason="Look")
    posts.create_thread(board=private_board(cohort), author=stayer, title="Help?", body=SECRET)
    assert not Notification.objects.filter(user=tutor).exists()


@pytest.mark.usefixtures("wagtail_root")
def test_a_removed_member_gets_no_live_notice_of_their_old_groups_solution(
    world, live_events_match_their_schemas, django_capture_on_commit_callbacks
):
    from scenarios.services.releases import release_scenario
    from scenarios.services.solutions import give_feedback, save_solution, submit_solution
    from tests.scenarios.helpers import make_module, make_scenario

    cohort, _, tutor, leaver, stayer = world
    release = release_scenario(
        cohort=cohort, scenario=make_scenario(make_module()), by=tutor, group_size=5
    )
    group = release.groups.get()
    assert set(group.members.all()) == {leaver, stayer}
    with django_capture_on_commit_callbacks(execute=True):
        save_solution(group=group, author=stayer, body="Our first plan")
    assert LiveEvent.objects.filter(
        stream=events.user_group(leaver.pk), member_text__contains="solution.saved"
    ).exists()
    with django_capture_on_commit_callbacks(execute=True):
        remove_membership(cohort=cohort, user=leaver)
    assert not LiveEvent.objects.filter(
        stream=events.user_group(leaver.pk), member_text__contains="solution.saved"
    ).exists()
    live_events_match_their_schemas.clear()
    with django_capture_on_commit_callbacks(execute=True):
        save_solution(group=group, author=stayer, body="Our second plan")
    told = {stream for stream, _, texts in live_events_match_their_schemas}
    assert events.user_group(stayer.pk) in told
    assert events.user_group(leaver.pk) not in told
    # Feedback on the group's solution, too, goes to those still in the cohort.
    solution = submit_solution(group=group, by=stayer)
    give_feedback(solution=solution, tutor=tutor, body=f"Good work {SECRET}")
    assert Notification.objects.filter(user=stayer, kind=Notification.Kind.FEEDBACK).exists()
    assert not Notification.objects.filter(user=leaver).exists()
