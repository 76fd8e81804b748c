"""Attachments, preview everywhere and quoting a selection in Chromium, on a desktop and a phone
(issue 23): a reply with a photo (its EXIF gone) shows the photo in the post; editing it
previews the text with the post's own image placed in it; selecting words of a post and
pressing Quote quotes just those words; the scenario forms and the group's live solution
editor preview their Markdown (the server renders it). axe finds nothing on the thread, edit
and group pages."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from mentoring.boards.services import posts
from mentoring.models import Board, PostAttachment
from scenarios.services.releases import release_scenario
from tests.browser.axe import DESKTOP, PHONE, axe_source, axe_violations
from tests.conftest import run_in_thread
from tests.factories import UserFactory, make_cohort
from tests.mentoring.test_attachments import ARTIST, jpeg_with_exif
from tests.scenarios.helpers import make_module, make_scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def uploads_removed():
    """The live server stores uploads in the shared media directory: delete what this test
    stored (rows and, on commit, files) before the database is emptied under them."""
    yield
    run_in_thread(lambda: [a.delete() for a in PostAttachment.objects.all()])


def _people():
    author = UserFactory(username="ap_author", display_name="Asha Author")
    reader = UserFactory(username="ap_reader", display_name="Rory Reader")
    tutor = UserFactory(username="ap_tutor", display_name="Tara Tutor")
    cohort = make_cohort(name="Attachments cohort", tutors=[tutor], members=[author, reader])
    return cohort, author, reader, tutor


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_attach_a_photo_preview_an_edit_and_quote_a_selection(
    browser_as, size, tmp_path, uploads_removed
):
    cohort, author, reader, _ = run_in_thread(_people)
    board = run_in_thread(Board.objects.get, cohort=cohort, kind="general")
    thread = run_in_thread(
        posts.create_thread,
        board=board,
        author=author,
        title="Classroom displays",
        body="Working walls help the class.\n\nKeep them *tidy* and current.",
    )
    photo = tmp_path / "wall.jpg"
    photo.write_bytes(jpeg_with_exif())
    source = axe_source()

    page = browser_as(reader)
    page.set_viewport_size(size)
    # The new-thread form on the board takes files too.
    page.goto(f"/boards/{board.pk}/")
    expect(page.get_by_label("Attach files or images (optional)")).to_be_visible()
    assert axe_violations(page, source) == []
    page.goto(f"/threads/{thread.pk}/")
    # Quote a selection: select "Keep them tidy" in the opening post, then press its Quote.
    opening = page.locator(f"#post-{thread.first_post_id}")
    page.evaluate(
        """(id) => {
          const p = document.querySelector(`#post-${id} .post-body p:last-child`);
          const range = document.createRange();
          range.setStart(p.firstChild, 0);
          range.setEnd(p.querySelector("em").firstChild, 4);
          getSelection().removeAllRanges();
          getSelection().addRange(range);
        }""",
        thread.first_post_id,
    )
    opening.get_by_role("link", name="Quote").click()
    box = page.get_by_label("Your reply")
    expect(box).to_have_value(
        f"[Asha Author wrote](/threads/{thread.pk}/?post={thread.first_post_id}):\n"
        "> Keep them tidy\n\n"
    )

    # A reply with a photo, previewed first, then posted without any script involved.
    box.fill("Ours, after the reset:")
    page.get_by_label("Attach files or images (optional)").set_input_files(str(photo))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("region", name="Preview of your post")).to_contain_text("Ours")
    page.get_by_role("button", name="Post").click()
    attachment = run_in_thread(PostAttachment.objects.get)
    image = page.locator(f'#post-{attachment.post_id} img[src="{attachment.get_absolute_url()}"]')
    expect(image).to_be_visible()
    page.wait_for_function(
        "(sel) => document.querySelector(sel)?.naturalWidth === 40",
        arg=f'#post-{attachment.post_id} img[src="{attachment.get_absolute_url()}"]',
    )
    stored = Path(attachment.file.path).read_bytes()
    assert ARTIST.encode() not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert axe_violations(page, source) == []

    # Editing: the image placed in the text, previewed with the post's own image.
    page.locator(f"#post-{attachment.post_id}").get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name="Attached to this post")).to_be_visible()
    body = page.get_by_label("Your post")
    body.fill(f"Ours, after the reset: ![Our working wall]({attachment.get_absolute_url()})")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview of your edit")
    expect(preview.get_by_role("img", name="Our working wall")).to_be_visible()
    assert axe_violations(page, source) == []
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("img", name="Our working wall")).to_be_visible()
    # Shown once: in the text now, not again below it.
    expect(page.locator(f'img[src="{attachment.get_absolute_url()}"]')).to_have_count(1)


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_solution_and_reflection_forms_preview(browser_as, size):
    def setup():
        cohort, author, reader, tutor = _people()
        scenario = make_scenario(make_module())
        release = release_scenario(cohort=cohort, scenario=scenario, by=tutor, group_size=5)
        return author, release.groups.get()

    author, group = run_in_thread(setup)
    page = browser_as(author)
    page.set_viewport_size(size)
    # Without the live editor (its script refused here, as when it fails to load) the fallback
    # form previews, as every form does.
    page.route("**/scenarios/build/solution-editor.js", lambda route: route.abort())
    page.goto(f"/scenarios/groups/{group.pk}/")
    solution = page.locator("form[data-solution-form]")
    solution.locator("textarea").fill("Meet Jordan **at the door**.")
    solution.get_by_role("button", name="Preview").click()
    shown = page.get_by_role("region", name="Preview of your solution")
    expect(shown.locator("strong")).to_have_text("at the door")
    page.unroute("**/scenarios/build/solution-editor.js")

    # The live editor: what the group has written is previewed by the server, in the same region.
    page.goto(f"/scenarios/groups/{group.pk}/")
    editor = page.locator("[data-solution-editor][data-editor-ready]")
    expect(editor).to_be_attached(timeout=15_000)
    expect(solution).to_be_hidden()
    editor.locator(".cm-content").click()
    page.keyboard.type("Greet Jordan *by name*.")
    preview = editor.get_by_role("button", name="Preview")
    expect(preview).to_have_count(1)  # the hidden fallback form's own is not offered
    preview.click()
    shown = page.get_by_role("region", name="Preview of your solution")
    expect(shown.locator("em")).to_have_text("by name")
    expect(shown.locator("strong")).to_have_count(0)
    reflection = page.locator("#reflection form")
    reflection.locator("textarea").fill("- calmer\n- sooner")
    reflection.get_by_role("button", name="Preview").click()
    expect(
        page.get_by_role("region", name="Preview of your reflection").locator("li")
    ).to_have_count(2)
    assert axe_violations(page, axe_source()) == []
