"""Images and files attached to posts (issue 23): what is stored is clean (no EXIF, no hidden
payload), what is refused leaves nothing behind, who may not read the post gets a 404, and a
retracted or erased post's attachments are in 0 rows and 0 files afterwards."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

from mentoring.accounts.services import deletion
from mentoring.boards.services import moderation, posts
from mentoring.models import COOLING_OFF, Cohort, Post, PostAttachment
from mentoring.privacy.services import erasure
from mentoring.privacy.services.export import collect
from tests.factories import make_cohort, signed_in

from .boards_helpers import general_board, private_board

pytestmark = pytest.mark.django_db

ARTIST = "Nadia Secret-Artist"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    """Every file under ``root``, and every upload's own directory left behind empty."""
    if not Path(root).exists():
        return []
    return [
        p
        for p in Path(root).rglob("*")
        if p.is_file() or (p.parent.name == "attachments" and not any(p.iterdir()))
    ]


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x013B] = ARTIST  # Artist
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 1  # Orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png(size=(20, 10), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def pdf(author: str = ARTIST, password: str | None = None) -> bytes:
    """A one-page PDF whose document information and XMP metadata name ``author``."""
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": author, "/Title": f"Notes by {author}"})
    xmp = DecodedStreamObject()
    xmp.set_data(f"<x:xmpmeta><dc:creator>{author}</dc:creator></x:xmpmeta>".encode())
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx(creator: str = ARTIST, macros: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr(
            "docProps/core.xml",
            f"<cp:coreProperties><dc:creator>{creator}</dc:creator></cp:coreProperties>",
        )
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00macro")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def setting(tutor, members):
    cohort = make_cohort(
        name="Attachments", tutors=[tutor], members=members, allow_anonymous_to_peers=True
    )
    thread = posts.create_thread(
        board=general_board(cohort), author=members[0], title="Displays", body="Show us."
    )
    return cohort, thread


def _reply(user, thread, *files, body="Here it is", **fields):
    return signed_in(user).post(
        f"/threads/{thread.pk}/", {"body": body, "attachments": list(files), **fields}
    )


# --- Stored clean ----------------------------------------------------------------------------
def test_an_image_is_re_encoded_without_its_exif_and_shown_in_the_post(
    setting, members, outsider, media_root
):
    _, thread = setting
    original = jpeg_with_exif()
    assert ARTIST.encode() in original and Image.open(io.BytesIO(original)).getexif()
    response = _reply(members[1], thread, upload("Wall display.JPG", original, "image/jpeg"))
    assert response.status_code == 302, response.content
    attachment = PostAttachment.objects.get()
    assert attachment.post.author == members[1] and attachment.content_type == "image/jpeg"
    assert (attachment.width, attachment.height) == (40, 30)
    stored = Path(attachment.file.path)
    assert stored.is_relative_to(media_root / "attachments")
    assert ARTIST.encode() not in stored.read_bytes()
    with Image.open(stored) as image:
        assert image.format == "JPEG"
        assert not image.getexif() and "exif" not in image.info

    page = signed_in(members[0]).get(f"/threads/{thread.pk}/").content.decode()
    url = attachment.get_absolute_url()
    assert url == f"/attachments/{attachment.pk}/Wall-display.jpg"
    assert f'<img src="{url}" alt="Wall-display.jpg" width="40" height="30"' in page

    served = signed_in(members[0]).get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["Content-Disposition"].startswith("inline")
    assert "sandbox" in served["Content-Security-Policy"]
    assert b"".join(served.streaming_content) == stored.read_bytes()
    assert signed_in(outsider).get(url).status_code == 404
    assert signed_in().get(url).status_code == 302  # to the sign-in


@pytest.mark.parametrize("kind", ["PNG", "WEBP"])
def test_png_and_webp_lose_their_exif_too(setting, members, kind):
    _, thread = setting
    exif = Image.Exif()
    exif[0x013B] = ARTIST
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, kind, exif=exif.tobytes())
    assert ARTIST.encode() in out.getvalue()
    name = f"a.{kind.lower()}"
    attachment = posts.upload_attachment(
        thread=thread, by=members[1], file=upload(name, out.getvalue(), f"image/{kind.lower()}")
    )
    stored = Path(attachment.file.path).read_bytes()
    assert ARTIST.encode() not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == kind and not image.getexif()


