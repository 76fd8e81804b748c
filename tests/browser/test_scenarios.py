"""In a real browser: a tutor writes and publishes a scenario in the Wagtail admin and releases
it; a member opens it and posts in the group's board; an outsider gets 404."""

import re

import pytest
from playwright.sync_api import expect

from scenarios.models import Release, ScenarioPage
from scenarios.services.permissions import grant_scenario_authoring
from tests.scenarios.helpers import make_module

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "A Year 7 who will not take his coat off"


def _fill_rich_text(field, text: str) -> None:
    editor = field.locator("[contenteditable='true']").first
    editor.click()
    editor.type(text)
    # Draftail copies its content into the block's hidden input at most every 250 ms: wait until
    # the input holds the text, so a publish cannot send the block empty.
    expect(editor).to_contain_text(text)
    expect(field.locator("input[type='hidden']").first).to_have_value(re.compile(re.escape(text)))


def test_tutor_authors_and_releases_member_works_outsider_404(
    browser_as, cohort, tutor, members, outsider
):
    module = make_module()
    grant_scenario_authoring(user=tutor)

    # --- The tutor writes and publishes the scenario in the Wagtail admin.
    admin = browser_as(tutor)
    admin.goto(f"/admin/pages/add/scenarios/scenariopage/{module.pk}/")
    # Wagtail's editor scripts copy the title into the slug (on the Promote tab) when the title
    # changes: on a slow machine, wait for them to be running, then leave the field so it syncs.
    admin.wait_for_load_state("networkidle")
    admin.locator("#id_title").fill(TITLE)
    admin.locator("#id_title").press("Tab")
    expect(admin.locator("#id_slug")).to_have_value(re.compile(r"\S"), timeout=15_000)
    admin.locator("#id_summary").fill("Jordan keeps his coat on in every lesson.")
    admin.get_by_role("button", name="Insert a block").first.click()
    admin.get_by_role("option", name="Situation").click()
    expect(admin.locator("[data-contentpath='body'] [data-contentpath='text']")).to_have_count(1)
    situation = admin.locator("[data-contentpath='body'] [data-contentpath='text']").first
    _fill_rich_text(situation, "It is November and Jordan will not take his coat off.")
    admin.get_by_role("button", name="Insert a block").last.click()
    admin.get_by_role("option", name="The task").click()
    expect(admin.locator("[data-contentpath='brief']")).to_have_count(1)
    task = admin.locator("[data-contentpath='brief']").first
    _fill_rich_text(task, "Agree what you would say to Jordan at the door.")
    criteria = admin.locator("[data-contentpath='criteria'] input[type='text']").first
    if not criteria.count():
        admin.locator("[data-contentpath='criteria']").get_by_role("button").first.click()
    criteria.fill("Keeps the relationship and the expectation.")
    expect(criteria).to_have_value("Keeps the relationship and the expectation.")
    admin.get_by_role("button", name="More actions").click()
    admin.get_by_role("button", name="Publish").click()
    messages = admin.locator(".messages")
    expect(messages).to_contain_text(re.compile("published|validation errors"))
    if "validation errors" in messages.inner_text():
        admin.screenshot(path="test-results/scenario-publish-errors.png", full_page=True)
        said = admin.locator(".error-message, .help-critical").all_inner_texts()
        pytest.fail(f"Wagtail refused the page: {said} (test-results/scenario-publish-errors.png)")
    page = ScenarioPage.objects.get(title=TITLE)
    assert page.live and [b.block_type for b in page.body] == ["situation", "task"]

    # --- ...and releases it to the cohort.
    admin.goto(f"/scenarios/cohorts/{cohort.pk}/")
    admin.locator("#id_scenario").select_option(label=TITLE)
    admin.locator("#id_group_size").fill("3")
    admin.get_by_role("button", name=f"Release to {cohort.name}").click()
    expect(admin.get_by_role("heading", name=TITLE)).to_be_visible()
    release = Release.objects.get(scenario=page, cohort=cohort)
    assert release.groups.count() == 1

    # --- A member opens it and posts in the group's board.
    member = browser_as(members[0])
    member.goto(page.url)
    expect(member.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(member.get_by_text("It is November and Jordan")).to_be_visible()
    member.get_by_role("link", name="Your group's board").click()
    member.get_by_label("Title").fill("Coats and first impressions")
    member.get_by_label("Your first post").fill("I would ask him quietly, away from the others.")
    member.get_by_role("button", name="Start thread").click()
    expect(member.get_by_text("I would ask him quietly")).to_be_visible()
    board = release.groups.get().board
    assert board.threads.get().title == "Coats and first impressions"

    # --- Someone outside the cohort gets 404, in the page and in the board.
    stranger = browser_as(outsider)
    assert stranger.goto(page.url).status == 404
    assert stranger.goto(f"/boards/{board.pk}/").status == 404
