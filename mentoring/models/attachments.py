"""Files and images attached to posts.

Stored privately under ``attachments/<random>/`` (``config.storage``) and served only by
``boards.views.attachment`` after the same check as the post they belong to. A row and its
file go together: deleting a row (with its post on retraction or erasure, or by cascade with a
thread or cohort) deletes the file (``boards.receivers``).
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone

from mentoring.models.accounts import User
from mentoring.models.boards import Post, Thread


class PostAttachment(models.Model):
    """One upload. ``post`` is empty while it waits to be posted (an API upload before the post
    that uses it); only its uploader sees it then, and it is deleted a day later if unused.

    Images are re-encoded on the way in (no metadata, no trailing bytes), so ``content_type``
    is what the stored file is. ``name`` is the name the download is offered under (a neutral
    one for an anonymous post)."""

    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        FILE = "file", "File"

    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to="attachments/", max_length=300)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["uploaded_by", "post"])]

    def __str__(self) -> str:
        return f"Attachment {self.pk} ({self.name})"

    def get_absolute_url(self) -> str:
        return reverse("attachment", kwargs={"attachment_id": self.pk, "name": self.name})

    @property
    def is_image(self) -> bool:
        return self.kind == self.Kind.IMAGE
