"""The account's part of a member's data export: who they are, how they sign in, their settings.

Secrets never leave: no password hash, no API token or its hash (its name and first characters
only), no two-factor seed or recovery code (the kind of authenticator and when it was used).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from guardian.models import UserObjectPermission

from mentoring.core.privacy import Provider
from mentoring.models import ApiToken, OutgoingMail, User


def export_account(user: User, now: datetime) -> dict[str, Any]:
    return {
        "account": {
            "id": user.pk,
            "username": user.username,
            "display_name": user.display_name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "shown_name": user.shown_name,
            "email": user.email,
            "is_active": user.is_active,
            "is_staff": user.is_staff,
            "date_joined": user.date_joined,
        },
        "settings": {
            "email_preference": user.email_preference,
            "email_preference_label": User.EmailPreference(user.email_preference).label,
        },
        "sign_in": {
            "last_sign_in": user.last_login,
            "account_created": user.date_joined,
            "two_factor": [
                {"kind": a.type, "created_at": a.created_at, "last_used_at": a.last_used_at}
                for a in Authenticator.objects.filter(user=user).order_by("pk")
            ],
        },
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "api_tokens": [
            {
                "name": t.name,
                "starts_with": t.prefix,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
                "revoked_at": t.revoked_at,
            }
            for t in ApiToken.objects.filter(user=user).order_by("pk")
        ],
        "account_emails_waiting": [
            {"subject": m.subject, "queued_at": m.created_at}
            for m in OutgoingMail.objects.filter(user=user).order_by("pk")
        ],
        "object_permissions": [
            {
                "permission": p.permission.codename,
                "on": p.content_type.model,
                "object_id": p.object_pk,
            }
            for p in UserObjectPermission.objects.filter(user=user)
            .select_related("permission", "content_type")
            .order_by("pk")
        ],
    }


PRIVACY = Provider(
    name="account",
    title="Your account",
    description="Your name, e-mail addresses, settings, sign-in records and API tokens.",
    covers={
        "mentoring.User": ("self",),
        "mentoring.ApiToken": ("user",),
        "mentoring.OutgoingMail": ("user",),
        "account.EmailAddress": ("user",),
        "mfa.Authenticator": ("user",),
        "guardian.UserObjectPermission": ("user",),
    },
    export=export_account,
    parts={
        "account": "Account",
        "settings": "Settings and consent",
        "sign_in": "Sign-in records",
        "email_addresses": "E-mail addresses",
        "api_tokens": "API tokens (never their secrets)",
        "account_emails_waiting": "Account e-mails waiting to be sent",
        "object_permissions": "Permissions on cohorts",
    },
)
