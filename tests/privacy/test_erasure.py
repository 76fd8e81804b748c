"""Erasing an account: nothing of the person is left in a full dump of the database, the
cohort's counts still add up, and an erasure a dead worker left half-done is finished."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mentoring.accounts.services import deletion
from mentoring.accounts.services.tokens import create_api_token
from mentoring.boards.services import moderation, posts
from mentoring.cohorts.services import add_membership
from mentoring.invitations.services.invitations import invite_emails
from mentoring.models import (
    COOLING_OFF,
    Cohort,
    ErasureRequest,
    LiveEvent,
    Membership,
    Post,
    Thread,
    User,
)
from mentoring.participation.services.nudges import nudge_members
from mentoring.privacy.services import erasure
from scenarios.services.releases import release_scenario
from scenarios.services.solutions import save_solution
from tests.accounts.test_two_factor import _activate_totp, _sign_in
from tests.conftest import database_url_for_servers, stop_process
from tests.factories import UserFactory, make_cohort, signed_in
from tests.mentoring.boards_helpers import general_board
from tests.scenarios.helpers import make_module, make_scenario

ROOT = Path(__file__).resolve().parents[2]
USERNAME, EMAIL, NAME = "zanzibarquokka", "xq.erasable@example.test", "Xanthippe Quarrendon"
PHRASES = {
    "title": "Marmalade trebuchet plans",
    "opening": "my opening thoughts on gravlax pedagogy",
    "reply": "a reply about quixotic lanyards",
    "anonymous": "anonymously worried about flumpet marking",
    "edited_away": "first draft mentioning snorkelwaffle",
    "solution": "our group plan by vorpal blancmange",
}


def _pg_dump() -> str:
    db = connection.settings_dict
    binary = shutil.which("pg_dump", path="/usr/lib/postgresql/15/bin") or shutil.which("pg_dump")
    env = dict(os.environ, PGPASSWORD=db.get("PASSWORD") or "")
    command = [binary, "--no-owner", "--dbname", db["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command += [flag, str(db[key])]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout


def _lines_naming(dump: str, words) -> list[str]:
    lowered = [w.lower() for w in words]
    return [line for line in dump.splitlines() if any(w in line.lower() for w in lowered)]


def _counts(client, cohort) -> dict[str, int]:
    response = client.get(f"/api/v1/cohorts/{cohort.pk}/participation")
    assert response.status_code == 200, response.content
    return response.data["counts"]


def _busy_member(cohort, tutor, members, wagtail_root) -> User:
    """A member who has done everything: posted (anonymously too), edited, been replied to,
    been nudged, flagged and been flagged, saved a group solution, been invited to another
    cohort, signed in with two-factor, holds an API token."""
    member = UserFactory(username=USERNAME, email=EMAIL, display_name=NAME)
    add_membership(cohort=cohort, user=member)
    Cohort.objects.filter(pk=cohort.pk).update(allow_anonymous_to_peers=True)
    cohort.refresh_from_db()
    board = general_board(cohort)
    other = members[0]
    thread = posts.create_thread(
        board=board, author=member, title=PHRASES["title"], body=PHRASES["opening"]
    )
    opening = thread.posts.get()
    answer = posts.create_post(thread=thread, author=other, body="an answer", reply_to=opening)
    reply = posts.create_post(
        thread=thread, author=member, body=PHRASES["edited_away"], reply_to=answer
    )
    posts.edit_post(post=reply, by=member, body=PHRASES["reply"])
    elsewhere = posts.create_thread(board=board, author=other, title="Other", body="hello all")
    anonymous = posts.create_post(
        thread=elsewhere, author=member, body=PHRASES["anonymous"], anonymous=True
    )
    posts.create_post(thread=elsewhere, author=other, body="do not worry", reply_to=anonymous)
    moderation.flag_post(post=elsewhere.first_post, by=member, reason="please look")
    moderation.flag_post(post=opening, by=other, reason="check this")
    nudge_members(cohort=cohort, tutor=tutor, user_ids=[member.pk])
    release = release_scenario(
        cohort=cohort, scenario=make_scenario(make_module()), by=tutor, group_size=10
    )
    group = release.groups.get()
    save_solution(group=group, author=member, body=PHRASES["solution"])
    second = make_cohort(name="Second cohort", tutors=[tutor])
    invite_emails(cohort=second, by=tutor, emails=f"{NAME} <{EMAIL}>")
    create_api_token(user=member, name="my laptop")
    client = signed_in()
    _sign_in(client, USERNAME)
    _activate_totp(client)
    assert Authenticator.objects.filter(user=member).count() == 2  # TOTP + recovery codes
    return member


@pytest.mark.django_db(transaction=True)
def test_an_erased_member_is_in_no_line_of_a_full_dump(cohort, tutor, members, wagtail_root, api):
    member = _busy_member(cohort, tutor, members, wagtail_root)
    words = [USERNAME, EMAIL, NAME, *PHRASES.values()]
    # Everything is there before: the probe finds what it looks for.
    before = _pg_dump()
    for word in [USERNAME, EMAIL, NAME, PHRASES["opening"], PHRASES["anonymous"]]:
        assert _lines_naming(before, [word]), word
    tutor_api = api(tutor)
    counts_before = _counts(tutor_api, cohort)
    erased_status = "contributor"
    output = io.StringIO()
    call_command("erase_user", USERNAME, "--now", stdout=output)
    text = output.getvalue()
    assert "Erased" in text and "posts removed: 3" in text and USERNAME not in text
    dump = _pg_dump()
    solution_lines = _lines_naming(dump, [PHRASES["solution"]])
    # The group's shared solution is the group's work and stays (its versions lose the author).
    assert all("vorpal" in line for line in solution_lines)
    leftover = [
        line for line in _lines_naming(dump, words) if line not in solution_lines
    ] + _lines_naming(dump, [USERNAME, EMAIL, NAME])
    assert leftover == []
    assert not User.objects.filter(pk=member.pk).exists()
    # The cohort's counts still add up: the remaining members, their statuses unchanged.
    expected = dict(counts_before, **{erased_status: counts_before[erased_status] - 1})
    counts_after = _counts(tutor_api, cohort)
    assert counts_after == expected
    assert (
        sum(counts_after.values())
        == Membership.objects.filter(cohort=cohort, role="member").count()
    )
    # Replies of others still hang where they did: on a tombstone.
    tombstone = Post.objects.get(thread__title=posts.RETRACTED_THREAD_TITLE, reply_to=None)
    assert tombstone.is_retracted and tombstone.author.username == deletion.FORMER_MEMBER_USERNAME
    assert not DBTaskResult.objects.filter(
        status="READY", args_kwargs__args__0=member.pk, task_path__endswith="send_daily_digest"
    ).exists()
    request = ErasureRequest.objects.get()
    assert request.state == "done" and request.user_id is None


def test_keep_policy_leaves_posts_under_a_former_member_for_everyone(
    cohort, tutor, members, django_capture_on_commit_callbacks
):
    Cohort.objects.filter(pk=cohort.pk).update(post_policy="keep", allow_anonymous_to_peers=True)
    cohort.refresh_from_db()
    member, other = members[0], members[1]
    with django_capture_on_commit_callbacks(execute=True):
        thread = posts.create_thread(
            board=general_board(cohort), author=other, title="T", body="Q?"
        )
        kept = posts.create_post(thread=thread, author=member, body="keepable words")
        anon = posts.create_post(thread=thread, author=member, body="shy words", anonymous=True)
        posts.create_post(thread=thread, author=other, body="thanks", reply_to=kept)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("erase_user", member.username, "--now", stdout=io.StringIO())
    kept.refresh_from_db()
    anon.refresh_from_db()
    assert kept.body == "keepable words" and not kept.is_retracted
    assert kept.author.shown_name == "a former member" and anon.author_id == kept.author_id
    for viewer in (tutor, other):
        page = signed_in(viewer).get(thread.get_absolute_url()).content.decode()
        assert "keepable words" in page
        assert "a former member" in page.lower()
        assert "Member 1" not in page
    # The live log replays the kept post under the former member, never the old name.
    assert not LiveEvent.objects.filter(member_text__contains="Member 1").exists()
    assert not LiveEvent.objects.filter(tutor_text__contains="Member 1").exists()


def test_a_members_own_request_waits_and_signing_in_cancels_it(cohort, members):
    member = members[0]
    client = signed_in(member)
    page = client.get("/accounts/profile/delete/")
    assert page.status_code == 200 and "sign in again" in page.content.decode()
    wrong = client.post("/accounts/profile/delete/", {"password": "nope", "confirm": "on"})
    assert wrong.status_code == 200 and not ErasureRequest.objects.exists()
    from tests.factories import TEST_PASSWORD

    done = client.post("/accounts/profile/delete/", {"password": TEST_PASSWORD, "confirm": "on"})
    assert done.status_code == 200 and "Sign in" in done.content.decode()
    request = ErasureRequest.objects.get()
    assert request.state == "waiting" and request.due_at - request.created_at == COOLING_OFF
    assert client.get("/accounts/profile/").status_code == 302  # signed out
    # Not due yet: the worker leaves it alone.
    assert erasure.run_erasure(request.pk).state == "waiting"
    # Asking twice answers the open request.
    assert deletion.request_deletion(user=member).pk == request.pk
    _sign_in(signed_in(), member.username)
    request.refresh_from_db()
    assert request.state == "cancelled"
    assert erasure.run_erasure(request.pk, now=request.due_at + timedelta(1)).state == "cancelled"
    assert User.objects.filter(pk=member.pk, is_active=True).exists()


def test_a_due_request_is_erased_and_a_second_request_answers_the_running_one(cohort, members, api):
    member = members[0]
    token = create_api_token(user=member)
    assert api(token=token).get("/api/v1/me").status_code == 200
    request = deletion.request_deletion(user=member, now=timezone.now() - COOLING_OFF)
    running = erasure.erase_now(user=member)
    assert running.pk == request.pk and running.state == "running"
    assert erasure.erase_now(user=member).pk == request.pk
    assert ErasureRequest.objects.count() == 1
    erasure.run_erasure(request.pk)
    assert api(token=token).get("/api/v1/me").status_code == 401
    assert not User.objects.filter(username=member.username).exists()


def test_the_former_members_account_cannot_be_erased(members):
    stand_in = erasure.former_member()
    with pytest.raises(Exception) as refused:
        erasure.erase_now(user=stand_in)
    assert refused.value.code == "not_erasable"


def _wait_for(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _worker(log: Path) -> subprocess.Popen:
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url_for_servers(),
        PYTHONUNBUFFERED="1",
    )
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--interval", "0.2", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_erasure_is_followed_by_one_that_finishes(
    cohort, tutor, members, tmp_path
):
    member, other = members[0], members[1]
    thread = posts.create_thread(board=general_board(cohort), author=other, title="T", body="Q?")
    post = posts.create_post(thread=thread, author=member, body="words to go")
    # Another connection holds the member's post: the worker finishes the first step, then
    # waits in the second, where it is killed.
    blocker = connections.create_connection("default")
    blocker.set_autocommit(False)
    with blocker.cursor() as cursor:
        cursor.execute("SELECT id FROM mentoring_post WHERE id = %s FOR UPDATE", [post.pk])
    request = erasure.erase_now(user=member)
    log = tmp_path / "worker.log"
    worker = _worker(log)
    try:
        _wait_for(lambda: ErasureRequest.objects.get(pk=request.pk).step == "posts", 60, "step one")
        time.sleep(0.5)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    # The dead worker's database session goes too (its server process notices the client
    # only once it gets the lock it waits for; a crash leaves the same state either way).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    blocker.rollback()
    blocker.close()
    stopped = ErasureRequest.objects.get(pk=request.pk)
    assert stopped.state == "running" and stopped.step == "posts"
    assert User.objects.filter(pk=member.pk, is_active=False).exists()  # step one held
    assert Post.objects.filter(pk=post.pk).exists()  # step two rolled back
    worker = _worker(log)
    try:
        _wait_for(
            lambda: ErasureRequest.objects.get(pk=request.pk).state == "done",
            60,
            "the restarted worker to finish: " + log.read_text()[-2000:],
        )
    finally:
        stop_process(worker, grace=20)
    assert not User.objects.filter(pk=member.pk).exists()
    assert not Post.objects.filter(pk=post.pk).exists()
    assert Thread.objects.filter(pk=thread.pk).exists()
