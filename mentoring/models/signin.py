"""The site's sign-in policy (two-factor for staff and tutors)."""

from __future__ import annotations

from django.core.cache import cache
from django.db import models


class SignInPolicy(models.Model):
    """Site-wide sign-in rules staff set in /django-admin/ (one row)."""

    SINGLETON_ID = 1
    CACHE_KEY = "staffroom:signin-policy"

    require_two_factor_for_staff_and_tutors = models.BooleanField(
        default=False,
        help_text="Staff and tutors must set up an authenticator app before using Staffroom.",
    )

    class Meta:
        verbose_name = "sign-in policy"
        verbose_name_plural = "sign-in policy"

    def __str__(self) -> str:
        return "Sign-in policy"

    def save(self, *args, **kwargs) -> None:
        self.pk = self.SINGLETON_ID
        super().save(*args, **kwargs)
        cache.delete(self.CACHE_KEY)
