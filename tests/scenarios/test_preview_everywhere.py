"""Preview wherever text is written (issue 23): editing a post, a group's solution, a tutor's
feedback, a reflection. The page's form names a server endpoint that renders the Markdown
exactly as the saved text will be (``data-preview-url``); no Markdown is rendered in the
browser. An edit's preview shows the post's own attached images."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mentoring.boards.services import posts
from scenarios.services.solutions import save_solution, submit_solution
from tests.factories import signed_in
from tests.mentoring.boards_helpers import general_board
from tests.mentoring.test_attachments import png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _preview_urls(html: str) -> list[str]:
    return re.findall(r'data-preview-url="([^"]+)"', html)


def test_the_edit_page_previews_with_the_posts_own_images(cohort, members):
    thread = posts.create_thread(
        board=general_board(cohort), author=members[0], title="T", body="First"
    )
    post = thread.posts.get()
    attachment = posts.add_attachment(
        post=post, by=members[0], file=SimpleUploadedFile("a.png", png(), "image/png")
    )
    page = signed_in(members[0]).get(f"/posts/{post.pk}/edit/").content.decode()
    assert _preview_urls(page) == [f"/boards/{thread.board_id}/preview/"]
    assert f'data-preview-post="{post.pk}"' in page
    assert f"![a.png]({attachment.get_absolute_url()})" in page  # the line to copy
    body = f"Look ![the wall]({attachment.get_absolute_url()})"
    own = signed_in(members[0]).post(
        f"/boards/{thread.board_id}/preview/", {"body": body, "post": post.pk}
    )
    assert f'<img src="{attachment.get_absolute_url()}" alt="the wall"' in own.content.decode()
    # Someone else naming the post gets no image from it.
    other = signed_in(members[1]).post(
        f"/boards/{thread.board_id}/preview/", {"body": body, "post": post.pk}
    )
    assert "<img" not in other.content.decode()


def test_solution_feedback_and_reflection_forms_preview(group, members, tutor, outsider):
    release = group.release
    page = signed_in(members[0]).get(f"/scenarios/groups/{group.pk}/").content.decode()
    url = f"/scenarios/releases/{release.pk}/preview/"
    assert _preview_urls(page) == [url, url]  # the solution and the reflection
    assert 'data-preview-label="Preview of your solution"' in page
    assert 'data-preview-label="Preview of your reflection"' in page
    rendered = signed_in(members[0]).post(url, {"body": "A **bold** plan <script>x</script>"})
    assert rendered.status_code == 200
    text = rendered.content.decode()
    assert "<strong>bold</strong>" in text and "<script>" not in text
    assert signed_in(outsider).post(url, {"body": "x"}).status_code == 404
    too_long = signed_in(members[0]).post(url, {"body": "x" * 30_001})
    assert too_long.status_code == 400

    save_solution(group=group, author=members[0], body="Our plan")
    submit_solution(group=group, by=members[0], version=1)
    tutor_page = signed_in(tutor).get(f"/scenarios/groups/{group.pk}/").content.decode()
    assert 'data-preview-label="Preview of your feedback"' in tutor_page
    assert signed_in(tutor).post(url, {"body": "Good"}).status_code == 200
