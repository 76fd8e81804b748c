"""A member's copy of their data: every provider's part, nobody else's personal data, the
download for the requester only and only until it expires, the API's statuses, and a registry
that no model with a user field escapes."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.utils import timezone

from mentoring.boards.services.moderation import flag_post
from mentoring.boards.services.posts import create_post, create_thread, edit_post
from mentoring.core.privacy import APPS_IN_SCOPE, covered_fields, registered
from mentoring.models import Board, DataExport, Invitation, Notification
from mentoring.participation.services.counters import record_resource_view, record_thread_read
from mentoring.participation.services.nudges import nudge_members
from mentoring.privacy.selectors import exports as export_selectors
from mentoring.privacy.services.export import HTML_NAME, JSON_NAME, request_export
from mentoring.rules.visibility import ANONYMOUS_NAME
from scenarios.services.releases import release_scenario
from scenarios.services.solutions import save_reflection, save_solution
from tests.factories import ApiClient, UserFactory, make_cohort, signed_in
from tests.invitations.helpers import run_worker
from tests.scenarios.helpers import make_module, make_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- The registry ---------------------------------------------------------------------------
def user_fields_in_scope() -> set[tuple[str, str]]:
    """Every field (foreign key, one-to-one, many-to-many) declared on a model of an app in
    scope that points at the user model."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found = {(user_model._meta.label, "self")}
    for model in apps.get_models():
        if model._meta.app_label not in APPS_IN_SCOPE:
            continue
        for field in [*model._meta.local_fields, *model._meta.local_many_to_many]:
            if field.is_relation and field.related_model is user_model:
                found.add((model._meta.label, field.name))
    return found


def test_every_user_field_in_scope_is_covered_by_a_provider():
    missing = user_fields_in_scope() - covered_fields()
    assert not missing, (
        "No privacy provider covers these user fields; add them to a Provider's `covers` and "
        f"export their rows (mentoring/privacy/selectors/providers.py): {sorted(missing)}"
    )


def test_providers_cover_only_fields_that_exist():
    assert covered_fields() <= user_fields_in_scope()


def test_scenarios_registers_its_own_provider():
    names = [provider.name for provider in registered()]
    assert "scenarios" in names  # from scenarios.apps, not imported by mentoring
    assert names[0] == "account"


# --- The whole export -------------------------------------------------------------------------
@pytest.fixture
def world(wagtail_root, tutor, members):
    member, peer, other = members
    cohort = make_cohort(
        name="Export cohort", tutors=[tutor], members=members, allow_anonymous_to_peers=True
    )
    general = cohort.boards.get(kind=Board.Kind.GENERAL)
    thread = create_thread(board=general, author=member, title="Behaviour plans", body="My plan")
    create_post(thread=thread, author=member, body="Said anonymously", anonymous=True)
    edit_post(post=thread.first_post, by=member, body="My better plan")
    create_post(thread=thread, author=peer, body="Peer secret reply", anonymous=True)
    create_post(thread=thread, author=other, body="Named reply")
    peer_thread = create_thread(board=general, author=peer, title="Peer thread", body="Hello")
    create_post(thread=peer_thread, author=member, body="Reply in a peer's thread")
    record_thread_read(user=member, thread=peer_thread)
    record_resource_view(user=member, cohort=cohort, resource_kind="scenario", resource_id="42")
    nudge_members(cohort=cohort, tutor=tutor, user_ids=[member.pk], message="Come and post")
    flag_post(post=peer_thread.first_post, by=member, reason="Please look")
    scenario = make_scenario(make_module())
    release = release_scenario(cohort=cohort, scenario=scenario, by=tutor, group_size=5)
    group = release.groups.get(placements__user=member)
    save_solution(group=group, author=member, body="Our first idea")
    save_reflection(release=release, author=member, body="I learnt to wait")
    Invitation.objects.create(
        cohort=cohort,
        email=member.email,
        invited_by=tutor,
        accepted_by=member,
        accepted_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=14),
    )
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    ApiClient(member)  # creates an API token
    member.last_login = timezone.now()
    member.save(update_fields=["last_login"])
    return cohort, member, peer, other, thread


def built(member) -> tuple[DataExport, dict, str, bytes]:
    export, created = request_export(user=member)
    assert created
    run_worker()
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    with export.file.open("rb") as handle:
        content = handle.read()
    archive = zipfile.ZipFile(io.BytesIO(content))
    data = json.loads(archive.read(JSON_NAME))
    html = archive.read(HTML_NAME).decode()
    return export, data, html, content


