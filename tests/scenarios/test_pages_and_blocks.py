"""Scenario pages and their stages: every block renders, the tree is built the right way, and
the page is never public."""

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.blocks import StreamBlockValidationError
from wagtail.models import Page

from cms.models import HomePage, StandardPage
from mentoring.models import Membership, ResourceView
from scenarios import blocks
from scenarios.models import ModulePage, ScenarioPage
from scenarios.services.releases import release_scenario
from scenarios.services.solutions import save_solution, submit_solution
from tests.factories import UserFactory, signed_in
from tests.scenarios.helpers import EXPERT_TEXT, make_document, make_image, make_scenario

pytestmark = pytest.mark.django_db


def assert_sends_to_sign_in(response, url: str) -> None:
    """Signed out, a scenario or module URL leads to sign-in and back (never a bare 404)."""
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=" + url


def _stage(scenario, kind):
    return next(block for block in scenario.body if block.block_type == kind)


# --- Blocks ---------------------------------------------------------------------------------
def test_every_stage_renders(module):
    scenario = make_scenario(module, with_image=True)
    html = {block.block_type: block.render(context={"page": scenario}) for block in scenario.body}
    assert set(html) == set(blocks.STAGE_ORDER)
    assert "<b>eight minutes</b>" in html["situation"] and "<img" in html["situation"]
    assert "Ms Brennan" in html["voices"] and "Head of year" in html["voices"]
    assert "Parent or carer" in html["voices"] and "NQT / early-career teacher" in html["voices"]
    assert "I only shout out because I know." in html["voices"]
    assert f"/scenarios/{scenario.pk}/documents/" in html["evidence"]
    assert "<caption>9X3 behaviour log</caption>" in html["evidence"]
    assert "<td>Wednesday period 5</td>" in html["evidence"]
    assert '<iframe title="Clip of the lesson"' in html["evidence"]
    assert "<li>Whose voice do you recognise?</li>" in html["questions"]
    assert "How it will be judged" in html["task"] and "500 words" in html["task"]
    # Outside a page that unlocked it, the expert block keeps its content to itself.
    assert EXPERT_TEXT not in html["expert"] and "opens once your group" in html["expert"]
    unlocked = _stage(scenario, "expert").render(context={"expert_unlocked": True})
    assert EXPERT_TEXT in unlocked and "A head of year" in unlocked


def test_document_evidence_without_a_page_shows_just_its_title(module):
    document = make_document("Homework policy")
    block = blocks.DocumentEvidenceBlock()
    html = block.render(block.to_python({"document": document.pk, "description": "KS3"}))
    assert "Homework policy" in html and "href" not in html


def test_a_scenario_needs_a_situation_and_one_task():
    stages = blocks.ScenarioStages()
    value = stages.to_python([{"type": "questions", "value": {"questions": ["Why?"]}}])
    with pytest.raises(StreamBlockValidationError) as error:
        stages.clean(value)
    messages = str(error.value.as_json_data()["messages"])
    assert "Situation" in messages and "The task" in messages


def test_images_render_in_the_situation(module):
    image = make_image()
    block = blocks.SituationBlock()
    value = block.to_python(
        {
            "heading": "H",
            "text": "<p>T</p>",
            "images": [{"image": image.pk, "decorative": False, "alt_text": "Plan"}],
        }
    )
    assert 'alt="Plan"' in block.render(value)


# --- Page tree ------------------------------------------------------------------------------
def test_modules_live_under_home_and_scenarios_only_in_modules():
    assert ModulePage.can_create_at(HomePage()) and not ModulePage.can_create_at(StandardPage())
    assert ScenarioPage.can_create_at(ModulePage())
    assert not ScenarioPage.can_create_at(HomePage())
    assert not ScenarioPage.can_create_at(Page())
    assert ScenarioPage.allowed_subpage_models() == []


def test_page_fields_and_tags(scenario):
    scenario = ScenarioPage.objects.get(pk=scenario.pk)
    assert sorted(tag.name for tag in scenario.tags.all()) == ["behaviour", "routines"]
    assert [stage.block_type for stage in scenario.body] == list(blocks.STAGE_ORDER)
    assert len(scenario.document_ids()) == 1
    assert scenario.get_sitemap_urls() == []


# --- Never public ---------------------------------------------------------------------------
def test_unreleased_scenario_is_404_for_everyone_but_editors(scenario, cohort, members):
    url = scenario.url
    assert_sends_to_sign_in(signed_in().get(url), url)
    assert signed_in(members[0]).get(url).status_code == 404
    editor = UserFactory(username="editor", is_superuser=True, is_staff=True)
    response = signed_in(editor).get(url)
    assert response.status_code == 200 and EXPERT_TEXT in response.content.decode()