def test_markdown_shows_the_posts_own_images_and_never_an_outside_one(setting, members, api):
    _, thread = setting
    client = api(members[1])
    uploaded = client.client.post(
        f"/api/v1/threads/{thread.pk}/attachments", {"file": upload("plan.png", png())}
    )
    assert uploaded.status_code == 201, uploaded.content
    data = uploaded.json()
    assert data["post_id"] is None and data["markdown"] == f"![plan.png]({data['url']})"
    # Someone else's upload, and an outside image, are not shown.
    other = posts.upload_attachment(thread=thread, by=members[0], file=upload("theirs.png", png()))
    body = (
        f"Before {data['markdown']} after ![outside](https://tracker.example/p.png) "
        f"and ![theirs]({other.get_absolute_url()})"
    )
    created = client.post(
        f"/api/v1/threads/{thread.pk}/posts", {"body": body, "attachments": [data["id"]]}
    )
    assert created.status_code == 201, created.data
    html = created.data["body_html"]
    assert f'<img src="{data["url"]}" alt="plan.png" width="20" height="10"' in html
    assert "tracker.example" not in html.split("<img")[1].split(">")[0]
    assert html.count("<img") == 1
    assert (
        '<a href="https://tracker.example/p.png" rel="nofollow noopener">'
        "outside (image not shown)</a>" in html
    )
    assert created.data["attachments"][0]["id"] == data["id"]
    # Not shown twice: inline in the text, not again below it.
    page = signed_in(members[0]).get(f"/threads/{thread.pk}/").content.decode()
    assert page.count(f'src="{data["url"]}"') == 1


def test_other_files_are_offered_for_download_with_their_type(setting, members):
    _, thread = setting
    response = _reply(members[1], thread, upload("Behaviour policy.pdf", pdf(), "application/pdf"))
    assert response.status_code == 302
    attachment = PostAttachment.objects.get()
    page = signed_in(members[0]).get(f"/threads/{thread.pk}/").content.decode()
    assert f'<a href="{attachment.get_absolute_url()}" download>Behaviour-policy.pdf</a>' in page
    assert "(PDF, 1 KB)" in page
    served = signed_in(members[0]).get(attachment.get_absolute_url())
    assert served["Content-Disposition"].startswith("attachment")
    assert served["Content-Type"] == "application/pdf"


def test_preview_and_help_say_outside_images_are_not_shown(setting, members):
    _, thread = setting
    page = signed_in(members[0]).get(f"/threads/{thread.pk}/").content.decode()
    assert "Images from other websites are not shown" in page
    preview = signed_in(members[0]).post(
        f"/boards/{thread.board_id}/preview/", {"body": "![x](https://example.org/x.png)"}
    )
    text = preview.content.decode()
    assert "<img" not in text and "Images from other websites are not shown" in text


# --- Refused, nothing stored -----------------------------------------------------------------
def _gifar() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("Evil.class", b"\xca\xfe\xba\xbe")
    return png() + archive.getvalue()


REFUSED = [
    ("photo.pdf", png(), "application/pdf", "attachment_type_mismatch"),
    ("photo.png", png(), "application/pdf", "attachment_type_mismatch"),
    ("notes.pdf", pdf(), "image/png", "attachment_type_mismatch"),
    (
        "page.png",
        b"<html><script>alert(1)</script></html>",
        "image/png",
        "attachment_type_not_allowed",
    ),
    ("tricky.png", png() + b"<script>alert(1)</script>", "image/png", "attachment_polyglot"),
    ("gifar.png", _gifar(), "image/png", "attachment_polyglot"),
    ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png", "attachment_unreadable"),
    ("broken.pdf", b"%PDF-1.7\n" + b"\x00" * 64, "application/pdf", "attachment_unreadable"),
    ("locked.pdf", pdf(password="secret"), "application/pdf", "attachment_encrypted"),
    ("macro.docx", docx(macros=True), "", "attachment_active_content"),
    ("huge.png", png(size=(6000, 6000), mode="1"), "image/png", "attachment_image_too_large"),
]


