"""Account signal receivers, connected in ``MentoringConfig.ready``.

Failed sign-ins and wrong two-factor codes count towards the locks
(``mentoring.accounts.services.throttle``), a sign-in marks the browser, and a password reset
lifts the account's locks; accounts from before allauth get their address row on first sign-in.
Sign-out, a new password and deactivation end access that open websockets still hold. They
listen to Django's own hooks rather than to our views, so every way there (the account pages,
the admin, allauth, a password reset, ``changepassword``) closes the affected sockets.
"""

from __future__ import annotations

from allauth.account import signals as account_signals
from allauth.account.models import EmailAddress
from allauth.mfa import signals as mfa_signals
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save

from mentoring.accounts.services import deletion, throttle
from mentoring.models import User
from mentoring.realtime import events


def on_logged_out(sender, request, user, **kwargs) -> None:
    if request is not None and user is not None:  # the browser forgets their data (middleware)
        request.signed_out = True
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
    """Every failed password check with a request (any login form) counts towards the lock;
    the outcome stays on the request for the form's warning (``StaffroomLoginForm``)."""
    if request is None:
        return
    identifier = credentials.get("username") or credentials.get("email") or credentials.get("login")
    outcome = throttle.record_failure(throttle.attempt(request, identifier))
    setattr(request, throttle.FAILURE_OUTCOME_ATTRIBUTE, outcome)


def remember_sign_in(sender, request, user, **kwargs) -> None:
    """The response marks this browser as one the user signs in from (``throttle``)."""
    if request is not None:
        setattr(request, throttle.SIGNED_IN_ATTRIBUTE, user.pk)


def clear_locks_on_password_reset(sender, request, user, **kwargs) -> None:
    """Resetting the password through the e-mailed link proves the person: lift the locks."""
    throttle.clear_account(user.pk)


def count_wrong_code(sender, request, user, **kwargs) -> None:
    """A wrong two-factor code (or recovery code) counts towards the code lock."""
    if request is not None:
        outcome = throttle.record_failure(
            throttle.Attempt(address="", account=throttle.user_account(user.pk)), throttle.CODE
        )
        setattr(request, throttle.FAILURE_OUTCOME_ATTRIBUTE, outcome)


def record_legacy_email(sender, request, user, **kwargs) -> None:
    """Accounts made before allauth (by operators) have ``user.email`` but no address row.

    The row counts as verified: it is the address an operator entered and password resets have
    always gone to. Unverified, allauth's e-mail change would treat it as the pending new address
    and drop it before the new one is confirmed."""
    if user.email and not EmailAddress.objects.filter(user=user).exists():
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)


def cancel_erasure_on_sign_in(sender, request, user, **kwargs) -> None:
    """Signing in during the cooling-off period keeps the account (the deletion page says so)."""
    if deletion.cancel_on_sign_in(user=user) and request is not None:
        messages.info(
            request, "Welcome back: your account will not be deleted.", fail_silently=True
        )


def connect() -> None:
    user_logged_in.connect(cancel_erasure_on_sign_in, dispatch_uid="staffroom-cancel-erasure")
    user_logged_in.connect(remember_sign_in, dispatch_uid="staffroom-remember-sign-in")
    account_signals.password_reset.connect(
        clear_locks_on_password_reset, dispatch_uid="staffroom-clear-locks-on-reset"
    )
    mfa_signals.authentication_failed.connect(
        count_wrong_code, dispatch_uid="staffroom-count-wrong-code"
    )
    user_login_failed.connect(count_failed_login, dispatch_uid="staffroom-count-failed-login")
    user_logged_in.connect(record_legacy_email, dispatch_uid="staffroom-legacy-email")
    user_logged_out.connect(on_logged_out, dispatch_uid="mentoring.live.logged_out")
    post_save.connect(on_user_saved, sender=User, dispatch_uid="mentoring.live.user_saved")
