"""Sign-out, a new password and deactivation end access that open websockets still hold.

Connected in ``MentoringConfig.ready``. They listen to Django's own hooks rather than to our
views, so every way there (the account pages, the admin, allauth, a password reset,
``changepassword``) closes the affected sockets.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save

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


def connect() -> None:
    user_logged_out.connect(on_logged_out, dispatch_uid="mentoring.live.logged_out")
    post_save.connect(on_user_saved, sender=User, dispatch_uid="mentoring.live.user_saved")
