"""Account signal receivers, connected in ``MentoringConfig.ready``.

Failed sign-ins count towards the lock (``mentoring.accounts.throttle``); accounts from before
allauth get their address row on first sign-in. Sign-out, a new password and deactivation end
access that open websockets still hold. They listen to Django's own hooks rather than to our
views, so every way there (the account pages, the admin, allauth, a password reset,
``changepassword``) closes the affected sockets.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save

from mentoring.accounts import throttle
from mentoring.models import User
from mentoring.realtime import events


def on_logged_out(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        events.session_ended(session_key=session.session_key)


def on_user_saved(sender, instance: User, created: bool, **kwargs) -> None:
    if created:
        return
    if not instance.is_active:
        events.user_deactivated(user_id=instance.pk)
    # ``set_password`` keeps the new raw password on the instance until the save completes;
    # the save that stores it ends the user's other sessions (their hash no longer matches).
    elif getattr(instance, "_password", None) is not None:
        events.sessions_invalidated(user_id=instance.pk)


def count_failed_login(sender, credentials, request=None, **kwargs) -> None:
    """Every failed password check with a request (any login form) counts towards the lock."""
    if request is None:
        return
    account = credentials.get("username") or credentials.get("email") or credentials.get("login")
    throttle.record_failure(request, account)


def record_legacy_email(sender, request, user, **kwargs) -> None:
    """Accounts made before allauth (by operators) have ``user.email`` but no address row.

    The row counts as verified: it is the address an operator entered and password resets have
    always gone to. Unverified, allauth's e-mail change would treat it as the pending new address
    and drop it before the new one is confirmed."""
    if user.email and not EmailAddress.objects.filter(user=user).exists():
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)


def connect() -> None:
    user_login_failed.connect(count_failed_login, dispatch_uid="staffroom-count-failed-login")
    user_logged_in.connect(record_legacy_email, dispatch_uid="staffroom-legacy-email")
    user_logged_out.connect(on_logged_out, dispatch_uid="mentoring.live.logged_out")
    post_save.connect(on_user_saved, sender=User, dispatch_uid="mentoring.live.user_saved")
