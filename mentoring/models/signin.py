"""The site's sign-in policy (two-factor and single sign-on for staff and tutors)."""

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
    require_sso_for_staff_and_tutors = models.BooleanField(
        default=False,
        help_text=(
            "Staff and tutors must sign in through their organisation's identity provider: "
            "their password is refused (superusers keep it, to repair a broken identity "
            "provider). Has no effect while no identity provider is configured."
        ),
    )
    sso_counts_as_two_factor = models.BooleanField(
        default=True,
        help_text=(
            "A sign-in through an identity provider is the provider's business: Staffroom asks "
            "for no authenticator code and no authenticator set-up after it."
        ),
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
