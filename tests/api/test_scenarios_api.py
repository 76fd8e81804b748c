"""GET /cohorts/{id}/scenarios, GET /scenarios/{id}, POST /cohorts/{id}/releases."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mentoring.models import Board, Membership, ResourceView
from scenarios.models import Release, ScenarioGroup
from scenarios.services.releases import release_scenario
from scenarios.services.solutions import save_solution, submit_solution
from tests.scenarios.helpers import EXPERT_TEXT, make_module, make_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(wagtail_root):
    return make_scenario(make_module())


def test_tutor_releases_now_and_gets_groups_with_boards(api, cohort, scenario, tutor):
    response = api(tutor).post(
        f"/api/v1/cohorts/{cohort.pk}/releases", {"scenario_id": scenario.pk, "group_size": 2}
    )
    assert response.status_code == 201, response.data
    data = response.data
    assert data["scenario_id"] == scenario.pk and data["status"] == "open"
    assert data["url"] == scenario.url and data["group_size"] == 2
    assert sorted(len(g["members"]) for g in data["groups"]) == [1, 2]
    for group in data["groups"]:
        assert Board.objects.get(pk=group["board_id"]).kind == Board.Kind.SCENARIO


def test_release_at_a_later_time_is_hidden_from_members_until_then(
    api, cohort, scenario, tutor, members
):
    opens_at = (timezone.now() + timedelta(days=1)).isoformat()
    response = api(tutor).post(
        f"/api/v1/cohorts/{cohort.pk}/releases", {"scenario_id": scenario.pk, "opens_at": opens_at}
    )
    assert response.status_code == 201 and response.data["status"] == "scheduled"
    assert api(members[0]).get(f"/api/v1/cohorts/{cohort.pk}/scenarios").data == []
    assert api(members[0]).get(f"/api/v1/scenarios/{scenario.pk}").status_code == 404
    listed = api(tutor).get(f"/api/v1/cohorts/{cohort.pk}/scenarios").data
    assert [(s["id"], s["status"]) for s in listed] == [(scenario.pk, "scheduled")]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"scenario_id": 999_999}, 400, "unknown_scenario"),
        ({"group_size": 1}, 400, "invalid"),
        ({"opens_at": "2030-01-02T09:00:00Z", "closes_at": "2030-01-01T09:00:00Z"}, 400, "invalid"),
        ({"grouping": "manual", "groups": [["member1", "nobody"]]}, 400, "unknown_users"),
    ],
)
def test_bad_releases_are_clear_errors_and_write_nothing(
    api, cohort, scenario, tutor, body, status, code
):
    payload = {"scenario_id": scenario.pk, **body}
    response = api(tutor).post(f"/api/v1/cohorts/{cohort.pk}/releases", payload)
    assert response.status_code == status and response.data["code"] == code
    assert response.data["detail"]
    assert not Release.objects.exists() and not ScenarioGroup.objects.exists()
    assert not Board.objects.filter(kind=Board.Kind.SCENARIO).exists()


def test_unpublished_scenario_and_second_release_are_refused(api, cohort, scenario, tutor):
    draft = make_scenario(scenario.get_parent().specific, title="Draft", publish=False)
    client = api(tutor)
    response = client.post(f"/api/v1/cohorts/{cohort.pk}/releases", {"scenario_id": draft.pk})
    assert response.status_code == 400 and response.data["code"] == "scenario_not_published"
    assert (
        client.post(
            f"/api/v1/cohorts/{cohort.pk}/releases", {"scenario_id": scenario.pk}
        ).status_code
        == 201
    )
    again = client.post(f"/api/v1/cohorts/{cohort.pk}/releases", {"scenario_id": scenario.pk})
    assert again.status_code == 409 and again.data["code"] == "already_released"


def test_members_cannot_release_and_outsiders_get_404(api, cohort, scenario, members, outsider):
    path = f"/api/v1/cohorts/{cohort.pk}/releases"
    assert api(members[0]).post(path, {"scenario_id": scenario.pk}).status_code == 403
    assert api(outsider).post(path, {"scenario_id": scenario.pk}).status_code == 404
    assert not Release.objects.exists()


def test_manual_groups(api, cohort, scenario, tutor):
    response = api(tutor).post(
        f"/api/v1/cohorts/{cohort.pk}/releases",
        {"scenario_id": scenario.pk, "grouping": "manual", "groups": [["member1"], ["member2"]]},
    )
    assert response.status_code == 201
    # member3 was left out by hand: placed in the smallest group (the first of the equals).
    assert [g["members"] for g in response.data["groups"]] == [
        ["member1", "member3"],
        ["member2"],
    ]


def test_session_api_needs_csrf_for_releasing(cohort, scenario, tutor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tutor)
    response = client.post(
        f"/api/v1/cohorts/{cohort.pk}/releases",
        {"scenario_id": scenario.pk},
        content_type="application/json",
    )
    assert response.status_code == 403 and not Release.objects.exists()


def test_list_and_read_a_scenario_as_a_member(api, cohort, scenario, members, outsider):
    release = release_scenario(cohort=cohort, scenario=scenario, by=None)
    member = api(members[0])
    listed = member.get(f"/api/v1/cohorts/{cohort.pk}/scenarios").data
    assert [(s["id"], s["title"], s["url"]) for s in listed] == [
        (scenario.pk, scenario.title, scenario.url)
    ]
    assert listed[0]["group"]["board_id"] and listed[0]["tags"] == ["behaviour", "routines"]

    response = member.get(f"/api/v1/scenarios/{scenario.pk}")
    assert response.status_code == 200
    data = response.data
    assert data["url"] == scenario.url and data["expert_unlocked"] is False
    kinds = [stage["type"] for stage in data["stages"]]
    assert kinds == ["situation", "voices", "evidence", "questions", "task", "expert"]
    expert = data["stages"][-1]
    assert expert["locked"] is True and expert["value"] is None
    assert EXPERT_TEXT not in response.content.decode()
    evidence = data["stages"][2]["value"]["items"]
    document = evidence[0]["value"]["document"]
    assert document["url"] == f"/scenarios/{scenario.pk}/documents/{document['id']}/"
    assert evidence[1]["value"]["rows"][0]["values"][0] == "Wednesday period 5"
    assert (
        ResourceView.objects.filter(
            user=members[0], cohort=cohort, resource_kind="scenario", resource_id=str(scenario.pk)
        ).count()
        == 1
    )
    assert Membership.objects.get(user=members[0], cohort=cohort).resource_views == 1

    assert api(outsider).get(f"/api/v1/scenarios/{scenario.pk}").status_code == 404
    assert api(outsider).get(f"/api/v1/cohorts/{cohort.pk}/scenarios").status_code == 404

    group = release.groups.get()
    save_solution(group=group, author=members[0], body="Plan")
    submit_solution(group=group, by=members[0])
    unlocked = member.get(f"/api/v1/scenarios/{scenario.pk}").data
    assert unlocked["expert_unlocked"] is True
    assert EXPERT_TEXT in unlocked["stages"][-1]["value"]["perspective"]


def test_unknown_scenario_is_404_json(api, members):
    response = api(members[0]).get("/api/v1/scenarios/424242")
    assert response.status_code == 404 and response.data["code"] == "not_found"


def test_listing_costs_the_same_for_one_or_many_scenarios(
    api, wagtail_root, cohort, tutor, members, django_assert_max_num_queries
):
    module = make_module()
    client = api(members[0])
    path = f"/api/v1/cohorts/{cohort.pk}/scenarios"
    release_scenario(cohort=cohort, scenario=make_scenario(module, title="One"), by=tutor)
    client.get(path)  # warm the per-process caches (site root paths)
    with django_assert_max_num_queries(12) as one:
        assert len(client.get(path).data) == 1
    for title in ("Two", "Three", "Four"):
        release_scenario(cohort=cohort, scenario=make_scenario(module, title=title), by=tutor)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get(path).data) == 4


@pytest.mark.parametrize(
    "body",
    [
        {"closes_at": "9999-12-31T23:59:59-14:00"},
        {"closes_at": "2999-01-01T00:00:00Z"},
        {"opens_at": "1900-01-01T00:00:00Z"},
        {"group_size": 2**31},
        {"scenario_id": 2**31},
        {"grouping": "random\x00"},
        {"grouping": "manual", "groups": [["member1\x00"]]},
    ],
)
def test_out_of_range_release_input_is_a_400_and_writes_nothing(api, cohort, scenario, tutor, body):
    payload = {"scenario_id": scenario.pk, **body}
    response = api(tutor).post(f"/api/v1/cohorts/{cohort.pk}/releases", payload)
    assert response.status_code == 400, response.content
    assert response.data["code"] == "invalid" and response.data["detail"]
    assert not Release.objects.exists()


def test_a_member_releasing_learns_nothing_about_usernames(
    api, cohort, scenario, members, outsider
):
    client = api(members[0])
    answers = [
        client.post(
            f"/api/v1/cohorts/{cohort.pk}/releases",
            {"scenario_id": scenario.pk, "grouping": "manual", "groups": [[name]]},
        )
        for name in (outsider.username, "nobody-at-all")
    ]
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].data == answers[1].data
    assert outsider.username not in answers[0].content.decode()


def test_a_tutor_cannot_tell_existing_non_members_from_unknown_names(
    api, cohort, scenario, tutor, outsider
):
    client = api(tutor)
    details = [
        client.post(
            f"/api/v1/cohorts/{cohort.pk}/releases",
            {"scenario_id": scenario.pk, "grouping": "manual", "groups": [[name]]},
        ).data
        for name in (outsider.username, "nobody-at-all")
    ]
    assert [d["code"] for d in details] == ["unknown_users", "unknown_users"]
    assert details[0]["detail"].replace(outsider.username, "X") == details[1]["detail"].replace(
        "nobody-at-all", "X"
    )
