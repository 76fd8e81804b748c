"""Authoring and releasing in the Wagtail admin: tutors as scenario authors, previews, the
release viewset going through the same service, and released scenarios kept from deletion."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mentoring.models import Cohort
from scenarios.models import Release, ScenarioGroup, ScenarioPage
from scenarios.services.permissions import grant_scenario_authoring
from scenarios.services.releases import release_scenario
from tests.factories import UserFactory, make_cohort, signed_in
from tests.scenarios.helpers import EXPERT_TEXT, full_body, make_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(tutor, module):
    grant_scenario_authoring(user=tutor)
    return tutor


def test_tutors_author_inside_modules_only(author, module):
    client = signed_in(author)
    assert client.get(f"/admin/pages/{module.pk}/").status_code == 200
    add = client.get(f"/admin/pages/add/scenarios/scenariopage/{module.pk}/")
    assert add.status_code == 200
    html = add.content.decode()
    assert "the problem in brief" in html and "About this scenario" in html
    home = module.get_parent()
    assert client.get(f"/admin/pages/{home.pk}/edit/").status_code in (302, 403)


def test_preview_shows_every_stage_even_before_saving(author, module, scenario):
    response = scenario.make_preview_request(extra_request_attrs={"user": author})
    assert response.status_code == 200 and EXPERT_TEXT in response.content.decode()
    draft = ScenarioPage(
        title="Not saved yet", summary="s", body=full_body(document_id=make_document().pk)
    )
    response = draft.make_preview_request(extra_request_attrs={"user": author})
    assert response.status_code == 200 and "Not saved yet" in response.content.decode()


def test_release_in_the_admin_forms_groups_and_refuses_bad_input(author, cohort, scenario):
    client = signed_in(author)
    other = make_cohort(name="Someone else's cohort")
    form = client.get("/admin/scenario_releases/new/").content.decode()
    assert cohort.name in form and other.name not in form
    data = {
        "cohort": cohort.pk,
        "scenario": scenario.pk,
        "opens_at": "",
        "closes_at": "",
        "group_size": 1,
        "grouping": "random",
    }
    response = client.post("/admin/scenario_releases/new/", data)
    assert response.status_code == 200
    assert "greater than or equal to 2" in response.content.decode()
    assert not Release.objects.exists() and not ScenarioGroup.objects.exists()
    data["group_size"] = 2
    response = client.post("/admin/scenario_releases/new/", data)
    assert response.status_code == 302
    release = Release.objects.get()
    assert release.created_by == author and release.groups.count() == 2
    again = client.post("/admin/scenario_releases/new/", data)
    assert "already been released to this cohort" in again.content.decode()
    listing = client.get("/admin/scenario_releases/").content.decode()
    assert scenario.title in listing


def test_admin_lists_only_releases_of_cohorts_you_tutor(author, scenario):
    stranger_tutor = UserFactory(username="other_tutor")
    other = make_cohort(name="Elsewhere", tutors=[stranger_tutor])
    release_scenario(cohort=other, scenario=scenario, by=stranger_tutor)
    listing = signed_in(author).get("/admin/scenario_releases/").content.decode()
    assert "Elsewhere" not in listing


def test_released_scenarios_and_their_modules_cannot_be_deleted(author, cohort, scenario, module):
    release_scenario(cohort=cohort, scenario=scenario, by=author)
    admin = UserFactory(username="admin_user", is_superuser=True, is_staff=True)
    client = signed_in(admin)
    for page in (scenario, module):
        response = client.post(f"/admin/pages/{page.pk}/delete/", follow=True)
        assert "cannot be deleted" in response.content.decode()
    assert ScenarioPage.objects.filter(pk=scenario.pk).exists()


def test_deleting_a_cohort_takes_its_releases_groups_and_boards(cohort, scenario, tutor):
    release_scenario(cohort=cohort, scenario=scenario, by=tutor)
    Cohort.objects.filter(pk=cohort.pk).delete()
    assert not Release.objects.exists() and not ScenarioGroup.objects.exists()


@pytest.fixture
def elsewhere_release(scenario):
    stranger_tutor = UserFactory(username="other_tutor")
    other = make_cohort(name="Elsewhere", tutors=[stranger_tutor])
    return release_scenario(cohort=other, scenario=scenario, by=stranger_tutor)


@pytest.mark.parametrize("view", ["inspect", "edit", "history", "usage", "delete"])
def test_another_cohorts_release_does_not_exist_in_any_admin_view(author, elsewhere_release, view):
    client = signed_in(author)
    url = f"/admin/scenario_releases/{view}/{elsewhere_release.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"closes_at": ""}).status_code == 404
    elsewhere_release.refresh_from_db()
    assert Release.objects.filter(pk=elsewhere_release.pk).exists()


def test_own_release_opens_in_the_admin_views(author, cohort, scenario):
    release = release_scenario(cohort=cohort, scenario=scenario, by=author)
    client = signed_in(author)
    for view in ("inspect", "edit", "history", "usage"):
        assert client.get(f"/admin/scenario_releases/{view}/{release.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("closes_at", "message"),
    [
        ("yesterday", "must close after it opens"),
        ("9999-12-31 23:59", "within 5 years"),
    ],
)
def test_a_refused_edit_is_an_admin_message_not_a_500(author, cohort, scenario, closes_at, message):
    release = release_scenario(cohort=cohort, scenario=scenario, by=author)
    if closes_at == "yesterday":
        closes_at = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    response = signed_in(author).post(
        f"/admin/scenario_releases/edit/{release.pk}/", {"closes_at": closes_at}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    release.refresh_from_db()
    assert release.closes_at is None


def test_a_far_future_release_in_the_admin_is_refused(author, cohort, scenario):
    data = {
        "cohort": cohort.pk,
        "scenario": scenario.pk,
        "opens_at": "",
        "closes_at": "9999-12-31 23:59",
        "group_size": 2,
        "grouping": "random",
    }
    response = signed_in(author).post("/admin/scenario_releases/new/", data)
    assert response.status_code == 200 and "within 5 years" in response.content.decode()
    assert not Release.objects.exists()