def test_members_open_only_open_releases_and_outsiders_never(scenario, cohort, members, outsider):
    release_scenario(cohort=cohort, scenario=scenario, by=None)
    member = signed_in(members[0])
    response = member.get(scenario.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ms Brennan" in html and "Your group's board" in html
    assert EXPERT_TEXT not in html and "opens once your group" in html
    assert signed_in(outsider).get(scenario.url).status_code == 404
    assert_sends_to_sign_in(signed_in().get(scenario.url), scenario.url)


def test_scheduled_and_closed_releases_are_404_for_members_not_tutors(
    module, cohort, tutor, members
):
    scheduled = make_scenario(module, title="Scheduled")
    closed = make_scenario(module, title="Closed")
    release_scenario(
        cohort=cohort, scenario=scheduled, by=tutor, opens_at=timezone.now() + timedelta(days=1)
    )
    release = release_scenario(cohort=cohort, scenario=closed, by=tutor)
    type(release).objects.filter(pk=release.pk).update(
        opens_at=timezone.now() - timedelta(days=2), closes_at=timezone.now() - timedelta(days=1)
    )
    for page in (scheduled, closed):
        assert signed_in(members[0]).get(page.url).status_code == 404
        response = signed_in(tutor).get(page.url)
        assert response.status_code == 200 and EXPERT_TEXT in response.content.decode()


def test_module_page_lists_only_what_the_user_may_open(module, cohort, members, outsider):
    open_one = make_scenario(module, title="Open to the cohort")
    make_scenario(module, title="Not released")
    release_scenario(cohort=cohort, scenario=open_one, by=None)
    html = signed_in(members[0]).get(module.url).content.decode()
    assert "Open to the cohort" in html and "Not released" not in html
    assert signed_in(outsider).get(module.url).status_code == 404
    assert_sends_to_sign_in(signed_in().get(module.url), module.url)


def test_submitting_unlocks_the_expert_perspective_for_that_group_only(cohort, scenario, members):
    release = release_scenario(cohort=cohort, scenario=scenario, by=None, group_size=2)
    first_group, second_group = release.groups.order_by("id")
    author = first_group.members.first()
    save_solution(group=first_group, author=author, body="Our plan.")
    submit_solution(group=first_group, by=author)
    assert EXPERT_TEXT in signed_in(author).get(scenario.url).content.decode()
    other = second_group.members.first()
    assert EXPERT_TEXT not in signed_in(other).get(scenario.url).content.decode()


def test_opening_a_scenario_and_its_document_count_as_resource_views(cohort, scenario, members):
    release_scenario(cohort=cohort, scenario=scenario, by=None)
    member = signed_in(members[0])
    member.get(scenario.url)
    document_id = next(iter(scenario.document_ids()))
    download = member.get(f"/scenarios/{scenario.pk}/documents/{document_id}/")
    assert download.status_code == 200
    assert b"Least intrusive" in b"".join(download.streaming_content)
    views = ResourceView.objects.filter(user=members[0], cohort=cohort)
    assert sorted(views.values_list("resource_kind", "resource_id")) == [
        ("document", str(document_id)),
        ("scenario", str(scenario.pk)),
    ]
    assert Membership.objects.get(user=members[0], cohort=cohort).resource_views == 2


def test_documents_are_404_for_outsiders_and_for_documents_not_in_the_scenario(
    cohort, scenario, members, outsider
):
    release_scenario(cohort=cohort, scenario=scenario, by=None)
    document_id = next(iter(scenario.document_ids()))
    assert (
        signed_in(outsider).get(f"/scenarios/{scenario.pk}/documents/{document_id}/").status_code
        == 404
    )
    stranger = make_document("Someone else's file")
    response = signed_in(members[0]).get(f"/scenarios/{scenario.pk}/documents/{stranger.pk}/")
    assert response.status_code == 404
    # Wagtail's own document URL is closed to non-editors for the Scenarios collection.
    document = stranger.__class__.objects.get(pk=document_id)
    assert signed_in(members[0]).get(document.url).status_code == 404


def test_tutors_are_not_counted_as_viewers(cohort, scenario, tutor):
    release_scenario(cohort=cohort, scenario=scenario, by=tutor)
    assert signed_in(tutor).get(scenario.url).status_code == 200
    assert not ResourceView.objects.filter(user=tutor).exists()