def test_an_export_holds_every_section_of_what_the_member_did(world, tutor):
    cohort, member, peer, other, thread = world
    _, data, html, _ = built(member)
    s = data["sections"]

    assert s["account"]["account"]["username"] == member.username
    assert s["account"]["settings"]["email_preference"] == "immediate"
    assert s["account"]["sign_in"]["last_sign_in"]
    assert [a["email"] for a in s["account"]["email_addresses"]] == [member.email]
    [token] = s["account"]["api_tokens"]
    assert token["starts_with"] and "key_hash" not in token
    assert {m["cohort"] for m in s["cohorts"]["memberships"]} == {"Export cohort"}

    posts = {p["body"]: p for p in s["boards"]["posts"]}
    assert set(posts) == {"My better plan", "Said anonymously", "Reply in a peer's thread"}
    assert posts["Said anonymously"]["anonymous_to_peers"] is True
    assert posts["My better plan"]["earlier_versions"][0]["body"] == "My plan"
    [started] = s["boards"]["threads_started"]
    assert started["title"] == "Behaviour plans"
    [flag] = s["boards"]["flags_raised"]
    assert flag["reason"] == "Please look"
    assert [r["thread"] for r in s["participation"]["reads"]] == ["Peer thread"]
    assert s["participation"]["resource_views"][0]["resource_id"] == "42"
    [nudge] = s["participation"]["nudges_received"]
    assert (nudge["message"], nudge["from_tutor"]) == ("Come and post", tutor.shown_name)
    [seen] = s["participation"]["as_tutors_see_it"]
    assert seen["status"] == "contributor" and seen["alerts"] == []
    assert any(n["kind"] == Notification.Kind.NUDGE for n in s["notifications"]["notifications"])
    [version] = s["scenarios"]["solution_versions"]
    assert version["body"] == "Our first idea"
    [reflection] = s["scenarios"]["reflections"]
    assert reflection["body"] == "I learnt to wait"
    assert len(s["scenarios"]["groups"]) == 1
    [invitation] = s["invitations"]["invitations_received"]
    assert invitation["invited_by"] == tutor.shown_name
    assert s["data_requests"]["exports"][0]["status"] == "pending"  # as it was while built

    # The readable page shows the same things.
    for text in ("My better plan", "Said anonymously", "I learnt to wait", "Come and post"):
        assert text in html


def test_peers_stay_anonymous_and_no_one_elses_email_appears(world, tutor):
    cohort, member, peer, other, thread = world
    _, data, html, content = built(member)
    [started] = data["sections"]["boards"]["threads_started"]
    by_body = {p["body"]: p for p in started["posts"]}
    assert by_body["Peer secret reply"]["author"] == ANONYMOUS_NAME
    assert by_body["Peer secret reply"]["anonymous_to_peers"] is None
    assert by_body["Named reply"]["author"] == other.shown_name  # as the member saw it
    assert by_body["Said anonymously"]["author"] == member.shown_name  # their own
    text = json.dumps(data) + html
    for person in (peer, other, tutor):
        assert person.email not in text
    # The anonymous peer appears nowhere by name (they wrote nothing else the member saw
    # under their name except their own, named thread, which is not in this export).
    assert peer.username not in text
    assert member.email in text


def test_a_tutor_sees_their_members_anonymous_authors_as_they_saw_them(world, tutor):
    cohort, member, peer, other, thread = world
    _, data, _, _ = built(peer)
    [started] = data["sections"]["boards"]["threads_started"]
    assert started["title"] == "Peer thread"
    assert data["sections"]["boards"]["posts"][0]["anonymous_to_peers"] is True


def test_the_member_is_emailed_when_it_is_ready(world):
    cohort, member, *_ = world
    mail.outbox.clear()
    built(member)
    run_worker()  # the e-mail is a task of its own
    [message] = [m for m in mail.outbox if "copy of your data" in m.subject]
    assert message.to == [member.email]
    assert "/account/data/" in message.body


