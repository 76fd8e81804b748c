"""Who must use two-factor authentication, and who must sign in through single sign-on (the
sign-in policy staff set in /django-admin/)."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.core.cache import cache

from mentoring.models import SignInPolicy, User
from mentoring.rules.permissions import tutor_memberships

POLICY_CACHE_KEY = SignInPolicy.CACHE_KEY
# allauth records how this session's user proved who they are (``record_authentication``).
AUTHENTICATION_METHODS_SESSION_KEY = "account_authentication_methods"
SSO_METHOD = "socialaccount"


def _policy() -> dict[str, bool]:
    """Read on every page view, so cached; saving the policy clears the cache."""
    policy = cache.get(POLICY_CACHE_KEY)
    if not isinstance(policy, dict):
        row = SignInPolicy.objects.filter(pk=SignInPolicy.SINGLETON_ID).first() or SignInPolicy()
        policy = {
            "two_factor": row.require_two_factor_for_staff_and_tutors,
            "require_sso": row.require_sso_for_staff_and_tutors,
            "sso_counts_as_two_factor": row.sso_counts_as_two_factor,
        }
        cache.set(POLICY_CACHE_KEY, policy, timeout=60)
    return policy


def two_factor_required_for_staff_and_tutors() -> bool:
    return _policy()["two_factor"]


def sso_required_for_staff_and_tutors() -> bool:
    return _policy()["require_sso"]


def sso_counts_as_two_factor() -> bool:
    return _policy()["sso_counts_as_two_factor"]


def is_staff_or_tutor(user: User) -> bool:
    return user.is_staff or tutor_memberships().filter(user=user).exists()


def signed_in_through_sso(session: Any) -> bool:
    """Whether this session's sign-in went through an identity provider."""
    if session is None:
        return False
    records = session.get(AUTHENTICATION_METHODS_SESSION_KEY)
    if not isinstance(records, list):
        return False
    return any(isinstance(r, dict) and r.get("method") == SSO_METHOD for r in records)


def identity_provider_of_session(session: Any) -> int | None:
    """The configured identity provider (allauth ``SocialApp`` id) that signed this session in,
    if one did."""
    from allauth.socialaccount.models import SocialApp
    from django.db.models import Q

    records = session.get(AUTHENTICATION_METHODS_SESSION_KEY) if session is not None else None
    provider = next(
        (
            r.get("provider")
            for r in reversed(records if isinstance(records, list) else [])
            if isinstance(r, dict) and r.get("method") == SSO_METHOD
        ),
        None,
    )
    if not provider:
        return None
    return (
        SocialApp.objects.filter(
            Q(provider_id=provider) | Q(provider=provider, provider_id=""),
            provider__in=["saml", "openid_connect"],
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def must_set_up_two_factor(user: User, *, through_sso: bool = False) -> bool:
    """``through_sso``: the session was signed in through an identity provider, whose own
    second factor counts when the policy says so."""
    if not two_factor_required_for_staff_and_tutors():
        return False
    if through_sso and sso_counts_as_two_factor():
        return False
    if not is_staff_or_tutor(user):
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


def password_refused(user: User) -> bool:
    """Staff and tutors must use single sign-on when the policy says so, once an identity
    provider exists (else nobody could sign in); superusers keep their password to repair it."""
    from allauth.socialaccount.models import SocialApp

    if not sso_required_for_staff_and_tutors() or user.is_superuser:
        return False
    if not SocialApp.objects.exists():
        return False
    return is_staff_or_tutor(user)
