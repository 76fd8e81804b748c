"""Attachments to posts: checked, cleaned, stored privately, and gone with their post.

Everything an upload can be refused for is checked before anything is written
(``clean_files``: count, size, then ``mentoring.core.uploads`` for type, disguise and image
bombs), so a refusal leaves no row and no file. Rows are written by the posting services
(``boards.services.posts``), which hold the checks on who may write where; a file goes
whenever its row goes (``delete_file``, connected in ``boards.receivers``, when the deletion
commits), whatever deleted it: a retraction, an erasure, a cascade from a thread or a cohort.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from mentoring.core.errors import Invalid
from mentoring.core.uploads import EXTENSIONS, CleanFile, clean_upload
from mentoring.models import Post, PostAttachment, Thread, User

# An API upload not used by a post within this long is deleted (at the uploader's next upload).
PENDING_FOR = timedelta(days=1)


def clean_files(files: Iterable[UploadedFile], *, already: int = 0) -> list[CleanFile]:
    """The uploads checked and cleaned, in order; ``Invalid`` for the first one refused.
    ``already``: how many attachments the post has besides these."""
    files = list(files)
    limit = settings.POST_ATTACHMENTS_PER_POST
    if len(files) + already > limit:
        raise Invalid(
            "attachment_too_many",
            f"A post can have at most {limit} attachments.",
            field="attachments",
        )
    cleaned = []
    for upload in files:
        name = upload.name or "attachment"
        max_bytes = settings.POST_ATTACHMENT_MAX_BYTES
        if upload.size is None or upload.size > max_bytes:
            raise Invalid(
                "attachment_too_large",
                f"“{name}” is {_size(upload.size or 0)}; an attachment can be at most "
                f"{_size(max_bytes)}.",
                field="attachments",
            )
        if upload.size == 0:
            raise Invalid("attachment_empty", f"“{name}” is empty.", field="attachments")
        upload.seek(0)
        data = upload.read(max_bytes + 1)
        if len(data) > max_bytes:  # the stated size was wrong
            raise Invalid(
                "attachment_too_large",
                f"“{name}” is larger than {_size(max_bytes)}.",
                field="attachments",
            )
        cleaned.append(
            clean_upload(
                name=name,
                declared_type=getattr(upload, "content_type", "") or "",
                data=data,
                allowed=settings.POST_ATTACHMENT_TYPES,
                max_pixels=settings.POST_ATTACHMENT_MAX_PIXELS,
            )
        )
    return cleaned


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(size // 1024, 1)} KB"


def shown_size(size: int) -> str:
    """``123456`` → "120 KB", for a download link."""
    return _size(size)


def store(
    cleaned: list[CleanFile],
    *,
    thread: Thread,
    by: User,
    post: Post | None = None,
    anonymous: bool = False,
    numbered_from: int = 1,
) -> list[PostAttachment]:
    """Write the cleaned files and their rows. An anonymous post's files get neutral names
    ("image-1.jpg"): a file's own name ("nadia-lesson-plan.pdf") can say who wrote it."""
    stored = []
    for number, clean in enumerate(cleaned, start=numbered_from):
        name = clean.name
        if anonymous:
            name = _neutral(clean.is_image, clean.content_type, number)
        attachment = PostAttachment(
            post=post,
            thread=thread,
            uploaded_by=by,
            name=name,
            kind=PostAttachment.Kind.IMAGE if clean.is_image else PostAttachment.Kind.FILE,
            content_type=clean.content_type,
            size=len(clean.content),
            width=clean.width,
            height=clean.height,
        )
        attachment.file.save(name, ContentFile(clean.content), save=False)
        written = _written.get(None)
        if written is not None:
            written.append((attachment.file.storage, attachment.file.name))
        attachment.save()
        stored.append(attachment)
    return stored


_written: ContextVar[list | None] = ContextVar("attachment_files_written", default=None)


@contextmanager
def files_undone_on_error() -> Iterator[None]:
    """Files ``store`` writes inside this block are deleted again if it fails: the rows roll
    back with the transaction, and a file must not outlive them unreachable on disk."""
    written: list = []
    token = _written.set(written)
    try:
        yield
    except BaseException:
        for storage, name in written:
            storage.delete(name)
        raise
    finally:
        _written.reset(token)


def _neutral(is_image: bool, content_type: str, number: int) -> str:
    return f"{'image' if is_image else 'attachment'}-{number}{EXTENSIONS[content_type][0]}"


def neutral_name(attachment: PostAttachment, number: int) -> str:
    """The name an anonymous post's ``number``th attachment is offered under."""
    return _neutral(attachment.is_image, attachment.content_type, number)


def pending(*, ids: Iterable[int], thread: Thread, by: User) -> list[PostAttachment]:
    """``by``'s own uploads to ``thread`` not yet in a post, by ``ids`` (in that order);
    ``Invalid`` naming any other id (someone else's, another thread's, already posted)."""
    ids = list(dict.fromkeys(int(i) for i in ids))
    found = {
        a.pk: a
        for a in PostAttachment.objects.filter(
            pk__in=ids, thread=thread, uploaded_by=by, post__isnull=True
        )
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise Invalid(
            "attachment_unknown",
            f"No upload of yours waiting for a post in this thread has the id {missing[0]}.",
            field="attachments",
        )
    return [found[i] for i in ids]


def forget_stale(*, by: User, now=None) -> int:
    """Delete ``by``'s uploads that no post took within ``PENDING_FOR`` (rows and files)."""
    before = (now or timezone.now()) - PENDING_FOR
    return PostAttachment.objects.filter(
        uploaded_by=by, post__isnull=True, created_at__lt=before
    ).delete()[0]


def post_retracted(*, post: Post) -> int:
    """A retracted post's attachments go with its text: rows here, files by ``delete_file``."""
    return PostAttachment.objects.filter(post=post).delete()[0]


def delete_file(sender, instance: PostAttachment, **kwargs) -> None:
    """``post_delete`` of an attachment: its file goes too, once the deletion is committed (a
    rolled-back deletion brings the row back, and it must find its file there)."""
    if instance.file:
        storage, name = instance.file.storage, instance.file.name
        transaction.on_commit(partial(storage.delete, name), robust=True)