@pytest.mark.parametrize(
    ("name", "data", "content_type", "code"), REFUSED, ids=[r[0] for r in REFUSED]
)
def test_a_file_that_is_not_what_it_says_or_a_bomb_is_refused_and_nothing_is_stored(
    setting, members, api, media_root, name, data, content_type, code
):
    _, thread = setting
    posts_before = Post.objects.count()
    refused = api(members[1]).client.post(
        f"/api/v1/threads/{thread.pk}/attachments",
        {"file": upload(name, data, content_type or "application/octet-stream")},
    )
    assert refused.status_code == 400 and refused.json()["code"] == code, refused.content
    # The page's form says why, at the file field, and posts nothing.
    page = _reply(
        members[1], thread, upload(name, data, content_type or "application/octet-stream")
    )
    assert page.status_code == 400
    assert page.context["form"].errors["attachments"]
    assert Post.objects.count() == posts_before
    assert PostAttachment.objects.count() == 0 and stored_files(media_root) == []


def test_an_image_bomb_is_refused_before_it_is_decoded(setting, members, media_root, settings):
    """Pillow's own guard too: past twice its limit it refuses whatever our setting says."""
    _, thread = setting
    settings.POST_ATTACHMENT_MAX_PIXELS = 10**12
    Image.MAX_IMAGE_PIXELS, before = 1_000_000, Image.MAX_IMAGE_PIXELS
    try:
        response = _reply(members[1], thread, upload("bomb.png", png(size=(3000, 3000), mode="1")))
    finally:
        Image.MAX_IMAGE_PIXELS = before
    assert response.status_code == 400
    assert "too large an image" in str(response.context["form"].errors["attachments"])
    assert PostAttachment.objects.count() == 0 and stored_files(media_root) == []