# --- The download -----------------------------------------------------------------------------
def test_the_download_is_for_the_requester_only_and_expires(world, tutor, monkeypatch):
    cohort, member, peer, *_ = world
    export, _, _, content = built(member)
    url = f"/account/data/{export.pk}/download/"

    response = signed_in(member).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Cache-Control"] == "private, no-store"
    assert signed_in(peer).get(url).status_code == 404
    assert signed_in(tutor).get(url).status_code == 404
    assert signed_in(None).get(url).status_code == 302  # to the sign-in
    # With the member's API token, as the API's download_url is used; another's token: 404.
    assert ApiClient(member).get(url).status_code == 200
    assert ApiClient(peer).get(url).status_code == 404
    # Never under MEDIA_URL.
    assert signed_in(member).get(f"/media/{export.file.name}").status_code == 404

    later = export.expires_at + timedelta(seconds=1)
    monkeypatch.setattr(export_selectors, "clock", lambda: later)
    assert signed_in(member).get(url).status_code == 410
    assert signed_in(peer).get(url).status_code == 404


def test_expired_files_are_removed_by_the_next_build(world):
    cohort, member, peer, *_ = world
    export, *_ = built(member)
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(1))
    built(peer)
    export.refresh_from_db()
    assert not export.file


# --- The page ---------------------------------------------------------------------------------
def test_the_data_page_asks_once_and_lists_the_copy(world):
    cohort, member, *_ = world
    client = signed_in(member)
    assert client.get("/account/data/").status_code == 200
    assert client.post("/account/data/").status_code == 302
    assert client.post("/account/data/").status_code == 302
    assert DataExport.objects.filter(user=member).count() == 1
    assert "being prepared" in client.get("/account/data/").content.decode()
    run_worker()
    page = client.get("/account/data/").content.decode()
    export = DataExport.objects.get(user=member)
    assert f"/account/data/{export.pk}/download/" in page


def test_staff_can_ask_on_a_members_behalf_from_the_admin(world):
    cohort, member, *_ = world
    staff = UserFactory(username="staffer", is_staff=True, is_superuser=True)
    response = signed_in(staff).post(
        "/django-admin/mentoring/user/",
        {"action": "export_data", "_selected_action": [member.pk]},
    )
    assert response.status_code == 302
    export = DataExport.objects.get(user=member)
    assert export.requested_by == staff
    run_worker()
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    # Only the member downloads it, not the staff member who asked.
    assert signed_in(staff).get(f"/account/data/{export.pk}/download/").status_code == 404


# --- The API ----------------------------------------------------------------------------------
def test_api_statuses_and_someone_elses_id(world):
    cohort, member, peer, *_ = world
    api = ApiClient(member)
    first = api.post("/api/v1/me/exports")
    assert first.status_code == 202
    assert first.data == {"id": first.data["id"], "status": "pending"}
    again = api.post("/api/v1/me/exports")
    assert (again.status_code, again.data["id"]) == (202, first.data["id"])
    path = f"/api/v1/me/exports/{first.data['id']}"
    assert api.get(path).data == {"id": first.data["id"], "status": "pending"}
    assert ApiClient(peer).get(path).status_code == 404
    assert ApiClient(peer).get("/api/v1/me/exports/999999").status_code == 404

    run_worker()
    ready = api.get(path)
    assert ready.data["status"] == "ready"
    assert ready.data["download_url"].endswith(f"/account/data/{first.data['id']}/download/")
    assert api.client.get(ready.data["download_url"]).status_code == 200


def test_a_failed_build_says_failed(world, monkeypatch):
    cohort, member, *_ = world
    api = ApiClient(member)
    export_id = api.post("/api/v1/me/exports").data["id"]

    def broken(user, now):
        raise RuntimeError("boom")

    from mentoring.privacy.services import export as export_service

    monkeypatch.setattr(export_service, "collect", broken)
    run_worker()
    assert api.get(f"/api/v1/me/exports/{export_id}").data == {"id": export_id, "status": "failed"}


def test_export_requests_are_rate_limited(world, settings):
    cohort, member, *_ = world
    settings.RATE_LIMITS = {"export": ["2/3600"]}
    api = ApiClient(member)
    for _ in range(2):
        assert api.post("/api/v1/me/exports").status_code == 202
        run_worker()  # each finishes, so the next is a new request
    refused = api.post("/api/v1/me/exports")
    assert refused.status_code == 429
    assert refused.data["code"] == "rate_limited"
    assert "Retry-After" in refused


@pytest.mark.parametrize("bad", ["99999999999999999999", "x", "-1"])
def test_a_bad_export_id_is_a_4xx_never_a_500(world, bad):
    cohort, member, *_ = world
    assert ApiClient(member).get(f"/api/v1/me/exports/{bad}").status_code in (400, 404, 422)
    assert signed_in(member).get(f"/account/data/{bad}/download/").status_code == 404
