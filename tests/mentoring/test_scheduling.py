"""Scheduled prompts: hidden from members until due, published on time, exactly once, and by a
fresh worker after the previous one went away."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from mentoring.boards.selectors import board_threads, visible_thread
from mentoring.boards.services import posts, scheduling
from mentoring.models import Notification, Thread
from tests.factories import UserFactory, make_cohort
from tests.mentoring.boards_helpers import general_board, private_board


@pytest.fixture
def setting(db):
    tutor = UserFactory(username="tess")
    members = [UserFactory(username=f"nqt{i}") for i in (1, 2)]
    cohort = make_cohort(name="Prompts", tutors=[tutor], members=members)
    return cohort, tutor, members


def schedule(cohort, tutor, minutes=60, title="Week 1: your first lesson"):
    return scheduling.schedule_thread(
        board=general_board(cohort),
        author=tutor,
        title=title,
        body="What went well?",
        publish_at=timezone.now() + timedelta(minutes=minutes),
    )


@pytest.mark.django_db
def test_members_see_nothing_before_publication(setting, api):
    cohort, tutor, (nqt1, _) = setting
    thread = schedule(cohort, tutor)
    assert visible_thread(user=nqt1, thread_id=thread.pk) is None
    assert [t.pk for t in board_threads(user=nqt1, board=general_board(cohort))] == []
    assert api(nqt1).get(f"/api/v1/threads/{thread.pk}").status_code == 404
    listed = api(nqt1).get(f"/api/v1/boards/{general_board(cohort).pk}/threads").data
    assert thread.pk not in [t["id"] for t in listed]
    assert api(nqt1).get(f"/api/v1/cohorts/{cohort.pk}/scheduled-threads").status_code == 404
    assert not Notification.objects.filter(user=nqt1).exists()
    # Tutors see and list it.
    assert visible_thread(user=tutor, thread_id=thread.pk) is not None
    scheduled = api(tutor).get(f"/api/v1/cohorts/{cohort.pk}/scheduled-threads").data
    assert [t["id"] for t in scheduled] == [thread.pk]


@pytest.mark.django_db
def test_published_on_time_and_members_told_once(setting):
    cohort, tutor, (nqt1, nqt2) = setting
    thread = schedule(cohort, tutor, minutes=60)
    due = thread.publish_at
    assert scheduling.publish_due(now=due - timedelta(seconds=1)) == []
    assert Thread.objects.get(pk=thread.pk).is_scheduled
    assert scheduling.publish_due(now=due) == [thread.pk]
    published = Thread.objects.get(pk=thread.pk)
    assert not published.is_scheduled and published.created_at == due
    opening = published.posts.get()
    assert opening.editable_until == due + cohort.grace_period
    assert visible_thread(user=nqt1, thread_id=thread.pk) is not None
    told = Notification.objects.filter(kind="prompt")
    assert sorted(told.values_list("user__username", flat=True)) == ["nqt1", "nqt2"]
    # Running again (a retried task, a second worker) publishes nothing twice.
    assert scheduling.publish_due(now=due + timedelta(minutes=5)) == []
    assert Notification.objects.filter(kind="prompt").count() == 2


@pytest.mark.django_db
def test_a_term_of_weekly_prompts_all_or_nothing(setting, api):
    cohort, tutor, (nqt1, _) = setting
    board = general_board(cohort)
    start = timezone.now() + timedelta(days=1)
    prompts = [
        {
            "title": f"Week {i + 1}",
            "body": "Reflect.",
            "publish_at": (start + timedelta(weeks=i)).isoformat(),
        }
        for i in range(3)
    ]
    bad = api(tutor).post(
        f"/api/v1/boards/{board.pk}/scheduled-threads",
        {"prompts": [*prompts, {"title": "", "body": "x", "publish_at": prompts[0]["publish_at"]}]},
    )
    assert bad.status_code == 400 and bad.data["code"] == "invalid"
    assert not Thread.objects.filter(state="scheduled").exists()
    ok = api(tutor).post(f"/api/v1/boards/{board.pk}/scheduled-threads", {"prompts": prompts})
    assert ok.status_code == 201 and [t["title"] for t in ok.data] == ["Week 1", "Week 2", "Week 3"]
    assert scheduling.publish_due(now=start + timedelta(weeks=1)) == [t["id"] for t in ok.data[:2]]
    assert (
        api(nqt1)
        .post(f"/api/v1/boards/{board.pk}/scheduled-threads", {"prompts": prompts})
        .status_code
        == 403
    )


@pytest.mark.django_db
def test_publish_at_on_the_threads_api_is_for_tutors_only(setting, api):
    cohort, tutor, (nqt1, _) = setting
    board = general_board(cohort)
    when = (timezone.now() + timedelta(hours=2)).isoformat()
    made = api(tutor).post(
        f"/api/v1/boards/{board.pk}/threads",
        {"title": "Later", "body": "Soon.", "publish_at": when},
    )
    assert made.status_code == 201
    assert Thread.objects.get(pk=made.data["id"]).is_scheduled
    refused = api(nqt1).post(
        f"/api/v1/boards/{board.pk}/threads", {"title": "Me", "body": "x", "publish_at": when}
    )
    assert refused.status_code == 403 and refused.data["code"] == "tutors_only"
    past = api(tutor).post(
        f"/api/v1/boards/{board.pk}/threads",
        {"title": "Past", "body": "x", "publish_at": "2020-01-01T09:00:00Z"},
    )
    assert past.status_code == 400
    private = api(tutor).post(
        f"/api/v1/boards/{private_board(cohort).pk}/threads",
        {"title": "P", "body": "x", "publish_at": when},
    )
    assert private.status_code == 400
    assert Thread.objects.filter(state="scheduled").count() == 1


@pytest.mark.django_db
def test_tutors_reschedule_and_retitle(setting, api):
    cohort, tutor, (nqt1, _) = setting
    thread = schedule(cohort, tutor)
    later = timezone.now() + timedelta(days=3)
    moved = api(tutor).client.patch(
        f"/api/v1/threads/{thread.pk}/schedule",
        data={"publish_at": later.isoformat(), "title": "Week 2"},
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["title"] == "Week 2"
    assert scheduling.publish_due(now=thread.publish_at + timedelta(minutes=1)) == []
    # The text is edited like any post, until the grace period after publication.
    posts.edit_post(post=thread.posts.get(), by=tutor, body="What surprised you?")
    assert (
        api(nqt1)
        .client.patch(
            f"/api/v1/threads/{thread.pk}/schedule",
            data={"title": "x"},
            content_type="application/json",
        )
        .status_code
        == 404
    )


@pytest.mark.django_db
def test_scheduling_queues_the_publish_task_for_its_time(
    setting, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    cohort, tutor, _ = setting
    with django_capture_on_commit_callbacks(execute=True):
        thread = schedule(cohort, tutor, minutes=90)
    queued = DBTaskResult.objects.get(task_path__endswith="publish_scheduled")
    assert abs(queued.run_after - thread.publish_at) < timedelta(seconds=1)


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_publish_each_thread_once(setting):
    cohort, tutor, _ = setting
    threads = [schedule(cohort, tutor, minutes=1, title=f"T{i}") for i in range(4)]
    due = max(t.publish_at for t in threads)
    results: list[list[int]] = []

    def work():
        try:
            results.append(scheduling.publish_due(now=due))
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    published = sorted(pk for r in results for pk in r)
    assert published == sorted(t.pk for t in threads)
    assert Notification.objects.filter(kind="prompt").count() == 2 * len(threads)


@pytest.mark.django_db(transaction=True)
def test_a_fresh_worker_publishes_what_was_queued_before_a_restart(setting, settings):
    """The queue is in the database: a worker started after the previous one was killed runs
    the task and publishes the thread once."""
    cohort, tutor, _ = setting
    thread = schedule(cohort, tutor, minutes=60)
    # The task was queued for publish_at; bring it (and the thread) due now.
    from django_tasks_db.models import DBTaskResult

    Thread.objects.filter(pk=thread.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    DBTaskResult.objects.update(run_after=timezone.now() - timedelta(seconds=1))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env["DATABASE_URL"] = _database_url(settings)
    first = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.2"],
        env=env,
    )
    first.kill()  # the worker goes away (perhaps before it ran anything)
    first.wait()
    again = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
        env=env,
        timeout=60,
        capture_output=True,
    )
    assert again.returncode == 0, again.stderr.decode()[-2000:]
    assert not Thread.objects.get(pk=thread.pk).is_scheduled
    assert Notification.objects.filter(kind="prompt").count() == 2
    # A sweep afterwards finds nothing left to do.
    assert scheduling.publish_due() == []


def _database_url(settings) -> str:
    db = settings.DATABASES["default"]
    from urllib.parse import quote

    host = quote(db.get("HOST") or "", safe="")
    user = db.get("USER") or ""
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


@pytest.mark.django_db
def test_tutors_page_schedules_a_series_and_reschedules(setting):
    from django.test import Client

    cohort, tutor, (nqt1, _) = setting
    client = Client()
    client.force_login(tutor)
    page = client.get(f"/cohorts/{cohort.pk}/scheduled/")
    assert page.status_code == 200 and "Nothing is scheduled." in page.content.decode()
    first = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT09:00")
    response = client.post(
        f"/cohorts/{cohort.pk}/scheduled/",
        {
            "board": general_board(cohort).pk,
            "first_at": first,
            "every_days": 7,
            "prompts": "Week 1\nWhat went well?\n---\nWeek 2\nWhat surprised you?",
        },
    )
    assert response.status_code == 302
    threads = scheduling.scheduled_threads(cohort=cohort)
    assert [t.title for t in threads] == ["Week 1", "Week 2"]
    assert threads[1].publish_at - threads[0].publish_at == timedelta(days=7)
    bad = client.post(
        f"/cohorts/{cohort.pk}/scheduled/",
        {
            "board": general_board(cohort).pk,
            "first_at": first,
            "every_days": 7,
            "prompts": "Only a title",
        },
    )
    assert bad.status_code == 400 and "needs a text" in bad.content.decode()
    later = (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT10:00")
    moved = client.post(
        f"/threads/{threads[0].pk}/reschedule/",
        {f"t{threads[0].pk}-title": "Week 1, again", f"t{threads[0].pk}-publish_at": later},
    )
    assert moved.status_code == 302
    assert Thread.objects.get(pk=threads[0].pk).title == "Week 1, again"
    member = Client()
    member.force_login(nqt1)
    assert member.get(f"/cohorts/{cohort.pk}/scheduled/").status_code == 404


@pytest.mark.django_db
def test_tutors_see_scheduled_threads_marked_on_board_and_thread(setting):
    from django.test import Client

    cohort, tutor, (nqt1, _) = setting
    thread = schedule(cohort, tutor, title="Week 9 prompt")
    client = Client()
    client.force_login(tutor)
    board_html = client.get(f"/boards/{general_board(cohort).pk}/").content.decode()
    assert "Week 9 prompt" in board_html and "Scheduled for" in board_html
    assert "data-scheduled" in client.get(f"/threads/{thread.pk}/").content.decode()
    member = Client()
    member.force_login(nqt1)
    assert (
        "Week 9 prompt" not in member.get(f"/boards/{general_board(cohort).pk}/").content.decode()
    )
    assert member.get(f"/threads/{thread.pk}/").status_code == 404
