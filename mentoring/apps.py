from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Mentoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mentoring.accounts import receivers as account_receivers
        from mentoring.boards import receivers as board_receivers
        from mentoring.lti import receivers as lti_receivers
        from mentoring.privacy import receivers as privacy_receivers

        account_receivers.connect()
        board_receivers.connect()
        lti_receivers.connect()
        privacy_receivers.connect()
        _register_privacy_providers()


def _register_privacy_providers() -> None:
    """Each feature's part of a member's data export, in the order the export shows them
    (other apps register theirs in their own ``ready``: mentoring never imports them)."""
    from mentoring.accounts.selectors import privacy as accounts
    from mentoring.boards import selectors as boards
    from mentoring.cohorts import selectors as cohorts
    from mentoring.core.privacy import register
    from mentoring.invitations import selectors as invitations
    from mentoring.lti import selectors as lti
    from mentoring.notifications import selectors as notifications
    from mentoring.participation.selectors import privacy as participation
    from mentoring.privacy.selectors import access_log, erasure, exports

    for feature in (
        accounts,
        cohorts,
        participation,
        boards,
        notifications,
        invitations,
        lti,
        exports,
        access_log,
        erasure,
    ):
        register(feature.PRIVACY)
