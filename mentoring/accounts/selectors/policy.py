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


def who_must_set_up_two_factor(users: list[User]) -> set[int]:
    """``must_set_up_two_factor`` for many users at once (a crowd of websocket handshakes): the
    ids of those who must, in two queries at most whatever their number."""
    if not users or not two_factor_required_for_staff_and_tutors():
        return set()
    ids = {user.pk for user in users}
    tutors = set(tutor_memberships().filter(user_id__in=ids).values_list("user_id", flat=True))
    bound = {user.pk for user in users if user.is_staff} | tutors
    if not bound:
        return set()
    protected = set(
        Authenticator.objects.filter(user_id__in=bound, type=Authenticator.Type.TOTP).values_list(
            "user_id", flat=True
        )
    )
    return bound - protected
