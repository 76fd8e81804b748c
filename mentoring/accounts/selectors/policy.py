"""Who must use two-factor authentication (the sign-in policy staff set in /django-admin/)."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.core.cache import cache

from mentoring.models import SignInPolicy, User
from mentoring.rules.permissions import tutor_memberships

POLICY_CACHE_KEY = SignInPolicy.CACHE_KEY


def two_factor_required_for_staff_and_tutors() -> bool:
    """Read on every page view, so cached; saving the policy clears the cache."""
    required = cache.get(POLICY_CACHE_KEY)
    if required is None:
        policy = SignInPolicy.objects.filter(pk=SignInPolicy.SINGLETON_ID).first()
        required = bool(policy and policy.require_two_factor_for_staff_and_tutors)
        cache.set(POLICY_CACHE_KEY, required, timeout=60)
    return required


def must_set_up_two_factor(user: User) -> bool:
    if not two_factor_required_for_staff_and_tutors():
        return False
    if not user.is_staff and not tutor_memberships().filter(user=user).exists():
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