def test_a_post_that_fails_after_its_files_were_written_leaves_no_file(
    setting, members, media_root, monkeypatch
):
    """The rows roll back with the failed post; the files written for them are deleted too."""
    _, thread = setting

    def crash(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(posts, "_update_search_vector", crash)
    with pytest.raises(RuntimeError):
        posts.create_post(
            thread=thread, author=members[1], body="x", files=[upload("a.png", png())]
        )
    assert stored_files(media_root) == []


def test_too_large_and_too_many_are_refused(setting, members, media_root, settings):
    _, thread = setting
    settings.POST_ATTACHMENT_MAX_BYTES = 1000
    big = upload("big.pdf", pdf() + b"%" * 2000, "application/pdf")
    response = _reply(members[1], thread, big)
    assert response.status_code == 400
    assert "at most 1 KB" in str(response.context["form"].errors["attachments"])
    settings.POST_ATTACHMENT_MAX_BYTES = 10**6
    settings.POST_ATTACHMENTS_PER_POST = 2
    response = _reply(members[1], thread, *[upload(f"{i}.png", png()) for i in range(3)])
    assert "at most 2 attachments" in str(response.context["form"].errors["attachments"])
    assert PostAttachment.objects.count() == 0 and stored_files(media_root) == []


def test_uploads_are_rate_limited(setting, members, api, settings):
    _, thread = setting
    settings.RATE_LIMITS = {"upload": ["2/600"]}
    client = api(members[1]).client
    for _ in range(2):
        ok = client.post(
            f"/api/v1/threads/{thread.pk}/attachments", {"file": upload("a.png", png())}
        )
        assert ok.status_code == 201
    refused = client.post(
        f"/api/v1/threads/{thread.pk}/attachments", {"file": upload("a.png", png())}
    )
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert PostAttachment.objects.count() == 2


# --- Who may see and upload ------------------------------------------------------------------
def test_uploading_where_one_cannot_see_is_404_and_into_a_locked_thread_403(
    setting, tutor, members, outsider, api
):
    cohort, thread = setting
    for user in (outsider,):
        response = api(user).client.post(
            f"/api/v1/threads/{thread.pk}/attachments", {"file": upload("a.png", png())}
        )
        assert response.status_code == 404
    # Someone else's "ask a tutor" thread is invisible to a peer.
    private = posts.create_thread(
        board=private_board(cohort), author=members[0], title="Help", body="Quietly"
    )
    response = api(members[1]).client.post(
        f"/api/v1/threads/{private.pk}/attachments", {"file": upload("a.png", png())}
    )
    assert response.status_code == 404
    response = api(members[1]).client.post(f"/api/v1/posts/{private.first_post_id}/attachments")
    assert response.status_code == 404
    moderation.lock_thread(thread=thread.pk, by=tutor)
    response = api(members[1]).client.post(
        f"/api/v1/threads/{thread.pk}/attachments", {"file": upload("a.png", png())}
    )
    assert response.status_code == 403 and response.json()["code"] == "thread_locked"
    assert PostAttachment.objects.count() == 0


def test_an_upload_waiting_for_a_post_is_its_uploaders_alone(setting, members, api):
    _, thread = setting
    mine = posts.upload_attachment(thread=thread, by=members[1], file=upload("a.png", png()))
    assert signed_in(members[1]).get(mine.get_absolute_url()).status_code == 200
    assert signed_in(members[0]).get(mine.get_absolute_url()).status_code == 404
    # Nobody else can post it as theirs.
    refused = api(members[0]).post(
        f"/api/v1/threads/{thread.pk}/posts", {"body": "Mine now", "attachments": [mine.pk]}
    )
    assert refused.status_code == 400 and refused.data["code"] == "attachment_unknown"


def test_a_hidden_posts_attachments_are_for_tutors_only(setting, tutor, members):
    _, thread = setting
    _reply(members[1], thread, upload("a.png", png()))
    attachment = PostAttachment.objects.get()
    moderation.hide_post(post=attachment.post_id, by=tutor, reason="Off topic")
    url = attachment.get_absolute_url()
    assert signed_in(members[0]).get(url).status_code == 404
    assert signed_in(members[1]).get(url).status_code == 404  # hidden from its author too
    assert signed_in(tutor).get(url).status_code == 200
    page = signed_in(members[0]).get(f"/threads/{thread.pk}/").content.decode()
    assert url not in page


def test_an_anonymous_posts_attachments_do_not_reveal_the_author(setting, tutor, members, api):
    _, thread = setting
    response = _reply(
        members[1],
        thread,
        upload("nadia-lesson-plan.docx", docx()),
        upload("nadia.jpg", jpeg_with_exif(), "image/jpeg"),
        upload("nadia-notes.pdf", pdf(), "application/pdf"),
        anonymous="on",
    )
    assert response.status_code == 302, response.content
    post = Post.objects.get(anonymous=True)
    names = sorted(a.name for a in post.attachments.all())
    assert names == ["attachment-1.docx", "attachment-3.pdf", "image-2.jpg"]
    seen = api(members[0]).get(f"/api/v1/threads/{thread.pk}").data["posts"][-1]
    assert seen["author_id"] is None
    assert "nadia" not in str(seen["attachments"]).lower()
    assert "uploaded_by" not in seen["attachments"][0]
    for attachment in post.attachments.all():
        content = b"".join(
            signed_in(members[0]).get(attachment.get_absolute_url()).streaming_content
        )
        assert ARTIST.encode() not in content
        if attachment.content_type.endswith("document"):
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                assert b"creator" not in archive.read("docProps/core.xml")
        if attachment.content_type == "application/pdf":  # still a PDF, without properties
            reader = PdfReader(io.BytesIO(content))
            assert len(reader.pages) == 1 and not reader.metadata and not reader.xmp_metadata
    page = signed_in(members[0]).get(f"/threads/{thread.pk}/").content.decode()
    assert "nadia" not in page.lower()


# --- Gone with the post ----------------------------------------------------------------------
def test_retraction_leaves_no_row_and_no_file(
    setting, members, media_root, django_capture_on_commit_callbacks
):
    _, thread = setting
    response = _reply(
        members[1], thread, upload("a.png", png()), upload("b.pdf", pdf(), "application/pdf")
    )
    assert response.status_code == 302
    post = Post.objects.get(author=members[1])
    # A reply hangs on it, so a tombstone stays: its attachments go all the same.
    posts.create_post(thread=thread, author=members[0], body="Thanks", reply_to=post)
    assert PostAttachment.objects.count() == 2 and len(stored_files(media_root)) == 2
    urls = [a.get_absolute_url() for a in post.attachments.all()]
    with django_capture_on_commit_callbacks(execute=True):  # files go when the deletion commits
        posts.retract_post(post=post.pk, by=members[1])
    assert Post.objects.get(pk=post.pk).is_retracted
    assert PostAttachment.objects.count() == 0 and stored_files(media_root) == []
    for url in urls:
        assert signed_in(members[0]).get(url).status_code == 404


def test_a_rolled_back_deletion_keeps_the_file(setting, members, media_root):
    """The file goes when the deletion commits: a retraction that fails half-way (or any
    rolled-back deletion) leaves the row and its file together."""
    _, thread = setting
    _reply(members[1], thread, upload("a.png", png()))
    post = Post.objects.get(author=members[1])
    with pytest.raises(RuntimeError), transaction.atomic():
        posts.retract_post(post=post.pk, by=members[1])
        raise RuntimeError("crash after the retraction")
    attachment = PostAttachment.objects.get()
    assert attachment.post_id == post.pk and Path(attachment.file.path).exists()


def test_a_thread_deleted_with_its_posts_takes_their_files(
    setting, members, media_root, django_capture_on_commit_callbacks
):
    """However the rows go (here a cascade from the thread, as when a scheduled prompt is
    cancelled or an archived cohort is deleted), the files go with them."""
    _, thread = setting
    _reply(members[1], thread, upload("a.png", png()))
    assert len(stored_files(media_root)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        type(thread).objects.filter(pk=thread.pk).delete()
    assert PostAttachment.objects.count() == 0 and stored_files(media_root) == []


def test_removing_one_attachment_while_editing_deletes_its_file(
    setting, members, media_root, django_capture_on_commit_callbacks
):
    _, thread = setting
    _reply(members[1], thread, upload("a.png", png()), upload("b.png", png()))
    post = Post.objects.get(author=members[1])
    first, second = post.attachments.order_by("pk")
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(members[1]).post(
            f"/posts/{post.pk}/edit/",
            {"body": f"Only ![b]({second.get_absolute_url()})", "remove": [first.pk]},
        )
    assert response.status_code == 302, response.content
    assert list(PostAttachment.objects.values_list("pk", flat=True)) == [second.pk]
    assert len(stored_files(media_root)) == 1
    assert f'<img src="{second.get_absolute_url()}"' in Post.objects.get(pk=post.pk).body_html


def test_erasure_leaves_no_row_and_no_file(
    setting, members, media_root, django_capture_on_commit_callbacks
):
    _, thread = setting
    _reply(members[1], thread, upload("a.png", png()))
    posts.upload_attachment(thread=thread, by=members[1], file=upload("waiting.png", png()))
    assert len(stored_files(media_root)) == 2
    request = deletion.request_deletion(user=members[1], now=timezone.now() - COOLING_OFF)
    with django_capture_on_commit_callbacks(execute=True):
        erasure.run_erasure(request.pk)
    assert PostAttachment.objects.count() == 0 and stored_files(media_root) == []


def test_erasure_where_posts_are_kept_keeps_their_files_under_neutral_names(setting, members):
    cohort, thread = setting
    Cohort.objects.filter(pk=cohort.pk).update(post_policy="keep")
    _reply(members[1], thread, upload("nadia-plan.png", png()))
    request = deletion.request_deletion(user=members[1], now=timezone.now() - COOLING_OFF)
    erasure.run_erasure(request.pk)
    kept = PostAttachment.objects.get()
    assert kept.name == "image-1.png" and kept.uploaded_by == erasure.former_member()
    assert signed_in(members[0]).get(kept.get_absolute_url()).status_code == 200


def test_the_export_lists_ones_uploads(setting, members):
    _, thread = setting
    _reply(members[1], thread, upload("a.png", png()))
    data = collect(members[1], now=timezone.now())
    listed = data["sections"]["boards"]["attachments_uploaded"]
    assert [a["name"] for a in listed] == ["a.png"]


def test_behind_nginx_the_checked_view_hands_the_file_over(setting, members, settings):
    """With ``PRIVATE_MEDIA_ACCEL_REDIRECT`` the view sends no bytes: nginx sends the file from
    its internal location, as the view's headers say (an image inline, as what it is)."""
    _, thread = setting
    _reply(members[1], thread, upload("a.png", png()))
    attachment = PostAttachment.objects.get()
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT = "/private-media/"
    response = signed_in(members[0]).get(attachment.get_absolute_url())
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/private-media/{attachment.file.name}"
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Cache-Control"] == "private, no-store"
