import pytest
from django.core.management import call_command
from django.test import Client

from mentoring.accounts.services.tokens import revoke_api_token
from mentoring.models import ApiToken, Cohort, Membership
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_me_with_bearer_token(api, members):
    response = api(members[0]).get("/api/v1/me")
    assert response.status_code == 200
    assert response.data["username"] == "member1"
    assert response.data["display_name"] == "Member 1"


def test_no_credentials_is_401_with_code():
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_wrong_and_revoked_tokens_are_refused(api, members):
    assert api(token="not-a-token").get("/api/v1/me").status_code == 401
    client = api(members[0])
    revoke_api_token(token=ApiToken.objects.get(user=members[0]))
    assert client.get("/api/v1/me").status_code == 401


def test_tokens_are_stored_hashed(members):
    from io import StringIO

    out = StringIO()
    call_command("create_api_token", members[0].username, stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    assert not ApiToken.objects.filter(key_hash=key).exists()
    assert ApiToken.objects.filter(key_hash=ApiToken.hash_key(key)).exists()


def test_create_api_token_for_several_users(members):
    from io import StringIO

    out = StringIO()
    call_command("create_api_token", "member1", "member2", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert [line.split()[0] for line in lines] == ["member1", "member2"]


def test_cohorts_lists_roles(api, cohort, tutor, members, outsider):
    assert api(tutor).get("/api/v1/cohorts").data[0]["role"] == "tutor"
    listed = api(members[0]).get("/api/v1/cohorts").data
    assert [(c["id"], c["name"], c["role"]) for c in listed] == [(cohort.pk, cohort.name, "member")]
    assert api(outsider).get("/api/v1/cohorts").data == []


def test_staff_create_cohorts_with_tutors(api, tutor):
    staff = UserFactory(username="staffer", is_staff=True)
    response = api(staff).post("/api/v1/cohorts", {"name": "Spring NQTs", "tutors": ["tutor_t"]})
    assert response.status_code == 201
    cohort = Cohort.objects.get(pk=response.data["id"])
    assert cohort.boards.filter(kind="general").exists()
    assert Membership.objects.get(cohort=cohort, user=tutor).role == "tutor"


def test_non_staff_cannot_create_cohorts(api, tutor):
    response = api(tutor).post("/api/v1/cohorts", {"name": "Mine", "tutors": ["tutor_t"]})
    assert response.status_code == 403
    assert response.data["code"] == "forbidden"
    assert not Cohort.objects.filter(name="Mine").exists()


def test_create_cohort_with_unknown_tutor_is_400():
    staff = UserFactory(username="staffer", is_staff=True)
    from tests.factories import ApiClient

    response = ApiClient(staff).post("/api/v1/cohorts", {"name": "X", "tutors": ["ghost"]})
    assert response.status_code == 400
    assert response.data["code"] == "unknown_users"
    assert not Cohort.objects.filter(name="X").exists()


def test_bad_payload_is_400_with_code(api, cohort, tutor):
    response = api(tutor).patch(f"/api/v1/cohorts/{cohort.pk}", {"edit_grace_seconds": "soon"})
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    response = api(tutor).patch(f"/api/v1/cohorts/{cohort.pk}", {"edit_grace_seconds": 90000})
    assert response.status_code == 400


def test_tutor_patches_settings(api, cohort, tutor):
    response = api(tutor).patch(
        f"/api/v1/cohorts/{cohort.pk}",
        {"edit_grace_seconds": 60, "reader_threshold": 3, "allow_anonymous_to_peers": True},
    )
    assert response.status_code == 200
    cohort.refresh_from_db()
    assert (cohort.edit_grace_seconds, cohort.reader_threshold) == (60, 3)
    assert cohort.allow_anonymous_to_peers is True


def test_member_cannot_patch_and_outsider_sees_404(api, cohort, members, outsider):
    assert (
        api(members[0]).patch(f"/api/v1/cohorts/{cohort.pk}", {"reader_threshold": 2}).status_code
        == 403
    )
    response = api(outsider).patch(f"/api/v1/cohorts/{cohort.pk}", {"reader_threshold": 2})
    assert response.status_code == 404
    assert response.data["code"] == "not_found"
    cohort.refresh_from_db()
    assert cohort.reader_threshold == 1


def test_enrol_members_all_or_nothing(api, cohort, tutor):
    newcomer = UserFactory(username="newcomer")
    response = api(tutor).post(
        f"/api/v1/cohorts/{cohort.pk}/members", {"usernames": ["newcomer", "ghost"]}
    )
    assert response.status_code == 400
    assert response.data["code"] == "unknown_users"
    assert "ghost" in response.data["detail"] and response.data["usernames"] == ["ghost"]
    assert not Membership.objects.filter(cohort=cohort, user=newcomer).exists()
    response = api(tutor).post(f"/api/v1/cohorts/{cohort.pk}/members", {"usernames": ["newcomer"]})
    assert response.status_code == 201
    assert response.data[0]["username"] == "newcomer"
    assert Membership.objects.get(cohort=cohort, user=newcomer).role == "member"


def test_session_auth_needs_csrf_for_writes(cohort, tutor):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=tutor.username, password=TEST_PASSWORD)
    assert client.get("/api/v1/me").status_code == 200
    response = client.patch(
        f"/api/v1/cohorts/{cohort.pk}",
        data={"reader_threshold": 2},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    client.get("/notifications/")  # a page with a form sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    response = client.patch(
        f"/api/v1/cohorts/{cohort.pk}",
        data={"reader_threshold": 2},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200


def test_openapi_describes_the_api():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/me" in paths and "/api/v1/cohorts/{cohort_id}/members" in paths


def test_notifications_list(api, members):
    from mentoring.notifications.services.notifications import notify

    notify(user=members[0], kind="system", title="Welcome")
    data = api(members[0]).get("/api/v1/notifications").data
    assert data["unread"] == 1
    assert data["notifications"][0]["title"] == "Welcome"
    assert api(members[1]).get("/api/v1/notifications").data["notifications"] == []


def test_healthz_reports_database_and_layer():
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] and body["channel_layer"]["ok"]


def test_healthz_is_503_without_database(monkeypatch):
    from mentoring.core import health

    monkeypatch.setattr(health, "_database_state", lambda: {"ok": False, "error": "X"})
    assert Client().get("/healthz").status_code == 503
