"""Deep Linking 2.0: an instructor places the cohort, a board, a released scenario or the
dashboard; the platform gets a content item signed with the tool's key (checked here by the
test platform against the tool's key set)."""

from __future__ import annotations

import re
import urllib.request
from html import unescape
from urllib.parse import urlencode

import pytest
from django.test import Client
from lti_tool.models import LtiUser

from mentoring.models import LtiCourse
from scenarios.services.releases import release_scenario
from tests.lti.conftest import launch
from tests.lti.platform import DL, INSTRUCTOR, LEARNER
from tests.scenarios.helpers import make_module, make_scenario

pytestmark = pytest.mark.django_db


def _post_to_platform(page: bytes) -> tuple[int, str]:
    html = page.decode()
    action = unescape(re.search(r'action="([^"]+)" id="lti-deep-link-return"', html).group(1))
    jwt = re.search(r'name="JWT" value="([^"]+)"', html).group(1)
    request = urllib.request.Request(action, data=urlencode({"JWT": jwt}).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_instructor_sets_up_the_course_then_places_a_released_scenario(platform, wagtail_root):
    client = Client()
    response = launch(client, platform, sub="prof-1", roles=[INSTRUCTOR], deep_linking=True)
    assert response["Location"] == "/lti/course/"
    done = client.post("/lti/course/", {"action": "create", "name": "PGCE"})
    assert client.get(done["Location"])["Location"] == "/lti/pick/"
    cohort = LtiCourse.objects.get().cohort
    tutor = LtiUser.objects.get(sub="prof-1").auth_user
    release = release_scenario(cohort=cohort, scenario=make_scenario(make_module()), by=tutor)
    page = client.get("/lti/pick/")
    assert page.status_code == 200
    for key in ("cohort", "dashboard", f"release:{release.pk}"):
        assert f'value="{key}"'.encode() in page.content
    board = cohort.boards.filter(restricted=False).exclude(kind="scenario").first()
    assert f'value="board:{board.pk}"'.encode() in page.content

    returned = client.post("/lti/pick/", {"target": f"release:{release.pk}"})
    assert returned.status_code == 200
    assert "http://127.0.0.1" in returned["Content-Security-Policy"].split("form-action")[1]
    platform.tool_jwks = Client().get("/lti/jwks/").json()
    status, _ = _post_to_platform(returned.content)
    assert status == 200
    [message] = platform.deep_link_responses
    [item] = message[DL + "content_items"]
    assert item["type"] == "ltiResourceLink"
    assert item["url"] == "http://testserver/lti/launch/"
    assert item["custom"] == {"staffroom_target": f"release:{release.pk}"}
    assert message[DL + "data"] == "platform-opaque-data"
    assert message["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == "dep-1"

    # The one request got its one response; the picker does not answer twice.
    assert client.post("/lti/pick/", {"target": "cohort"}).status_code == 400

    # A learner launching the placed link lands on the scenario.
    learner = launch(Client(), platform, sub="l-1", roles=[LEARNER], custom=item["custom"])
    assert learner["Location"] == f"/scenarios/releases/{release.pk}/"


def test_a_forged_response_is_refused_by_the_platform(platform):
    client = Client()
    launch(client, platform, sub="prof-1", roles=[INSTRUCTOR], deep_linking=True)
    client.post("/lti/course/", {"action": "create", "name": "PGCE"})
    returned = client.post("/lti/pick/", {"target": "cohort"})
    platform.tool_jwks = {"keys": []}  # not the tool's keys: nothing verifies
    status, _ = _post_to_platform(returned.content)
    assert status == 400 and not platform.deep_link_responses


def test_picker_without_a_deep_linking_request_is_refused(platform):
    client = Client()
    launch(client, platform, sub="prof-1", roles=[INSTRUCTOR])
    client.post("/lti/course/", {"action": "create", "name": "PGCE"})
    response = client.post("/lti/pick/", {"target": "cohort"})
    assert response.status_code == 400
    assert b"lti_unrequested_deep_linking" in response.content


def test_learner_cannot_deep_link(platform):
    response = launch(Client(), platform, sub="l-1", roles=[LEARNER], deep_linking=True)
    assert response.status_code == 403 and b"lti_role" in response.content


def test_unknown_target_is_a_form_error_not_a_500(platform):
    client = Client()
    launch(client, platform, sub="prof-1", roles=[INSTRUCTOR], deep_linking=True)
    client.post("/lti/course/", {"action": "create", "name": "PGCE"})
    response = client.post("/lti/pick/", {"target": "board:999999"})
    assert response.status_code == 200 and not platform.deep_link_responses
