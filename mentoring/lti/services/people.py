"""Who a launch is: the account for (issuer, ``sub``), made on the first launch, kept in step
with the names and e-mail address the platform sends; and the role the launch gives them.

Nobody becomes staff by a launch: platform administrators are tutors at most, in the courses
that launch them."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.text import slugify
from lti_tool.models import LtiUser

from mentoring.core.errors import Forbidden
from mentoring.models import Membership, User

ROLE_PREFIXES = (
    "http://purl.imsglobal.org/vocab/lis/v2/membership#",
    "http://purl.imsglobal.org/vocab/lis/v2/membership/",
)
TUTOR_ROLES = frozenset({"Instructor", "Instructor#TeachingAssistant", "TeachingAssistant"})
MEMBER_ROLES = frozenset({"Learner", "Learner#Learner"})


def _short(role: str) -> str:
    for prefix in ROLE_PREFIXES:
        if role.startswith(prefix):
            return role[len(prefix) :]
    return role


def role_for(roles: list[str] | None) -> str | None:
    """The cohort role for the platform's context roles: Instructor and TeachingAssistant →
    tutor, Learner → member, anything else (Mentor, ContentDeveloper, system and institution
    roles alone) → None."""
    short = {_short(r) for r in roles or [] if isinstance(r, str)}
    if short & TUTOR_ROLES:
        return Membership.Role.TUTOR
    if short & MEMBER_ROLES:
        return Membership.Role.MEMBER
    return None


def _unique_username(seed: str) -> str:
    base = slugify(seed).replace("-", ".")[:30] or "member"
    taken = {
        name.lower()
        for name in User.objects.filter(username__istartswith=base).values_list(
            "username", flat=True
        )
    }
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{base}{n}"
    return candidate


def _address_taken(email: str, *, by_other_than: User | None) -> bool:
    others = User.objects.annotate(e=Lower("email")).filter(e=email.lower())
    if by_other_than is not None and by_other_than.pk:
        others = others.exclude(pk=by_other_than.pk)
    return others.exists()


def _names(claims: dict) -> dict[str, str]:
    given = str(claims.get("given_name") or "")[:150]
    family = str(claims.get("family_name") or "")[:150]
    name = " ".join(str(claims.get("name") or "").split())[:150]
    return {"first_name": given, "last_name": family, "display_name": name}


def _linkable_account(email: str) -> User | None:
    """The account whose *verified* address is ``email``, when the site allows linking."""
    if not settings.LTI_LINK_BY_VERIFIED_EMAIL or not email:
        return None
    address = (
        EmailAddress.objects.select_related("user")
        .filter(email__iexact=email, verified=True, user__is_active=True)
        .first()
    )
    return address.user if address else None


@transaction.atomic
def person_for(*, lti_user: LtiUser, claims: dict) -> User:
    """The account of the launch's person, found by (issuer, ``sub``), else linked by a
    verified address (when allowed), else made; names and address updated from ``claims``."""
    issuer = lti_user.registration.issuer
    known = (
        LtiUser.objects.select_related("auth_user")
        .filter(registration__issuer=issuer, sub=lti_user.sub, auth_user__isnull=False)
        .order_by("pk")
        .first()
    )
    email = str(claims.get("email") or "").strip().lower()[:254]
    user = known.auth_user if known else _linkable_account(email)
    if user is None:
        names = _names(claims)
        seed = email.partition("@")[0] or names["display_name"] or names["first_name"] or "lti"
        user = User(username=_unique_username(seed), **names)
        user.email = "" if not email or _address_taken(email, by_other_than=None) else email
        user.set_unusable_password()
        user.save()
    elif not user.is_active:
        raise Forbidden("account_disabled", "Your Staffroom account is switched off.")
    else:
        _update(user, claims, email)
    if lti_user.auth_user_id != user.pk:
        lti_user.auth_user = user
        lti_user.save(update_fields=["auth_user", "datetime_modified"])
    return user


def _update(user: User, claims: dict, email: str) -> None:
    """Names and the address the platform now sends (an address another account holds is
    left alone: two accounts never share one)."""
    changed = []
    for field, value in _names(claims).items():
        if value and getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if email and user.email.lower() != email and not _address_taken(email, by_other_than=user):
        user.email = email
        changed.append("email")
    if changed:
        user.save(update_fields=changed)
