"""Roster import through the API: dry run per row, all-or-nothing commit, idempotency, each kind
of bad input reported by line with nothing written, and a query count that does not grow with
the number of rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from mentoring.models import Invitation, InvitationBatch, Membership, Notification
from tests.factories import UserFactory, make_cohort
from tests.invitations.helpers import csv_bytes, run_worker

pytestmark = pytest.mark.django_db

ROSTER = csv_bytes(
    "email,first_name,last_name,role",
    "ada@uni.example,Ada,Lovelace,member",
    "Grace@Uni.Example,Grace,Hopper,",
    "member2@example.test,,,",  # has an account, already a member
    "olly@example.test,,,tutor",  # has an account, in none of the tutor's cohorts: invited
    "cara@example.test,,,tutor",  # in the tutor's other cohort: enrolled at once
)


@pytest.fixture
def olly(db):
    return UserFactory(username="olly", email="Olly@Example.test")


@pytest.fixture
def cara(db, tutor):
    cara = UserFactory(username="cara", email="cara@example.test")
    make_cohort(name="Last year", tutors=[tutor], members=[cara])
    return cara


def _post(client, cohort, body: bytes, *, dry_run: bool):
    path = f"/api/v1/cohorts/{cohort.pk}/roster" + ("?dry_run=1" if dry_run else "")
    return client.client.post(path, body, content_type="text/csv")


def _snapshot(cohort):
    return (
        Invitation.objects.count(),
        InvitationBatch.objects.count(),
        sorted(Membership.objects.filter(cohort=cohort).values_list("user_id", "role")),
        DBTaskResult.objects.count(),
    )


def test_dry_run_reports_each_row_and_writes_nothing(api, cohort, tutor, olly, cara):
    before = _snapshot(cohort)
    response = _post(api(tutor), cohort, ROSTER, dry_run=True)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(r["line"], r["email"], r["outcome"]) for r in body["rows"]] == [
        (2, "ada@uni.example", "invite"),
        (3, "grace@uni.example", "invite"),
        (4, "member2@example.test", "already_member"),
        (5, "olly@example.test", "invite"),
        (6, "cara@example.test", "enrol"),
    ]
    assert all(r["detail"] for r in body["rows"])
    assert body["counts"] == {"invite": 3, "enrol": 1, "already_member": 1, "error": 0}
    assert _snapshot(cohort) == before


def test_commit_invites_enrols_and_the_worker_sends_the_emails(
    api, cohort, tutor, olly, cara, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(api(tutor), cohort, ROSTER, dry_run=False)
    assert response.status_code == 201, response.content
    assert response.json()["counts"] == {"invite": 3, "enrol": 1, "already_member": 1, "error": 0}
    pending = Invitation.objects.filter(cohort=cohort, accepted_at__isnull=True)
    assert sorted(pending.values_list("email", flat=True)) == [
        "ada@uni.example",
        "grace@uni.example",
        "olly@example.test",
    ]
    # Olly has an account but was never in this tutor's cohorts: no role until he accepts.
    assert not Membership.objects.filter(user=olly).exists()
    assert pending.get(email="olly@example.test").role == "tutor"
    assert Membership.objects.get(cohort=cohort, user=cara).role == "tutor"
    assert Notification.objects.filter(user=cara, cohort=cohort).exists()
    # Nothing is e-mailed inside the request: one task for the whole batch waits for the worker.
    assert mail.outbox == []
    assert DBTaskResult.objects.count() == 1
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ada@uni.example",
        "cara@example.test",
        "grace@uni.example",
        "olly@example.test",
    ]
    assert "/invitations/" in next(m for m in mail.outbox if m.to == ["ada@uni.example"]).body
    assert "/invitations/" in next(m for m in mail.outbox if m.to == ["olly@example.test"]).body
    assert "added you" in next(m for m in mail.outbox if m.to == ["cara@example.test"]).body
    assert not Invitation.objects.filter(cohort=cohort, sent_at__isnull=True).exists()


def test_importing_the_same_file_twice_changes_nothing_the_second_time(
    api, cohort, tutor, olly, cara, django_capture_on_commit_callbacks
):
    client = api(tutor)
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, cohort, ROSTER, dry_run=False).status_code == 201
    run_worker()
    sent = len(mail.outbox)
    invitations = list(Invitation.objects.order_by("pk").values_list("pk", "email", "nonce"))
    memberships = sorted(Membership.objects.filter(cohort=cohort).values_list("user_id", "role"))

    with django_capture_on_commit_callbacks(execute=True):
        again = _post(client, cohort, ROSTER, dry_run=False)
    assert again.status_code == 201
    outcomes = [r["outcome"] for r in again.json()["rows"]]
    assert outcomes == ["invite", "invite", "already_member", "invite", "already_member"]
    assert "Already invited" in again.json()["rows"][0]["detail"]
    run_worker()
    assert list(Invitation.objects.order_by("pk").values_list("pk", "email", "nonce")) == (
        invitations
    )
    assert sorted(Membership.objects.filter(cohort=cohort).values_list("user_id", "role")) == (
        memberships
    )
    assert len(mail.outbox) == sent


def test_excel_semicolons_and_a_byte_order_mark_are_read(api, cohort, tutor):
    body = csv_bytes(
        "Email;Display name;Role", "zoe@uni.example;Zoë Ångström;member", bom=True, sep=";"
    )
    body = body.replace(b"Display name", b"display_name")
    response = _post(api(tutor), cohort, body, dry_run=False)
    assert response.status_code == 201, response.content
    invitation = Invitation.objects.get(cohort=cohort)
    assert (invitation.email, invitation.display_name) == ("zoe@uni.example", "Zoë Ångström")


BAD_FILES = {
    "invalid address": (
        csv_bytes("email", "ok@uni.example", "not-an-address"),
        [(3, "Not a valid e-mail address")],
    ),
    "duplicate address, any case": (
        csv_bytes("email", "Ada@Uni.Example", "x@uni.example", "ada@uni.example"),
        [(4, "Duplicate of line 2")],
    ),
    "missing email column": (
        csv_bytes("name,role", "Ada,member"),
        [(1, "Missing column: email")],
    ),
    "missing address in a row": (
        csv_bytes("email,first_name", "ok@uni.example,Ok", ",Nobody"),
        [(3, "Missing e-mail address")],
    ),
    "unknown role": (
        csv_bytes("email,role", "ok@uni.example,headteacher"),
        [(2, "Unknown role")],
    ),
    "NUL bytes": (
        b"email\nok@uni.example\nbad\x00@uni.example\n",
        [(3, "NUL bytes")],
    ),
    "neither UTF-8 nor Windows-1252": (
        b"email,first_name\nok@uni.example,Zo\xebe\nbad@uni.example,\x81\x8d\n",
        [(3, "neither UTF-8 nor Windows-1252")],
    ),
    "UTF-16 cut in the middle": (
        "\ufeffemail\nok@uni.example\n".encode("utf-16-le") + b"\x00",
        [(3, "damaged UTF-16")],
    ),
    "too many rows": (
        csv_bytes("email", *(f"p{n}@uni.example" for n in range(2001))),
        [(2002, "Too many rows")],
    ),
    "more values than columns": (
        csv_bytes("email", "ok@uni.example,extra"),
        [(2, "More values than columns")],
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_input_is_reported_by_line_and_nothing_is_written(api, cohort, tutor, case):
    body, expected = BAD_FILES[case]
    before = _snapshot(cohort)
    client = api(tutor)
    dry = _post(client, cohort, body, dry_run=True)
    assert dry.status_code == 200
    response = _post(client, cohort, body, dry_run=False)
    assert response.status_code == 400, response.content
    payload = response.json()
    assert payload["code"] == "roster_invalid" and "nothing was changed" in payload["detail"]
    errors = [(r["line"], r["detail"]) for r in payload["rows"] if r["outcome"] == "error"]
    for line, text in expected:
        assert any(n == line and text in d for n, d in errors), errors
    assert payload["counts"]["error"] == len(errors)
    assert _snapshot(cohort) == before


def test_only_the_cohorts_tutors_import(api, cohort, members, outsider):
    assert _post(api(members[0]), cohort, ROSTER, dry_run=True).status_code == 403
    response = _post(api(outsider), cohort, ROSTER, dry_run=True)
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.parametrize("rows", [10, 200])
def test_query_count_does_not_grow_with_the_rows(
    api, cohort, tutor, rows, django_assert_max_num_queries
):
    people = UserFactory.create_batch(5)
    make_cohort(name="Last year", tutors=[tutor], members=people)
    lines = ["email,role"]
    lines += [f"{p.email},member" for p in people]  # in the tutor's other cohort: enrolled
    lines += [f"new{n}@uni.example,member" for n in range(rows - len(people))]
    client = api(tutor)
    with django_assert_max_num_queries(30):
        assert _post(client, cohort, csv_bytes(*lines), dry_run=True).status_code == 200
    with django_assert_max_num_queries(45):
        response = _post(client, cohort, csv_bytes(*lines), dry_run=False)
    assert response.status_code == 201
    assert Invitation.objects.filter(cohort=cohort).count() == rows


def test_a_dry_run_never_tells_which_addresses_have_an_account(api, cohort, tutor):
    """Admins, tutors elsewhere, plain accounts and disabled ones read exactly like a stranger's
    address, and committing enrols none of them: they are invited and may accept."""
    admin = UserFactory(username="root", email="root@uni.example", is_staff=True)
    admin.is_superuser = True
    admin.save()
    other_tutor = UserFactory(username="tutor2", email="tutor2@uni.example")
    make_cohort(name="Elsewhere", tutors=[other_tutor])
    UserFactory(username="plain", email="plain@uni.example")
    UserFactory(username="gone", email="gone@uni.example", is_active=False)
    addresses = ["root", "tutor2", "plain", "gone", "nobody"]
    body = csv_bytes("email,role", *(f"{a}@uni.example,tutor" for a in addresses))
    client = api(tutor)
    dry = _post(client, cohort, body, dry_run=True).json()
    assert {(r["outcome"], r["detail"]) for r in dry["rows"]} == {
        ("invite", "Will be invited as tutor.")
    }
    assert dry["counts"] == {"invite": 5, "enrol": 0, "already_member": 0, "error": 0}
    committed = _post(client, cohort, body, dry_run=False)
    assert committed.status_code == 201
    assert {(r["outcome"], r["detail"]) for r in committed.json()["rows"]} == {
        ("invite", "Will be invited as tutor.")
    }
    assert Membership.objects.filter(cohort=cohort).count() == 4  # the tutor and 3 members
    assert sorted(Invitation.objects.filter(cohort=cohort).values_list("email", flat=True)) == [
        f"{a}@uni.example" for a in sorted(addresses)
    ]
    assert not Invitation.objects.filter(enrolled_existing=True).exists()


def test_someone_in_another_of_the_tutors_cohorts_is_enrolled_active_or_not(api, cohort, tutor):
    """Enrolment without asking is for people the tutor already works with; a disabled one
    among them reads the same as an active one."""
    active = UserFactory(username="act", email="act@uni.example")
    disabled = UserFactory(username="dis", email="dis@uni.example", is_active=False)
    make_cohort(name="Last year", tutors=[tutor], members=[active, disabled])
    body = csv_bytes("email", "act@uni.example", "dis@uni.example")
    rows = _post(api(tutor), cohort, body, dry_run=True).json()["rows"]
    assert [r["outcome"] for r in rows] == ["enrol", "enrol"]
    assert [r["detail"].replace("dis", "act") for r in rows] == [rows[0]["detail"]] * 2


def test_roster_checks_are_rate_limited_per_tutor(api, cohort, tutor, settings, monkeypatch):
    from mentoring.core import ratelimit

    monkeypatch.setattr(ratelimit, "clock", lambda: 7_200_030.0)  # 30 s into a ten-minute window
    settings.RATE_LIMITS = {"roster": ["2/600"]}
    ratelimit.shared_cache.clear()
    client = api(tutor)
    body = csv_bytes("email", "a@uni.example")
    assert _post(client, cohort, body, dry_run=True).status_code == 200
    assert _post(client, cohort, body, dry_run=True).status_code == 200
    refused = _post(client, cohort, body, dry_run=True)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert refused["Retry-After"] == "570"
    assert _post(client, cohort, body, dry_run=False).status_code == 429  # imports count too
    invite = client.post(f"/api/v1/cohorts/{cohort.pk}/invitations", {"emails": ["b@uni.example"]})
    assert invite.status_code == 429  # the invitations API answers the same way
    assert not Invitation.objects.exists()
    ratelimit.shared_cache.clear()


def test_ignored_columns_are_listed_in_the_api_report(api, cohort, tutor):
    body = csv_bytes('"Email address","First name","Groups","Status"', "a@uni.example,A,G1,Active")
    response = _post(api(tutor), cohort, body, dry_run=True).json()
    assert response["warnings"] == ["Ignored columns: Groups, Status."]
    assert response["columns"] == {"email": "Email address", "first_name": "First name"}


@pytest.mark.parametrize(
    "fixture",
    ["excel_semicolon_windows1252.csv", "excel_unicode_text.txt", "moodle_participants.csv"],
)
def test_an_export_is_imported_as_it_is_with_its_names(api, cohort, tutor, fixture):
    body = (Path(__file__).parent / "fixtures" / fixture).read_bytes()
    response = _post(api(tutor), cohort, body, dry_run=False)
    assert response.status_code == 201, response.content
    zoe = Invitation.objects.get(cohort=cohort, email="zoe.obrien@uni.example")
    assert "Zoë" in zoe.first_name + zoe.display_name
    assert "O'Brien" in zoe.last_name + zoe.display_name
